//! The `meeting_remarks` table.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "meeting_remarks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub judge_id: i64,
    pub site_id: i64,
    #[sea_orm(column_type = "Text")]
    pub remark: String,
    #[sea_orm(column_type = "Text")]
    pub declined_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
