//! Dates as people write them on Japanese forms: 2026-11-24, 2026/11/24, 昭和20年5月1日,
//! S20.5.1, 令和元年5月1日. Returns ISO `YYYY-MM-DD`, checked against the calendar.

use crate::time::days_in_month;

/// (era names, first year in the Gregorian calendar, last valid era year)
const ERAS: [(&[&str], i64, i64); 5] = [
    (&["令和", "R", "r"], 2019, 99),
    (&["平成", "H", "h"], 1989, 31),
    (&["昭和", "S", "s"], 1926, 64),
    (&["大正", "T", "t"], 1912, 15),
    (&["明治", "M", "m"], 1868, 45),
];

fn numbers(s: &str) -> Vec<i64> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub fn parse_date(input: &str) -> Option<String> {
    let text = crate::text::fold(input).replace("元年", "1年");
    let (year, rest) = match ERAS.iter().find_map(|(names, first, last)| {
        names
            .iter()
            .find_map(|n| text.strip_prefix(n).map(|r| (*first, *last, r)))
    }) {
        Some((first, last, rest)) => {
            let parts = numbers(rest);
            let era_year = *parts.first()?;
            if !(1..=last).contains(&era_year) {
                return None;
            }
            (first + era_year - 1, parts.get(1..)?.to_vec())
        }
        None => {
            let parts = numbers(&text);
            (*parts.first()?, parts.get(1..)?.to_vec())
        }
    };
    let (&month, &day) = (rest.first()?, rest.get(1)?);
    let valid = (1850..=2200).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month);
    valid.then(|| format!("{year:04}-{month:02}-{day:02}"))
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
    fn refuses_impossible_dates() {
        assert_eq!(parse_date("昭和65年1月1日"), None);
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("そのうち"), None);
        assert_eq!(parse_date("2024-13-01"), None);
    }
}
