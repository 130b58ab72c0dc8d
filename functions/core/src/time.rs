//! Time formatting without a clock dependency: the time itself comes from the clock port.

/// `2026-11-24T21:52:03.123Z` for milliseconds since the Unix epoch.
pub fn iso8601(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp: `2026-11-24T21:52:03Z`,
/// with an optional fraction and `Z` or a `±HH:MM` offset. Phones send their own offset;
/// everything is stored as UTC so that times sort as text.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let digits = |from: usize, to: usize| -> Option<i64> {
        let part = text.get(from..to)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let bytes = text.as_bytes();
    if bytes.len() < 20
        || bytes[4] != b'-'
        || bytes[7] != b'-'
        || !matches!(bytes[10], b'T' | b't' | b' ')
        || bytes[13] != b':'
        || bytes[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 7)?, digits(8, 10)?);
    let (hour, minute, second) = (digits(11, 13)?, digits(14, 16)?, digits(17, 19)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let first3 = format!("{:0<3}", &fraction[..len.min(3)]);
        millis = first3.parse::<i64>().ok()?;
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
            let sign = match rest.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hh: i64 = rest[1..3].parse().ok()?;
            let mm: i64 = rest[4..6].parse().ok()?;
            if hh > 23 || mm > 59 {
                return None;
            }
            sign * (hh * 60 + mm)
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Milliseconds since the epoch of a time a person entered: `2026-11-24T09:30` or
/// `2026-11-24T09:30:15` without a zone is Japan time (what a datetime-local field sends
/// here); anything else must be RFC 3339.
pub fn parse_local_jst(text: &str) -> Option<i64> {
    let text = text.trim();
    match text.len() {
        16 => parse_rfc3339(&format!("{text}:00+09:00")),
        19 => parse_rfc3339(&format!("{text}+09:00")),
        _ => parse_rfc3339(text),
    }
}

/// Days since the Unix epoch of a proleptic Gregorian date (inverse of `civil_from_days`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::iso8601(1_795_557_123_456),
            "2026-11-24T21:52:03.456Z"
        );
        assert_eq!(super::iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn local_times_are_japan_time() {
        assert_eq!(
            super::parse_local_jst("2026-11-25T06:52"),
            super::parse_rfc3339("2026-11-24T21:52:00Z")
        );
        assert_eq!(
            super::parse_local_jst("2026-11-25T06:52:03"),
            super::parse_rfc3339("2026-11-24T21:52:03Z")
        );
        assert_eq!(super::parse_local_jst("2026-11-25T06:52junk"), None);
    }

    #[test]
    fn parses_rfc3339_with_offsets() {
        use super::parse_rfc3339 as p;
        assert_eq!(p("2026-11-24T21:52:03.456Z"), Some(1_795_557_123_456));
        assert_eq!(p("2026-11-25T06:52:03.456+09:00"), Some(1_795_557_123_456));
        assert_eq!(p("2026-11-24T21:52:03Z"), Some(1_795_557_123_000));
        assert_eq!(p("2026-11-24T21:52:03.4Z"), Some(1_795_557_123_400));
        assert_eq!(p("2000-02-29T00:00:00.000Z"), Some(951_782_400_000));
        for bad in [
            "",
            "2026-02-30T00:00:00Z",
            "2026-11-24 21:52",
            "2026-11-24T21:52:03",
            "2026-11-24T25:00:00Z",
            "+026-11-24T21:52:03Z",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }
}

/// Japan Standard Time has no daylight saving: UTC+9 all year.
const JST_OFFSET_MS: i64 = 9 * 3_600_000;

/// A local date and time in Japan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JstDateTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
    /// Minutes since local midnight.
    pub minute_of_day: u32,
}

pub fn jst(millis: i64) -> JstDateTime {
    let local = millis + JST_OFFSET_MS;
    let days = local.div_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    JstDateTime {
        year,
        month,
        day,
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        weekday: (days + 3).rem_euclid(7) as u8,
        minute_of_day: (local.rem_euclid(86_400_000) / 60_000) as u32,
    }
}

/// Today's date in Japan, `YYYY-MM-DD`: what "not in the future" means for a birth date.
pub fn today_jst(millis: i64) -> String {
    let d = jst(millis);
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// `YYYY-MM-DD` (or the date part of an ISO 8601 time) as residents read it:
/// 「2026年12月5日（土）」. Anything else is given back as it was.
pub fn date_ja(iso: &str) -> String {
    let parse = || -> Option<String> {
        let date = iso.get(..10)?;
        let mut parts = date.split('-');
        let year: i64 = parts.next()?.parse().ok()?;
        let month: i64 = parts.next()?.parse().ok()?;
        let day: i64 = parts.next()?.parse().ok()?;
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
        let weekday = (days_from_civil(year, month, day) + 3).rem_euclid(7);
        Some(format!(
            "{year}年{month}月{day}日（{}）",
            WEEKDAYS[usize::try_from(weekday).ok()?]
        ))
    };
    parse().unwrap_or_else(|| iso.to_owned())
}

pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

#[cfg(test)]
mod jst_tests {
    #[test]
    fn jst_is_nine_hours_ahead_with_weekday() {
        // 2026-11-24T21:52:03Z is Wednesday 25 November 06:52 in Japan.
        let t = super::jst(1_795_557_123_456);
        assert_eq!((t.year, t.month, t.day, t.weekday), (2026, 11, 25, 2));
        assert_eq!(t.minute_of_day, 6 * 60 + 52);
    }

    #[test]
    fn dates_as_residents_read_them() {
        assert_eq!(super::date_ja("2026-12-05"), "2026年12月5日（土）");
        assert_eq!(
            super::date_ja("2026-11-26T19:00:00.000Z"),
            "2026年11月26日（木）"
        );
        assert_eq!(super::date_ja("2026-02-30"), "2026-02-30");
        assert_eq!(super::date_ja("近日"), "近日");
    }
}
