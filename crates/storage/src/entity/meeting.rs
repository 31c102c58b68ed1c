//! The `meetings` table.

use crate::value::{Code, Exact};
use fengkou_domain::observation::Aggregation;
use fengkou_domain::observation::BandMode;
use fengkou_domain::observation::Method;
use fengkou_domain::observation::SiteCombination;
use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    pub held_on: Option<Date>,
    pub aggregate: Code<Aggregation>,
    pub combination: Code<SiteCombination>,
    pub excellent_from: Exact,
    pub good_from: Exact,
    pub released: bool,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// The last day, for a meeting of more than one day.
    pub ends_on: Option<Date>,
    /// rubric | rank_ballot | formula | composite
    pub method: Code<Method>,
    pub rank_step: Exact,
    /// The composite's weights for the judges' rubric, the rank ballots and the
    /// points formula.
    pub weight_rubric: Exact,
    pub weight_rank: Exact,
    pub weight_formula: Exact,
    /// The bulletin's 文号: prefix and number in the year's series (〔2026〕N号).
    #[sea_orm(column_type = "Text")]
    pub doc_prefix: String,
    pub doc_number: Option<i32>,
    /// auto (by the method) | score (cut-offs) | share (top shares of the ranking)
    pub band_mode: Code<BandMode>,
    pub excellent_share: Exact,
    pub good_share: Exact,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
