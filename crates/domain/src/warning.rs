//! 红黄绿灯: the warning colour of a project for a reporting month, with the rule that
//! fired and the figures it fired on, so that every colour can explain itself.

use crate::dates::{LedgerDate, Month};
use crate::money::Wan;
use crate::progress::expected_share;
use crate::project::Stage;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Light {
    Green,
    Yellow,
    Red,
}

crate::code::coded!(Light, "预警灯", Light::ALL);

impl Light {
    pub const ALL: [Light; 3] = [Light::Green, Light::Yellow, Light::Red];

    pub fn code(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Light::Green => "绿灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
        }
    }

    pub fn from_code(code: &str) -> Option<Light> {
        [Light::Green, Light::Yellow, Light::Red].into_iter().find(|l| l.code() == code || l.label() == code)
    }
}

/// Thresholds differ from place to place, so they are settings (defaults: 银川 2025).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WarningSettings {
    /// Points behind 序时进度 from which a project is yellow.
    pub yellow_behind_points: f64,
    /// Points behind 序时进度 beyond which a project is red.
    pub red_behind_points: f64,
    /// Months after the planned start without a start from which a project is red.
    pub start_overdue_red_months: i32,
}

impl Default for WarningSettings {
    fn default() -> Self {
        WarningSettings { yellow_behind_points: 10.0, red_behind_points: 30.0, start_overdue_red_months: 3 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("黄灯阈值须大于0且小于红灯阈值（现为 {0} 与 {1}）")]
    BehindThresholds(String, String),
    #[error("未开工转红灯的月数须在1到24之间（现为 {0}）")]
    StartMonths(i32),
}

impl WarningSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(self.yellow_behind_points > 0.0
            && self.red_behind_points > self.yellow_behind_points
            && self.red_behind_points <= 100.0)
        {
            return Err(SettingsError::BehindThresholds(
                self.yellow_behind_points.to_string(),
                self.red_behind_points.to_string(),
            ));
        }
        if !(1..=24).contains(&self.start_overdue_red_months) {
            return Err(SettingsError::StartMonths(self.start_overdue_red_months));
        }
        Ok(())
    }
}

/// What the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct WarningInput {
    pub stage: Stage,
    pub annual_plan: Wan,
    /// Completed from January through `period`.
    pub year_to_date: Wan,
    /// When `year_to_date` includes a balance imported from a ledger, its last month.
    pub opening_through: Option<Month>,
    /// As precise as it is known: a planned start of "2026年" is overdue only in 2027.
    pub planned_start: Option<LedgerDate>,
    /// The month the project started; its expected progress counts from then.
    pub started: Option<Month>,
    /// The reporting month being judged.
    pub period: Month,
    /// The project should have reported for `period` and has not (the app decides
    /// "should": an open or past-deadline period for a project under construction).
    pub report_missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    BehindSchedule,
    StartOverdue,
    ReportMissing,
}

impl Rule {
    pub fn label(self) -> &'static str {
        match self {
            Rule::BehindSchedule => "投资进度滞后于序时进度",
            Rule::StartOverdue => "计划开工已过未开工",
            Rule::ReportMissing => "本期未报送月报",
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: Rule,
    pub light: Light,
    /// The figures, in words: "序时进度 83.3%，实际完成 40.0%，落后 43.3 个百分点（>30 为红灯）".
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    pub light: Light,
    pub findings: Vec<Finding>,
}

impl Warning {
    /// "投资进度滞后于序时进度：…；本期未报送月报" or "各项指标正常".
    pub fn explanation(&self) -> String {
        if self.findings.is_empty() {
            return "各项指标正常".to_string();
        }
        self.findings.iter().map(|f| format!("{}：{}", f.rule.label(), f.detail)).collect::<Vec<_>>().join("；")
    }
}

/// Applies every rule; the colour is the worst of the findings.
pub fn evaluate(input: &WarningInput, settings: &WarningSettings, today: NaiveDate) -> Warning {
    let mut findings = Vec::new();

    let expected = expected_share(input.period, input.started);
    if input.stage.is_started()
        && input.stage < Stage::FullProduction
        && input.annual_plan > Wan::ZERO
        && expected > 0.0
    {
        let actual = input.year_to_date.percent_of(input.annual_plan).unwrap_or(0.0);
        let behind = expected - actual;
        let light = if behind > settings.red_behind_points {
            Some(Light::Red)
        } else if behind >= settings.yellow_behind_points {
            Some(Light::Yellow)
        } else {
            None
        };
        if let Some(light) = light {
            // A project that started this year is judged from its start month.
            let from = match input.started {
                Some(s) if s.year == input.period.year && s.month > 1 => {
                    format!("（{}月开工，按{}-{}月计）", s.month, s.month, input.period.month)
                }
                _ => String::new(),
            };
            let opening = match input.opening_through {
                Some(t) => format!("（含导入的1-{}月完成投资）", t.month),
                None => String::new(),
            };
            findings.push(Finding {
                rule: Rule::BehindSchedule,
                light,
                detail: format!(
                    "{}序时进度 {expected:.1}%{from}，年初至今完成 {} 万元{opening}，占年度计划 {} 万元的 {actual:.1}%，落后 {behind:.1} 个百分点（黄灯 ≥{}，红灯 >{}）",
                    input.period.label(),
                    input.year_to_date,
                    input.annual_plan,
                    settings.yellow_behind_points,
                    settings.red_behind_points
                ),
            });
        }
    }

    // A planned start of "2026年3月" is due by the end of March, of "2026年" by the end
    // of 2026.
    if let Some(planned) = input.planned_start
        && !input.stage.is_started()
        && planned.last_day() < today
    {
        let overdue = Month::of(planned.last_day()).months_until(Month::of(today));
        let light = if overdue >= settings.start_overdue_red_months { Light::Red } else { Light::Yellow };
        findings.push(Finding {
            rule: Rule::StartOverdue,
            light,
            detail: format!(
                "计划开工 {}，已逾期 {overdue} 个月，当前阶段“{}”（逾期 {} 个月及以上为红灯）",
                planned.label(),
                input.stage,
                settings.start_overdue_red_months
            ),
        });
    }

    if input.report_missing {
        findings.push(Finding {
            rule: Rule::ReportMissing,
            light: Light::Yellow,
            detail: format!("{}月报未报送", input.period.label()),
        });
    }

    let light = findings.iter().map(|f| f.light).max().unwrap_or(Light::Green);
    Warning { light, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn input(stage: Stage, plan: i64, ytd: i64, month: u32) -> WarningInput {
        WarningInput {
            stage,
            annual_plan: Wan::from_wan(plan),
            year_to_date: Wan::from_wan(ytd),
            opening_through: None,
            planned_start: None,
            started: None,
            period: Month::new(2026, month).unwrap(),
            report_missing: false,
        }
    }

    fn today() -> NaiveDate {
        "2026-11-25".parse().unwrap()
    }

    // Month 6: 序时进度 50%.
    #[rstest]
    #[case::on_schedule(1200, 600, Light::Green)]
    #[case::nine_behind_is_green(1200, 492, Light::Green)]
    #[case::ten_behind_is_yellow(1200, 480, Light::Yellow)]
    #[case::thirty_behind_is_yellow(1200, 240, Light::Yellow)]
    #[case::over_thirty_behind_is_red(1200, 239, Light::Red)]
    #[case::nothing_done_is_red(1200, 0, Light::Red)]
    fn behind_schedule(#[case] plan: i64, #[case] ytd: i64, #[case] light: Light) {
        let w = evaluate(&input(Stage::Building, plan, ytd, 6), &WarningSettings::default(), today());
        assert_eq!(w.light, light, "{}", w.explanation());
    }

    #[test]
    fn unstarted_projects_are_not_judged_on_progress() {
        let w = evaluate(&input(Stage::Signed, 1200, 0, 6), &WarningSettings::default(), today());
        assert_eq!(w.light, Light::Green);
    }

    #[rstest]
    #[case::not_yet_due("2026-12-01", Light::Green)]
    #[case::one_month_overdue("2026-10-15", Light::Yellow)]
    #[case::two_months_overdue("2026-09-30", Light::Yellow)]
    #[case::three_months_overdue("2026-08-01", Light::Red)]
    fn start_overdue(#[case] planned: &str, #[case] light: Light) {
        let mut i = input(Stage::Signed, 0, 0, 11);
        i.planned_start = Some(LedgerDate::day(planned.parse().unwrap()));
        let w = evaluate(&i, &WarningSettings::default(), today());
        assert_eq!(w.light, light, "{}", w.explanation());
    }

    #[rstest]
    // "2026年" is due at the end of 2026: not overdue in November.
    #[case::year_not_yet_over("2026", Light::Green)]
    // "2025年" was due by the end of 2025: eleven months overdue.
    #[case::last_year("2025", Light::Red)]
    // "2026年10月" is due by 31 October: one month overdue in November.
    #[case::month("2026.10", Light::Yellow)]
    fn a_planned_start_is_due_at_the_end_of_its_period(#[case] planned: &str, #[case] light: Light) {
        let mut i = input(Stage::Signed, 0, 0, 10);
        i.planned_start = Some(crate::dates::parse_ledger_date_precise(planned).unwrap());
        let w = evaluate(&i, &WarningSettings::default(), today());
        assert_eq!(w.light, light, "{}", w.explanation());
        if light != Light::Green {
            assert!(w.explanation().starts_with("计划开工已过未开工"), "{}", w.explanation());
        }
    }

    #[test]
    fn a_project_started_in_july_is_judged_from_july() {
        // Plan 1200, done 600 by October. From January: 83.3% expected, 33.3 behind (red).
        // From July: 4 of 6 months, 66.7% expected, 16.7 behind (yellow).
        let mut i = input(Stage::Building, 1200, 600, 10);
        assert_eq!(evaluate(&i, &WarningSettings::default(), today()).light, Light::Red);
        i.started = Month::new(2026, 7);
        let w = evaluate(&i, &WarningSettings::default(), today());
        assert_eq!(w.light, Light::Yellow, "{}", w.explanation());
        assert!(w.explanation().contains("序时进度 66.7%（7月开工，按7-10月计）"), "{}", w.explanation());
        // Started after the judged month: not judged on progress at all.
        i.started = Month::new(2026, 11);
        assert_eq!(evaluate(&i, &WarningSettings::default(), today()).light, Light::Green);
    }

    #[test]
    fn missing_report_is_yellow_and_explained() {
        let mut i = input(Stage::Building, 0, 0, 10);
        i.report_missing = true;
        let w = evaluate(&i, &WarningSettings::default(), today());
        assert_eq!(w.light, Light::Yellow);
        assert_eq!(w.findings[0].rule, Rule::ReportMissing);
        assert!(w.explanation().contains("2026年10月"));
    }

    #[test]
    fn worst_finding_wins_and_thresholds_are_settings() {
        let mut i = input(Stage::Building, 1200, 400, 6); // 16.7 behind
        i.report_missing = true;
        let strict = WarningSettings { yellow_behind_points: 5.0, red_behind_points: 15.0, ..Default::default() };
        let w = evaluate(&i, &strict, today());
        assert_eq!(w.light, Light::Red);
        assert_eq!(w.findings.len(), 2);
        assert!(w.findings[0].detail.contains("落后 16.7 个百分点"), "{}", w.findings[0].detail);
    }

    #[test]
    fn settings_are_validated() {
        assert!(WarningSettings::default().validate().is_ok());
        let bad = WarningSettings { yellow_behind_points: 40.0, ..Default::default() };
        assert!(bad.validate().is_err());
        let bad = WarningSettings { start_overdue_red_months: 0, ..Default::default() };
        assert!(bad.validate().is_err());
    }
}
