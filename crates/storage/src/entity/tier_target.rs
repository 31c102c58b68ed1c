//! The `tier_targets` table: the bureau's target count of a tier by a year ("高企倍增").

use crate::value::Code;
use fengkou_domain::enterprise::Tier;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "tier_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tier: Code<Tier>,
    pub year: i32,
    pub target: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
