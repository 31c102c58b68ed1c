//! Reporting periods (填报期) and which month the warnings judge.
//!
//! A period that has just opened judges nobody: offices have until its deadline to
//! report, so the colours, the dashboard and the ledger's "1-N月完成投资" follow the
//! latest period whose deadline has passed or that the project office has closed.

use crate::dates::Month;
use chrono::NaiveDate;
use serde::Serialize;

crate::code::coded_enum! {
    /// A reporting period is open for reports, or closed.
    PeriodStatus, "填报期状态" {
        Open = "open" / "填报中",
        Closed = "closed" / "已关闭",
    }
}

/// What the rule needs to know of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodFacts {
    pub month: Month,
    pub deadline: Option<NaiveDate>,
    pub open: bool,
}

impl PeriodFacts {
    /// Past its deadline (the deadline day itself still counts as in time).
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.deadline.is_some_and(|d| d < today)
    }

    /// Its reports are due: the deadline has passed or the period is closed.
    pub fn due(&self, today: NaiveDate) -> bool {
        !self.open || self.overdue(today)
    }
}

/// The month being judged, whether its reports count as missing yet, and why this
/// month (shown beside the figures).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgedMonth {
    pub month: Month,
    pub reports_due: bool,
    pub why: String,
}

/// The latest period whose reports are due; before any period is due, the month
/// before the first period (or before today's month when there are no periods), with
/// no report counted as missing.
pub fn judged_month(periods: &[PeriodFacts], today: NaiveDate) -> JudgedMonth {
    if let Some(p) = periods.iter().filter(|p| p.due(today)).max_by_key(|p| p.month) {
        let why = if p.open {
            format!("{}填报已过截止日期", p.month.label())
        } else {
            format!("{}填报期已关闭", p.month.label())
        };
        return JudgedMonth { month: p.month, reports_due: true, why };
    }
    match periods.iter().map(|p| p.month).min() {
        Some(first) => JudgedMonth {
            month: first.prev(),
            reports_due: false,
            why: format!("{}填报期尚未截止，按上月评价", first.label()),
        },
        None => JudgedMonth {
            month: Month::of(today).prev(),
            reports_due: false,
            why: "尚未开启填报期，按上月评价".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn p(month: (i32, u32), deadline: &str, open: bool) -> PeriodFacts {
        PeriodFacts { month: Month::new(month.0, month.1).unwrap(), deadline: Some(d(deadline)), open }
    }

    #[rstest]
    // October's deadline has passed: October is judged, its missing reports count.
    #[case::deadline_passed(vec![p((2026, 10), "2026-11-10", true)], "2026-11-30", (2026, 10), true)]
    // November just opened on 30 November: October is still the judged month.
    #[case::just_opened(
        vec![p((2026, 10), "2026-11-10", false), p((2026, 11), "2026-12-10", true)],
        "2026-11-30",
        (2026, 10),
        true
    )]
    // A closed period counts even before its deadline.
    #[case::closed_early(vec![p((2026, 11), "2026-12-10", false)], "2026-12-01", (2026, 11), true)]
    // The deadline day itself is still in time.
    #[case::on_the_deadline(
        vec![p((2026, 9), "2026-10-10", false), p((2026, 10), "2026-11-10", true)],
        "2026-11-10",
        (2026, 9),
        true
    )]
    // Only an open period, not yet due: the month before it, nothing missing.
    #[case::first_period_open(vec![p((2026, 11), "2026-12-10", true)], "2026-11-30", (2026, 10), false)]
    #[case::no_periods(vec![], "2026-11-30", (2026, 10), false)]
    fn the_judged_month(
        #[case] periods: Vec<PeriodFacts>,
        #[case] today: &str,
        #[case] month: (i32, u32),
        #[case] reports_due: bool,
    ) {
        let j = judged_month(&periods, d(today));
        assert_eq!((j.month, j.reports_due), (Month::new(month.0, month.1).unwrap(), reports_due), "{}", j.why);
    }
}
