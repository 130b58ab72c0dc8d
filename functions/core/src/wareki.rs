//! Dates as people write them on Japanese forms: 2026-11-24, 2026/11/24, 昭和20年5月1日,
//! S20.5.1, 令和元年5月1日. Returns ISO `YYYY-MM-DD`, checked against the calendar.

use crate::time::days_in_month;

/// (era names, first year in the Gregorian calendar, last valid era year, first and last
/// day of the era). A date outside its era's days does not exist (平成31年5月1日 is
/// 令和元年5月1日), so it is refused rather than guessed. The day an era changed belongs
/// to both, as it is written both ways.
const ERAS: [(&[&str], i64, i64, &str, &str); 5] = [
    (&["令和", "R", "r"], 2019, 99, "2019-05-01", "9999-12-31"),
    (&["平成", "H", "h"], 1989, 31, "1989-01-08", "2019-04-30"),
    (&["昭和", "S", "s"], 1926, 64, "1926-12-25", "1989-01-07"),
    (&["大正", "T", "t"], 1912, 15, "1912-07-30", "1926-12-25"),
    (&["明治", "M", "m"], 1868, 45, "1868-01-01", "1912-07-30"),
];

fn numbers(s: &str) -> Vec<i64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub fn parse_date(input: &str) -> Option<String> {
    let text = crate::text::fold(input).replace("元年", "1年");
    let era = ERAS.iter().find_map(|(names, first, last, from, to)| {
        names.iter().find_map(|n| {
            text.strip_prefix(n)
                .map(|r| (*first, *last, (*from, *to), r))
        })
    });
    let (year, rest, days) = match era {
        Some((first, last, days, rest)) => {
            let parts = numbers(rest);
            let era_year = *parts.first()?;
            if !(1..=last).contains(&era_year) {
                return None;
            }
            (first + era_year - 1, parts.get(1..)?.to_vec(), Some(days))
        }
        None => {
            let parts = numbers(&text);
            (*parts.first()?, parts.get(1..)?.to_vec(), None)
        }
    };
    let (&month, &day) = (rest.first()?, rest.get(1)?);
    let valid = (1850..=2200).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month);
    let iso = format!("{year:04}-{month:02}-{day:02}");
    let in_era = days.is_none_or(|(from, to)| from <= iso.as_str() && iso.as_str() <= to);
    (valid && in_era).then_some(iso)
}

/// A birth date as written ([`parse_date`]) that is not after `today` (`YYYY-MM-DD`).
pub fn parse_birth_date(input: &str, today: &str) -> Option<String> {
    parse_date(input).filter(|d| d.as_str() <= today)
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn reads_western_and_era_dates() {
        assert_eq!(parse_date("1945-05-01").as_deref(), Some("1945-05-01"));
        assert_eq!(parse_date("1945/5/1").as_deref(), Some("1945-05-01"));
        assert_eq!(parse_date("昭和20年5月1日").as_deref(), Some("1945-05-01"));
        assert_eq!(parse_date("S20.5.1").as_deref(), Some("1945-05-01"));
        assert_eq!(parse_date("令和元年5月1日").as_deref(), Some("2019-05-01"));
        assert_eq!(parse_date("平成31年4月30日").as_deref(), Some("2019-04-30"));
        assert_eq!(
            parse_date("大正１５年１２月２４日").as_deref(),
            Some("1926-12-24")
        );
    }

    #[test]
    fn refuses_dates_outside_their_era() {
        assert_eq!(parse_date("平成31年5月1日"), None);
        assert_eq!(parse_date("令和1年4月30日"), None);
        assert_eq!(parse_date("昭和64年1月8日"), None);
        assert_eq!(parse_date("平成元年1月7日"), None);
        assert_eq!(parse_date("昭和64年1月7日").as_deref(), Some("1989-01-07"));
        assert_eq!(parse_date("平成元年1月8日").as_deref(), Some("1989-01-08"));
        assert_eq!(parse_date("大正元年7月30日").as_deref(), Some("1912-07-30"));
    }

    #[test]
    fn birth_dates_are_not_in_the_future() {
        use super::parse_birth_date;
        assert_eq!(parse_birth_date("令和99年1月1日", "2026-11-26"), None);
        assert_eq!(parse_birth_date("2026-11-27", "2026-11-26"), None);
        assert_eq!(
            parse_birth_date("2026-11-26", "2026-11-26").as_deref(),
            Some("2026-11-26")
        );
    }

    #[test]
    fn refuses_impossible_dates() {
        assert_eq!(parse_date("昭和65年1月1日"), None);
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("そのうち"), None);
        assert_eq!(parse_date("2024-13-01"), None);
    }
}
