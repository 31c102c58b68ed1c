//! A key project: its stage ladder, the transitions allowed between stages, and the
//! checks on the header fields that a person types or an import supplies.

use crate::dates::LedgerDate;
use crate::money::Wan;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The provinces' "七个一批" ladder, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    Planning,
    Negotiating,
    Signed,
    Started,
    Building,
    Producing,
    FullProduction,
}

crate::code::coded!(Stage, "项目阶段", Stage::ALL);

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Planning,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Started,
        Stage::Building,
        Stage::Producing,
        Stage::FullProduction,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Planning => "谋划",
            Stage::Negotiating => "洽谈",
            Stage::Signed => "签约",
            Stage::Started => "开工",
            Stage::Building => "建设",
            Stage::Producing => "投产",
            Stage::FullProduction => "达产",
        }
    }

    pub fn english(self) -> &'static str {
        match self {
            Stage::Planning => "Planning",
            Stage::Negotiating => "Negotiating",
            Stage::Signed => "Signed",
            Stage::Started => "Started",
            Stage::Building => "Building",
            Stage::Producing => "Producing",
            Stage::FullProduction => "Full production",
        }
    }

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Planning => "planning",
            Stage::Negotiating => "negotiating",
            Stage::Signed => "signed",
            Stage::Started => "started",
            Stage::Building => "building",
            Stage::Producing => "producing",
            Stage::FullProduction => "full_production",
        }
    }

    pub fn from_code(code: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Accepts the labels offices write, including the synonyms 在建 (= 建设) and
    /// 竣工 (= 投产), and the stored codes.
    pub fn from_label(raw: &str) -> Option<Stage> {
        let t = raw.trim();
        match t {
            "在建" | "续建" | "建设中" => Some(Stage::Building),
            "竣工" | "已投产" => Some(Stage::Producing),
            "新开工" | "已开工" => Some(Stage::Started),
            "已签约" => Some(Stage::Signed),
            _ => {
                Stage::ALL.into_iter().find(|s| s.label() == t || s.code() == t || s.english().eq_ignore_ascii_case(t))
            }
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Has the project broken ground (开工 or later)?
    pub fn is_started(self) -> bool {
        self >= Stage::Started
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

crate::code::coded_enum! {
    /// An office's request to step a project back, and what the project office decided.
    RequestStatus, "申请状态" {
        Pending = "pending" / "待审批",
        Approved = "approved" / "已批准",
        Rejected = "rejected" / "已驳回",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("项目已处于“{0}”阶段")]
    Unchanged(Stage),
    #[error("实际日期 {0} 晚于今天，不能登记未来的日期")]
    FutureDate(NaiveDate),
    #[error("从“{from}”退回到“{to}”必须填写原因")]
    BackwardsWithoutReason { from: Stage, to: Stage },
    #[error("项目尚未开工：进入“{0}”阶段须填写实际开工日期（将同时登记开工）")]
    NotStarted(Stage),
    #[error("日期 {date} 早于上一次阶段变更的日期 {previous}")]
    BeforePrevious { date: NaiveDate, previous: NaiveDate },
    #[error("实际开工日期 {start} 晚于进入“{to}”的日期 {date}")]
    StartAfterStage { start: NaiveDate, to: Stage, date: NaiveDate },
}

/// What we know about a project when someone asks to move it to another stage.
#[derive(Debug, Clone, Copy)]
pub struct TransitionRequest<'a> {
    pub from: Stage,
    pub to: Stage,
    pub date: NaiveDate,
    pub reason: &'a str,
    /// Date of the last recorded transition, if any.
    pub previous_date: Option<NaiveDate>,
    /// The actual start, needed when a project that has not started moves past 开工
    /// (签约 → 建设): the 开工 step is recorded on that date.
    pub actual_start: Option<NaiveDate>,
}

/// One step to record: the stage reached and the day it was reached.
pub type Step = (Stage, NaiveDate);

/// Decides whether a stage change may happen and which steps it records. Forward jumps
/// are allowed (a project may be signed and started on the same day); a jump past 开工
/// needs the actual start date and records the 开工 step too, so that no project is
/// under construction without a start date. Going back needs a reason.
pub fn check_transition(req: TransitionRequest<'_>, today: NaiveDate) -> Result<Vec<Step>, TransitionError> {
    if req.from == req.to {
        return Err(TransitionError::Unchanged(req.from));
    }
    let not_before_previous = |date: NaiveDate| match req.previous_date {
        Some(previous) if date < previous => Err(TransitionError::BeforePrevious { date, previous }),
        _ => Ok(()),
    };
    if req.date > today {
        return Err(TransitionError::FutureDate(req.date));
    }
    not_before_previous(req.date)?;
    if req.to < req.from && req.reason.trim().is_empty() {
        return Err(TransitionError::BackwardsWithoutReason { from: req.from, to: req.to });
    }
    if req.from.is_started() || req.to <= Stage::Started {
        return Ok(vec![(req.to, req.date)]);
    }
    let start = req.actual_start.ok_or(TransitionError::NotStarted(req.to))?;
    if start > today {
        return Err(TransitionError::FutureDate(start));
    }
    not_before_previous(start)?;
    if start > req.date {
        return Err(TransitionError::StartAfterStage { start, to: req.to, date: req.date });
    }
    Ok(vec![(Stage::Started, start), (req.to, req.date)])
}

/// A move back down the ladder (建设 → 谋划): an office user may only ask for it.
pub fn is_step_back(from: Stage, to: Stage) -> bool {
    to < from
}

/// A problem with one field of a form or one cell of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError { field, message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.field, self.message)
    }
}

/// One field that changes, as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

impl fmt::Display for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{} → {}", self.field, self.before, self.after)
    }
}

/// The header of a project as entered, before the office and industry names are
/// resolved to records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectHeader {
    pub code: Option<String>,
    pub name: String,
    pub office: String,
    pub industry: String,
    pub stage: Option<Stage>,
    pub location: String,
    pub content: String,
    pub leader: String,
    pub responsible_unit: String,
    pub owner_unit: String,
    pub total_investment: Wan,
    pub annual_plan: Wan,
    pub planned_start: Option<LedgerDate>,
    pub planned_finish: Option<LedgerDate>,
    pub actual_start: Option<LedgerDate>,
    pub actual_finish: Option<LedgerDate>,
}

pub const MAX_NAME_CHARS: usize = 100;

/// Whether text is free of control characters (which break Word documents, CSV and
/// screens); line breaks and tabs are allowed where a field takes several lines.
pub fn control_free(text: &str, multiline: bool) -> bool {
    !text.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
}

impl ProjectHeader {
    /// Checks the cross-field rules; every problem is returned, not only the first.
    pub fn problems(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut out = Vec::new();
        let name_len = self.name.trim().chars().count();
        if name_len == 0 {
            out.push(FieldError::new("项目名称", "不能为空"));
        } else if name_len > MAX_NAME_CHARS {
            out.push(FieldError::new("项目名称", format!("不能超过{MAX_NAME_CHARS}个字")));
        }
        if self.office.trim().is_empty() {
            out.push(FieldError::new("办事处", "不能为空"));
        }
        if self.industry.trim().is_empty() {
            out.push(FieldError::new("产业", "不能为空"));
        }
        if let Some(code) = &self.code
            && (code.chars().count() > 40 || code.chars().any(char::is_control))
        {
            out.push(FieldError::new("项目编号", "最多40个字符，且不能含控制字符"));
        }
        if self.annual_plan > self.total_investment && self.total_investment > Wan::ZERO {
            out.push(FieldError::new(
                "年度计划投资",
                format!("{} 万元超过总投资 {} 万元", self.annual_plan, self.total_investment),
            ));
        }
        if let (Some(s), Some(f)) = (self.planned_start, self.planned_finish)
            && f.last_day() < s.first_day()
        {
            out.push(FieldError::new("计划竣工", format!("{} 早于计划开工 {}", f.label(), s.label())));
        }
        for (field, date) in [("实际开工", self.actual_start), ("实际竣工", self.actual_finish)] {
            if let Some(a) = date
                && a.first_day() > today
            {
                out.push(FieldError::new(field, format!("{} 晚于今天，不能登记未来的日期", a.label())));
            }
        }
        if let (Some(stage), Some(_)) = (self.stage, self.actual_start)
            && !stage.is_started()
        {
            out.push(FieldError::new("实际开工", format!("阶段为“{stage}”的项目不应有实际开工日期")));
        }
        if let (Some(stage), Some(_)) = (self.stage, self.actual_finish)
            && stage < Stage::Producing
        {
            out.push(FieldError::new("实际竣工", format!("阶段为“{stage}”的项目不应有实际竣工日期")));
        }
        if let (Some(s), Some(f)) = (self.actual_start, self.actual_finish)
            && f.last_day() < s.first_day()
        {
            out.push(FieldError::new("实际竣工", format!("{} 早于实际开工 {}", f.label(), s.label())));
        }
        for (field, text) in [
            ("建设地点", &self.location),
            ("建设内容", &self.content),
            ("包联领导", &self.leader),
            ("责任单位", &self.responsible_unit),
            ("业主单位", &self.owner_unit),
        ] {
            if text.chars().count() > 2000 {
                out.push(FieldError::new(field, "不能超过2000个字"));
            }
            if !control_free(text, field == "建设内容") {
                out.push(FieldError::new(field, "不能含控制字符"));
            }
        }
        for (field, text) in [("项目名称", &self.name), ("办事处", &self.office), ("产业", &self.industry)] {
            if !control_free(text, false) {
                out.push(FieldError::new(field, "不能含控制字符"));
            }
        }
        out
    }

    /// What differs from `after`, field by field, as people read it
    /// ("总投资：5000 万元 → 5200 万元"); empty when nothing does.
    pub fn changes(&self, after: &ProjectHeader) -> Vec<FieldChange> {
        let text = |s: &str| if s.trim().is_empty() { "（空）".to_string() } else { s.trim().to_string() };
        let money = |w: Wan| format!("{w} 万元");
        let date = |d: Option<LedgerDate>| d.map_or_else(|| "（空）".to_string(), LedgerDate::label);
        let stage = |s: Option<Stage>| s.map_or_else(|| "（空）".to_string(), |s| s.label().to_string());
        let pairs: [(&'static str, String, String); 16] = [
            ("项目编号", text(self.code.as_deref().unwrap_or("")), text(after.code.as_deref().unwrap_or(""))),
            ("项目名称", text(&self.name), text(&after.name)),
            ("所在办事处", text(&self.office), text(&after.office)),
            ("产业类别", text(&self.industry), text(&after.industry)),
            ("建设阶段", stage(self.stage), stage(after.stage)),
            ("建设地点", text(&self.location), text(&after.location)),
            ("建设规模及内容", text(&self.content), text(&after.content)),
            ("包联领导", text(&self.leader), text(&after.leader)),
            ("责任单位", text(&self.responsible_unit), text(&after.responsible_unit)),
            ("业主单位", text(&self.owner_unit), text(&after.owner_unit)),
            ("总投资", money(self.total_investment), money(after.total_investment)),
            ("年度计划投资", money(self.annual_plan), money(after.annual_plan)),
            ("计划开工", date(self.planned_start), date(after.planned_start)),
            ("计划竣工", date(self.planned_finish), date(after.planned_finish)),
            ("实际开工", date(self.actual_start), date(after.actual_start)),
            ("实际竣工", date(self.actual_finish), date(after.actual_finish)),
        ];
        pairs
            .into_iter()
            .filter(|(_, a, b)| a != b)
            .map(|(field, before, after)| FieldChange { field, before, after })
            .collect()
    }

    /// The checks of a form or an API body: [`Self::problems`], and a project at 开工
    /// or later must have its actual start date (an import may infer it instead).
    pub fn entry_problems(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut out = self.problems(today);
        if let Some(stage) = self.stage
            && stage.is_started()
            && self.actual_start.is_none()
        {
            out.push(FieldError::new("实际开工", format!("阶段为“{stage}”的项目须填写实际开工日期")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[rstest]
    #[case::zaijian_is_building("在建", Stage::Building)]
    #[case::jungong_is_producing("竣工", Stage::Producing)]
    #[case::label("签约", Stage::Signed)]
    #[case::code("full_production", Stage::FullProduction)]
    fn stage_labels_and_synonyms(#[case] raw: &str, #[case] stage: Stage) {
        assert_eq!(Stage::from_label(raw), Some(stage));
    }

    #[test]
    fn stage_codes_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_code(s.code()), Some(s));
            assert_eq!(Stage::from_label(s.label()), Some(s));
        }
        assert_eq!(Stage::from_label("停工"), None);
    }

    fn req(from: Stage, to: Stage, date: &str, reason: &'static str) -> TransitionRequest<'static> {
        TransitionRequest { from, to, date: d(date), reason, previous_date: Some(d("2026-01-10")), actual_start: None }
    }

    #[rstest]
    #[case::forward_one(Stage::Signed, Stage::Started, "2026-03-01", "", None)]
    #[case::forward_jump_to_start(Stage::Negotiating, Stage::Started, "2026-03-01", "", None)]
    #[case::no_production_before_start(Stage::Signed, Stage::Producing, "2026-03-01", "", Some("尚未开工"))]
    #[case::no_future_date(Stage::Started, Stage::Building, "2026-12-01", "", Some("晚于今天"))]
    #[case::back_needs_reason(Stage::Building, Stage::Signed, "2026-03-01", "", Some("必须填写原因"))]
    #[case::back_with_reason(Stage::Building, Stage::Signed, "2026-03-01", "用地未批，停工", None)]
    #[case::same_stage(Stage::Building, Stage::Building, "2026-03-01", "", Some("已处于"))]
    #[case::before_previous(Stage::Started, Stage::Building, "2026-01-01", "", Some("早于上一次"))]
    fn transition_rules(
        #[case] from: Stage,
        #[case] to: Stage,
        #[case] date: &str,
        #[case] reason: &'static str,
        #[case] refusal: Option<&str>,
    ) {
        let result = check_transition(req(from, to, date, reason), d("2026-11-25"));
        match refusal {
            None => assert_eq!(result, Ok(vec![(to, d(date))])),
            Some(text) => assert!(result.unwrap_err().to_string().contains(text)),
        }
    }

    #[rstest]
    #[case::signed_to_building_needs_the_start(Stage::Signed, Stage::Building, None, Err("须填写实际开工日期"))]
    #[case::signed_to_building_records_the_start(
        Stage::Signed,
        Stage::Building,
        Some("2026-03-01"),
        Ok(vec![(Stage::Started, "2026-03-01"), (Stage::Building, "2026-04-01")])
    )]
    #[case::signed_to_producing(
        Stage::Planning,
        Stage::Producing,
        Some("2026-02-01"),
        Ok(vec![(Stage::Started, "2026-02-01"), (Stage::Producing, "2026-04-01")])
    )]
    #[case::start_after_the_stage(Stage::Signed, Stage::Building, Some("2026-05-01"), Err("晚于进入"))]
    #[case::start_in_the_future(Stage::Signed, Stage::Building, Some("2026-12-01"), Err("晚于今天"))]
    #[case::start_before_the_previous_step(Stage::Signed, Stage::Building, Some("2026-01-01"), Err("早于上一次"))]
    #[case::to_start_itself_is_one_step(Stage::Signed, Stage::Started, None, Ok(vec![(Stage::Started, "2026-04-01")]))]
    fn jumps_past_the_start(
        #[case] from: Stage,
        #[case] to: Stage,
        #[case] start: Option<&str>,
        #[case] expected: Result<Vec<(Stage, &str)>, &str>,
    ) {
        let mut r = req(from, to, "2026-04-01", "");
        r.actual_start = start.map(d);
        let result = check_transition(r, d("2026-11-25"));
        match expected {
            Ok(steps) => assert_eq!(result.unwrap(), steps.into_iter().map(|(s, x)| (s, d(x))).collect::<Vec<_>>()),
            Err(text) => assert!(result.as_ref().unwrap_err().to_string().contains(text), "{result:?}"),
        }
    }

    #[test]
    fn changes_name_each_field_as_people_read_it() {
        let before = ProjectHeader {
            name: "甲".into(),
            total_investment: Wan::from_wan(5000),
            planned_start: Some(LedgerDate::day(d("2026-03-01"))),
            ..Default::default()
        };
        let after = ProjectHeader {
            total_investment: Wan::from_wan(5200),
            planned_start: LedgerDate::year(2026),
            leader: "张三".into(),
            ..before.clone()
        };
        let changes: Vec<String> = before.changes(&after).iter().map(ToString::to_string).collect();
        assert_eq!(
            changes,
            ["包联领导：（空） → 张三", "总投资：5,000 万元 → 5,200 万元", "计划开工：2026-03-01 → 2026年"]
        );
        assert!(after.changes(&after).is_empty());
    }

    #[test]
    fn a_started_project_entered_by_hand_needs_its_start_date() {
        let header = ProjectHeader {
            name: "甲".into(),
            office: "湖北路办事处".into(),
            industry: "智能制造".into(),
            stage: Some(Stage::Building),
            ..Default::default()
        };
        assert!(header.problems(d("2026-11-25")).is_empty(), "an import may infer the date");
        let fields: Vec<_> = header.entry_problems(d("2026-11-25")).iter().map(|p| p.field).collect();
        assert_eq!(fields, ["实际开工"]);
    }

    #[test]
    fn header_reports_every_problem() {
        let header = ProjectHeader {
            name: " ".into(),
            total_investment: Wan::from_wan(100),
            annual_plan: Wan::from_wan(200),
            planned_start: Some(LedgerDate::day(d("2026-05-01"))),
            planned_finish: Some(LedgerDate::day(d("2026-01-01"))),
            actual_start: Some(LedgerDate::day(d("2027-01-01"))),
            stage: Some(Stage::Started),
            ..Default::default()
        };
        let fields: Vec<_> = header.problems(d("2026-11-25")).iter().map(|p| p.field).collect();
        assert_eq!(fields, ["项目名称", "办事处", "产业", "年度计划投资", "计划竣工", "实际开工"]);
    }
}
