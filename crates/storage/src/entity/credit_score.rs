//! The `credit_scores` table: one firm's result in one run, with its breakdown and the
//! inputs it was computed from (so that the run can be recomputed and a what-if runs
//! on the same data).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "credit_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub run_id: i64,
    pub enterprise_id: i64,
    /// The cohort's name; empty when the cohort field is empty (缺数据).
    #[sea_orm(column_type = "Text")]
    pub cohort: String,
    /// The score in hundredths (0 when vetoed; None when unscored).
    pub cents: Option<i64>,
    pub rank: Option<i32>,
    /// lead, chase, strive, none, vetoed or missing_data.
    #[sea_orm(column_type = "Text")]
    pub list: String,
    /// `domain::credit::Breakdown` without the distributions (JSON).
    #[sea_orm(column_type = "Text")]
    pub breakdown: String,
    /// The firm's cells as the scheme read them: {"field": "text"} (JSON).
    #[sea_orm(column_type = "Text")]
    pub inputs: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
