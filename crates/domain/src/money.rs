//! Money. Ledgers speak 万元 with up to four decimals, which is exactly one yuan, so we
//! keep integer yuan and never a float.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An exact amount of money. Internally integer yuan; displayed and parsed in 万元.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Wan {
    yuan: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("不是有效的金额：“{0}”")]
    NotANumber(String),
    #[error("金额最多保留4位小数（精确到元）：“{0}”")]
    TooPrecise(String),
    #[error("金额超出范围：“{0}”（单个金额不超过 10,000,000 万元）")]
    OutOfRange(String),
    #[error("金额不能为负数：“{0}”")]
    Negative(String),
}

impl Wan {
    pub const ZERO: Wan = Wan { yuan: 0 };
    /// The largest amount one field may hold: 10,000,000 万元 (一千亿元), above any real
    /// project. Every amount entered is within ±this, so sums over a province's
    /// reports stay far inside i64 (a single 922,337,203,685,477 万元 once wrapped the
    /// year's total negative and made every figure page answer 500).
    pub const MAX: Wan = Wan { yuan: 10_000_000 * 10_000 };

    pub const fn from_yuan(yuan: i64) -> Self {
        Wan { yuan }
    }

    pub const fn from_wan(wan: i64) -> Self {
        Wan { yuan: wan * 10_000 }
    }

    pub const fn yuan(self) -> i64 {
        self.yuan
    }

    /// Parses 万元 as ledgers write it: "1,234.56", "１２３", " 12.5 ", "12.5万元".
    /// At most four decimals (one yuan); a negative amount is refused.
    pub fn parse(raw: &str) -> Result<Wan, MoneyError> {
        let w = Self::parse_signed(raw)?;
        if w.yuan < 0 {
            return Err(MoneyError::Negative(raw.trim().to_string()));
        }
        Ok(w)
    }

    /// Like [`Wan::parse`] but allows negative amounts (corrections).
    pub fn parse_signed(raw: &str) -> Result<Wan, MoneyError> {
        let cleaned: String = raw
            .trim()
            .trim_end_matches("万元")
            .trim_end_matches('万')
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
            .map(fullwidth_to_ascii)
            .collect();
        if cleaned.is_empty() {
            return Err(MoneyError::NotANumber(raw.trim().to_string()));
        }
        let dec = Decimal::from_str(&cleaned).map_err(|_| MoneyError::NotANumber(raw.trim().to_string()))?;
        Self::from_decimal(dec).map_err(|e| match e {
            MoneyError::TooPrecise(_) => MoneyError::TooPrecise(raw.trim().to_string()),
            _ => MoneyError::OutOfRange(raw.trim().to_string()),
        })
    }

    /// From a spreadsheet number in 万元. Floats carry binary noise (0.1 + 0.2), so the
    /// value is rounded to the yuan after checking it is within a millionth of one.
    pub fn from_wan_f64(v: f64) -> Result<Wan, MoneyError> {
        if !v.is_finite() || v.abs() > Wan::MAX.as_f64() {
            return Err(MoneyError::OutOfRange(v.to_string()));
        }
        let yuan = v * 10_000.0;
        let rounded = yuan.round();
        if (yuan - rounded).abs() > 1e-3 {
            return Err(MoneyError::TooPrecise(v.to_string()));
        }
        Ok(Wan { yuan: rounded as i64 })
    }

    fn from_decimal(dec: Decimal) -> Result<Wan, MoneyError> {
        // `*` panics past Decimal's 28 digits ("79228162514264337593543950335").
        let yuan = dec.checked_mul(Decimal::from(10_000)).ok_or_else(|| MoneyError::OutOfRange(dec.to_string()))?;
        if yuan.fract() != Decimal::ZERO {
            return Err(MoneyError::TooPrecise(dec.to_string()));
        }
        yuan.to_i64()
            .filter(|y| y.unsigned_abs() <= Wan::MAX.yuan.unsigned_abs())
            .map(|yuan| Wan { yuan })
            .ok_or_else(|| MoneyError::OutOfRange(dec.to_string()))
    }

    /// The amount in 万元 as a decimal.
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.yuan, 4)
    }

    /// Four decimals, as the API promises: "1234.5600".
    pub fn to_api_string(self) -> String {
        format!("{:.4}", self.as_decimal())
    }

    /// For people: trailing zeros dropped, thousands separated: "1,234.56".
    pub fn display(self) -> String {
        let d = self.as_decimal().normalize();
        let s = d.to_string();
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i.to_string(), Some(f.to_string())),
            None => (s.clone(), None),
        };
        let (sign, digits) = int.strip_prefix('-').map_or(("", int.as_str()), |d| ("-", d));
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        match frac {
            Some(f) => format!("{sign}{grouped}.{f}"),
            None => format!("{sign}{grouped}"),
        }
    }

    /// For spreadsheets and charts, where a float is the only number there is.
    pub fn as_f64(self) -> f64 {
        self.yuan as f64 / 10_000.0
    }

    pub fn checked_add(self, other: Wan) -> Option<Wan> {
        self.yuan.checked_add(other.yuan).map(Wan::from_yuan)
    }

    /// `self` as a percentage of `whole`, or None when `whole` is zero.
    pub fn percent_of(self, whole: Wan) -> Option<f64> {
        (whole.yuan != 0).then(|| self.yuan as f64 * 100.0 / whole.yuan as f64)
    }
}

fn fullwidth_to_ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '－' => '-',
        _ => c,
    }
}

impl std::ops::Add for Wan {
    type Output = Wan;
    fn add(self, o: Wan) -> Wan {
        Wan { yuan: self.yuan.saturating_add(o.yuan) }
    }
}

impl std::ops::AddAssign for Wan {
    fn add_assign(&mut self, o: Wan) {
        self.yuan = self.yuan.saturating_add(o.yuan);
    }
}

impl std::ops::Sub for Wan {
    type Output = Wan;
    fn sub(self, o: Wan) -> Wan {
        Wan { yuan: self.yuan.saturating_sub(o.yuan) }
    }
}

impl std::iter::Sum for Wan {
    fn sum<I: Iterator<Item = Wan>>(iter: I) -> Wan {
        iter.fold(Wan::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Wan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::plain("1234.56", 12_345_600)]
    #[case::thousands("1,234.5678", 12_345_678)]
    #[case::chinese_comma("1，234", 12_340_000)]
    #[case::unit_suffix("12.5万元", 125_000)]
    #[case::fullwidth("１２３", 1_230_000)]
    #[case::spaces("  7 ", 70_000)]
    #[case::zero("0", 0)]
    #[case::the_largest("10000000", 100_000_000_000)]
    fn parses_wan_as_ledgers_write_it(#[case] raw: &str, #[case] yuan: i64) {
        assert_eq!(Wan::parse(raw).unwrap().yuan(), yuan);
    }

    #[rstest]
    #[case::text("约100", "不是有效的金额")]
    #[case::empty("", "不是有效的金额")]
    #[case::below_one_yuan("1.23456", "最多保留4位小数")]
    #[case::negative("-5", "不能为负数")]
    fn refuses_bad_amounts_with_reason(#[case] raw: &str, #[case] reason: &str) {
        let err = Wan::parse(raw).unwrap_err().to_string();
        assert!(err.contains(reason), "{err}");
    }

    #[test]
    fn float_cells_are_rounded_to_the_yuan() {
        assert_eq!(Wan::from_wan_f64(0.1 + 0.2).unwrap().yuan(), 3000);
        assert_eq!(Wan::from_wan_f64(12345.6789).unwrap().yuan(), 123_456_789);
        assert!(Wan::from_wan_f64(1.000_01).is_err());
        assert!(Wan::from_wan_f64(f64::NAN).is_err());
    }

    #[test]
    fn api_string_has_four_decimals_and_display_groups_thousands() {
        assert_eq!(Wan::from_yuan(12_345_600).to_api_string(), "1234.5600");
        assert_eq!(Wan::from_yuan(12_345_600).display(), "1,234.56");
        assert_eq!(Wan::from_wan(1_000_000).display(), "1,000,000");
        assert_eq!(Wan::from_yuan(-12_345_600).display(), "-1,234.56");
    }

    #[test]
    fn percent_of_zero_is_none() {
        assert_eq!(Wan::from_wan(5).percent_of(Wan::ZERO), None);
        assert_eq!(Wan::from_wan(5).percent_of(Wan::from_wan(20)), Some(25.0));
    }

    #[rstest]
    #[case::one_yuan_over("10000000.0001")]
    #[case::i64_in_wan("922337203685477")]
    #[case::negative_far("-10000001")]
    #[case::past_decimal_range("79228162514264337593543950335")]
    #[case::twenty_five_digits("7922816251426433759354396")]
    fn amounts_beyond_the_bound_are_refused(#[case] raw: &str) {
        let e = Wan::parse_signed(raw).unwrap_err();
        assert!(matches!(e, MoneyError::OutOfRange(_)), "{e}");
        assert!(e.to_string().contains("10,000,000 万元"), "{e}");
    }

    #[test]
    fn spreadsheet_numbers_beyond_the_bound_are_refused() {
        assert!(Wan::from_wan_f64(1.0e7).is_ok());
        assert!(matches!(Wan::from_wan_f64(1.0e7 + 1.0), Err(MoneyError::OutOfRange(_))));
        assert!(matches!(Wan::from_wan_f64(9.2e14), Err(MoneyError::OutOfRange(_))));
    }
}
