//! Form and API inputs as they arrive (all text), parsed into domain values at the edge
//! with a Chinese message per field. Shared by the pages and the JSON API.

use fengkou_domain::project::{FieldError, ProjectHeader};
use fengkou_domain::{LedgerDate, Stage, Wan, parse_ledger_date, parse_ledger_date_precise};
use serde::{Deserialize, Serialize};

/// A project's header fields as text (a form post or an API body).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectForm {
    /// 项目编号 (optional, unique)
    #[serde(deserialize_with = "text_or_null")]
    pub code: String,
    /// 项目名称
    pub name: String,
    /// 所在办事处 (its exact name)
    pub office: String,
    /// 产业类别 (its exact name)
    pub industry: String,
    /// 建设阶段 on creation (谋划…达产; later changes are transitions)
    pub stage: String,
    pub location: String,
    pub content: String,
    pub leader: String,
    pub responsible_unit: String,
    pub owner_unit: String,
    /// 总投资, 万元 as a decimal string, e.g. "12000.5"
    pub total_investment_wan: String,
    /// This year's 年度计划投资, 万元 as a decimal string
    pub annual_plan_wan: String,
    /// 计划开工, e.g. "2026-03-01" (also "2026.03", "2026年3月", or a year "2026")
    #[serde(deserialize_with = "text_or_null")]
    pub planned_start: String,
    #[serde(deserialize_with = "text_or_null")]
    pub planned_finish: String,
    /// Required for a project at 开工 or later.
    #[serde(deserialize_with = "text_or_null")]
    pub actual_start: String,
    #[serde(deserialize_with = "text_or_null")]
    pub actual_finish: String,
    /// When editing: the project's `version` as read (GET /projects/{id}). A save from
    /// an older version is refused with 409 and who changed it since; ignored on creation.
    #[schema(value_type = Option<i32>)]
    #[serde(deserialize_with = "text_or_number")]
    pub version: String,
}

/// A field a client may send as a number or as text (`"version": 3` or `"3"`; a form
/// sends text).
/// A date as GET /projects/{id} gives it back: text, or null when there is none (so
/// that a client can send back what it read).
fn text_or_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(i64),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        Some(Either::Text(t)) => t,
        Some(Either::Number(n)) => n.to_string(),
        None => String::new(),
    })
}

impl ProjectForm {
    /// The version an edit started from (None when absent or not a number: the use
    /// case refuses it after checking permission).
    pub fn version(&self) -> Option<i32> {
        self.version.trim().parse().ok()
    }
}

fn money(field: &'static str, raw: &str, problems: &mut Vec<FieldError>) -> Wan {
    if raw.trim().is_empty() {
        return Wan::ZERO;
    }
    Wan::parse(raw).unwrap_or_else(|e| {
        problems.push(FieldError::new(field, e.to_string()));
        Wan::ZERO
    })
}

pub fn optional_date(field: &'static str, raw: &str, problems: &mut Vec<FieldError>) -> Option<chrono::NaiveDate> {
    if raw.trim().is_empty() {
        return None;
    }
    parse_ledger_date(raw).map_err(|e| problems.push(FieldError::new(field, e.to_string()))).ok()
}

/// A date as precise as it was typed ("2026" is a year, "2026.03" a month).
pub fn optional_ledger_date(field: &'static str, raw: &str, problems: &mut Vec<FieldError>) -> Option<LedgerDate> {
    if raw.trim().is_empty() {
        return None;
    }
    parse_ledger_date_precise(raw).map_err(|e| problems.push(FieldError::new(field, e.to_string()))).ok()
}

impl ProjectForm {
    pub fn parse(&self) -> Result<ProjectHeader, Vec<FieldError>> {
        let mut problems = Vec::new();
        let stage = if self.stage.trim().is_empty() {
            None
        } else {
            let s = Stage::from_label(&self.stage);
            if s.is_none() {
                problems.push(FieldError::new("阶段", format!("无法识别的阶段“{}”", self.stage.trim())));
            }
            s
        };
        let header = ProjectHeader {
            code: Some(self.code.trim().to_string()).filter(|c| !c.is_empty()),
            name: self.name.clone(),
            office: self.office.clone(),
            industry: self.industry.clone(),
            stage,
            location: self.location.clone(),
            content: self.content.clone(),
            leader: self.leader.clone(),
            responsible_unit: self.responsible_unit.clone(),
            owner_unit: self.owner_unit.clone(),
            total_investment: money("总投资", &self.total_investment_wan, &mut problems),
            annual_plan: money("年度计划投资", &self.annual_plan_wan, &mut problems),
            planned_start: optional_ledger_date("计划开工", &self.planned_start, &mut problems),
            planned_finish: optional_ledger_date("计划竣工", &self.planned_finish, &mut problems),
            actual_start: optional_ledger_date("实际开工", &self.actual_start, &mut problems),
            actual_finish: optional_ledger_date("实际竣工", &self.actual_finish, &mut problems),
        };
        if problems.is_empty() { Ok(header) } else { Err(problems) }
    }

    pub fn of(h: &ProjectHeader) -> ProjectForm {
        let date = |d: Option<LedgerDate>| d.map(|d| d.to_string()).unwrap_or_default();
        ProjectForm {
            code: h.code.clone().unwrap_or_default(),
            name: h.name.clone(),
            office: h.office.clone(),
            industry: h.industry.clone(),
            stage: h.stage.map(|s| s.label().to_string()).unwrap_or_default(),
            location: h.location.clone(),
            content: h.content.clone(),
            leader: h.leader.clone(),
            responsible_unit: h.responsible_unit.clone(),
            owner_unit: h.owner_unit.clone(),
            total_investment_wan: h.total_investment.as_decimal().normalize().to_string(),
            annual_plan_wan: h.annual_plan.as_decimal().normalize().to_string(),
            planned_start: date(h.planned_start),
            planned_finish: date(h.planned_finish),
            actual_start: date(h.actual_start),
            actual_finish: date(h.actual_finish),
            version: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let form = ProjectForm {
            name: "甲".into(),
            stage: "停工".into(),
            total_investment_wan: "很多".into(),
            planned_start: "明年".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = form.parse().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["阶段", "总投资", "计划开工"]);
    }

    #[test]
    fn form_round_trips_a_header() {
        let form = ProjectForm {
            name: "卓阳兴业城".into(),
            office: "湖北路办事处".into(),
            industry: "智能制造".into(),
            stage: "在建".into(),
            total_investment_wan: "1,500.25".into(),
            planned_start: "2026.03".into(),
            ..Default::default()
        };
        let h = form.parse().unwrap();
        assert_eq!(h.total_investment, Wan::from_yuan(15_002_500));
        assert_eq!(ProjectForm::of(&h).parse().unwrap(), h);
    }
}
