//! Cumulative investment figures. Offices report only "completed this month"; every
//! running total is derived here so that nobody types a cumulative figure by hand.
//!
//! A district that adopts fengkou mid-year brings the year's completed investment so
//! far from its ledger ("1-10月完成投资"): an [`OpeningBalance`] through that month.
//! It stands for every month up to `through`; monthly reports of those months (if any
//! were filed) are covered by it and not counted again, and later reports add to it.

use crate::dates::Month;
use crate::money::Wan;
use serde::{Deserialize, Serialize};

/// The year's completed investment January through `through`, as an imported ledger
/// gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningBalance {
    pub through: Month,
    pub amount: Wan,
}

impl OpeningBalance {
    /// "1-10月完成投资（导入）"
    pub fn label(&self) -> String {
        format!("{}年1-{}月完成投资（导入）", self.through.year, self.through.month)
    }

    /// Does this balance stand for `month`'s report?
    pub fn covers(&self, month: Month) -> bool {
        month.year == self.through.year && month <= self.through
    }
}

/// A project's completed amounts as they count: reports covered by an opening balance
/// are left out, each balance counts at its month.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    entries: Vec<(Month, Wan, bool)>,
}

impl Ledger {
    pub fn new(reports: &[(Month, Wan)], balances: &[OpeningBalance]) -> Ledger {
        let mut entries: Vec<(Month, Wan, bool)> = reports
            .iter()
            .filter(|(m, _)| !balances.iter().any(|b| b.covers(*m)))
            .map(|&(m, w)| (m, w, false))
            .collect();
        entries.extend(balances.iter().map(|b| (b.through, b.amount, true)));
        Ledger { entries }
    }

    /// Whether an entry counts at `as_of`: months up to `as_of`; and a balance of the
    /// same year through a later month, which is the best figure known for the year
    /// (a ledger imported through November, judged for October, is not zero).
    fn counts(month: Month, balance: bool, as_of: Month) -> bool {
        month <= as_of || (balance && month.year == as_of.year)
    }

    /// 年初至今 at `as_of`.
    pub fn year_to_date(&self, as_of: Month) -> Wan {
        self.entries.iter().filter(|(m, _, b)| m.year == as_of.year && Self::counts(*m, *b, as_of)).map(|e| e.1).sum()
    }

    /// 开工至今 at `as_of`: every year's counted amounts.
    pub fn since_start(&self, as_of: Month) -> Wan {
        self.entries.iter().filter(|(m, _, b)| Self::counts(*m, *b, as_of)).map(|e| e.1).sum()
    }
}

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
/// order; months after `as_of` are ignored) and its opening balances.
pub fn cumulative(
    reports: &[(Month, Wan)],
    balances: &[OpeningBalance],
    as_of: Month,
    annual_plan: Wan,
    total: Wan,
) -> Cumulative {
    let ledger = Ledger::new(reports, balances);
    let this_month: Wan = if balances.iter().any(|b| b.covers(as_of)) {
        Wan::ZERO
    } else {
        reports.iter().filter(|(m, _)| *m == as_of).map(|r| r.1).sum()
    };
    let year_to_date = ledger.year_to_date(as_of);
    let since_start = ledger.since_start(as_of);
    Cumulative {
        as_of,
        this_month,
        year_to_date,
        since_start,
        share_of_annual_plan: year_to_date.percent_of(annual_plan),
        share_of_total: since_start.percent_of(total),
    }
}

/// 序时进度: the share of the annual plan that should be done by the end of `month`,
/// for a project that started in `started` (None or an earlier year: January). A
/// project that started in July is judged over July–December, so by October it should
/// have done 4/6 of its plan, not 10/12; before it started, nothing.
pub fn expected_share(month: Month, started: Option<Month>) -> f64 {
    let from = match started {
        Some(s) if s.year == month.year => s.month,
        Some(s) if s.year > month.year => return 0.0,
        _ => 1,
    };
    if from > month.month {
        return 0.0;
    }
    f64::from(month.month - from + 1) * 100.0 / f64::from(12 - from + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

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
        let c = cumulative(&reports, &[], m(2026, 2), Wan::from_wan(480), Wan::from_wan(3200));
        assert_eq!(c.this_month, Wan::from_wan(70));
        assert_eq!(c.year_to_date, Wan::from_wan(120));
        assert_eq!(c.since_start, Wan::from_wan(320));
        assert_eq!(c.share_of_annual_plan, Some(25.0));
        assert_eq!(c.share_of_total, Some(10.0));
    }

    #[test]
    fn shares_are_none_without_a_plan() {
        let c = cumulative(&[], &[], m(2026, 5), Wan::ZERO, Wan::ZERO);
        assert_eq!(c.year_to_date, Wan::ZERO);
        assert_eq!(c.share_of_annual_plan, None);
        assert_eq!(c.share_of_total, None);
    }

    #[test]
    fn an_opening_balance_stands_for_its_months_and_later_reports_add_to_it() {
        let balance = OpeningBalance { through: m(2026, 10), amount: Wan::from_wan(700) };
        // A report of September was filed before the ledger came in: the balance covers it.
        let reports = [(m(2026, 9), Wan::from_wan(80)), (m(2026, 11), Wan::from_wan(60))];
        let ledger = Ledger::new(&reports, &[balance]);
        assert_eq!(ledger.year_to_date(m(2026, 10)), Wan::from_wan(700));
        assert_eq!(ledger.year_to_date(m(2026, 11)), Wan::from_wan(760));
        // Judged for an earlier month, the balance is still the best known figure.
        assert_eq!(ledger.year_to_date(m(2026, 8)), Wan::from_wan(700));
        // A later year starts from zero.
        assert_eq!(ledger.year_to_date(m(2027, 1)), Wan::ZERO);
        assert_eq!(ledger.since_start(m(2027, 1)), Wan::from_wan(760));
        let c = cumulative(&reports, &[balance], m(2026, 9), Wan::from_wan(1000), Wan::ZERO);
        assert_eq!(c.this_month, Wan::ZERO, "September is inside the balance");
    }

    #[rstest]
    #[case::january_start_by_june((2026, 6), None, 50.0)]
    #[case::started_last_year((2026, 12), Some((2025, 7)), 100.0)]
    #[case::started_in_july_judged_october((2026, 10), Some((2026, 7)), 4.0 * 100.0 / 6.0)]
    #[case::started_this_month((2026, 10), Some((2026, 10)), 100.0 / 3.0)]
    #[case::not_yet_started((2026, 10), Some((2026, 11)), 0.0)]
    #[case::starts_next_year((2026, 10), Some((2027, 1)), 0.0)]
    fn expected_share_counts_from_the_start_month(
        #[case] month: (i32, u32),
        #[case] started: Option<(i32, u32)>,
        #[case] expected: f64,
    ) {
        let got = expected_share(m(month.0, month.1), started.map(|(y, mo)| m(y, mo)));
        assert!((got - expected).abs() < 1e-9, "{got} ≠ {expected}");
    }
}
