//! The API's district summary and the comparison of the sub-district offices.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody};
use axum::Json;
use axum::extract::{Query, State};
use fengkou_domain::Stage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::shared::money;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary)).routes(routes!(comparison))
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    year: i32,
    count: i64,
    total_investment_wan: String,
    annual_plan_wan: String,
    completed_wan: String,
    by_stage: BTreeMap<String, i64>,
    by_office: BTreeMap<String, i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearParams {
    year: Option<String>,
}

#[utoipa::path(get, path = "/projects/summary", params(YearParams), responses((status = 200, body = SummaryOut), (status = 401, body = ApiErrorBody)))]
async fn summary(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<YearParams>,
) -> Result<Json<SummaryOut>, ApiError> {
    let s = state.app.views().summary(&actor, crate::shared::year_param(&q.year)?).await?;
    Ok(Json(SummaryOut {
        year: s.year,
        count: s.count,
        total_investment_wan: money(s.total_investment),
        annual_plan_wan: money(s.annual_plan),
        completed_wan: money(s.completed),
        by_stage: s.by_stage.iter().map(|(st, n)| (st.label().to_string(), *n)).collect(),
        by_office: s.by_office.into_iter().collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ComparisonOut {
    office: String,
    projects: i64,
    by_stage: BTreeMap<String, i64>,
    total_investment_wan: String,
    annual_plan_wan: String,
    completed_wan: String,
    completion_rate: Option<f64>,
    new_signed: i64,
    new_started: i64,
    new_producing: i64,
    red: i64,
    yellow: i64,
    missing_reports: i64,
}

#[utoipa::path(get, path = "/offices/comparison", params(YearParams), responses((status = 200, body = Vec<ComparisonOut>)))]
async fn comparison(
    State(state): State<AppState>,
    ApiUser(_actor): ApiUser,
    Query(q): Query<YearParams>,
) -> Result<Json<Vec<ComparisonOut>>, ApiError> {
    let c = state.app.views().comparison(crate::shared::year_param(&q.year)?).await?;
    Ok(Json(
        c.rows
            .into_iter()
            .map(|r| ComparisonOut {
                by_stage: Stage::ALL.iter().zip(&r.by_stage).map(|(s, n)| (s.label().to_string(), *n)).collect(),
                office: r.office,
                projects: r.projects,
                total_investment_wan: money(r.total_investment),
                annual_plan_wan: money(r.annual_plan),
                completed_wan: money(r.completed),
                completion_rate: r.completion_rate,
                new_signed: r.new_signed,
                new_started: r.new_started,
                new_producing: r.new_producing,
                red: r.red,
                yellow: r.yellow,
                missing_reports: r.missing_reports,
            })
            .collect(),
    ))
}
