//! The innovation credit in the JSON API: runs (list, compute, publish), a run's
//! ranking and its list for banks, a firm's breakdown and a what-if, scheme versions
//! (list, propose, decide) and objections.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use crate::shared::opt_num;
use axum::Json;
use axum::extract::{Path, Query, State};
use fengkou_app::AppError;
use fengkou_app::credit::{CreditRow, RunSummary};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(runs, compute))
        .routes(routes!(publish))
        .routes(routes!(scores))
        .routes(routes!(banks))
        .routes(routes!(firm))
        .routes(routes!(what_if))
        .routes(routes!(schemes, propose))
        .routes(routes!(decide))
        .routes(routes!(object))
        .routes(routes!(answer))
}

#[derive(Serialize, ToSchema)]
pub struct RunOut {
    id: i64,
    year: i32,
    scheme: String,
    /// computed (only 科技局 sees it) or published.
    status: String,
    computed_at: String,
    published_at: Option<String>,
    notice_until: Option<String>,
    firms: i32,
    /// A later publication of the same year replaced this one.
    superseded: bool,
    /// Per cohort: firms ranked (empty in a firm's credit, which carries the run's
    /// header only: read `/credit/runs` for the counts).
    cohorts: Vec<CohortOut>,
    /// Per list code (lead, chase, strive, none, vetoed, missing_data): how many firms
    /// (empty in a firm's credit).
    lists: std::collections::BTreeMap<String, u64>,
}

#[derive(Serialize, ToSchema)]
pub struct CohortOut {
    name: String,
    ranked: u64,
}

fn run_out(r: RunSummary) -> RunOut {
    RunOut {
        id: r.id,
        year: r.year,
        scheme: r.scheme_label,
        status: r.status,
        computed_at: r.computed_at.to_rfc3339(),
        published_at: r.published_at.map(|t| t.to_rfc3339()),
        notice_until: r.notice_until.map(|d| d.to_string()),
        firms: r.firms,
        superseded: r.superseded,
        cohorts: r.cohorts.into_iter().map(|(name, ranked)| CohortOut { name, ranked }).collect(),
        lists: r.lists,
    }
}

#[utoipa::path(get, path = "/credit/runs", responses((status = 200, body = Vec<RunOut>), (status = 403, body = ApiErrorBody)))]
async fn runs(State(state): State<AppState>, ApiUser(actor): ApiUser) -> Result<Json<Vec<RunOut>>, ApiError> {
    Ok(Json(state.app.credit().runs(&actor).await?.into_iter().map(run_out).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct ComputeIn {
    /// The data year.
    year: i32,
}

/// Computes a year's credit for every firm (科技局); the run stays unpublished.
#[utoipa::path(post, path = "/credit/runs", request_body = ComputeIn, responses((status = 200, body = RunOut), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn compute(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<ComputeIn>,
) -> Result<Json<RunOut>, ApiError> {
    Ok(Json(run_out(state.app.credit().compute(&actor, input.year).await?)))
}

/// Publishes a run for its five-day public notice; it never changes afterwards.
#[utoipa::path(post, path = "/credit/runs/{id}/publish", params(("id" = i64, Path)), responses((status = 200, body = RunOut), (status = 409, body = ApiErrorBody)))]
async fn publish(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<RunOut>, ApiError> {
    let credit = state.app.credit();
    credit.publish(&actor, id).await?;
    let run = credit.runs(&actor).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound("积分计算"))?;
    Ok(Json(run_out(run)))
}

#[derive(Serialize, ToSchema)]
pub struct ScoreOut {
    uscc: String,
    name: String,
    office: String,
    /// The cohort; empty when unscored (缺数据).
    cohort: String,
    /// Two decimals ("812.40"); empty when unscored.
    score: String,
    rank: Option<i32>,
    /// 领跑, 竞跑, 进取, 否决, 缺数据 or empty.
    list: String,
}

fn score_out(r: CreditRow) -> ScoreOut {
    ScoreOut {
        uscc: r.uscc,
        name: r.name,
        office: r.office,
        cohort: r.cohort,
        score: r.score,
        rank: r.rank,
        list: r.list.to_string(),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ScoresParams {
    /// A cohort's name (default: the first with firms).
    cohort: Option<String>,
    /// A list code: lead, chase, strive, vetoed, missing_data.
    list: Option<String>,
    page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoresOut {
    run: RunOut,
    cohort: String,
    total: u64,
    page: u64,
    pages: u64,
    scores: Vec<ScoreOut>,
}

#[utoipa::path(get, path = "/credit/runs/{id}/scores", params(("id" = i64, Path), ScoresParams), responses((status = 200, body = ScoresOut), (status = 404, body = ApiErrorBody)))]
async fn scores(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<ScoresParams>,
) -> Result<Json<ScoresOut>, ApiError> {
    let page = state
        .app
        .credit()
        .ranking(&actor, id, q.cohort.as_deref(), q.list.as_deref(), opt_num(&q.page).unwrap_or(1))
        .await?;
    Ok(Json(ScoresOut {
        run: run_out(page.run),
        cohort: page.cohort,
        total: page.total,
        page: page.page,
        pages: page.pages,
        scores: page.rows.into_iter().map(score_out).collect(),
    }))
}

/// The list for banks: every scored firm (USCC, name, cohort, score, rank, list).
#[utoipa::path(get, path = "/credit/runs/{id}/banks", params(("id" = i64, Path)), responses((status = 200, body = Vec<ScoreOut>), (status = 404, body = ApiErrorBody)))]
async fn banks(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ScoreOut>>, ApiError> {
    let (_, rows) = state.app.credit().bank_rows(&actor, id).await?;
    Ok(Json(rows.into_iter().map(score_out).collect()))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FirmParams {
    /// A run's id (default: the one pages show for the latest year).
    run: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FirmCreditOut {
    run: RunOut,
    uscc: String,
    name: String,
    score: String,
    rank: Option<i32>,
    list: String,
    /// Every indicator (value, weight, normalised, points, the cohort's distribution),
    /// bonus, deduction and veto, as `fengkou credit explain --json` gives them.
    #[schema(value_type = Object)]
    breakdown: serde_json::Value,
    /// Last year's (year, score, rank, list).
    #[schema(value_type = Option<Object>)]
    last_year: Option<serde_json::Value>,
}

#[utoipa::path(get, path = "/credit/firms/{uscc}", params(("uscc" = String, Path, description = "统一社会信用代码"), FirmParams), responses((status = 200, body = FirmCreditOut), (status = 404, body = ApiErrorBody)))]
async fn firm(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(uscc): Path<String>,
    Query(q): Query<FirmParams>,
) -> Result<Json<FirmCreditOut>, ApiError> {
    let found = state.app.enterprises().firm_by_code(&actor, &uscc).await?;
    let credit = state
        .app
        .credit()
        .firm_credit(&actor, found.id, opt_num(&q.run))
        .await?
        .ok_or(AppError::NotFound("这家企业的积分"))?;
    Ok(Json(FirmCreditOut {
        run: run_out(credit.run),
        uscc: credit.uscc,
        name: credit.name,
        score: credit.score,
        rank: credit.rank,
        list: credit.list.to_string(),
        breakdown: credit.breakdown,
        last_year: credit.last_year.map(
            |(year, score, rank, list)| serde_json::json!({"year": year, "score": score, "rank": rank, "list": list}),
        ),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct WhatIfIn {
    run: i64,
    /// An indicator (rd_expense) or its label (研发费用).
    field: String,
    /// How much to add (negative to take away), in the indicator's unit.
    delta: String,
}

#[derive(Serialize, ToSchema)]
pub struct WhatIfOut {
    sentence: String,
    before: String,
    after: String,
    before_rank: Option<u32>,
    after_rank: Option<u32>,
}

#[utoipa::path(post, path = "/credit/firms/{uscc}/what-if", params(("uscc" = String, Path)), request_body = WhatIfIn, responses((status = 200, body = WhatIfOut), (status = 422, body = ApiErrorBody)))]
async fn what_if(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(uscc): Path<String>,
    ApiJson(input): ApiJson<WhatIfIn>,
) -> Result<Json<WhatIfOut>, ApiError> {
    let found = state.app.enterprises().firm_by_code(&actor, &uscc).await?;
    let r = state.app.credit().what_if(&actor, found.id, input.run, &input.field, &input.delta).await?;
    Ok(Json(WhatIfOut {
        sentence: r.sentence,
        before: r.before,
        after: r.after,
        before_rank: r.before_rank,
        after_rank: r.after_rank,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SchemeOut {
    /// Null for the shipped scheme.
    id: Option<i64>,
    name: String,
    effective_year: i32,
    /// proposed, approved or rejected.
    status: String,
    proposed_by: String,
    decided_by: String,
    #[schema(value_type = Object)]
    scheme: serde_json::Value,
}

#[utoipa::path(get, path = "/credit/schemes", responses((status = 200, body = Vec<SchemeOut>), (status = 403, body = ApiErrorBody)))]
async fn schemes(State(state): State<AppState>, ApiUser(actor): ApiUser) -> Result<Json<Vec<SchemeOut>>, ApiError> {
    let versions = state.app.credit().schemes(&actor).await?;
    Ok(Json(
        versions
            .into_iter()
            .map(|v| SchemeOut {
                id: v.id,
                name: v.name,
                effective_year: v.effective_year,
                status: v.status,
                proposed_by: v.proposed_by,
                decided_by: v.decided_by,
                scheme: serde_json::from_str(&v.body).unwrap_or_default(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ProposeIn {
    effective_year: i32,
    /// The scheme document (name, scale, normalise, cohorts, indicators, …).
    #[schema(value_type = Object)]
    scheme: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct IdOut {
    id: i64,
}

/// Proposes a scheme version (科技局); another 科技局 user or an admin approves it.
#[utoipa::path(post, path = "/credit/schemes", request_body = ProposeIn, responses((status = 200, body = IdOut), (status = 422, body = ApiErrorBody)))]
async fn propose(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(input): ApiJson<ProposeIn>,
) -> Result<Json<IdOut>, ApiError> {
    let body = input.scheme.to_string();
    Ok(Json(IdOut { id: state.app.credit().propose_scheme(&actor, &body, input.effective_year).await? }))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    approve: bool,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/credit/schemes/{id}/decision", params(("id" = i64, Path)), request_body = DecisionIn, responses((status = 200, body = IdOut), (status = 409, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn decide(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionIn>,
) -> Result<Json<IdOut>, ApiError> {
    state.app.credit().decide_scheme(&actor, id, input.approve, &input.note).await?;
    Ok(Json(IdOut { id }))
}

#[derive(Deserialize, ToSchema)]
pub struct ObjectionIn {
    uscc: String,
    #[serde(default)]
    raised_for: String,
    text: String,
}

#[utoipa::path(post, path = "/credit/runs/{id}/objections", params(("id" = i64, Path)), request_body = ObjectionIn, responses((status = 200, body = IdOut), (status = 422, body = ApiErrorBody)))]
async fn object(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ObjectionIn>,
) -> Result<Json<IdOut>, ApiError> {
    let found = state.app.enterprises().firm_by_code(&actor, &input.uscc).await?;
    Ok(Json(IdOut { id: state.app.credit().object(&actor, id, found.id, &input.raised_for, &input.text).await? }))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerIn {
    upheld: bool,
    answer: String,
}

#[utoipa::path(post, path = "/credit/objections/{id}/answer", params(("id" = i64, Path)), request_body = AnswerIn, responses((status = 200, body = IdOut), (status = 409, body = ApiErrorBody)))]
async fn answer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AnswerIn>,
) -> Result<Json<IdOut>, ApiError> {
    state.app.credit().answer_objection(&actor, id, input.upheld, &input.answer).await?;
    Ok(Json(IdOut { id }))
}
