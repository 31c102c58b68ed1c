//! The ledger list, the project page and everything done from it.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::{ProjectForm, optional_date};
use crate::shared::xlsx_response;
use crate::shared::{opt_num, see_other};
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_app::projects::{ListQuery, ProjectSort, TransitionOutcome};
use fengkou_app::reports::{PhotoUpload, ReportInput};
use fengkou_domain::project::FieldError;
use fengkou_domain::warning::Light;
use fengkou_domain::{Month, Stage, Wan, parse_month};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects.xlsx", get(export))
        .route("/projects/new", get(new_form))
        .route("/projects/{id}", get(detail).post(update))
        .route("/projects/{id}/edit", get(edit_form))
        .route("/projects/{id}/transition", post(transition))
        .route("/stage-requests/{id}/decide", post(decide_request))
        .route("/projects/{id}/comments", post(comment))
        .route("/projects/{id}/milestones", post(milestone))
        .route("/projects/{id}/problems", post(problem))
        .route(
            "/projects/{id}/report",
            get(report_form).post(submit_report).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_UPLOAD_BYTES)),
        )
        .route("/milestones/{id}/done", post(milestone_done))
        .route("/problems/{id}/resolve", post(problem_resolve))
        .route("/photos/{id}", get(photo))
}

#[derive(Deserialize, Serialize, Default, Clone)]
pub(crate) struct ListParams {
    pub office: Option<String>,
    pub industry: Option<String>,
    pub stage: Option<String>,
    pub warning: Option<String>,
    pub year: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

impl ListParams {
    pub(crate) fn query(&self, per_page: u64) -> ListQuery {
        ListQuery {
            office_id: opt_num(&self.office),
            industry_id: opt_num(&self.industry),
            stage: self.stage.as_deref().and_then(Stage::from_label),
            warning: self.warning.as_deref().and_then(Light::from_code),
            year: opt_num(&self.year),
            search: self.q.clone().filter(|q| !q.trim().is_empty()).map(|q| q.chars().take(100).collect()),
            sort: ProjectSort::from_code(self.sort.as_deref().unwrap_or("")),
            page: opt_num(&self.page).unwrap_or(1),
            per_page,
        }
    }

    /// The query string without `page` (for pager links) or without `sort`.
    fn without(&self, key: &str) -> String {
        let pairs = [
            ("office", &self.office),
            ("industry", &self.industry),
            ("stage", &self.stage),
            ("warning", &self.warning),
            ("year", &self.year),
            ("q", &self.q),
            ("sort", &self.sort),
            ("page", &self.page),
        ];
        pairs
            .iter()
            .filter(|(k, v)| *k != key && v.as_deref().is_some_and(|s| !s.is_empty()))
            .map(|(k, v)| format!("{k}={}", crate::auth::urlencode(v.as_deref().unwrap_or(""))))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn page_err(u: &PageUser) -> impl Fn(AppError) -> PageError + '_ {
    PageError::on(&u.page)
}

async fn list(State(state): State<AppState>, u: PageUser, Query(p): Query<ListParams>) -> Result<Response, PageError> {
    let page = state.app.projects().list_projects(&u.actor, &p.query(50)).await.map_err(page_err(&u))?;
    let offices = state.app.offices().await?;
    let industries = state.app.industries().await?;
    Ok(u.page
        .render(
            "projects/list.html",
            crate::ctx! {
                page => page,
                params => &p,
                base_query => p.without("page"),
                sort_query => p.without("sort"),
                offices => offices,
                industries => industries,
                stages => Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>(),
            },
        )
        .into_response())
}

async fn export(
    State(state): State<AppState>,
    u: PageUser,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let bytes = state.app.ledger().export_projects(&u.actor, &p.query(1)).await.map_err(page_err(&u))?;
    let filtered = [&p.office, &p.industry, &p.stage, &p.warning, &p.q]
        .iter()
        .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()));
    Ok(xlsx_response(if filtered { "重点项目台账（筛选）.xlsx" } else { "重点项目台账.xlsx" }, bytes))
}

#[derive(Deserialize, Default)]
struct DetailParams {
    /// A message after a redirect: "requested" (a step back awaits approval).
    msg: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DetailParams>,
) -> Result<Response, PageError> {
    let d = state.app.projects().project_detail(&u.actor, id).await.map_err(page_err(&u))?;
    let audit = state.app.audit().project_audit(&u.actor, id).await.map_err(page_err(&u))?;
    let today = state.app.today();
    let message = match q.msg.as_deref() {
        Some("requested") => Some("退回申请已提交，待项目办审批；审批前项目阶段不变。"),
        Some("approved") => Some("已批准退回申请，阶段已变更。"),
        Some("rejected") => Some("已驳回退回申请，阶段不变。"),
        _ => None,
    };
    Ok(u.page
        .render(
            "projects/project.html",
            crate::ctx! { d => d, audit => audit, today => today.to_string(), message => message,
            stages => Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>() },
        )
        .into_response())
}

async fn form_page(
    state: &AppState,
    u: &PageUser,
    form: &ProjectForm,
    id: Option<i64>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let offices = state.app.offices().await?;
    let industries = state.app.industries().await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((
        status,
        u.page.render(
            "projects/form.html",
            crate::ctx! {
                form => form,
                id => id,
                errors => errors,
                offices => offices,
                industries => industries,
                stages => Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>(),
            },
        ),
    )
        .into_response())
}

async fn new_form(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    if !u.actor.can_create_projects() {
        return Err(page_err(&u)(AppError::forbidden("当前角色不能登记项目")));
    }
    let mut form = ProjectForm { stage: Stage::Signed.label().into(), ..Default::default() };
    if let Some(office) = u.actor.office_id {
        form.office =
            state.app.offices().await?.into_iter().find(|o| o.id == office).map(|o| o.name).unwrap_or_default();
    }
    form_page(&state, &u, &form, None, &[]).await
}

async fn create(
    State(state): State<AppState>,
    u: PageUser,
    Form(form): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let header = match form.parse() {
        Ok(h) => h,
        Err(errors) => return form_page(&state, &u, &form, None, &errors).await,
    };
    match state.app.projects().create_project(&u.actor, &header).await {
        Ok(id) => Ok(see_other(&format!("/projects/{id}"))),
        Err(AppError::Invalid(errors)) => form_page(&state, &u, &form, None, &errors).await,
        Err(e) => Err(page_err(&u)(e)),
    }
}

async fn edit_form(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let d = state.app.projects().project_detail(&u.actor, id).await.map_err(page_err(&u))?;
    if !d.can_edit {
        return Err(page_err(&u)(AppError::forbidden("只能修改本办事处的项目")));
    }
    let form = ProjectForm { version: d.version.to_string(), ..ProjectForm::of(&d.header) };
    form_page(&state, &u, &form, Some(id), &[]).await
}

async fn update(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(form): Form<ProjectForm>,
) -> Result<Response, PageError> {
    let header = match form.parse() {
        Ok(h) => h,
        Err(errors) => return form_page(&state, &u, &form, Some(id), &errors).await,
    };
    match state.app.projects().update_project(&u.actor, id, &header, form.version()).await {
        Ok(()) => Ok(see_other(&format!("/projects/{id}"))),
        Err(AppError::Invalid(errors)) => form_page(&state, &u, &form, Some(id), &errors).await,
        Err(AppError::Conflict(message)) => {
            // Their change is in the message; the form keeps what this user typed and
            // now carries the current version, so saving again is a decision, not a slip.
            let current = state.app.projects().project_version(&u.actor, id).await.map_err(page_err(&u))?;
            let form = ProjectForm { version: current.to_string(), ..form };
            let mut res = form_page(&state, &u, &form, Some(id), &[FieldError::new("有冲突", message)]).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(page_err(&u)(e)),
    }
}

#[derive(Deserialize)]
struct TransitionForm {
    #[serde(default)]
    stage: String,
    #[serde(default)]
    date: String,
    /// Needed when a project that has not started moves past 开工.
    #[serde(default)]
    actual_start: String,
    #[serde(default)]
    reason: String,
}

async fn transition(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TransitionForm>,
) -> Result<Response, PageError> {
    if f.stage.trim().is_empty() {
        return Err(page_err(&u)(AppError::invalid("阶段", "请选择要变更到的阶段")));
    }
    let to = Stage::from_label(&f.stage)
        .ok_or_else(|| page_err(&u)(AppError::invalid("阶段", format!("无法识别的阶段“{}”", f.stage))))?;
    let mut problems = Vec::new();
    let date = optional_date("日期", &f.date, &mut problems);
    let actual_start = optional_date("实际开工日期", &f.actual_start, &mut problems);
    if !problems.is_empty() {
        return Err(page_err(&u)(AppError::Invalid(problems)));
    }
    let date = date.ok_or_else(|| page_err(&u)(AppError::invalid("日期", "请填写有效的日期")))?;
    match state
        .app
        .projects()
        .transition(&u.actor, id, to, date, actual_start, &f.reason)
        .await
        .map_err(page_err(&u))?
    {
        TransitionOutcome::Done => Ok(see_other(&format!("/projects/{id}#stages"))),
        TransitionOutcome::Requested => Ok(see_other(&format!("/projects/{id}?msg=requested#stages"))),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    approve: String,
    #[serde(default)]
    reason: String,
}

async fn decide_request(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let approve = f.approve == "1";
    let project =
        state.app.projects().decide_stage_request(&u.actor, id, approve, &f.reason).await.map_err(page_err(&u))?;
    let msg = if approve { "approved" } else { "rejected" };
    Ok(see_other(&format!("/projects/{project}?msg={msg}#stages")))
}

#[derive(Deserialize)]
struct TextForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    back: Option<String>,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    date: String,
}

async fn comment(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    state.app.projects().add_comment(&u.actor, id, &f.body).await.map_err(page_err(&u))?;
    // Comments written on a meeting page go back there.
    match f.back.as_deref().filter(|b| b.starts_with("/meetings/")) {
        Some(back) => Ok(see_other(crate::auth::safe_next(Some(back)))),
        None => Ok(see_other(&format!("/projects/{id}#comments"))),
    }
}

async fn milestone(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let mut problems = Vec::new();
    let due = optional_date("时限", &f.date, &mut problems);
    if !problems.is_empty() {
        return Err(page_err(&u)(AppError::Invalid(problems)));
    }
    state.app.projects().add_milestone(&u.actor, id, &f.body, due, &f.responsible).await.map_err(page_err(&u))?;
    Ok(see_other(&format!("/projects/{id}#milestones")))
}

async fn problem(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let mut problems = Vec::new();
    let deadline = optional_date("解决时限", &f.date, &mut problems);
    if !problems.is_empty() {
        return Err(page_err(&u)(AppError::Invalid(problems)));
    }
    state.app.projects().add_problem(&u.actor, id, &f.body, &f.responsible, deadline).await.map_err(page_err(&u))?;
    Ok(see_other(&format!("/projects/{id}#problems")))
}

async fn milestone_done(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let today = state.app.today();
    let project = state.app.projects().complete_milestone(&u.actor, id, today).await.map_err(page_err(&u))?;
    Ok(see_other(&format!("/projects/{project}#milestones")))
}

async fn problem_resolve(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response, PageError> {
    let project = state.app.projects().resolve_problem(&u.actor, id, &f.body).await.map_err(page_err(&u))?;
    Ok(see_other(&format!("/projects/{project}#problems")))
}

async fn photo(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let p = state.app.projects().photo(&u.actor, id).await.map_err(page_err(&u))?;
    Ok((
        [(header::CONTENT_TYPE, p.content_type), (header::CACHE_CONTROL, "private, max-age=86400".to_string())],
        p.data,
    )
        .into_response())
}

#[derive(Serialize, Default)]
struct ReportFormValues {
    month: String,
    completed: String,
    progress: String,
    problems: String,
    help_needed: String,
}

async fn report_page(
    state: &AppState,
    u: &PageUser,
    id: i64,
    values: &ReportFormValues,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let d = state.app.projects().project_detail(&u.actor, id).await.map_err(page_err(u))?;
    if !d.can_report {
        // Not a form with a button that can only fail: the refusal, at once.
        return Err(page_err(u)(AppError::forbidden("只能填报本办事处的项目")));
    }
    let periods: Vec<_> = state.app.reports().periods().await?.into_iter().filter(|p| p.open).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    // What was typed comes back for correction, without the control characters that
    // were refused (a NUL must not reach the page either).
    let visible =
        |t: &str| t.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect::<String>();
    let shown = ReportFormValues {
        month: visible(&values.month),
        completed: visible(&values.completed),
        progress: visible(&values.progress),
        problems: visible(&values.problems),
        help_needed: visible(&values.help_needed),
    };
    Ok((
        status,
        u.page.render("reports/form.html", crate::ctx! { d => d, periods => periods, v => shown, errors => errors }),
    )
        .into_response())
}

async fn report_form(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let month = state
        .app
        .reports()
        .periods()
        .await?
        .into_iter()
        .find(|p| p.open)
        .map(|p| p.month.to_string())
        .unwrap_or_default();
    report_page(&state, &u, id, &ReportFormValues { month, ..Default::default() }, &[]).await
}

async fn submit_report(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Result<Response, PageError> {
    let mut v = ReportFormValues::default();
    let mut photos = Vec::new();
    let mut errors = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(page_err(&u)(AppError::invalid("照片", format!("上传中断或文件过大：{e}")))),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "photos" {
            let filename = field.file_name().unwrap_or("photo").to_string();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| page_err(&u)(AppError::invalid("照片", format!("照片上传失败：{e}"))))?;
            if !bytes.is_empty() {
                photos.push(PhotoUpload { filename, bytes: bytes.to_vec() });
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "month" => v.month = text,
            "completed" => v.completed = text,
            "progress" => v.progress = text,
            "problems" => v.problems = text,
            "help_needed" => v.help_needed = text,
            _ => {}
        }
    }
    let month: Option<Month> =
        parse_month(&v.month).map_err(|e| errors.push(FieldError::new("月份", e.to_string()))).ok();
    let completed = Wan::parse(if v.completed.trim().is_empty() { "0" } else { &v.completed })
        .map_err(|e| errors.push(FieldError::new("本月完成投资", e.to_string())))
        .ok();
    let (Some(month), Some(completed)) = (month, completed) else {
        return report_page(&state, &u, id, &v, &errors).await;
    };
    let input = ReportInput {
        month,
        completed,
        progress: v.progress.clone(),
        problems: v.problems.clone(),
        help_needed: v.help_needed.clone(),
        photos,
    };
    match state.app.reports().submit_report(&u.actor, id, input).await {
        Ok(_) => Ok(see_other(&format!("/projects/{id}#reports"))),
        Err(AppError::Invalid(errors)) => report_page(&state, &u, id, &v, &errors).await,
        Err(AppError::Report(refusal)) => {
            report_page(&state, &u, id, &v, &[FieldError::new("月份", refusal.to_string())]).await
        }
        Err(e) => Err(page_err(&u)(e)),
    }
}
