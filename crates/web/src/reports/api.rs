//! The API's monthly reports and reporting periods.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengkou_app::AppError;
use fengkou_app::reports::ReportInput;
use fengkou_domain::{Wan, parse_month};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::shared::{Created, money};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_reports, submit_report)).routes(routes!(periods))
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    id: i64,
    /// "2026-10"
    month: String,
    /// An opening balance imported from a ledger (the year's completed investment
    /// through `month`), not a monthly report.
    opening: bool,
    /// A monthly report an opening balance covers: not counted again.
    covered: bool,
    completed_wan: String,
    year_to_date_wan: String,
    since_start_wan: String,
    share_of_annual_plan: Option<f64>,
    share_of_total: Option<f64>,
    progress: String,
    problems: String,
    help_needed: String,
    submitted_by: String,
}

#[utoipa::path(get, path = "/projects/{id}/reports", responses((status = 200, body = Vec<ReportOut>), (status = 403, body = ApiErrorBody)))]
async fn list_reports(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ReportOut>>, ApiError> {
    let d = state.app.projects().project_detail(&actor, id).await?;
    Ok(Json(
        d.reports
            .into_iter()
            .map(|r| ReportOut {
                id: r.id,
                month: r.month.to_string(),
                opening: r.opening,
                covered: r.covered,
                completed_wan: money(r.completed),
                year_to_date_wan: money(r.year_to_date),
                since_start_wan: money(r.since_start),
                share_of_annual_plan: r.share_of_annual_plan,
                share_of_total: r.share_of_total,
                progress: r.progress,
                problems: r.problems,
                help_needed: r.help_needed,
                submitted_by: r.submitted_by,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportIn {
    /// "2026-10" (an open reporting period)
    month: String,
    /// Completed this month, 万元 as a decimal string
    completed_wan: String,
    /// 形象进度
    progress: String,
    #[serde(default)]
    problems: String,
    #[serde(default)]
    help_needed: String,
}

#[utoipa::path(post, path = "/projects/{id}/reports", request_body = ReportIn, responses((status = 201, body = Created), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn submit_report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReportIn>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let month = parse_month(&r.month).map_err(|e| ApiError(AppError::invalid("月份", e.to_string())))?;
    let completed =
        Wan::parse(&r.completed_wan).map_err(|e| ApiError(AppError::invalid("本月完成投资", e.to_string())))?;
    let input = ReportInput {
        month,
        completed,
        progress: r.progress,
        problems: r.problems,
        help_needed: r.help_needed,
        photos: vec![],
    };
    let id = state.app.reports().submit_report(&actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct PeriodOut {
    id: i64,
    month: String,
    deadline: Option<String>,
    open: bool,
}

#[utoipa::path(get, path = "/periods", responses((status = 200, body = Vec<PeriodOut>)))]
async fn periods(State(state): State<AppState>, ApiUser(_actor): ApiUser) -> Result<Json<Vec<PeriodOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .reports()
            .periods()
            .await?
            .into_iter()
            .map(|p| PeriodOut {
                id: p.id,
                month: p.month.to_string(),
                deadline: p.deadline.map(|d| d.to_string()),
                open: p.open,
            })
            .collect(),
    ))
}
