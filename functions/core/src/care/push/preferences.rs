//! What each professional wants to be told: everything, consultations and mentions only,
//! or nothing; and quiet hours in Japan time, during which messages wait.

use serde::{Deserialize, Serialize};

use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Every post, comment, project post and message.
    All,
    /// 相談 posts, mentions (@名前) and direct messages only.
    Consultation,
    None,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::All => "all",
            Level::Consultation => "consultation",
            Level::None => "none",
        }
    }

    fn parse(text: &str) -> Level {
        match text {
            "consultation" => Level::Consultation,
            "none" => Level::None,
            _ => Level::All,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    pub level: Level,
    /// `HH:MM`, Japan time; both or neither.
    #[serde(default)]
    pub quiet_from: Option<String>,
    #[serde(default)]
    pub quiet_until: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            level: Level::All,
            quiet_from: None,
            quiet_until: None,
        }
    }
}

/// Minutes since midnight of `HH:MM` (00:00–23:59).
pub fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl Preferences {
    /// Quiet hours as minutes of the day, when set.
    pub fn quiet(&self) -> Option<(u32, u32)> {
        Some((
            minutes(self.quiet_from.as_deref()?)?,
            minutes(self.quiet_until.as_deref()?)?,
        ))
    }

    /// How long from `now` until the quiet hours end, if they hold now.
    pub fn quiet_left_ms(&self, now_millis: i64) -> Option<i64> {
        let (from, until) = self.quiet()?;
        let t = crate::time::jst(now_millis).minute_of_day;
        let inside = if from <= until {
            from <= t && t < until
        } else {
            t >= from || t < until
        };
        inside.then(|| i64::from((until + 24 * 60 - t) % (24 * 60)) * 60_000)
    }

    fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (pointer, value) in [
            ("#/quiet_from", &self.quiet_from),
            ("#/quiet_until", &self.quiet_until),
        ] {
            if value.as_deref().is_some_and(|v| minutes(v).is_none()) {
                errors.push(FieldError::new(
                    pointer,
                    "HH:MM, 00:00 to 23:59",
                    "時刻は 22:00 のように入力してください",
                ));
            }
        }
        if self.quiet_from.is_some() != self.quiet_until.is_some()
            || (self.quiet().is_some_and(|(f, u)| f == u))
        {
            errors.push(FieldError::new(
                "#/quiet_until",
                "give both ends of the quiet hours, and different times",
                "通知を止める時間は開始と終了を別の時刻で入力してください",
            ));
        }
        errors
    }
}

pub async fn get(env: &Env, professional: &str) -> Result<Preferences, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT level, quiet_from, quiet_until FROM notification_settings WHERE professional_id = ?1",
            &[professional.into()],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(Preferences::default());
    };
    Ok(Preferences {
        level: Level::parse(row.text("level")?),
        quiet_from: row.opt_text("quiet_from")?.map(str::to_owned),
        quiet_until: row.opt_text("quiet_until")?.map(str::to_owned),
    })
}

pub async fn put(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: Preferences,
) -> Result<Preferences, Error> {
    let errors = input.check();
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    env.sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "INSERT INTO notification_settings (professional_id, level, quiet_from, quiet_until, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (professional_id) DO UPDATE SET level = excluded.level, \
                 quiet_from = excluded.quiet_from, quiet_until = excluded.quiet_until, updated_at = excluded.updated_at",
                vec![
                    caller.sub.clone().into(),
                    input.level.as_str().into(),
                    input.quiet_from.clone().into(),
                    input.quiet_until.clone().into(),
                    now.into(),
                ],
            ),
            audit::statement(env, req, Some(&caller.sub), "notification.settings", None, Outcome::Allowed),
        ])
        .await?;
    Ok(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet(from: &str, until: &str) -> Preferences {
        Preferences {
            level: Level::All,
            quiet_from: Some(from.into()),
            quiet_until: Some(until.into()),
        }
    }

    /// 2026-11-26 13:30 UTC is 22:30 in Japan.
    const AT_2230_JST: i64 = 1_795_699_800_000;

    #[test]
    fn quiet_hours_over_midnight_hold_until_they_end() {
        assert_eq!(crate::time::jst(AT_2230_JST).minute_of_day, 22 * 60 + 30);
        assert_eq!(
            quiet("22:00", "07:00").quiet_left_ms(AT_2230_JST),
            Some(510 * 60_000)
        );
        assert_eq!(quiet("08:00", "18:00").quiet_left_ms(AT_2230_JST), None);
        assert_eq!(
            quiet("22:30", "22:31").quiet_left_ms(AT_2230_JST),
            Some(60_000)
        );
        assert_eq!(Preferences::default().quiet_left_ms(AT_2230_JST), None);
    }

    #[test]
    fn refuses_half_or_malformed_quiet_hours() {
        assert!(quiet("22:00", "07:00").check().is_empty());
        assert!(!quiet("24:00", "07:00").check().is_empty());
        assert!(!quiet("7:00", "08:00").check().is_empty());
        assert!(!quiet("07:00", "07:00").check().is_empty());
        let half = Preferences {
            quiet_until: None,
            ..quiet("22:00", "07:00")
        };
        assert!(!half.check().is_empty());
    }
}
