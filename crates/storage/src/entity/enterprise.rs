//! The `enterprises` table: the registry, one row per 统一社会信用代码.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enterprises")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub uscc: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub office_id: Option<i64>,
    pub industry_id: Option<i64>,
    pub registered_on: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub address: String,
    #[sea_orm(column_type = "Text")]
    pub contact: String,
    #[sea_orm(column_type = "Text")]
    pub phone: String,
    /// 包联干部: the official who serves the firm.
    #[sea_orm(column_type = "Text")]
    pub liaison: String,
    /// Tags joined by "、" (each without "、").
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// Invented for the demo (its figures marked 演示).
    pub demo: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
