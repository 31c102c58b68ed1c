//! The `ladder_rule_sets` table: versions of a rung's rules the bureau saved (the
//! shipped ones are in the binary); a version is never changed, only followed.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "ladder_rule_sets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub rung: String,
    #[sea_orm(column_type = "Text")]
    pub version: String,
    pub effective_from: Option<Date>,
    /// The rule set as JSON (`domain::ladder::RuleSet`).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
