//! A published meeting result, frozen: version 1 at release, later versions are
//! corrections with a reason.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "meeting_releases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// The published result as JSON (ranking, parts, top sites, bands, the
    /// bulletin's words), never recomputed.
    #[serde(skip)]
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    /// The bulletin (.docx) and the workbook (.xlsx) as published, byte for byte.
    #[serde(skip)]
    #[sea_orm(column_type = "Blob")]
    pub bulletin: Vec<u8>,
    #[serde(skip)]
    #[sea_orm(column_type = "Blob")]
    pub workbook: Vec<u8>,
    #[sea_orm(column_type = "Text")]
    pub released_by: String,
    pub released_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
