//! The `indicator_values` table: one yearly figure of one firm as one department gave it.

use crate::value::{Code, Exact};
use fengkou_domain::enterprise::Source;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "indicator_values")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub year: i32,
    /// The vocabulary's name (`rd_expense`).
    #[sea_orm(column_type = "Text")]
    pub indicator: String,
    pub source: Code<Source>,
    /// Exactly as given (万元, a count, 0/1, a share in per cent).
    pub value: Exact,
    pub as_of: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
