//! Import, the audit trail, users and settings.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::shared::{opt_num, see_other};
use axum::Router;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fengkou_app::AppError;
use fengkou_app::audit::AuditFilter;
use fengkou_app::ledger::ImportOptions;
use fengkou_domain::{Role, WarningSettings};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/import",
            get(import_form).post(import).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_UPLOAD_BYTES)),
        )
        .route("/import/problems.xlsx", get(import_problems))
        .route("/audit", get(audit))
        .route("/audit.xlsx", get(audit_export))
        .route("/admin", get(admin))
        .route("/admin/users", axum::routing::post(add_user))
        .route("/admin/users/{id}", axum::routing::post(update_user))
        .route("/admin/users/{id}/active", axum::routing::post(set_active))
        .route("/admin/users/{id}/password", axum::routing::post(reset_password))
        .route("/admin/settings", axum::routing::post(save_settings))
        .route("/admin/offices", axum::routing::post(add_office))
}

async fn import_form(u: PageUser) -> Result<Response, PageError> {
    if !u.actor.can_manage_pipeline() {
        // The upload would be refused; say so instead of showing the form.
        return Err(PageError::on(&u.page)(AppError::forbidden("只有项目办可以导入台账")));
    }
    Ok(u.page
        .render("accounts/import.html", crate::ctx! { report => None::<()>, error => None::<String> })
        .into_response())
}

async fn import(State(state): State<AppState>, u: PageUser, mut mp: Multipart) -> Result<Response, PageError> {
    let mut bytes = Vec::new();
    let mut options = ImportOptions { max_rows: Some(crate::MAX_UPLOAD_ROWS), ..Default::default() };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                Some("dry_run") => options.dry_run = true,
                Some("clear_blanks") => options.clear_blanks = true,
                Some("create_missing") => options.create_missing = true,
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                let msg = format!("上传中断或文件过大（上限 {} MB）：{e}", crate::MAX_UPLOAD_BYTES / 1024 / 1024);
                return Ok((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    u.page.render("accounts/import.html", crate::ctx! { report => None::<()>, error => msg }),
                )
                    .into_response());
            }
        }
    }
    if bytes.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            u.page.render(
                "accounts/import.html",
                crate::ctx! { report => None::<()>, error => "请选择要导入的 .xlsx 文件" },
            ),
        )
            .into_response());
    }
    let result = state.app.ledger().import_projects(&u.actor, std::mem::take(&mut bytes), options).await;
    // Kept for the download link: the page lists the first 200 problems only.
    let checked = match &result {
        Ok(report) => Some(report),
        Err(AppError::ImportRejected(report)) => Some(report.as_ref()),
        Err(_) => None,
    };
    if let Some(report) = checked.filter(|r| r.problems_total > 0)
        && let Ok(workbook) = report.problems_workbook()
    {
        state.import_problems.lock().unwrap_or_else(|e| e.into_inner()).insert(u.actor.user_id, workbook);
    }
    match result {
        Ok(report) => Ok(u.page.render("accounts/import.html", crate::ctx! { report => &report, summary => report.summary_line(), error => None::<String> }).into_response()),
        Err(AppError::ImportRejected(report)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            u.page.render("accounts/import.html", crate::ctx! { report => &report, summary => report.summary_line(), error => "导入未执行：文件中有错误，未写入任何数据。请修改后重新导入。" }),
        )
            .into_response()),
        Err(AppError::Ledger(refusal)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, u.page.render("accounts/import.html", crate::ctx! { report => None::<()>, error => refusal.to_string() })).into_response()),
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

#[derive(Deserialize, Serialize, Default)]
struct AuditParams {
    page: Option<String>,
    user: Option<String>,
    project: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl AuditParams {
    fn filter(&self) -> AuditFilter {
        let date = |v: &Option<String>| v.as_deref().and_then(|d| d.trim().parse::<chrono::NaiveDate>().ok());
        AuditFilter {
            username: self.user.clone().filter(|u| !u.trim().is_empty()).map(|u| u.chars().take(64).collect()),
            // A number is a project's id (links from the project page); text, a part of
            // its name.
            project_id: opt_num(&self.project),
            project_name: self
                .project
                .clone()
                .filter(|p| !p.trim().is_empty() && p.trim().parse::<i64>().is_err())
                .map(|p| p.chars().take(100).collect()),
            action: self.action.clone().filter(|a| !a.is_empty()).map(|a| a.chars().take(40).collect()),
            from: date(&self.from),
            to: date(&self.to),
        }
    }

    /// The filters as a query string, for the pager and the export.
    fn query(&self) -> String {
        [
            ("user", &self.user),
            ("project", &self.project),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", crate::auth::urlencode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
    }
}

async fn audit(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<AuditParams>,
) -> Result<Response, PageError> {
    let page = opt_num(&q.page).unwrap_or(1u64).max(1);
    let (rows, pages) =
        state.app.audit().audit_log(&u.actor, &q.filter(), page).await.map_err(PageError::on(&u.page))?;
    let actions: Vec<(&str, &str)> = fengkou_app::audit::ACTIONS.to_vec();
    Ok(u.page
        .render(
            "accounts/audit.html",
            crate::ctx! { rows => rows, page => page, pages => pages, params => &q, query => q.query(), actions => actions },
        )
        .into_response())
}

async fn audit_export(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<AuditParams>,
) -> Result<Response, PageError> {
    let bytes = state.app.audit().export_audit(&u.actor, &q.filter()).await.map_err(PageError::on(&u.page))?;
    Ok(crate::shared::xlsx_response("操作日志.xlsx", bytes))
}

async fn admin_page(state: &AppState, u: &PageUser, error: Option<String>) -> Result<Response, PageError> {
    let users = state.app.accounts().users(&u.actor).await.map_err(PageError::on(&u.page))?;
    let settings = state.app.warnings().warning_settings().await?;
    let offices = state.app.offices().await?;
    let tokens = state.app.accounts().api_tokens(Some(&u.actor)).await?;
    let roles: Vec<(&str, &str)> = Role::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((
        status,
        u.page.render(
            "accounts/admin.html",
            crate::ctx! {
                users => users,
                settings => settings,
                offices => offices,
                roles => roles,
                tokens => tokens,
                error => error,
                min_chars => fengkou_app::auth::MIN_PASSWORD_CHARS,
            },
        ),
    )
        .into_response())
}

async fn admin(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    admin_page(&state, &u, None).await
}

#[derive(Deserialize)]
struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    password: String,
}

async fn add_user(State(state): State<AppState>, u: PageUser, Form(f): Form<UserForm>) -> Result<Response, PageError> {
    let Some(role) = Role::from_code(&f.role) else {
        return admin_page(&state, &u, Some("请选择角色".into())).await;
    };
    let office = Some(f.office.as_str()).filter(|o| !o.is_empty());
    match state.app.accounts().add_user(Some(&u.actor), &f.username, &f.display_name, role, office, &f.password).await {
        Ok(_) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    yellow: String,
    #[serde(default)]
    red: String,
    #[serde(default)]
    months: String,
}

async fn save_settings(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let parsed = (f.yellow.trim().parse::<f64>(), f.red.trim().parse::<f64>(), f.months.trim().parse::<i32>());
    let (Ok(yellow), Ok(red), Ok(months)) = parsed else {
        return admin_page(&state, &u, Some("预警阈值须为数字".into())).await;
    };
    let settings =
        WarningSettings { yellow_behind_points: yellow, red_behind_points: red, start_overdue_red_months: months };
    match state.app.warnings().save_warning_settings(&u.actor, settings).await {
        Ok(()) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

#[derive(Deserialize)]
struct OfficeForm {
    #[serde(default)]
    name: String,
}

async fn add_office(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<OfficeForm>,
) -> Result<Response, PageError> {
    match state.app.accounts().add_office(Some(&u.actor), &f.name).await {
        Ok(_) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

/// An account action's outcome: back to the page, or the page with the problem.
async fn after_account_action(
    state: &AppState,
    u: &PageUser,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(state, u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

async fn update_user(
    State(state): State<AppState>,
    u: PageUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    let Some(role) = Role::from_code(&f.role) else {
        return admin_page(&state, &u, Some("请选择角色".into())).await;
    };
    let office = Some(f.office.as_str()).filter(|o| !o.is_empty());
    let result = state.app.accounts().update_user(&u.actor, id, role, office, &f.display_name).await;
    after_account_action(&state, &u, result).await
}

#[derive(Deserialize)]
struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    u: PageUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, PageError> {
    let result = state.app.accounts().set_user_active(&u.actor, id, f.active == "true").await;
    after_account_action(&state, &u, result).await
}

async fn reset_password(
    State(state): State<AppState>,
    u: PageUser,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    let result = state.app.accounts().reset_password(&u.actor, id, &f.password).await;
    after_account_action(&state, &u, result).await
}

/// The full problem list of the user's last import that had problems.
async fn import_problems(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let workbook = state.import_problems.lock().unwrap_or_else(|e| e.into_inner()).get(&u.actor.user_id).cloned();
    match workbook {
        Some(bytes) => Ok(crate::shared::xlsx_response("台账导入问题清单.xlsx", bytes)),
        None => Err(PageError::on(&u.page)(AppError::NotFound("导入问题清单"))),
    }
}
