//! The `projects` table.

use crate::value::Code;
use fengkou_domain::Light;
use fengkou_domain::Precision;
use fengkou_domain::Stage;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub office_id: i64,
    pub industry_id: i64,
    pub stage: Code<Stage>,
    #[sea_orm(column_type = "Text")]
    pub location: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    #[sea_orm(column_type = "Text")]
    pub leader: String,
    #[sea_orm(column_type = "Text")]
    pub responsible_unit: String,
    #[sea_orm(column_type = "Text")]
    pub owner_unit: String,
    pub total_investment: i64,
    pub planned_start: Option<Date>,
    pub planned_finish: Option<Date>,
    pub actual_start: Option<Date>,
    pub actual_finish: Option<Date>,
    pub warning_light: Code<Light>,
    #[sea_orm(column_type = "Text")]
    pub warning_detail: String,
    pub demo: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every edit of the project (header, stage, import): a form carries
    /// the version it was opened at, and a stale one is refused, not saved over.
    pub version: i32,
    /// day | month | year: how precise each date is ("2026" is a year).
    pub planned_start_precision: Code<Precision>,
    pub planned_finish_precision: Code<Precision>,
    pub actual_start_precision: Code<Precision>,
    pub actual_finish_precision: Code<Precision>,
    /// The actual start was taken from the planned start by an import (日期取自计划开工).
    pub actual_start_inferred: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
