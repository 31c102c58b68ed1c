//! What many areas read off a stored row: the names of offices and industries, a
//! project's stage, colour and dates as precise as they were given, a report's month.
//! It imports no area, so that areas can share it without depending on each other.

use crate::{AppError, Result};
use chrono::NaiveDate;
use fengkou_domain::dates::{LedgerDate, Precision};
use fengkou_domain::{Light, Month, Stage};
use fengkou_storage::entity::{industry, office, project, report};
use fengkou_storage::value::Code;
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

/// Names of offices and industries by id, loaded once per request.
#[derive(Default)]
pub(crate) struct Names {
    pub offices: HashMap<i64, String>,
    pub industries: HashMap<i64, String>,
}

impl Names {
    pub(crate) async fn load<C: ConnectionTrait>(db: &C) -> Result<Names> {
        Ok(Names {
            offices: office::Entity::find().all(db).await?.into_iter().map(|o| (o.id, o.name)).collect(),
            industries: industry::Entity::find().all(db).await?.into_iter().map(|i| (i.id, i.name)).collect(),
        })
    }

    /// The office's name. The foreign keys and the start-up check make an unknown id
    /// impossible; should one still come, it shows as such, never as a blank that a
    /// total or an export would silently group under "".
    pub(crate) fn office(&self, id: i64) -> String {
        self.offices.get(&id).cloned().unwrap_or_else(|| format!("（不存在的办事处 {id}）"))
    }

    pub(crate) fn industry(&self, id: i64) -> String {
        self.industries.get(&id).cloned().unwrap_or_else(|| format!("（不存在的产业 {id}）"))
    }
}

pub(crate) fn stage_of(p: &project::Model) -> Stage {
    *p.stage
}

pub(crate) fn light_of(p: &project::Model) -> Light {
    *p.warning_light
}

/// A stored date with its stored precision.
pub(crate) fn ledger_date(date: Option<NaiveDate>, precision: Code<Precision>) -> Option<LedgerDate> {
    date.map(|d| LedgerDate::new(d, *precision))
}

/// The project's dates as precise as they were given.
pub(crate) struct Dates {
    pub planned_start: Option<LedgerDate>,
    pub planned_finish: Option<LedgerDate>,
    pub actual_start: Option<LedgerDate>,
    pub actual_finish: Option<LedgerDate>,
}

pub(crate) fn dates_of(p: &project::Model) -> Dates {
    Dates {
        planned_start: ledger_date(p.planned_start, p.planned_start_precision),
        planned_finish: ledger_date(p.planned_finish, p.planned_finish_precision),
        actual_start: ledger_date(p.actual_start, p.actual_start_precision),
        actual_finish: ledger_date(p.actual_finish, p.actual_finish_precision),
    }
}

/// The month label for a report row.
pub(crate) fn month_of(r: &report::Model) -> Option<Month> {
    Month::new(r.year, r.month as u32)
}

/// An office by id, or NotFound.
pub(crate) async fn office_row<C: ConnectionTrait>(db: &C, id: i64) -> Result<office::Model> {
    office::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound("办事处"))
}
