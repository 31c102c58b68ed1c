//! The `enterprise_tiers` table: a recognised status with its dates and certificate.

use crate::value::Code;
use fengkou_domain::enterprise::Tier;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enterprise_tiers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub enterprise_id: i64,
    pub tier: Code<Tier>,
    pub recognised_on: Option<Date>,
    pub valid_until: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub certificate: String,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    #[sea_orm(column_type = "Text")]
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
