//! Community resources (地域資源): the model, its validation and its rows. Search, import,
//! export and the demo region have modules of their own.
//!
//! Why this file is over 400 lines: every check of a resource's fields is here
//! (`ResourceFields::check`), so the API, the imports and the admin page refuse the same
//! things with the same messages.

pub mod demo;
pub mod export;
pub mod hazard;
pub mod import;
pub mod layouts;
pub mod managed;
pub mod published;
pub mod schedule;
pub mod search;
pub mod search_words;
pub mod words;

mod rows;

pub use rows::{Provenance, SELECT, from_row, insert_statement, update_statement};

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::{Database, Statement, StoreError};
use crate::text::fold;
use hazard::Hazards;
use schedule::Rule;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not shown to residents until published.
    #[default]
    Draft,
    Published,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Closed => "closed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Status, StoreError> {
        match s {
            "draft" => Ok(Status::Draft),
            "published" => Ok(Status::Published),
            "closed" => Ok(Status::Closed),
            other => Err(StoreError::Backend(format!("unknown status {other}"))),
        }
    }
}

fn default_status() -> Status {
    Status::Draft
}

/// What an administrator (or an import) says about a resource. The body of
/// `POST /api/v1/public/resources` and `PUT /api/v1/public/resources/{id}`.
/// (`Default` for code that sets a few fields: empty, a draft, which `check` refuses.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceFields {
    pub municipality_code: String,
    pub category: String,
    pub name: String,
    #[serde(default)]
    pub name_kana: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lng: Option<f64>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The resource's own homepage (`url` is the page we publish).
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub fee: Option<String>,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub capacity: Option<u32>,
    #[serde(default)]
    pub wheelchair: Option<bool>,
    #[serde(default)]
    pub accessible_toilet: Option<bool>,
    #[serde(default)]
    pub parking: Option<bool>,
    /// The hazards an evacuation site is designated for (only for `disaster.*`).
    #[serde(default)]
    pub hazards: Hazards,
    /// Whether the place is a 指定避難所, a shelter to stay in.
    #[serde(default)]
    pub shelter: Option<bool>,
    /// 診療科目 of a medical institution, one word each (内科, 小児科).
    /// Left out of the JSON when empty so that the content hash of other rows stays as it
    /// was before the field existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departments: Vec<String>,
    #[serde(default)]
    pub schedule: Vec<Rule>,
    #[serde(default)]
    pub schedule_note: Option<String>,
    #[serde(default = "default_status")]
    pub status: Status,
    #[serde(default)]
    pub verified_on: Option<String>,
}

/// A stored resource, as the API returns it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resource {
    pub id: String,
    pub url: String,
    /// The town's name, and the district (町・字) read from the address: what tells two
    /// places of the same name apart.
    pub municipality_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    pub category_name: String,
    pub category_name_en: String,
    pub schema_type: String,
    pub schedule_text: Vec<String>,
    #[serde(flatten)]
    pub fields: ResourceFields,
    pub source: String,
    pub created_at: String,
    pub updated_at: String,
}

fn trimmed(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl ResourceFields {
    /// Trims text and turns blanks into "not given".
    pub fn normalized(mut self) -> ResourceFields {
        for field in [
            &mut self.name_kana,
            &mut self.description,
            &mut self.address,
            &mut self.phone,
            &mut self.website,
            &mut self.fee,
            &mut self.target,
            &mut self.schedule_note,
            &mut self.verified_on,
        ] {
            *field = trimmed(field).map(str::to_owned);
        }
        self.name = self.name.trim().to_owned();
        self.municipality_code = self.municipality_code.trim().to_owned();
        self.category = self.category.trim().to_owned();
        let mut departments: Vec<String> = Vec::new();
        for d in &self.departments {
            let d = d.trim();
            if !d.is_empty() && !departments.iter().any(|k| k == d) {
                departments.push(d.to_owned());
            }
        }
        self.departments = departments;
        self
    }

    /// Every field problem that can be seen without the store.
    pub fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
        let len = |s: &str| s.chars().count();
        if self.name.is_empty() || len(&self.name) > 200 {
            err(
                "#/name",
                "name is required, at most 200 characters",
                "名称は必須です（200文字まで）",
            );
        }
        if !crate::public::municipalities::is_code(&self.municipality_code) {
            err(
                "#/municipality_code",
                "must be a 5-digit municipality code",
                "5桁の市区町村コードを指定してください",
            );
        }
        if let Some(kana) = &self.name_kana
            && !fold(kana)
                .chars()
                .all(|c| matches!(c, 'ぁ'..='ゖ' | 'ー' | '・' | ' ' | 'a'..='z' | '0'..='9'))
        {
            err(
                "#/name_kana",
                "must be written in kana",
                "ふりがなはかなで入力してください",
            );
        }
        match (self.lat, self.lng) {
            (None, None) => {}
            (Some(lat), Some(lng)) => {
                if !(20.0..=46.0).contains(&lat) {
                    err(
                        "#/lat",
                        "must be a latitude in Japan (20–46)",
                        "日本国内の緯度（20〜46）を指定してください",
                    );
                }
                if !(122.0..=154.0).contains(&lng) {
                    err(
                        "#/lng",
                        "must be a longitude in Japan (122–154)",
                        "日本国内の経度（122〜154）を指定してください",
                    );
                }
            }
            _ => err(
                "#/lat",
                "give both latitude and longitude, or neither",
                "緯度と経度は両方指定してください",
            ),
        }
        if let Some(phone) = &self.phone
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')' | ' ' | '+'))
        {
            err(
                "#/phone",
                "may hold digits, spaces, + ( ) and - only",
                "電話番号は数字とハイフンで入力してください",
            );
        }
        if let Some(url) = &self.website
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            err(
                "#/website",
                "must start with https:// or http://",
                "URL は https:// で始めてください",
            );
        }
        for (field, value) in [
            ("#/description", &self.description),
            ("#/schedule_note", &self.schedule_note),
        ] {
            if value.as_deref().is_some_and(|v| len(v) > 4000) {
                err(field, "at most 4000 characters", "4000文字までです");
            }
        }
        if let Some(date) = &self.verified_on
            && !is_date(date)
        {
            err(
                "#/verified_on",
                "must be a date YYYY-MM-DD",
                "日付は YYYY-MM-DD で入力してください",
            );
        }
        if !self.hazards.is_empty() && !self.category.starts_with("disaster.") {
            err(
                "#/hazards",
                "only evacuation sites and shelters (disaster.*) are designated for hazards",
                "対応する災害は避難場所・避難所（防災の分類）にだけ指定できます",
            );
        }
        if !self.departments.is_empty() && !self.category.starts_with("medical") {
            err(
                "#/departments",
                "only medical institutions (medical.*) have departments",
                "診療科目は医療機関（医療の分類）にだけ指定できます",
            );
        }
        if self.departments.len() > 40
            || self
                .departments
                .iter()
                .any(|d| len(d) > 30 || d.chars().any(char::is_control))
        {
            err(
                "#/departments",
                "at most 40 departments of at most 30 characters each, without line breaks",
                "診療科目は40件まで、各30文字まで（改行なし）です",
            );
        }
        for (i, rule) in self.schedule.iter().enumerate() {
            errors.extend(rule.check(&format!("#/schedule/{i}")));
        }
        errors
    }

    pub fn geohash(&self) -> Option<String> {
        crate::geo::encode(self.lat?, self.lng?)
    }

    pub fn sort_key(&self) -> String {
        fold(self.name_kana.as_deref().unwrap_or(&self.name))
    }

    /// The words search matches in the text: names, address, description, departments.
    /// Not the category's name: a word in it names the category, which search tests as a
    /// category (`words::understand`), so that the places of a category can be read from
    /// the category's index in kana order, not each one found in the text index.
    pub fn search_text(&self) -> String {
        let parts = [
            Some(self.name.as_str()),
            self.name_kana.as_deref(),
            self.address.as_deref(),
            self.target.as_deref(),
            self.description.as_deref(),
        ];
        let departments = self.departments.join(" ");
        fold(
            &parts
                .into_iter()
                .flatten()
                .chain(std::iter::once(departments.as_str()))
                .collect::<Vec<_>>()
                .join(" "),
        )
    }
}

/// The district (町・字) of an address in town `town`: 「愛知県北名古屋市久地野3丁目12番地」
/// gives 「久地野」. Read up to the first number, 丁目 or 番地.
pub fn district_of(address: &str, town: &str) -> Option<String> {
    let address = crate::text::nfkc(address);
    let rest = match address.find(town).filter(|_| !town.is_empty()) {
        Some(at) => &address[at + town.len()..],
        None => return None,
    };
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix("大字")
        .or_else(|| rest.strip_prefix("字"))
        .unwrap_or(rest);
    let district: String = rest
        .chars()
        .take_while(|c| !c.is_ascii_digit() && !matches!(c, '丁' | '番' | '-' | ' ' | '('))
        .collect();
    (!district.is_empty() && district.chars().count() <= 20).then_some(district)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The Japanese labels of every category, code → label.
pub async fn category_labels(env: &Env) -> Result<Vec<(String, String)>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query("SELECT code, name_ja FROM categories ORDER BY sort", &[])
        .await?;
    rows.iter()
        .map(|r| Ok((r.text("code")?.to_owned(), r.text("name_ja")?.to_owned())))
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}

/// Checks what needs the store (the category and municipality exist) on top of `check`.
async fn validate(env: &Env, f: &ResourceFields) -> Result<(), Error> {
    let mut errors = f.check();
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT (SELECT name_ja FROM categories WHERE code = ?1) AS label, \
             EXISTS (SELECT 1 FROM municipalities WHERE code = ?2) AS known",
            &[
                f.category.clone().into(),
                f.municipality_code.clone().into(),
            ],
        )
        .await?;
    let row = rows
        .first()
        .ok_or_else(|| StoreError::Backend("no row".into()))?;
    let label = row.opt_text("label")?.map(str::to_owned);
    if label.is_none() {
        errors.push(FieldError::new(
            "#/category",
            "unknown category",
            "分類が登録されていません",
        ));
    }
    if row.int("known")? == 0 && !errors.iter().any(|e| e.pointer == "#/municipality_code") {
        errors.push(FieldError::new(
            "#/municipality_code",
            "unknown municipality",
            "市区町村が登録されていません",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

pub async fn get(env: &Env, id: &str) -> Result<Option<Resource>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(&format!("{SELECT} WHERE r.id = ?1"), &[id.into()])
        .await?;
    Ok(rows.first().map(|r| from_row(&r)).transpose()?)
}

/// Creates a resource; returns it as stored.
pub async fn create(env: &Env, fields: ResourceFields) -> Result<Resource, Error> {
    let fields = fields.normalized();
    validate(env, &fields).await?;
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let from = Provenance {
        source: "manual",
        key: None,
        hash: None,
    };
    let sql = env.sql(Database::Public).await?;
    sql.batch(&[insert_statement(&id, &fields, &from, &now)])
        .await?;
    get(env, &id).await?.ok_or(Error::NotFound)
}

/// Replaces the content of resource `id`; `None` when there is no such resource.
pub async fn update(
    env: &Env,
    id: &str,
    fields: ResourceFields,
) -> Result<Option<Resource>, Error> {
    let fields = fields.normalized();
    validate(env, &fields).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Public).await?;
    let done = sql
        .batch(&[
            update_statement(id, &fields, None, &now),
            Statement::new("SELECT changes() AS n", vec![]),
        ])
        .await?;
    let changed = done
        .get(1)
        .and_then(|r| r.first())
        .map(|r| r.int("n"))
        .transpose()?;
    if changed == Some(0) {
        return Ok(None);
    }
    get(env, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ResourceFields {
        serde_json::from_str(
            r#"{"municipality_code":"23233","category":"gathering.exercise","name":" いきいき体操教室 ",
                "name_kana":"イキイキタイソウキョウシツ","lat":35.2,"lng":136.85,
                "schedule":[{"freq":"monthly","week":2,"day":"mon","start":"10:00","end":"11:30"}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn derived_columns_fold_and_locate() {
        let f = fields().normalized();
        assert_eq!(f.name, "いきいき体操教室");
        assert_eq!(f.sort_key(), "いきいきたいそうきょうしつ");
        assert!(f.search_text().contains("たいそう"));
        // The category's name is searched as the category, not in the text.
        let f = ResourceFields {
            category: "gathering.salon".into(),
            name: "みどり会館".into(),
            name_kana: None,
            ..f
        };
        assert_eq!(f.search_text(), "みどり会館");
        assert_eq!(f.geohash().unwrap().len(), 9);
        assert!(f.check().is_empty(), "{:?}", f.check());
        assert_eq!(f.status, Status::Draft);
    }

    #[test]
    fn districts_are_read_from_addresses() {
        assert_eq!(
            district_of("愛知県北名古屋市久地野3丁目12番地", "北名古屋市").as_deref(),
            Some("久地野")
        );
        assert_eq!(
            district_of(
                "愛知県西春日井郡豊山町大字豊場字新栄２６０",
                "西春日井郡豊山町"
            )
            .as_deref(),
            Some("豊場字新栄")
        );
        assert_eq!(district_of("東京都千代田区", "清須市"), None);
    }

    #[test]
    fn check_reports_each_bad_field() {
        let mut f = fields();
        f.name = String::new();
        f.lat = Some(99.0);
        f.website = Some("javascript:alert(1)".into());
        f.phone = Some("call me".into());
        let pointers: Vec<String> = f.check().into_iter().map(|e| e.pointer).collect();
        assert_eq!(pointers, ["#/name", "#/lat", "#/phone", "#/website"]);
    }

    #[test]
    fn statements_stay_within_d1_parameter_limits() {
        let f = fields();
        let from = Provenance {
            source: "manual",
            key: None,
            hash: None,
        };
        let insert = insert_statement("id", &f, &from, "now");
        assert!(insert.params.len() < 100);
        assert!(insert.sql.contains(&format!("?{}", insert.params.len())));
        let update = update_statement("id", &f, None, "now");
        assert_eq!(update.params.len(), 31);
    }
}
