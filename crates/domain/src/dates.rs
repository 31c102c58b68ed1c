//! Dates as ledgers write them. Offices type "2026.03", "2026年3月", "2026-3", full dates
//! with any separator, or leave Excel's serial number; all mean a day (a month means its
//! first day).

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("无法识别的日期：“{0}”（可写 2026-03-15、2026.03、2026年3月 等）")]
    Unrecognised(String),
    #[error("日期不存在：“{0}”")]
    Impossible(String),
}

/// A calendar month: reporting periods and plans are kept per month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year)).then_some(Month { year, month })
    }

    pub fn of(date: NaiveDate) -> Month {
        Month { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("Month is always valid")
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("not the first day ever")
    }

    pub fn next(self) -> Month {
        Month::of(self.first_day() + Months::new(1))
    }

    pub fn prev(self) -> Month {
        Month::of(self.first_day() - Months::new(1))
    }

    /// Whole months from `self` to `later` (0 when the same month, negative when earlier).
    pub fn months_until(self, later: Month) -> i32 {
        (later.year - self.year) * 12 + later.month as i32 - self.month as i32
    }

    /// "2026年10月"
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// Parses a month: "2026-10", "2026.10", "2026年10月", "2026/10", "202610".
pub fn parse_month(raw: &str) -> Result<Month, DateError> {
    let parts = numeric_parts(raw);
    let bad = || DateError::Unrecognised(raw.trim().to_string());
    match parts.as_slice() {
        [y, m] => Month::new(*y as i32, *m).ok_or_else(bad),
        [ym] if *ym > 190_000 && *ym < 220_013 => Month::new((ym / 100) as i32, ym % 100).ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Parses a ledger date. A month alone means its first day; a bare number between 1
/// and 100000 is taken as an Excel serial (1900 date system).
pub fn parse_ledger_date(raw: &str) -> Result<NaiveDate, DateError> {
    let trimmed = raw.trim();
    let bad = || DateError::Unrecognised(trimmed.to_string());
    if let Ok(serial) = trimmed.parse::<f64>()
        && !trimmed.contains('.')
        && (1.0..100_000.0).contains(&serial)
    {
        return excel_serial_to_date(serial).ok_or_else(bad);
    }
    let parts = numeric_parts(trimmed);
    match parts.as_slice() {
        [y, m, d] => NaiveDate::from_ymd_opt(*y as i32, *m, *d)
            .filter(|_| (1900..=2200).contains(&(*y as i32)))
            .ok_or_else(|| DateError::Impossible(trimmed.to_string())),
        [_, _] | [_] => parse_month(trimmed).map(Month::first_day),
        _ => Err(bad()),
    }
}

/// Excel's 1900 date system counts from 1899-12-30 (it believes 1900 was a leap year).
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(chrono::Duration::days(serial.floor() as i64))
}

/// Splits "2026年3月15日" / "2026.03.15" / "2026-3" into its numbers; anything but digits,
/// the usual separators and the Chinese unit characters makes it unparseable.
fn numeric_parts(raw: &str) -> Vec<u32> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => current.push(c),
            '０'..='９' => current.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or('0')),
            '-' | '.' | '/' | '年' | '月' | '日' | '号' | '－' | '．' => {
                if !current.is_empty() {
                    parts.push(std::mem::take(&mut current));
                }
            }
            ' ' => {}
            _ => return Vec::new(),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    if parts.len() > 3 || parts.iter().any(|p| p.len() > 8) {
        return Vec::new();
    }
    parts.iter().filter_map(|p| p.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[rstest]
    #[case::iso("2026-03-15", d(2026, 3, 15))]
    #[case::dots("2026.03.15", d(2026, 3, 15))]
    #[case::slashes("2026/3/5", d(2026, 3, 5))]
    #[case::chinese("2026年3月15日", d(2026, 3, 15))]
    #[case::month_dots("2026.03", d(2026, 3, 1))]
    #[case::month_chinese("2026年3月", d(2026, 3, 1))]
    #[case::month_dash("2026-3", d(2026, 3, 1))]
    #[case::excel_serial("46096", d(2026, 3, 15))]
    fn parses_ledger_dates(#[case] raw: &str, #[case] expected: NaiveDate) {
        assert_eq!(parse_ledger_date(raw).unwrap(), expected);
    }

    #[rstest]
    #[case::words("明年三月")]
    #[case::impossible_day("2026-02-30")]
    #[case::month_13("2026-13")]
    #[case::empty("")]
    fn refuses_bad_dates(#[case] raw: &str) {
        assert!(parse_ledger_date(raw).is_err(), "{raw}");
    }

    #[test]
    fn month_arithmetic_crosses_years() {
        let dec = Month::new(2025, 12).unwrap();
        assert_eq!(dec.next(), Month::new(2026, 1).unwrap());
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.months_until(Month::new(2026, 3).unwrap()), 3);
        assert_eq!(dec.last_day(), d(2025, 12, 31));
        assert_eq!(parse_month("202610").unwrap().label(), "2026年10月");
    }
}
