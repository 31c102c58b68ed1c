//! The JSON API under `/api/v1`, described by the OpenAPI document at
//! `/api/v1/openapi.json` (Swagger UI at `/api/docs`). Authentication: the session
//! cookie or `Authorization: Bearer <token>` (`fengkou token create NAME`). Money is a
//! decimal string in 万元 with four decimals; permissions are the web UI's.

use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use crate::forms::{ProjectForm, optional_date};
use crate::pages::ListParams;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fengkou_app::AppError;
use fengkou_app::projects::ProjectRow;
use fengkou_app::reports::ReportInput;
use fengkou_domain::project::FieldError;
use fengkou_domain::{Stage, Wan, parse_month};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "fengkou API", description = "重点项目“三个一批”台账、月报、预警与办事处对比；现场观摩评比（观摩点、评分、排名投票、结果）。金额单位：万元（四位小数的字符串）；分数为字符串形式的小数。"),
    modifiers(&BearerAuth),
    security(("bearer" = []), ("cookie" = [])),
    components(schemas(ApiErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new("fk_session"),
            )),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_projects, create_project))
        .routes(routes!(summary))
        .routes(routes!(get_project, update_project))
        .routes(routes!(transition))
        .routes(routes!(list_reports, submit_report))
        .routes(routes!(periods))
        .routes(routes!(comparison))
        .merge(meetings::router())
}

mod meetings;

fn money(w: Wan) -> String {
    w.to_api_string()
}

#[derive(Serialize, ToSchema)]
pub struct ProjectOut {
    id: i64,
    code: Option<String>,
    name: String,
    office: String,
    industry: String,
    /// 谋划/洽谈/签约/开工/建设/投产/达产
    stage: String,
    total_investment_wan: String,
    annual_plan_wan: String,
    completed_wan: String,
    /// green / yellow / red
    warning: String,
    /// Which rule fired, on which figures.
    warning_detail: String,
    planned_start: Option<String>,
    actual_start: Option<String>,
}

impl From<&ProjectRow> for ProjectOut {
    fn from(r: &ProjectRow) -> Self {
        ProjectOut {
            id: r.id,
            code: r.code.clone(),
            name: r.name.clone(),
            office: r.office.clone(),
            industry: r.industry.clone(),
            stage: r.stage_label.to_string(),
            total_investment_wan: money(r.total_investment),
            annual_plan_wan: money(r.annual_plan),
            completed_wan: money(r.completed),
            warning: r.light.code().to_string(),
            warning_detail: r.warning_detail.clone(),
            planned_start: r.planned_start.map(|d| d.to_string()),
            actual_start: r.actual_start.map(|d| d.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectListOut {
    total: u64,
    page: u64,
    pages: u64,
    per_page: u64,
    year: i32,
    projects: Vec<ProjectOut>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQueryParams {
    /// Office: its id or its name
    office: Option<String>,
    /// Industry: its id or its name
    industry: Option<String>,
    /// Stage label (签约…)
    stage: Option<String>,
    /// green / yellow / red
    warning: Option<String>,
    year: Option<String>,
    /// Part of the name or code
    q: Option<String>,
    /// name / total / total_asc / stage / office / warning / updated
    sort: Option<String>,
    page: Option<String>,
    /// 1..200, default 50
    per_page: Option<String>,
}

#[utoipa::path(get, path = "/projects", params(ListQueryParams), responses((status = 200, body = ProjectListOut), (status = 401, body = ApiErrorBody)))]
async fn list_projects(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(p): Query<ListQueryParams>,
) -> Result<Json<ProjectListOut>, ApiError> {
    // A script that asks for an unknown filter must hear so, not get every project
    // back as if it had asked for none (pages keep ignoring junk in a hand-typed URL).
    let mut problems = Vec::new();
    let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    if let Some(v) = given(&p.stage)
        && Stage::from_label(&v).is_none()
    {
        problems.push(FieldError::new("stage", format!("无法识别的阶段“{v}”（谋划/洽谈/签约/开工/建设/投产/达产）")));
    }
    if let Some(v) = given(&p.warning)
        && fengkou_domain::Light::from_code(&v).is_none()
    {
        problems.push(FieldError::new("warning", format!("“{v}”不是 green、yellow 或 red")));
    }
    if let Some(v) = given(&p.year)
        && !v.parse::<i32>().is_ok_and(|y| (1900..=2100).contains(&y))
    {
        problems.push(FieldError::new("year", format!("“{v}”不是1900到2100之间的年份")));
    }
    for (field, value) in [("page", &p.page), ("per_page", &p.per_page)] {
        if let Some(v) = given(value)
            && v.parse::<u64>().is_err()
        {
            problems.push(FieldError::new(field, format!("“{v}”不是正整数")));
        }
    }
    if !problems.is_empty() {
        return Err(ApiError(AppError::Invalid(problems)));
    }
    let per_page = crate::pages::opt_num(&p.per_page).unwrap_or(50);
    // An office or industry by its id or by its name.
    let by_name = |value: Option<String>, names: Vec<(i64, String)>, what: &'static str| match value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) if v.parse::<i64>().is_err() => names
            .into_iter()
            .find(|(_, n)| n == v)
            .map(|(id, _)| Some(id.to_string()))
            .ok_or_else(|| ApiError(AppError::invalid(what, format!("没有名为“{v}”的{what}")))),
        other => Ok(other.map(str::to_string)),
    };
    let offices = state.app.offices().await?.into_iter().map(|o| (o.id, o.name)).collect();
    let industries = state.app.industries().await?.into_iter().map(|i| (i.id, i.name)).collect();
    let params = ListParams {
        office: by_name(p.office, offices, "办事处")?,
        industry: by_name(p.industry, industries, "产业类别")?,
        stage: p.stage,
        warning: p.warning,
        year: p.year,
        q: p.q,
        sort: p.sort,
        page: p.page,
    };
    let page = state.app.list_projects(&actor, &params.query(per_page)).await?;
    Ok(Json(ProjectListOut {
        total: page.total,
        page: page.page,
        pages: page.pages,
        per_page: page.per_page,
        year: page.year,
        projects: page.rows.iter().map(ProjectOut::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

fn invalid(problems: Vec<fengkou_domain::project::FieldError>) -> ApiError {
    ApiError(AppError::Invalid(problems))
}

#[utoipa::path(post, path = "/projects", request_body = ProjectForm, responses((status = 201, body = Created), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn create_project(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(form): ApiJson<ProjectForm>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let header = form.parse().map_err(invalid)?;
    let id = state.app.create_project(&actor, &header).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Serialize, ToSchema)]
pub struct ProjectDetailOut {
    #[serde(flatten)]
    project: ProjectOut,
    /// Send it back with an edit (PUT): a save from an older version is refused.
    version: i32,
    location: String,
    content: String,
    leader: String,
    responsible_unit: String,
    owner_unit: String,
    planned_finish: Option<String>,
    stage_history: Vec<StageEventOut>,
}

#[derive(Serialize, ToSchema)]
pub struct StageEventOut {
    from: String,
    to: String,
    date: Option<String>,
    reason: String,
    by: String,
}

#[utoipa::path(get, path = "/projects/{id}", responses((status = 200, body = ProjectDetailOut), (status = 403, body = ApiErrorBody), (status = 404, body = ApiErrorBody)))]
async fn get_project(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<ProjectDetailOut>, ApiError> {
    let d = state.app.project_detail(&actor, id).await?;
    Ok(Json(ProjectDetailOut {
        project: ProjectOut::from(&d.row),
        version: d.version,
        location: d.location,
        content: d.content,
        leader: d.leader,
        responsible_unit: d.responsible_unit,
        owner_unit: d.owner_unit,
        planned_finish: d.header.planned_finish.map(|x| x.to_string()),
        stage_history: d
            .stages
            .into_iter()
            .map(|e| StageEventOut {
                from: e.from,
                to: e.to,
                date: e.on_date.map(|x| x.to_string()),
                reason: e.reason,
                by: e.username,
            })
            .collect(),
    }))
}

#[utoipa::path(put, path = "/projects/{id}", request_body = ProjectForm, responses((status = 204), (status = 409, body = ApiErrorBody, description = "changed by someone else since `version`: who, when and what"), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn update_project(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(form): ApiJson<ProjectForm>,
) -> Result<StatusCode, ApiError> {
    let header = form.parse().map_err(invalid)?;
    state.app.update_project(&actor, id, &header, form.version()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionIn {
    /// Target stage: 谋划/洽谈/签约/开工/建设/投产/达产
    stage: String,
    /// The actual date, not in the future, e.g. "2026-04-01"
    date: String,
    /// The actual start, required when a project that has not started moves past 开工
    /// (签约 → 建设): the 开工 step is recorded on it.
    #[serde(default)]
    actual_start: String,
    /// Required when going back
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct TransitionOut {
    /// "done", or "requested": an office user's step back waits for the project office.
    status: String,
}

#[utoipa::path(post, path = "/projects/{id}/transitions", request_body = TransitionIn, responses((status = 200, body = TransitionOut, description = "done"), (status = 202, body = TransitionOut, description = "a step back requested, for the project office to approve"), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn transition(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(t): ApiJson<TransitionIn>,
) -> Result<(StatusCode, Json<TransitionOut>), ApiError> {
    let to = Stage::from_label(&t.stage)
        .ok_or_else(|| ApiError(AppError::invalid("阶段", format!("无法识别的阶段“{}”", t.stage))))?;
    let mut problems = Vec::new();
    let date = optional_date("日期", &t.date, &mut problems);
    let actual_start = optional_date("实际开工日期", &t.actual_start, &mut problems);
    if !problems.is_empty() {
        return Err(ApiError(AppError::Invalid(problems)));
    }
    let date = date.ok_or_else(|| ApiError(AppError::invalid("日期", "请填写有效的日期")))?;
    match state.app.transition(&actor, id, to, date, actual_start, &t.reason).await? {
        fengkou_app::projects::TransitionOutcome::Done => {
            Ok((StatusCode::OK, Json(TransitionOut { status: "done".into() })))
        }
        fengkou_app::projects::TransitionOutcome::Requested => {
            Ok((StatusCode::ACCEPTED, Json(TransitionOut { status: "requested".into() })))
        }
    }
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
    let d = state.app.project_detail(&actor, id).await?;
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
    let id = state.app.submit_report(&actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
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
    let s = state.app.summary(&actor, crate::pages::opt_num(&q.year)).await?;
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
    let c = state.app.comparison(crate::pages::opt_num(&q.year)).await?;
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
