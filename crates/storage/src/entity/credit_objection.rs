//! The `credit_objections` table: an objection to a firm's score raised during the
//! public notice, recorded by the bureau, and the bureau's answer.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "credit_objections")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub run_id: i64,
    pub enterprise_id: i64,
    /// Who raised it (the firm's contact, as the bureau recorded it).
    #[sea_orm(column_type = "Text")]
    pub raised_for: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "Text")]
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
    /// Empty while open; upheld or dismissed once answered.
    #[sea_orm(column_type = "Text")]
    pub outcome: String,
    #[sea_orm(column_type = "Text")]
    pub answer: String,
    #[sea_orm(column_type = "Text")]
    pub answered_by: String,
    pub answered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
