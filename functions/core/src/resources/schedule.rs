//! Recurring schedules as rules, in the spirit of RFC 5545 RRULE without its bulk: weekly
//! on some weekdays ("毎週 月曜・水曜 10:00〜11:30"), or monthly on the n-th weekday
//! ("毎月 第2月曜 10:00〜11:30", `week = -1` for the last one).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::time::{JstDateTime, days_in_month};

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
/// schema.org DayOfWeek names, Monday first.
pub const DAYS_OF_WEEK: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "freq", rename_all = "lowercase", deny_unknown_fields)]
pub enum Rule {
    Weekly {
        days: Vec<String>,
        start: String,
        end: String,
    },
    Monthly {
        week: i8,
        day: String,
        start: String,
        end: String,
    },
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

fn weekday(day: &str) -> Option<u8> {
    WEEKDAYS.iter().position(|d| *d == day).map(|i| i as u8)
}

/// Weekday indices (Monday 0, sorted) as 「月曜〜水曜・金曜」: three or more days in a row
/// are a span, the rest are listed.
fn weekday_runs_ja(indices: &[u8]) -> String {
    let name = |i: u8| format!("{}曜", WEEKDAYS_JA[usize::from(i)]);
    let mut parts = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let mut j = i;
        while j + 1 < indices.len() && indices[j + 1] == indices[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            parts.push(format!("{}〜{}", name(indices[i]), name(indices[j])));
        } else {
            parts.extend(indices[i..=j].iter().map(|&d| name(d)));
        }
        i = j + 1;
    }
    parts.join("・")
}

/// schema.org's two-letter day names, Monday first (`openingHours`).
const DAYS_SHORT: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

impl Rule {
    /// schema.org `openingHours` text: "Mo,We 09:00-12:00". A monthly rule (第2月曜) has no
    /// such form and gives `None`.
    pub fn opening_hours(&self) -> Option<String> {
        let Rule::Weekly { days, start, end } = self else {
            return None;
        };
        let mut indices: Vec<u8> = days.iter().filter_map(|d| weekday(d)).collect();
        indices.sort_unstable();
        indices.dedup();
        let names: Vec<&str> = indices
            .iter()
            .map(|&i| DAYS_SHORT[usize::from(i)])
            .collect();
        (!names.is_empty()).then(|| format!("{} {start}-{end}", names.join(",")))
    }

    fn times(&self) -> (&str, &str) {
        match self {
            Rule::Weekly { start, end, .. } | Rule::Monthly { start, end, .. } => (start, end),
        }
    }

    /// Every problem with the rule, pointed at `pointer`.
    pub fn check(&self, pointer: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let (start, end) = self.times();
        match (minutes(start), minutes(end)) {
            (Some(s), Some(e)) if s < e => {}
            _ => errors.push(FieldError::new(
                pointer,
                "start and end must be HH:MM with start before end",
                "開始・終了時刻は HH:MM で、開始を終了より前にしてください",
            )),
        }
        match self {
            Rule::Weekly { days, .. }
                if days.is_empty() || days.iter().any(|d| weekday(d).is_none()) =>
            {
                errors.push(FieldError::new(
                    pointer,
                    "days must be some of mon, tue, wed, thu, fri, sat, sun",
                    "曜日は mon〜sun で指定してください",
                ))
            }
            Rule::Monthly { week, day, .. }
                if !(matches!(week, 1..=5 | -1) && weekday(day).is_some()) =>
            {
                errors.push(FieldError::new(
                    pointer,
                    "week must be 1–5 or -1 (last) and day one of mon … sun",
                    "第何週（1〜5、最終は -1）と曜日を指定してください",
                ))
            }
            _ => {}
        }
        errors
    }

    /// Weekdays with a session, one bit each, Monday = 1.
    pub fn days_mask(&self) -> i64 {
        match self {
            Rule::Weekly { days, .. } => days
                .iter()
                .filter_map(|d| weekday(d))
                .fold(0, |m, d| m | (1 << d)),
            Rule::Monthly { day, .. } => weekday(day).map_or(0, |d| 1 << d),
        }
    }

    fn happens_on(&self, date: &JstDateTime) -> bool {
        match self {
            Rule::Weekly { days, .. } => days.iter().any(|d| weekday(d) == Some(date.weekday)),
            Rule::Monthly { week, day, .. } => {
                if weekday(day) != Some(date.weekday) {
                    return false;
                }
                let nth = (date.day - 1) / 7 + 1;
                match week {
                    -1 => date.day + 7 > days_in_month(date.year, date.month),
                    w => i64::from(*w) == nth,
                }
            }
        }
    }

    pub fn is_open_at(&self, at: &JstDateTime) -> bool {
        let (start, end) = self.times();
        let (Some(s), Some(e)) = (minutes(start), minutes(end)) else {
            return false;
        };
        self.happens_on(at) && (s..e).contains(&at.minute_of_day)
    }

    /// As residents read it: "毎週 月曜・水曜 10:00〜11:30", "毎週 月曜〜金曜 9:00〜17:00",
    /// "毎日 …", "毎月 第2月曜 10:00〜11:30". A lone 「月」 reads as "month" too, so every
    /// day is written with 曜.
    pub fn describe_ja(&self) -> String {
        let (start, end) = self.times();
        let ja = |d: &str| weekday(d).map_or("?", |i| WEEKDAYS_JA[usize::from(i)]);
        match self {
            Rule::Weekly { days, .. } => {
                let mut indices: Vec<u8> = days.iter().filter_map(|d| weekday(d)).collect();
                indices.sort_unstable();
                indices.dedup();
                if indices.len() == WEEKDAYS_JA.len() {
                    return format!("毎日 {start}〜{end}");
                }
                format!("毎週 {} {start}〜{end}", weekday_runs_ja(&indices))
            }
            Rule::Monthly { week: -1, day, .. } => format!("毎月 最終{}曜 {start}〜{end}", ja(day)),
            Rule::Monthly { week, day, .. } => format!("毎月 第{week}{}曜 {start}〜{end}", ja(day)),
        }
    }
}

pub fn open_days(rules: &[Rule]) -> i64 {
    rules.iter().fold(0, |m, r| m | r.days_mask())
}

pub fn is_open_at(rules: &[Rule], at: &JstDateTime) -> bool {
    rules.iter().any(|r| r.is_open_at(at))
}

/// Reads the days of the week of an open-data column: "月,水,金", "月～金", "平日", "毎日",
/// "土日祝". Returns the weekday names it found, Monday first.
pub fn parse_days_ja(text: &str) -> Vec<String> {
    let mut mask = 0u8;
    if text.contains("毎日") || text.contains("全日") || text.contains("年中無休") {
        mask = 0x7f;
    }
    if text.contains("平日") {
        mask |= 0x1f;
    }
    // Words with 日 in them that do not mean Sunday.
    let text = ["平日", "毎日", "全日", "祝日", "休日"]
        .iter()
        .fold(text.to_owned(), |t, w| t.replace(w, ""));
    let chars: Vec<char> = text.chars().collect();
    let index = |c: char| WEEKDAYS_JA.iter().position(|d| d.starts_with(c));
    let mut i = 0;
    while i < chars.len() {
        if let Some(from) = index(chars[i]) {
            // A range: 月～金, 月〜金, 月-金, 月から金
            let dash = chars.get(i + 1).copied();
            if matches!(dash, Some('～' | '〜' | '-' | '－' | 'ー' | '~'))
                && let Some(to) = chars.get(i + 2).and_then(|c| index(*c))
            {
                let mut d = from;
                loop {
                    mask |= 1 << d;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
                i += 3;
                continue;
            }
            mask |= 1 << from;
        }
        i += 1;
    }
    (0..7)
        .filter(|d| mask & (1 << d) != 0)
        .map(|d| WEEKDAYS[d].to_owned())
        .collect()
}

/// "9:00", "09:00", "9時", "9時30分", "0900" → "09:00".
pub fn parse_time_ja(text: &str) -> Option<String> {
    let t: String = crate::text::fold(text)
        .replace(['時', '.'], ":")
        .replace('分', "");
    let t = t.trim().trim_end_matches(':');
    let (h, m) = match t.split_once(':') {
        Some((h, m)) => (
            h.trim().parse::<u32>().ok()?,
            if m.is_empty() {
                0
            } else {
                m.trim().parse().ok()?
            },
        ),
        None if t.len() == 4 => (t[..2].parse().ok()?, t[2..].parse().ok()?),
        None => (t.parse().ok()?, 0),
    };
    (h <= 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::jst;

    fn monthly(week: i8, day: &str) -> Rule {
        Rule::Monthly {
            week,
            day: day.into(),
            start: "10:00".into(),
            end: "11:30".into(),
        }
    }

    #[test]
    fn second_monday_and_last_friday() {
        // 2026-11-09 is the second Monday of November 2026; 10:30 JST = 01:30 UTC.
        let at = jst(1_794_187_800_000);
        assert_eq!((at.month, at.day, at.weekday), (11, 9, 0));
        assert!(monthly(2, "mon").is_open_at(&at));
        assert!(!monthly(1, "mon").is_open_at(&at));
        // 2026-11-27 is the last Friday.
        let last = jst(1_795_743_000_000);
        assert_eq!((last.day, last.weekday), (27, 4));
        assert!(monthly(-1, "fri").is_open_at(&last));
        assert_eq!(monthly(2, "mon").describe_ja(), "毎月 第2月曜 10:00〜11:30");
    }

    #[test]
    fn weekly_rules_mask_and_describe() {
        let r = Rule::Weekly {
            days: vec!["mon".into(), "wed".into()],
            start: "09:00".into(),
            end: "12:00".into(),
        };
        assert_eq!(r.days_mask(), 0b101);
        assert_eq!(r.describe_ja(), "毎週 月曜・水曜 09:00〜12:00");
        assert_eq!(r.opening_hours().as_deref(), Some("Mo,We 09:00-12:00"));
        assert_eq!(monthly(2, "mon").opening_hours(), None);
        let weekly = |days: &[&str]| Rule::Weekly {
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            start: "09:00".into(),
            end: "17:00".into(),
        };
        assert_eq!(
            weekly(&["fri", "mon", "tue", "wed", "thu"]).describe_ja(),
            "毎週 月曜〜金曜 09:00〜17:00"
        );
        assert_eq!(
            weekly(&["mon", "tue", "wed", "fri", "sun"]).describe_ja(),
            "毎週 月曜〜水曜・金曜・日曜 09:00〜17:00"
        );
        assert_eq!(
            weekly(&["sat", "sun"]).describe_ja(),
            "毎週 土曜・日曜 09:00〜17:00"
        );
        assert_eq!(
            weekly(&["mon", "tue", "wed", "thu", "fri", "sat", "sun", "mon"]).describe_ja(),
            "毎日 09:00〜17:00"
        );
        assert!(r.check("#/schedule/0").is_empty());
        let bad = Rule::Weekly {
            days: vec!["moon".into()],
            start: "12:00".into(),
            end: "09:00".into(),
        };
        assert_eq!(bad.check("#/schedule/0").len(), 2);
    }

    #[test]
    fn reads_open_data_days_and_times() {
        assert_eq!(parse_days_ja("月～金"), ["mon", "tue", "wed", "thu", "fri"]);
        assert_eq!(parse_days_ja("月,水,金"), ["mon", "wed", "fri"]);
        assert_eq!(parse_days_ja("平日"), ["mon", "tue", "wed", "thu", "fri"]);
        assert_eq!(parse_days_ja("毎日").len(), 7);
        assert_eq!(parse_days_ja("土日"), ["sat", "sun"]);
        assert_eq!(parse_time_ja("9:00").as_deref(), Some("09:00"));
        assert_eq!(parse_time_ja("９時３０分").as_deref(), Some("09:30"));
        assert_eq!(parse_time_ja("1730").as_deref(), Some("17:30"));
        assert_eq!(parse_time_ja("夕方"), None);
    }
}
