//! The `ladder_assessments` table: each firm's verdict per rung as last computed (a
//! copy for the candidate lists, recomputed after every change of data or rules and
//! when the day changes).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ladder_assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    #[sea_orm(column_type = "Text")]
    pub rung: String,
    pub eligible: bool,
    /// 评分, 直通车 or empty.
    #[sea_orm(column_type = "Text")]
    pub route: String,
    /// Ten-thousandths of a point.
    pub score: Option<i64>,
    pub unmet: i32,
    /// What is missing, as a JSON array of texts.
    #[sea_orm(column_type = "Text")]
    pub missing: String,
    pub assessed_on: Option<Date>,
    pub data_year: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
