//! An office user's request to move a project back down the ladder, decided by the
//! project office.

use crate::value::Code;
use fengkou_domain::Stage;
use fengkou_domain::project::RequestStatus;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "stage_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub project_id: i64,
    pub from_stage: Code<Stage>,
    pub to_stage: Code<Stage>,
    pub on_date: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    /// pending | approved | rejected
    pub status: Code<RequestStatus>,
    #[sea_orm(column_type = "Text")]
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_reason: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
