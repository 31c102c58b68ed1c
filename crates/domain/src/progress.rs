//! Cumulative investment figures. Offices report only "completed this month"; every
//! running total is derived here so that nobody types a cumulative figure by hand.

use crate::dates::Month;
use crate::money::Wan;
use serde::Serialize;

/// The figures shown beside a monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cumulative {
    pub as_of: Month,
    pub this_month: Wan,
    /// 年初至今: January of `as_of`'s year through `as_of`.
    pub year_to_date: Wan,
    /// 开工至今: every report up to `as_of`.
    pub since_start: Wan,
    /// 占年度计划 %, None without an annual plan.
    pub share_of_annual_plan: Option<f64>,
    /// 占总投资 %, None without a total.
    pub share_of_total: Option<f64>,
}

/// Computes the cumulative figures at `as_of` from a project's monthly amounts (in any
/// order; months after `as_of` are ignored).
pub fn cumulative(reports: &[(Month, Wan)], as_of: Month, annual_plan: Wan, total: Wan) -> Cumulative {
    let mut this_month = Wan::ZERO;
    let mut year_to_date = Wan::ZERO;
    let mut since_start = Wan::ZERO;
    for &(month, amount) in reports.iter().filter(|(m, _)| *m <= as_of) {
        since_start += amount;
        if month.year == as_of.year {
            year_to_date += amount;
        }
        if month == as_of {
            this_month += amount;
        }
    }
    Cumulative {
        as_of,
        this_month,
        year_to_date,
        since_start,
        share_of_annual_plan: year_to_date.percent_of(annual_plan),
        share_of_total: since_start.percent_of(total),
    }
}

/// 序时进度: the share of the annual plan that should be done by the end of `month`.
pub fn expected_share(month: Month) -> f64 {
    f64::from(month.month) * 100.0 / 12.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(y: i32, mo: u32) -> Month {
        Month::new(y, mo).unwrap()
    }

    #[test]
    fn year_to_date_starts_in_january_and_since_start_does_not() {
        let reports = [
            (m(2025, 11), Wan::from_wan(100)),
            (m(2025, 12), Wan::from_wan(100)),
            (m(2026, 1), Wan::from_wan(50)),
            (m(2026, 2), Wan::from_wan(70)),
            (m(2026, 3), Wan::from_wan(999)), // after as_of: ignored
        ];
        let c = cumulative(&reports, m(2026, 2), Wan::from_wan(480), Wan::from_wan(3200));
        assert_eq!(c.this_month, Wan::from_wan(70));
        assert_eq!(c.year_to_date, Wan::from_wan(120));
        assert_eq!(c.since_start, Wan::from_wan(320));
        assert_eq!(c.share_of_annual_plan, Some(25.0));
        assert_eq!(c.share_of_total, Some(10.0));
    }

    #[test]
    fn shares_are_none_without_a_plan() {
        let c = cumulative(&[], m(2026, 5), Wan::ZERO, Wan::ZERO);
        assert_eq!(c.year_to_date, Wan::ZERO);
        assert_eq!(c.share_of_annual_plan, None);
        assert_eq!(c.share_of_total, None);
    }

    #[test]
    fn expected_share_is_month_over_twelve() {
        assert_eq!(expected_share(m(2026, 6)), 50.0);
        assert_eq!(expected_share(m(2026, 12)), 100.0);
    }
}
