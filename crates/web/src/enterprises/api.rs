//! The enterprise side in the JSON API: the registry, a firm (with its tiers, figures
//! by source and its verdict on every rung), the candidate lists, the tier counts, and
//! entering a value (科技局).

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use crate::shared::opt_num;
use axum::Json;
use axum::extract::{Path, Query, State};
use fengkou_app::AppError;
use fengkou_app::enterprises::FirmFilter;
use fengkou_domain::enterprise::{Source, Tier};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(firm))
        .routes(routes!(set_indicator))
        .routes(routes!(candidates))
        .routes(routes!(tier_summary))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// Any part of the name or the code.
    q: Option<String>,
    /// A tier's code (high_tech, tech_sme, …).
    tier: Option<String>,
    /// A 办事处's id; 0 for the firms without one.
    office: Option<String>,
    industry: Option<String>,
    tag: Option<String>,
    page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FirmRowOut {
    id: i64,
    uscc: String,
    name: String,
    office: String,
    industry: String,
    tiers: Vec<String>,
    tags: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FirmListOut {
    total: u64,
    page: u64,
    pages: u64,
    enterprises: Vec<FirmRowOut>,
}

#[utoipa::path(get, path = "/enterprises", params(ListParams), responses((status = 200, body = FirmListOut), (status = 403, body = ApiErrorBody)))]
async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<ListParams>,
) -> Result<Json<FirmListOut>, ApiError> {
    let tier = match q.tier.as_deref().filter(|t| !t.is_empty()) {
        Some(code) => Some(Tier::from_code(code).ok_or_else(|| AppError::invalid("tier", "不是已知的认定类型代码"))?),
        None => None,
    };
    // A filter that is not a number is refused, never read as "no filter".
    let id = |field: &'static str, v: &Option<String>| -> Result<Option<i64>, AppError> {
        match v.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => t.parse().map(Some).map_err(|_| AppError::invalid(field, "应是编号（整数）")),
        }
    };
    let filter = FirmFilter {
        q: q.q,
        tier,
        industry_id: id("industry", &q.industry)?,
        office_id: id("office", &q.office)?,
        tag: q.tag,
        page: opt_num(&q.page).unwrap_or(1),
    };
    let page = state.app.enterprises().list(&actor, &filter).await?;
    Ok(Json(FirmListOut {
        total: page.total,
        page: page.page,
        pages: page.pages,
        enterprises: page
            .rows
            .into_iter()
            .map(|r| FirmRowOut {
                id: r.id,
                uscc: r.uscc,
                name: r.name,
                office: r.office,
                industry: r.industry,
                tiers: r.tiers.iter().map(|t| t.to_string()).collect(),
                tags: r.tags,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TierOut {
    tier: String,
    recognised_on: Option<String>,
    valid_until: Option<String>,
    certificate: String,
    holds: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SourceValueOut {
    source: String,
    value: String,
    as_of: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorOut {
    indicator: String,
    label: String,
    unit: String,
    /// The value that counts; null when none, or when sources differ and none is chosen.
    value: Option<String>,
    conflict: bool,
    sources: Vec<SourceValueOut>,
}

#[derive(Serialize, ToSchema)]
pub struct YearOut {
    year: i32,
    indicators: Vec<IndicatorOut>,
}

#[derive(Serialize, ToSchema)]
pub struct RungOut {
    rung: String,
    eligible: bool,
    /// 评分 or 直通车; null when not eligible.
    route: Option<String>,
    score: Option<String>,
    missing: Vec<String>,
    rules_version: String,
}

#[derive(Serialize, ToSchema)]
pub struct FirmOut {
    id: i64,
    uscc: String,
    name: String,
    office: String,
    industry: String,
    registered_on: Option<String>,
    liaison: String,
    tags: Vec<String>,
    tiers: Vec<TierOut>,
    /// The year the ladder reads (the last full year).
    data_year: i32,
    ladder: Vec<RungOut>,
    figures: Vec<YearOut>,
}

#[utoipa::path(get, path = "/enterprises/{uscc}", params(("uscc" = String, Path, description = "统一社会信用代码")), responses((status = 200, body = FirmOut), (status = 404, body = ApiErrorBody)))]
async fn firm(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(uscc): Path<String>,
) -> Result<Json<FirmOut>, ApiError> {
    let area = state.app.enterprises();
    let firm = area.firm_by_code(&actor, &uscc).await?;
    let tiers = area.tiers_of(&actor, firm.id).await?;
    let figures = area.figures(&actor, firm.id).await?;
    let (data_year, ladder) = area.ladder_of(&actor, firm.id).await?;
    Ok(Json(FirmOut {
        id: firm.id,
        uscc: firm.uscc,
        name: firm.name,
        office: firm.office,
        industry: firm.industry,
        registered_on: firm.registered_on.map(|d| d.to_string()),
        liaison: firm.liaison,
        tags: firm.tags,
        tiers: tiers
            .into_iter()
            .map(|t| TierOut {
                tier: t.tier.to_string(),
                recognised_on: t.recognised_on.map(|d| d.to_string()),
                valid_until: t.valid_until.map(|d| d.to_string()),
                certificate: t.certificate,
                holds: t.holds,
            })
            .collect(),
        data_year,
        ladder: ladder
            .into_iter()
            .map(|r| RungOut {
                rung: r.verdict.rung.clone(),
                eligible: r.verdict.eligible,
                route: r.verdict.route.map(|x| x.label().to_string()),
                score: r.verdict.score_text(),
                missing: r.verdict.missing.iter().map(|m| m.text.clone()).collect(),
                rules_version: r.version,
            })
            .collect(),
        figures: figures
            .into_iter()
            .map(|y| YearOut {
                year: y.year,
                indicators: y
                    .lines
                    .into_iter()
                    .map(|l| IndicatorOut {
                        indicator: l.indicator.to_string(),
                        label: l.label.to_string(),
                        unit: l.unit.to_string(),
                        value: l.value,
                        conflict: l.conflict,
                        sources: l
                            .sources
                            .into_iter()
                            .map(|s| SourceValueOut {
                                source: s.source.to_string(),
                                value: s.value,
                                as_of: s.as_of.map(|d| d.to_string()),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct IndicatorIn {
    year: i32,
    /// The vocabulary's name (rd_expense, employees, …).
    indicator: String,
    /// The department (税务, 统计 … or its code tax, statistics …).
    source: String,
    /// As written ("1,234.5", "是").
    value: String,
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    ok: bool,
}

#[utoipa::path(post, path = "/enterprises/{uscc}/indicators", params(("uscc" = String, Path, description = "统一社会信用代码")), request_body = IndicatorIn, responses((status = 200, body = Done), (status = 403, body = ApiErrorBody), (status = 422, body = ApiErrorBody)))]
async fn set_indicator(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(uscc): Path<String>,
    ApiJson(input): ApiJson<IndicatorIn>,
) -> Result<Json<Done>, ApiError> {
    if !actor.can_edit_enterprises() {
        return Err(AppError::forbidden("只有科技局可以修改企业指标").into());
    }
    let source = Source::from_text(&input.source).ok_or_else(|| {
        AppError::from(fengkou_app::enterprises::EnterpriseError::UnknownSource(
            input.source.chars().take(20).collect(),
        ))
    })?;
    let area = state.app.enterprises();
    let firm = area.firm_by_code(&actor, &uscc).await?;
    area.set_value(&actor, firm.id, input.year, &input.indicator, source, &input.value).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CandidateParams {
    /// 科技型中小企业, 创新型中小企业 or 高新技术企业.
    rung: String,
    page: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidateOut {
    uscc: String,
    name: String,
    office: String,
    eligible: bool,
    /// 评分 or 直通车; null when not eligible.
    route: Option<String>,
    score: Option<String>,
    unmet: i32,
    missing: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CandidatesOut {
    rung: String,
    data_year: i32,
    total: u64,
    eligible: u64,
    page: u64,
    pages: u64,
    candidates: Vec<CandidateOut>,
}

#[utoipa::path(get, path = "/ladder/candidates", params(CandidateParams), responses((status = 200, body = CandidatesOut), (status = 404, body = ApiErrorBody)))]
async fn candidates(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<CandidateParams>,
) -> Result<Json<CandidatesOut>, ApiError> {
    let rung = super::pages::RUNGS
        .iter()
        .find(|r| **r == q.rung)
        .ok_or_else(|| AppError::invalid("rung", format!("应是 {} 之一", super::pages::RUNGS.join("、"))))?;
    let page = state.app.enterprises().candidates(&actor, rung, opt_num(&q.page).unwrap_or(1), 100).await?;
    Ok(Json(CandidatesOut {
        rung: page.rung,
        data_year: page.data_year,
        total: page.total,
        eligible: page.eligible,
        page: page.page,
        pages: page.pages,
        candidates: page
            .rows
            .into_iter()
            .map(|c| CandidateOut {
                uscc: c.uscc,
                name: c.name,
                office: c.office,
                eligible: c.eligible,
                route: Some(c.route).filter(|r| !r.is_empty()),
                score: c.score,
                unmet: c.unmet,
                missing: c.missing,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TierCountOut {
    tier: String,
    code: String,
    count: usize,
    target_year: Option<i32>,
    target: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TierSummaryOut {
    today: String,
    counts: Vec<TierCountOut>,
    lapsing_within_180_days: usize,
    moved_up_this_year: usize,
    above_scale_firms: usize,
    above_scale_with_rd: usize,
}

#[utoipa::path(get, path = "/tiers/summary", responses((status = 200, body = TierSummaryOut), (status = 403, body = ApiErrorBody)))]
async fn tier_summary(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<TierSummaryOut>, ApiError> {
    let s = state.app.enterprises().tier_summary(&actor).await?;
    Ok(Json(TierSummaryOut {
        today: s.today.to_string(),
        counts: s
            .counts
            .iter()
            .map(|c| TierCountOut {
                tier: c.tier.to_string(),
                code: c.code.to_string(),
                count: c.count,
                target_year: c.target.as_ref().map(|t| t.0),
                target: c.target.as_ref().map(|t| t.1),
            })
            .collect(),
        lapsing_within_180_days: s.lapsing.len(),
        moved_up_this_year: s.moved_up.len(),
        above_scale_firms: s.above_scale.firms,
        above_scale_with_rd: s.above_scale.with_rd,
    }))
}
