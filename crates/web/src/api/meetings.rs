//! Observation meetings in the API: the list, a meeting's plan (offices, sites,
//! judges, method), proposing sites, a judge's scores and rank ballot, submitting,
//! every ballot, results and the rank history. Permissions are the pages': results
//! and ballots before release only for the project office and the leaders.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengkou_app::AppError;
use fengkou_app::meetings::MeetingView;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_meetings))
        .routes(routes!(meeting_history))
        .routes(routes!(get_meeting))
        .routes(routes!(add_site))
        .routes(routes!(meeting_results))
        .routes(routes!(meeting_ballots))
        .routes(routes!(score_site))
        .routes(routes!(rank_offices))
        .routes(routes!(submit_sheet))
}

#[derive(Serialize, ToSchema)]
pub struct MeetingListItem {
    id: i64,
    name: String,
    held_on: Option<String>,
    /// The last day, for a meeting of more than one day
    ends_on: Option<String>,
    method: String,
    released: bool,
}

/// Every meeting, newest first.
#[utoipa::path(get, path = "/meetings", responses((status = 200, body = Vec<MeetingListItem>), (status = 401, body = ApiErrorBody)))]
async fn list_meetings(
    State(state): State<AppState>,
    ApiUser(_actor): ApiUser,
) -> Result<Json<Vec<MeetingListItem>>, ApiError> {
    Ok(Json(
        state
            .app
            .meetings()
            .await?
            .into_iter()
            .map(|m| MeetingListItem {
                id: m.id,
                name: m.name,
                held_on: m.held_on.map(|d| d.to_string()),
                ends_on: m.ends_on.map(|d| d.to_string()),
                method: m.method_label.into(),
                released: m.released,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct MeetingOut {
    id: i64,
    name: String,
    held_on: Option<String>,
    ends_on: Option<String>,
    /// rubric / rank_ballot / formula / composite
    method: String,
    /// mean / trimmed / zscore
    aggregate: String,
    /// How an office's sites combine: mean / sum
    combination: String,
    rank_step: String,
    /// The composite's weights: {"rubric", "rank", "formula"}
    weights: BTreeMap<String, String>,
    released: bool,
    /// Criteria: {"id", "name", "weight", "max"}
    criteria: Vec<serde_json::Value>,
    /// Offices taking part: {"id", "name", "group"}
    offices: Vec<serde_json::Value>,
    /// The route, in order: {"id", "seq", "visit_time", "project_id", "project", "office", "industry",
    /// "stage_label", "total_investment_wan", "annual_plan_wan", "completed_wan", "formula_items",
    /// "formula_total", …} (formula items and penalties empty for readers who may not see
    /// them before release)
    sites: Vec<serde_json::Value>,
    /// Sites proposed by offices, waiting for confirmation (same fields as `sites`)
    proposals: Vec<serde_json::Value>,
    /// Judges: {"id", "username", "own_office", "submitted", "scored", "ranked"}
    judges: Vec<serde_json::Value>,
    /// Plan rules not met, explained
    plan_warnings: Vec<String>,
}

fn values<T: Serialize>(items: &[T]) -> Vec<serde_json::Value> {
    items.iter().filter_map(|i| serde_json::to_value(i).ok()).collect()
}

/// Sites with their money as the API speaks it: 万元 as a decimal string
/// (`total_investment_wan`), never integer yuan.
fn sites_out(sites: &[fengkou_app::meetings::SiteView]) -> Vec<serde_json::Value> {
    sites
        .iter()
        .filter_map(|s| {
            let mut v = serde_json::to_value(s).ok()?;
            let o = v.as_object_mut()?;
            for (key, amount) in
                [("total_investment", s.total_investment), ("annual_plan", s.annual_plan), ("completed", s.completed)]
            {
                o.remove(key);
                o.insert(format!("{key}_wan"), serde_json::Value::String(amount.to_api_string()));
            }
            Some(v)
        })
        .collect()
}

impl From<MeetingView> for MeetingOut {
    fn from(m: MeetingView) -> Self {
        MeetingOut {
            id: m.id,
            held_on: m.held_on.map(|d| d.to_string()),
            ends_on: m.ends_on.map(|d| d.to_string()),
            method: m.method.clone(),
            aggregate: m.aggregate.clone(),
            combination: m.combination.clone(),
            rank_step: m.rank_step.clone(),
            weights: BTreeMap::from([
                ("rubric".to_string(), m.weight_rubric.clone()),
                ("rank".to_string(), m.weight_rank.clone()),
                ("formula".to_string(), m.weight_formula.clone()),
            ]),
            released: m.released,
            criteria: m
                .criterion_ids
                .iter()
                .zip(&m.criteria)
                .map(|(id, c)| {
                    serde_json::json!({"id": id, "name": c.name, "weight": c.weight.normalize().to_string(), "max": c.max.normalize().to_string()})
                })
                .collect(),
            offices: m.participants().map(|o| serde_json::json!({"id": o.id, "name": o.name, "group": o.group})).collect(),
            sites: sites_out(&m.sites),
            proposals: sites_out(&m.proposals),
            judges: values(&m.judges),
            plan_warnings: m.plan_warnings.clone(),
            name: m.name,
        }
    }
}

/// A meeting's plan: method, offices and groups, route, proposals, judges.
#[utoipa::path(get, path = "/meetings/{id}", responses((status = 200, body = MeetingOut), (status = 404, body = ApiErrorBody)))]
async fn get_meeting(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<MeetingOut>, ApiError> {
    Ok(Json(state.app.meeting_for(&actor, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct SiteIn {
    project_id: i64,
    #[serde(default)]
    visit_time: String,
}

#[derive(Serialize, ToSchema)]
pub struct SiteAdded {
    /// confirmed (the project office's own) or proposed (an office's, to be confirmed)
    status: String,
}

/// Puts a project on the route (the project office) or proposes one of the office's
/// own projects (an office user). Refused with the reason when a rule is broken: the
/// office does not take part, it already has three sites, or the project was shown
/// at the previous meeting.
#[utoipa::path(post, path = "/meetings/{id}/sites", request_body = SiteIn, responses((status = 201, body = SiteAdded), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn add_site(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SiteIn>,
) -> Result<(StatusCode, Json<SiteAdded>), ApiError> {
    state.app.add_site(&actor, id, body.project_id, &body.visit_time).await?;
    let status = if actor.can_manage_pipeline() { "confirmed" } else { "proposed" };
    Ok((StatusCode::CREATED, Json(SiteAdded { status: status.into() })))
}

#[derive(Serialize, ToSchema)]
pub struct MeetingResultsOut {
    id: i64,
    name: String,
    released: bool,
    method: String,
    judges: usize,
    submitted: usize,
    /// Offices best first (within groups): {"group", "office", "score", "rank", "band", "rubric", "ranked",
    /// "formula", "adjustment", "change"}
    offices: Vec<serde_json::Value>,
    /// The top sites ("好项目"): {"site_id", "project", "office", "score", "judges"}
    top_sites: Vec<serde_json::Value>,
    /// What ranks the sites: judges' scores or the points formula
    site_basis: String,
    /// Rank ballots left out, with the reason: {"judge", "group", "reason"}
    void_ballots: Vec<serde_json::Value>,
    /// The previous released meeting compared with
    previous: Option<String>,
    /// 争先进位: [office, places gained]
    most_improved: Vec<(String, i64)>,
    /// How the bands were drawn
    banding: String,
    /// The published version (null before release: the ranking in progress)
    version: Option<i32>,
    released_at: Option<String>,
    /// Every published version: [version, when, reason] (a later one is a correction)
    versions: Vec<(i32, String, String)>,
}

/// Results of a meeting: as published (frozen at release; corrections are new
/// versions); before release, the ranking in progress for the project office and
/// the leaders only.
#[utoipa::path(get, path = "/meetings/{id}/results", responses((status = 200, body = MeetingResultsOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn meeting_results(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<MeetingResultsOut>, ApiError> {
    let r = state.app.meeting_results(&actor, id).await?;
    let m = state.app.meeting(id).await?;
    Ok(Json(MeetingResultsOut {
        id: m.id,
        name: m.name,
        released: m.released,
        method: m.method,
        judges: r.judges,
        submitted: r.submitted,
        offices: values(&r.offices),
        top_sites: values(&r.top_sites),
        site_basis: r.site_basis,
        void_ballots: values(&r.void_ballots),
        previous: r.previous,
        most_improved: r.most_improved,
        banding: r.banding,
        version: r.published.as_ref().map(|p| p.version),
        released_at: r.published.as_ref().map(|p| p.released_at.to_rfc3339()),
        versions: r
            .published
            .map(|p| p.versions.into_iter().map(|(v, at, why)| (v, at.to_rfc3339(), why)).collect())
            .unwrap_or_default(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct BallotsOut {
    /// Every rubric score: {"judge", "submitted", "site_id", "criterion_id", "score"}
    scores: Vec<serde_json::Value>,
    /// Every rank-ballot line: {"judge", "submitted", "office_id", "rank"}
    ranks: Vec<serde_json::Value>,
}

/// Every ballot as entered, named by judge, so that a result can be recomputed.
#[utoipa::path(get, path = "/meetings/{id}/ballots", responses((status = 200, body = BallotsOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn meeting_ballots(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<BallotsOut>, ApiError> {
    let b = state.app.meeting_ballots(&actor, id).await?;
    Ok(Json(BallotsOut { scores: values(&b.scores), ranks: values(&b.ranks) }))
}

#[derive(Deserialize, ToSchema)]
pub struct ScoreIn {
    /// Criterion id → score, e.g. {"12": "18.5"}; every criterion of the rubric
    scores: BTreeMap<String, String>,
    #[serde(default)]
    remark: String,
}

/// A judge saves their scores for one site. Saving the same scores again is harmless.
#[utoipa::path(put, path = "/meetings/{id}/sites/{site}/scores", request_body = ScoreIn, responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn score_site(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, site)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<ScoreIn>,
) -> Result<StatusCode, ApiError> {
    let mut scores = Vec::new();
    for (criterion, value) in &body.scores {
        let cid = criterion
            .parse::<i64>()
            .map_err(|_| ApiError(AppError::invalid("评分项", format!("“{criterion}”不是评分项编号"))))?;
        let score = rust_decimal::Decimal::from_str_exact(value.trim())
            .map_err(|_| ApiError(AppError::invalid("评分", format!("“{value}”不是数字"))))?;
        scores.push((cid, score));
    }
    state.app.score_site(&actor, id, site, &scores, &body.remark).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RankingIn {
    /// Office id → rank (1 = best), every office taking part except the judge's own,
    /// 1..n within each group, no ties
    ranks: BTreeMap<String, i32>,
}

/// A judge saves their rank ballot. A ballot with ties or gaps is refused with the
/// reason; the same ballot again is harmless.
#[utoipa::path(put, path = "/meetings/{id}/ranking", request_body = RankingIn, responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn rank_offices(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RankingIn>,
) -> Result<StatusCode, ApiError> {
    let mut ranks = Vec::new();
    for (office, rank) in &body.ranks {
        let office_id = office
            .parse::<i64>()
            .map_err(|_| ApiError(AppError::invalid("办事处", format!("“{office}”不是办事处编号"))))?;
        ranks.push((office_id, *rank));
    }
    state.app.save_ranking(&actor, id, &ranks).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A judge submits their sheet; it is locked from then on.
#[utoipa::path(post, path = "/meetings/{id}/submit", responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn submit_sheet(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.submit_sheet(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    /// Released meetings, oldest first: [id, name, date]
    meetings: Vec<(i64, String, Option<String>)>,
    /// Per office: its rank at each of those meetings (null: did not take part)
    offices: Vec<(String, Vec<Option<u32>>)>,
}

/// Every office's rank at each released meeting.
#[utoipa::path(get, path = "/meetings/history", responses((status = 200, body = HistoryOut)))]
async fn meeting_history(
    State(state): State<AppState>,
    ApiUser(_actor): ApiUser,
) -> Result<Json<HistoryOut>, ApiError> {
    let h = state.app.meeting_history().await?;
    Ok(Json(HistoryOut {
        meetings: h.meetings.into_iter().map(|(id, name, d)| (id, name, d.map(|d| d.to_string()))).collect(),
        offices: h.offices,
    }))
}
