//! One ledger row onto a project's header. A sheet changes only what it carries: a
//! column the sheet lacks leaves the stored value alone, and so does a blank cell
//! unless the user chose "空白单元格清空原值". Dates that could mean two things are read
//! by the project's stage, and every such reading is said.

use super::{Field, LedgerRow, Value};
use fengkou_domain::project::ProjectHeader;
use fengkou_domain::{Stage, Wan};
use serde::Serialize;

/// How the importer read a cell that could mean two things, or what it supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    pub row: usize,
    pub column: String,
    pub text: String,
}

impl std::fmt::Display for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第{}行 {}：{}", self.row, self.column, self.text)
    }
}

/// What to do with the year's completed investment ("1-10月完成投资").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletedCell {
    Keep,
    Set(Wan),
    Clear,
}

/// A row applied to a header.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub header: ProjectHeader,
    /// The actual start is the planned start, taken by an import (日期取自计划开工).
    pub start_inferred: bool,
    pub completed: CompletedCell,
    pub readings: Vec<Reading>,
}

impl LedgerRow {
    /// Applies this row to `base` (the stored header, or an empty one for a new
    /// project); `base_inferred` says whether the stored start was inferred.
    pub fn apply(&self, base: &ProjectHeader, base_inferred: bool, clear_blanks: bool) -> Applied {
        let mut h = base.clone();
        let mut completed = CompletedCell::Keep;
        // Whether the sheet itself gives the actual start / finish.
        let mut gives_actual = [
            matches!(self.values.get(&Field::ActualStart), Some(Value::Date(_))),
            matches!(self.values.get(&Field::ActualFinish), Some(Value::Date(_))),
        ];
        let clear = |v: &Value| matches!(v, Value::Blank) && clear_blanks;
        for (field, value) in &self.values {
            let text = match value {
                Value::Text(t) => Some(t.clone()),
                _ => None,
            };
            match field {
                Field::Code => match text {
                    Some(t) => h.code = Some(t),
                    None if clear(value) => h.code = None,
                    None => {}
                },
                // What identifies a project is never blanked.
                Field::Name => h.name = text.unwrap_or(h.name),
                Field::Office => h.office = text.unwrap_or(h.office),
                Field::Industry => h.industry = text.unwrap_or(h.industry),
                Field::Stage => {
                    if let Value::Stage(s) = value {
                        h.stage = Some(*s);
                    }
                }
                Field::Location | Field::Content | Field::Leader | Field::ResponsibleUnit | Field::OwnerUnit => {
                    let slot = match field {
                        Field::Location => &mut h.location,
                        Field::Content => &mut h.content,
                        Field::Leader => &mut h.leader,
                        Field::ResponsibleUnit => &mut h.responsible_unit,
                        _ => &mut h.owner_unit,
                    };
                    match text {
                        Some(t) => *slot = t,
                        None if clear(value) => slot.clear(),
                        None => {}
                    }
                }
                Field::Total | Field::AnnualPlan => {
                    let slot = if *field == Field::Total { &mut h.total_investment } else { &mut h.annual_plan };
                    match value {
                        Value::Money(w) => *slot = *w,
                        v if clear(v) => *slot = Wan::ZERO,
                        _ => {}
                    }
                }
                Field::Completed => {
                    completed = match value {
                        Value::Money(w) => CompletedCell::Set(*w),
                        v if clear(v) => CompletedCell::Clear,
                        _ => CompletedCell::Keep,
                    }
                }
                Field::PlannedStart | Field::PlannedFinish | Field::ActualStart | Field::ActualFinish => {
                    let slot = match field {
                        Field::PlannedStart => &mut h.planned_start,
                        Field::PlannedFinish => &mut h.planned_finish,
                        Field::ActualStart => &mut h.actual_start,
                        _ => &mut h.actual_finish,
                    };
                    match value {
                        Value::Date(d) => *slot = Some(*d),
                        v if clear(v) => *slot = None,
                        _ => {}
                    }
                }
                Field::Period => match value {
                    Value::Period(from, to) => {
                        h.planned_start = Some(*from);
                        h.planned_finish = Some(*to);
                    }
                    v if clear(v) => {
                        h.planned_start = None;
                        h.planned_finish = None;
                    }
                    _ => {}
                },
                // Read below, once the stage is known.
                Field::Start | Field::Finish | Field::SinceStartCompleted => {}
            }
        }
        let stage = h.stage.unwrap_or(Stage::Planning);
        let mut readings = Vec::new();
        let mut note = |column: &str, text: String| {
            readings.push(Reading { row: self.row, column: column.to_string(), text });
        };

        // A bare 开工时间 / 竣工时间: when the sheet also has the explicit column of one
        // kind, the bare one is the other; otherwise the stage decides.
        for (i, (bare, planned, actual, from_stage)) in [
            (Field::Start, Field::PlannedStart, Field::ActualStart, Stage::Started),
            (Field::Finish, Field::PlannedFinish, Field::ActualFinish, Stage::Producing),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(value) = self.values.get(&bare) else { continue };
            let as_actual = if self.values.contains_key(&planned) {
                true
            } else if self.values.contains_key(&actual) {
                false
            } else {
                stage >= from_stage
            };
            let (slot, target) = if as_actual {
                (if bare == Field::Start { &mut h.actual_start } else { &mut h.actual_finish }, actual)
            } else {
                (if bare == Field::Start { &mut h.planned_start } else { &mut h.planned_finish }, planned)
            };
            // A bare column does not overwrite an actual date recorded in fengkou (by a
            // stage change or a person): it only fills one that is missing.
            let recorded = if bare == Field::Start { base.actual_start } else { base.actual_finish }
                .filter(|_| bare == Field::Finish || !base_inferred);
            if as_actual
                && let (Value::Date(d), Some(kept)) = (value, recorded)
                && kept != *d
            {
                note(
                    bare.label(),
                    format!("保留系统中已登记的{} {}（表中为 {}）", target.label(), kept.label(), d.label()),
                );
                gives_actual[i] = true;
                continue;
            }
            match value {
                Value::Date(d) => {
                    *slot = Some(*d);
                    gives_actual[i] |= as_actual;
                    let why = if self.values.contains_key(&planned) || self.values.contains_key(&actual) {
                        "表中另有对应列".to_string()
                    } else if as_actual {
                        format!("阶段为“{stage}”，已{}", if bare == Field::Start { "开工" } else { "投产" })
                    } else {
                        format!("阶段为“{stage}”，尚未{}", if bare == Field::Start { "开工" } else { "投产" })
                    };
                    note(bare.label(), format!("按{}读取（{why}）", target.label()));
                }
                v if clear(v) => *slot = None,
                _ => {}
            }
        }

        // The stage wins over dates it cannot have: a project stepped back to 签约 has
        // no actual start any more.
        if !stage.is_started() && !gives_actual[0] {
            h.actual_start = None;
        }
        if stage < Stage::Producing && !gives_actual[1] {
            h.actual_finish = None;
        }

        // A project at 开工 or later is dated from its planned start when the sheet gives
        // no actual one; marked, and correctable on the project page.
        let mut start_inferred = base_inferred && h.actual_start == base.actual_start;
        if stage.is_started() && h.actual_start.is_none() {
            match h.planned_start {
                Some(planned) => {
                    h.actual_start = Some(planned);
                    start_inferred = true;
                    note("实际开工", format!("日期取自计划开工 {}（导入后可在项目页更正）", planned.label()));
                }
                None => note("实际开工", format!("缺开工日期：阶段为“{stage}”，但台账没有开工日期，导入后请补填")),
            }
        }
        Applied { header: h, start_inferred, completed, readings }
    }

    /// The header of a new project from this row alone.
    pub fn header(&self) -> ProjectHeader {
        self.apply(&ProjectHeader::default(), false, false).header
    }
}
