//! The `meeting_judges` table.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "meeting_judges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub username: String,
    /// The judge's own office (their account's).
    pub own_office_id: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub reopened_reason: String,
    /// A further office the judge declared a conflict with.
    pub declared_office_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
