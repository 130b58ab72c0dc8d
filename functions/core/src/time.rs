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
}
