//! The `credit_schemes` table: versions of the innovation credit's scheme the bureau
//! proposed (the shipped one is in the binary). A version is used only once another
//! 科技局 user or an administrator approved it (four eyes), and never changes after.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "credit_schemes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// The first year whose credit this version computes.
    pub effective_year: i32,
    /// The scheme as JSON (`domain::credit::Scheme`).
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// proposed, approved or rejected.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub proposed_by: String,
    pub proposed_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
