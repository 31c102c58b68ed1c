//! The `meeting_sites` table.

use crate::value::{Code, Exact};
use fengkou_domain::observation::SiteStatus;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "meeting_sites")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub project_id: i64,
    pub office_id: i64,
    pub seq: i32,
    #[sea_orm(column_type = "Text")]
    pub visit_time: String,
    /// proposed (by the office) | confirmed (by the project office)
    pub status: Code<SiteStatus>,
    #[sea_orm(column_type = "Text")]
    pub proposed_by: String,
    /// Shown at a concentrated start event (集中开工), +30 in the points formula.
    pub concentrated_start: bool,
    /// Points deducted for criticism, with the reason.
    pub penalty: Exact,
    #[sea_orm(column_type = "Text")]
    pub penalty_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
