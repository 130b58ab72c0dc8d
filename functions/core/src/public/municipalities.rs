//! The municipalities of the region a deployment serves (全国地方公共団体コード, 5 digits).

use ::http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::env::Env;
use crate::error::Error;
use crate::http::{Response, json};
use crate::ports::{Database, Statement};

#[derive(Debug, Serialize, PartialEq)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub name_kana: String,
    pub name_en: String,
    pub prefecture: String,
    pub lat: f64,
    pub lng: f64,
}

fn from_row(row: &crate::ports::Row<'_>) -> Result<Municipality, crate::ports::StoreError> {
    Ok(Municipality {
        code: row.text("code")?.to_owned(),
        name: row.text("name")?.to_owned(),
        name_kana: row.text("name_kana")?.to_owned(),
        name_en: row.text("name_en")?.to_owned(),
        prefecture: row.text("prefecture")?.to_owned(),
        lat: row.real("lat")?,
        lng: row.real("lng")?,
    })
}

pub async fn list(env: &Env) -> Result<Vec<Municipality>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT code, name, name_kana, name_en, prefecture, lat, lng \
             FROM municipalities ORDER BY code",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| from_row(&row))
        .collect::<Result<_, _>>()?)
}

/// `GET /api/v1/public/municipalities`: public and slow-changing, so shared caches may keep
/// it for five minutes and serve it stale for a day while they revalidate.
pub async fn get(env: &Env) -> Result<Response, Error> {
    #[derive(Serialize)]
    struct Body {
        items: Vec<Municipality>,
    }
    let items = list(env).await?;
    let mut response = json(StatusCode::OK, &Body { items });
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60, s-maxage=300, stale-while-revalidate=86400"),
    );
    Ok(response)
}

/// The body of `PUT /api/v1/public/municipalities/{code}`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MunicipalityInput {
    pub name: String,
    pub name_kana: String,
    pub name_en: String,
    pub prefecture: String,
    pub lat: f64,
    pub lng: f64,
}

/// A 5-digit local government code (全国地方公共団体コード without its check digit).
pub fn is_code(code: &str) -> bool {
    code.len() == 5 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The check digit of a 5-digit local government code: the digits weighted 6, 5, 4, 3, 2,
/// summed, and 11 less the sum's remainder by 11, its last digit.
pub fn check_digit(code: &str) -> Option<u8> {
    if !is_code(code) {
        return None;
    }
    let sum: u32 = code
        .bytes()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    u8::try_from((11 - sum % 11) % 10).ok()
}

/// The 5-digit codes a cell may mean, as files write codes: the 6-digit form with its
/// check digit (which must agree), the 5-digit form, or either with its leading zero lost
/// in a spreadsheet (`92011` for 宇都宮市's `092011`). A 5-digit cell can be read both
/// ways (`11002` is 札幌市's `011002` without its zero, or a code of prefecture 11), so
/// the caller compares every reading with the town it expects.
pub fn code_readings(text: &str) -> Vec<String> {
    let digits = crate::text::fold(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let with_check = |six: &str| {
        let (code, check) = six.split_at(5);
        (check_digit(code) == check.parse::<u8>().ok()).then(|| code.to_owned())
    };
    // A prefecture number is 01–47.
    let prefecture_ok = |code: &str| code[..2].parse::<u8>().is_ok_and(|p| (1..=47).contains(&p));
    match digits.len() {
        6 => with_check(&digits).into_iter().collect(),
        5 => [
            Some(digits.clone()).filter(|c| prefecture_ok(c)),
            with_check(&format!("0{digits}")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        4 => Some(format!("0{digits}"))
            .filter(|c| prefecture_ok(c))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `code` is a municipality of this deployment (in the public database's list),
/// for records that name a town: a well-formed code of no town here is as wrong as a typo.
pub async fn is_known(env: &crate::env::Env, code: &str) -> Result<bool, Error> {
    if !is_code(code) {
        return Ok(false);
    }
    let rows = env
        .sql(crate::ports::Database::Public)
        .await?
        .query(
            "SELECT EXISTS (SELECT 1 FROM municipalities WHERE code = ?1) AS known",
            &[code.into()],
        )
        .await?;
    Ok(rows.first().map(|r| r.int("known")).transpose()? == Some(1))
}

/// The field error for a municipality code that is not one of this deployment's towns,
/// saying how to register it.
pub fn unknown(pointer: &str, code: &str) -> crate::error::FieldError {
    let how = format!(
        "register it first: rainbownet municipality add {code} NAME --kana … --name-en … \
         --prefecture … --lat … --lng …, or PUT /api/v1/public/municipalities/{code}"
    );
    crate::error::FieldError::new(
        pointer,
        format!("{code} is not a municipality of this network; {how}"),
        format!("{code} はこのネットワークの市区町村として登録されていません。{how}"),
    )
}

/// Checks every field and reports all failures at once.
pub fn validate(code: &str, input: &MunicipalityInput) -> Result<(), Error> {
    use crate::error::FieldError;
    let mut errors = Vec::new();
    if !is_code(code) {
        errors.push(FieldError::new(
            "code",
            "must be the 5-digit local government code",
            "5桁の全国地方公共団体コードを指定してください",
        ));
    }
    let text = |pointer: &str, value: &str, max: usize, errors: &mut Vec<FieldError>| {
        let len = value.trim().chars().count();
        if len == 0 || len > max {
            errors.push(FieldError::new(
                pointer,
                format!("must be 1 to {max} characters"),
                format!("1〜{max}文字で入力してください"),
            ));
        }
    };
    text("#/name", &input.name, 50, &mut errors);
    text("#/name_kana", &input.name_kana, 100, &mut errors);
    text("#/name_en", &input.name_en, 100, &mut errors);
    text("#/prefecture", &input.prefecture, 10, &mut errors);
    if !input
        .name_kana
        .chars()
        .all(|c| matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | ' ' | '　'))
    {
        errors.push(FieldError::new(
            "#/name_kana",
            "must be kana",
            "ふりがな（かな）で入力してください",
        ));
    }
    // Japan lies within these bounds (Okinotorishima to Etorofu, Yonaguni to Minamitorishima).
    if !(20.0..=46.0).contains(&input.lat) {
        errors.push(FieldError::new(
            "#/lat",
            "must be a latitude in Japan (20–46)",
            "日本国内の緯度（20〜46）を指定してください",
        ));
    }
    if !(122.0..=154.0).contains(&input.lng) {
        errors.push(FieldError::new(
            "#/lng",
            "must be a longitude in Japan (122–154)",
            "日本国内の経度（122〜154）を指定してください",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// `PUT /api/v1/public/municipalities/{code}` (administrators): creates or replaces.
pub async fn put(env: &Env, code: &str, input: MunicipalityInput) -> Result<Response, Error> {
    let (municipality, created) = upsert(env, code, input).await?;
    Ok(json(
        if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        },
        &municipality,
    ))
}

/// Creates or replaces a municipality of the network; true when it is new. The API and
/// `rainbownet municipality add` both come here.
pub async fn upsert(
    env: &Env,
    code: &str,
    input: MunicipalityInput,
) -> Result<(Municipality, bool), Error> {
    validate(code, &input)?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Public).await?;
    // Whether it existed is read in the same transaction as the write: comparing
    // created_at with updated_at called a replace within the same millisecond a creation.
    let results = sql
        .batch(&[
            Statement::new(
                "SELECT EXISTS (SELECT 1 FROM municipalities WHERE code = ?1) AS existed",
                vec![code.into()],
            ),
            Statement::new(
            "INSERT INTO municipalities (code, name, name_kana, name_en, prefecture, lat, lng, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_kana = excluded.name_kana, \
             name_en = excluded.name_en, prefecture = excluded.prefecture, lat = excluded.lat, \
             lng = excluded.lng, updated_at = excluded.updated_at \
             RETURNING code, name, name_kana, name_en, prefecture, lat, lng",
            vec![
                code.into(),
                input.name.trim().into(),
                input.name_kana.trim().into(),
                input.name_en.trim().into(),
                input.prefecture.trim().into(),
                input.lat.into(),
                input.lng.into(),
                now.into(),
            ],
            ),
        ])
        .await?;
    let existed = results
        .first()
        .and_then(|rows| rows.first())
        .map(|r| r.int("existed"))
        .transpose()?
        == Some(1);
    let row = results
        .get(1)
        .and_then(|rows| rows.first())
        .ok_or_else(|| crate::ports::StoreError::Backend("upsert returned no row".into()))?;
    let created = !existed;
    Ok((from_row(&row)?, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_with_check_digits_and_lost_zeros() {
        assert_eq!(check_digit("23233"), Some(5));
        assert_eq!(code_readings("232335"), ["23233"]);
        assert!(code_readings("232336").is_empty(), "a wrong check digit");
        assert_eq!(code_readings("23233"), ["23233"]);
        assert_eq!(code_readings("０１１００"), ["01100"]);
        assert_eq!(code_readings("92011"), ["09201"], "6 digits less the zero");
        // 札幌市 011002 without its zero: both readings are offered.
        assert_eq!(code_readings("11002"), ["11002", "01100"]);
        assert_eq!(code_readings("1100"), ["01100"]);
        assert!(code_readings("abc").is_empty());
    }
}
