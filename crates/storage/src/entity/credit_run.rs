//! The `credit_runs` table: one computation of a year's credit with one scheme
//! version. The scheme's text is copied in (the shipped scheme may change with a new
//! binary); once published (公示) a run is never recomputed or changed.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "credit_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The approved version used (None: the scheme shipped with fengkou).
    pub scheme_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub scheme_label: String,
    #[sea_orm(column_type = "Text")]
    pub scheme_body: String,
    /// The data year.
    pub year: i32,
    pub assessed_on: Option<Date>,
    pub firms: i32,
    /// Per cohort, per indicator: the distribution a firm's page draws (JSON).
    #[sea_orm(column_type = "Text")]
    pub distributions: String,
    /// computed or published.
    #[sea_orm(column_type = "Text")]
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub computed_by: String,
    pub computed_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub published_by: String,
    pub published_at: Option<DateTimeUtc>,
    /// The last day of the public notice (objections are recorded until then).
    pub notice_until: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
