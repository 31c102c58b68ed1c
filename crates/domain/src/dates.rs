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
    /// A real date, but not one a project or a report can have.
    #[error("日期“{0}”超出范围：年份须在 1900 到 2200 之间")]
    OutOfRange(String),
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

/// How much of a date a ledger gave: "2024" is a year, "2024.03" a month, "2024-03-15"
/// a day. A date of year precision is shown as "2024年" and is due at the end of 2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub enum Precision {
    #[default]
    Day,
    Month,
    Year,
}

crate::code::coded!(Precision, "日期精度", Precision::ALL);

impl Precision {
    pub const ALL: [Precision; 3] = [Precision::Day, Precision::Month, Precision::Year];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Year => "year",
        }
    }

    pub fn from_code(code: &str) -> Option<Precision> {
        [Precision::Day, Precision::Month, Precision::Year].into_iter().find(|p| p.code() == code)
    }
}

/// A date as precise as the ledger gave it. `first_day` is the stored date (a month
/// or a year means its first day); `last_day` is when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LedgerDate {
    pub date: NaiveDate,
    pub precision: Precision,
}

impl LedgerDate {
    pub fn day(date: NaiveDate) -> LedgerDate {
        LedgerDate { date, precision: Precision::Day }
    }

    /// The date as stored, normalised to the first day of its month or year.
    pub fn new(date: NaiveDate, precision: Precision) -> LedgerDate {
        let date = match precision {
            Precision::Day => date,
            Precision::Month => Month::of(date).first_day(),
            Precision::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date),
        };
        LedgerDate { date, precision }
    }

    pub fn year(year: i32) -> Option<LedgerDate> {
        Some(LedgerDate { date: NaiveDate::from_ymd_opt(year, 1, 1)?, precision: Precision::Year })
    }

    pub fn first_day(self) -> NaiveDate {
        self.date
    }

    /// The last day the date covers: the day itself, the end of the month or the year.
    pub fn last_day(self) -> NaiveDate {
        match self.precision {
            Precision::Day => self.date,
            Precision::Month => Month::of(self.date).last_day(),
            Precision::Year => NaiveDate::from_ymd_opt(self.date.year(), 12, 31).unwrap_or(self.date),
        }
    }

    /// "2024年", "2024年3月" or "2024-03-15", as people read it.
    pub fn label(self) -> String {
        match self.precision {
            Precision::Day => self.date.to_string(),
            Precision::Month => Month::of(self.date).label(),
            Precision::Year => format!("{}年", self.date.year()),
        }
    }
}

/// "2024", "2024-03" or "2024-03-15": what [`parse_ledger_date_precise`] reads back to
/// the same value (forms and the API use it).
impl fmt::Display for LedgerDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Day => write!(f, "{}", self.date),
            Precision::Month => write!(f, "{}", Month::of(self.date)),
            Precision::Year => write!(f, "{}", self.date.year()),
        }
    }
}

impl std::str::FromStr for LedgerDate {
    type Err = DateError;

    fn from_str(s: &str) -> Result<LedgerDate, DateError> {
        parse_ledger_date_precise(s)
    }
}

/// Years a ledger's date column can hold as a bare number. Excel serials in this range
/// are days of 1905, which no project has: 2024 in a date column is the year 2024.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Parses a ledger date. A month alone means its first day; a bare number 1900–2100
/// is a year, one of five digits an Excel serial (1900 date system: 10000 is 1927).
pub fn parse_ledger_date(raw: &str) -> Result<NaiveDate, DateError> {
    parse_ledger_date_precise(raw).map(LedgerDate::first_day)
}

/// Parses a ledger date and keeps how precise it was: "2024", "2024年" → the year
/// 2024; "2024.03", "2024年3月" → March 2024; "2024-03-15", an Excel serial → the day.
pub fn parse_ledger_date_precise(raw: &str) -> Result<LedgerDate, DateError> {
    let trimmed = raw.trim();
    let bad = || DateError::Unrecognised(trimmed.to_string());
    if let Ok(number) = trimmed.parse::<f64>()
        && !trimmed.contains('.')
        && (YEARS.contains(&(number as i32)) || (10_000.0..100_000.0).contains(&number))
    {
        return date_from_number(number).ok_or_else(bad);
    }
    let parts = numeric_parts(trimmed);
    match parts.as_slice() {
        [y, m, d] => match NaiveDate::from_ymd_opt(*y as i32, *m, *d) {
            Some(_) if !(1900..=2200).contains(&(*y as i32)) => Err(DateError::OutOfRange(trimmed.to_string())),
            Some(day) => Ok(LedgerDate::day(day)),
            None => Err(DateError::Impossible(trimmed.to_string())),
        },
        [y] if YEARS.contains(&(*y as i32)) => LedgerDate::year(*y as i32).ok_or_else(bad),
        [_, _] | [_] => parse_month(trimmed).map(|m| LedgerDate { date: m.first_day(), precision: Precision::Month }),
        _ => Err(bad()),
    }
}

/// A number in a date cell: a year when it is a whole number in [`YEARS`], otherwise
/// an Excel serial day.
pub fn date_from_number(number: f64) -> Option<LedgerDate> {
    if number.fract() == 0.0 && YEARS.contains(&(number as i32)) {
        return LedgerDate::year(number as i32);
    }
    // -1, 0 or 99999 are not days of a project (1899, 2173).
    excel_serial_to_date(number).filter(|d| YEARS.contains(&d.year())).map(LedgerDate::day)
}

/// Characters that separate the two ends of a period ("2025-2027", "2025年—2027年",
/// "2025.03至2027.12"). '-' is also a separator inside a date, so every position is
/// tried until both halves read as dates.
const RANGE_SEPARATORS: [char; 9] = ['-', '—', '–', '－', '~', '～', '至', '到', '/'];

/// Reads a construction period such as "2025-2027", "2025.03-2027.12" or
/// "2025年—2027年" into its first and last date. None when it is not a period.
pub fn parse_period(raw: &str) -> Option<(LedgerDate, LedgerDate)> {
    let text: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    for (i, c) in text.char_indices() {
        if !RANGE_SEPARATORS.contains(&c) || i == 0 {
            continue;
        }
        // "——" and "--" are one separator.
        let left = text[..i].trim_end_matches(RANGE_SEPARATORS);
        let right = text[i + c.len_utf8()..].trim_start_matches(RANGE_SEPARATORS);
        if left.is_empty() || right.is_empty() {
            continue;
        }
        if let (Ok(a), Ok(b)) = (parse_ledger_date_precise(left), parse_ledger_date_precise(right)) {
            return Some((a, b));
        }
    }
    None
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
    #[case::year_is_a_year_not_a_serial("2024", d(2024, 1, 1))]
    #[case::year_with_unit("2024年", d(2024, 1, 1))]
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

    #[rstest]
    #[case::impossible_day("2026-02-30", DateError::Impossible("2026-02-30".into()))]
    #[case::real_but_far("9999-12-31", DateError::OutOfRange("9999-12-31".into()))]
    #[case::real_but_early("1800-01-01", DateError::OutOfRange("1800-01-01".into()))]
    fn says_why_a_day_is_refused(#[case] raw: &str, #[case] why: DateError) {
        assert_eq!(parse_ledger_date_precise(raw).unwrap_err(), why);
    }

    #[rstest]
    #[case::year_text("2024", "2024年", "2024-12-31")]
    #[case::year_unit("2027年", "2027年", "2027-12-31")]
    #[case::month("2026.03", "2026年3月", "2026-03-31")]
    #[case::day("2026-03-15", "2026-03-15", "2026-03-15")]
    fn dates_keep_their_precision(#[case] raw: &str, #[case] label: &str, #[case] due: &str) {
        let parsed = parse_ledger_date_precise(raw).unwrap();
        assert_eq!(parsed.label(), label);
        assert_eq!(parsed.last_day(), due.parse::<NaiveDate>().unwrap());
        // What a form or the API shows reads back to the same value.
        assert_eq!(parse_ledger_date_precise(&parsed.to_string()).unwrap(), parsed);
    }

    #[rstest]
    #[case::number_2024(2024.0, Some("2024年"))]
    #[case::number_1900(1900.0, Some("1900年"))]
    #[case::serial(46096.0, Some("2026-03-15"))]
    #[case::zero(0.0, None)]
    #[case::negative(-1.0, None)]
    #[case::far_future(99999.0, None)]
    fn numbers_in_date_cells(#[case] n: f64, #[case] label: Option<&str>) {
        assert_eq!(date_from_number(n).map(LedgerDate::label).as_deref(), label);
    }

    #[rstest]
    #[case::years("2025-2027", "2025年", "2027年")]
    #[case::months("2025.03-2027.12", "2025年3月", "2027年12月")]
    #[case::chinese_dash("2025年—2027年", "2025年", "2027年")]
    #[case::double_dash("2025年——2027年", "2025年", "2027年")]
    #[case::days("2025-03-01-2027-12-31", "2025-03-01", "2027-12-31")]
    #[case::zhi("2025年3月至2026年6月", "2025年3月", "2026年6月")]
    fn construction_periods(#[case] raw: &str, #[case] from: &str, #[case] to: &str) {
        let (a, b) = parse_period(raw).unwrap();
        assert_eq!((a.label().as_str(), b.label().as_str()), (from, to));
    }

    #[rstest]
    #[case::single_year("2025")]
    #[case::words("三年")]
    #[case::one_date("2025-03-01")]
    fn not_periods(#[case] raw: &str) {
        assert_eq!(parse_period(raw), None, "{raw}");
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
