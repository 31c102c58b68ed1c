//! The API's project endpoints: the ledger, a project, its edits and stage changes.

use super::pages::ListParams;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ApiErrorBody, ApiJson};
use crate::forms::{ProjectForm, optional_date};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fengkou_app::AppError;
use fengkou_app::projects::ProjectRow;
use fengkou_domain::Stage;
use fengkou_domain::project::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::shared::{Created, invalid, money};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project, update_project))
        .routes(routes!(transition))
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
    let per_page = crate::shared::opt_num(&p.per_page).unwrap_or(50);
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
    let page = state.app.projects().list_projects(&actor, &params.query(per_page)).await?;
    Ok(Json(ProjectListOut {
        total: page.total,
        page: page.page,
        pages: page.pages,
        per_page: page.per_page,
        year: page.year,
        projects: page.rows.iter().map(ProjectOut::from).collect(),
    }))
}

#[utoipa::path(post, path = "/projects", request_body = ProjectForm, responses((status = 201, body = Created), (status = 422, body = ApiErrorBody), (status = 403, body = ApiErrorBody)))]
async fn create_project(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(form): ApiJson<ProjectForm>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let header = form.parse().map_err(invalid)?;
    let id = state.app.projects().create_project(&actor, &header).await?;
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
    /// 实际竣工 (send it back with an edit: an edit without it clears it)
    actual_finish: Option<String>,
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
    let d = state.app.projects().project_detail(&actor, id).await?;
    Ok(Json(ProjectDetailOut {
        project: ProjectOut::from(&d.row),
        version: d.version,
        location: d.location,
        content: d.content,
        leader: d.leader,
        responsible_unit: d.responsible_unit,
        owner_unit: d.owner_unit,
        planned_finish: d.header.planned_finish.map(|x| x.to_string()),
        actual_finish: d.header.actual_finish.map(|x| x.to_string()),
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
    state.app.projects().update_project(&actor, id, &header, form.version()).await?;
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
    match state.app.projects().transition(&actor, id, to, date, actual_start, &t.reason).await? {
        fengkou_app::projects::TransitionOutcome::Done => {
            Ok((StatusCode::OK, Json(TransitionOut { status: "done".into() })))
        }
        fengkou_app::projects::TransitionOutcome::Requested => {
            Ok((StatusCode::ACCEPTED, Json(TransitionOut { status: "requested".into() })))
        }
    }
}
