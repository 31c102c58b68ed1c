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
            .list()
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
    /// The rubric's criteria.
    criteria: Vec<CriterionOut>,
    /// Offices taking part.
    offices: Vec<ParticipantOut>,
    /// The route, in order (formula items and penalties empty for readers who may not
    /// see them before release).
    sites: Vec<SiteOut>,
    /// Sites proposed by offices, waiting for confirmation.
    proposals: Vec<SiteOut>,
    judges: Vec<JudgeOut>,
    /// Plan rules not met, explained
    plan_warnings: Vec<String>,
}

/// A criterion of the rubric; weights and maxima as decimal strings ("20", "2.5").
#[derive(Serialize, ToSchema)]
pub struct CriterionOut {
    id: i64,
    name: String,
    weight: String,
    max: String,
}

/// An office taking part, and its group (empty: no groups).
#[derive(Serialize, ToSchema)]
pub struct ParticipantOut {
    id: i64,
    name: String,
    group: String,
}

/// A site on the route, with its money as the API speaks it: 万元 as decimal strings.
#[derive(Serialize, ToSchema)]
pub struct SiteOut {
    id: i64,
    seq: i32,
    visit_time: String,
    project_id: i64,
    project: String,
    office_id: i64,
    office: String,
    industry: String,
    industrial: bool,
    stage_label: String,
    total_investment_wan: String,
    annual_plan_wan: String,
    completed_wan: String,
    latest_progress: String,
    latest_problems: String,
    photo_ids: Vec<i64>,
    /// proposed | confirmed
    status: String,
    proposed_by: String,
    concentrated_start: bool,
    penalty: String,
    penalty_reason: String,
    /// The points formula item by item: [item, points].
    formula_items: Vec<(String, String)>,
    formula_total: String,
}

impl From<&fengkou_app::meetings::SiteView> for SiteOut {
    fn from(s: &fengkou_app::meetings::SiteView) -> Self {
        SiteOut {
            id: s.id,
            seq: s.seq,
            visit_time: s.visit_time.clone(),
            project_id: s.project_id,
            project: s.project.clone(),
            office_id: s.office_id,
            office: s.office.clone(),
            industry: s.industry.clone(),
            industrial: s.industrial,
            stage_label: s.stage_label.to_string(),
            total_investment_wan: s.total_investment.to_api_string(),
            annual_plan_wan: s.annual_plan.to_api_string(),
            completed_wan: s.completed.to_api_string(),
            latest_progress: s.latest_progress.clone(),
            latest_problems: s.latest_problems.clone(),
            photo_ids: s.photo_ids.clone(),
            status: s.status.code().to_string(),
            proposed_by: s.proposed_by.clone(),
            concentrated_start: s.concentrated_start,
            penalty: s.penalty.clone(),
            penalty_reason: s.penalty_reason.clone(),
            formula_items: s.formula_items.clone(),
            formula_total: s.formula_total.clone(),
        }
    }
}

/// A judge and how far their sheet has come.
#[derive(Serialize, ToSchema)]
pub struct JudgeOut {
    id: i64,
    username: String,
    display_name: String,
    own_office: Option<String>,
    declared_office: Option<String>,
    submitted: bool,
    /// Sites scored so far.
    scored: usize,
    /// Offices ranked so far.
    ranked: usize,
    reopened_reason: String,
}

impl From<&fengkou_app::meetings::JudgeView> for JudgeOut {
    fn from(j: &fengkou_app::meetings::JudgeView) -> Self {
        JudgeOut {
            id: j.id,
            username: j.username.clone(),
            display_name: j.display_name.clone(),
            own_office: j.own_office.clone(),
            declared_office: j.declared_office.clone(),
            submitted: j.submitted,
            scored: j.scored,
            ranked: j.ranked,
            reopened_reason: j.reopened_reason.clone(),
        }
    }
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
                .map(|(id, c)| CriterionOut {
                    id: *id,
                    name: c.name.clone(),
                    weight: c.weight.normalize().to_string(),
                    max: c.max.normalize().to_string(),
                })
                .collect(),
            offices: m
                .participants()
                .map(|o| ParticipantOut { id: o.id, name: o.name.clone(), group: o.group.clone() })
                .collect(),
            sites: m.sites.iter().map(SiteOut::from).collect(),
            proposals: m.proposals.iter().map(SiteOut::from).collect(),
            judges: m.judges.iter().map(JudgeOut::from).collect(),
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
    Ok(Json(state.app.meetings().meeting_for(&actor, id).await?.into()))
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
    state.app.meetings().add_site(&actor, id, body.project_id, &body.visit_time).await?;
    let status = if actor.can_manage_pipeline() { "confirmed" } else { "proposed" };
    Ok((StatusCode::CREATED, Json(SiteAdded { status: status.into() })))
}

/// An office's result: scores as published (decimal strings, two places).
#[derive(Serialize, ToSchema)]
pub struct OfficeResultOut {
    /// The group it is ranked in (empty: no groups).
    group: String,
    office: String,
    score: String,
    rank: u32,
    band: String,
    rubric: Option<String>,
    ranked: Option<String>,
    formula: Option<String>,
    /// The sum of bonus/penalty items, when there are any.
    adjustment: Option<String>,
    /// Places gained (+) or lost (−) since the previous released meeting.
    change: Option<i64>,
}

/// A top site ("好项目").
#[derive(Serialize, ToSchema)]
pub struct TopSiteOut {
    site_id: i64,
    project: String,
    office: String,
    score: String,
    /// How many judges scored it.
    judges: usize,
}

/// A rank ballot left out, and why.
#[derive(Serialize, ToSchema)]
pub struct VoidBallotOut {
    judge: String,
    group: Option<String>,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeetingResultsOut {
    id: i64,
    name: String,
    released: bool,
    method: String,
    judges: usize,
    submitted: usize,
    /// Offices best first (within groups).
    offices: Vec<OfficeResultOut>,
    /// The top sites ("好项目").
    top_sites: Vec<TopSiteOut>,
    /// What ranks the sites: judges' scores or the points formula
    site_basis: String,
    /// Rank ballots left out, with the reason.
    void_ballots: Vec<VoidBallotOut>,
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
    let r = state.app.meetings().meeting_results(&actor, id).await?;
    let m = state.app.meetings().meeting_for(&actor, id).await?;
    Ok(Json(MeetingResultsOut {
        id: m.id,
        name: m.name,
        released: m.released,
        method: m.method,
        judges: r.judges,
        submitted: r.submitted,
        offices: r
            .offices
            .iter()
            .map(|o| OfficeResultOut {
                group: o.group.clone(),
                office: o.office.clone(),
                score: o.score.clone(),
                rank: o.rank,
                band: o.band.clone(),
                rubric: o.rubric.clone(),
                ranked: o.ranked.clone(),
                formula: o.formula.clone(),
                adjustment: o.adjustment.clone(),
                change: o.change,
            })
            .collect(),
        top_sites: r
            .top_sites
            .iter()
            .map(|t| TopSiteOut {
                site_id: t.site_id,
                project: t.project.clone(),
                office: t.office.clone(),
                score: t.score.clone(),
                judges: t.judges,
            })
            .collect(),
        site_basis: r.site_basis,
        void_ballots: r
            .void_ballots
            .iter()
            .map(|v| VoidBallotOut { judge: v.judge.clone(), group: v.group.clone(), reason: v.reason.clone() })
            .collect(),
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

/// A rubric score as entered.
#[derive(Serialize, ToSchema)]
pub struct BallotScoreOut {
    judge: String,
    submitted: bool,
    site_id: i64,
    criterion_id: i64,
    /// A decimal string.
    score: String,
}

/// A line of a rank ballot as entered.
#[derive(Serialize, ToSchema)]
pub struct BallotRankOut {
    judge: String,
    submitted: bool,
    office_id: i64,
    rank: i32,
}

#[derive(Serialize, ToSchema)]
pub struct BallotsOut {
    scores: Vec<BallotScoreOut>,
    ranks: Vec<BallotRankOut>,
}

/// Every ballot as entered, named by judge, so that a result can be recomputed.
#[utoipa::path(get, path = "/meetings/{id}/ballots", responses((status = 200, body = BallotsOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn meeting_ballots(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<BallotsOut>, ApiError> {
    let b = state.app.meetings().meeting_ballots(&actor, id).await?;
    Ok(Json(BallotsOut {
        scores: b
            .scores
            .into_iter()
            .map(|s| BallotScoreOut {
                judge: s.judge,
                submitted: s.submitted,
                site_id: s.site_id,
                criterion_id: s.criterion_id,
                score: s.score,
            })
            .collect(),
        ranks: b
            .ranks
            .into_iter()
            .map(|r| BallotRankOut { judge: r.judge, submitted: r.submitted, office_id: r.office_id, rank: r.rank })
            .collect(),
    }))
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
    state.app.meetings().score_site(&actor, id, site, &scores, &body.remark).await?;
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
    state.app.meetings().save_ranking(&actor, id, &ranks).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A judge submits their sheet; it is locked from then on.
#[utoipa::path(post, path = "/meetings/{id}/submit", responses((status = 204), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn submit_sheet(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.app.meetings().submit_sheet(&actor, id).await?;
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
    let h = state.app.meetings().meeting_history().await?;
    Ok(Json(HistoryOut {
        meetings: h.meetings.into_iter().map(|(id, name, d)| (id, name, d.map(|d| d.to_string()))).collect(),
        offices: h.offices,
    }))
}
