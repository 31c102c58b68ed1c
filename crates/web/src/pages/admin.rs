//! Import, the audit trail, users and settings.

use super::{opt_num, see_other};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use axum::Router;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fengkou_app::AppError;
use fengkou_domain::{Role, WarningSettings};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(import_form).post(import))
        .route("/audit", get(audit))
        .route("/admin", get(admin))
        .route("/admin/users", axum::routing::post(add_user))
        .route("/admin/settings", axum::routing::post(save_settings))
        .route("/admin/offices", axum::routing::post(add_office))
}

async fn import_form(u: PageUser) -> Response {
    u.page.render("import.html", crate::ctx! { report => None::<()>, error => None::<String> }).into_response()
}

async fn import(State(state): State<AppState>, u: PageUser, mut mp: Multipart) -> Result<Response, PageError> {
    let mut bytes = Vec::new();
    let mut dry_run = false;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                Some("dry_run") => dry_run = true,
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                let msg = format!("上传中断或文件过大（上限 {} MB）：{e}", crate::MAX_UPLOAD_BYTES / 1024 / 1024);
                return Ok((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    u.page.render("import.html", crate::ctx! { report => None::<()>, error => msg }),
                )
                    .into_response());
            }
        }
    }
    if bytes.is_empty() {
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            u.page.render("import.html", crate::ctx! { report => None::<()>, error => "请选择要导入的 .xlsx 文件" }),
        )
            .into_response());
    }
    match state.app.import_projects(&u.actor, &bytes, dry_run).await {
        Ok(report) => Ok(u.page.render("import.html", crate::ctx! { report => &report, summary => report.summary_line(), error => None::<String> }).into_response()),
        Err(AppError::ImportRejected(report)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            u.page.render("import.html", crate::ctx! { report => &report, summary => report.summary_line(), error => "导入未执行：文件中有错误，未写入任何数据。请修改后重新导入。" }),
        )
            .into_response()),
        Err(AppError::Rejected(msg)) => Ok((StatusCode::UNPROCESSABLE_ENTITY, u.page.render("import.html", crate::ctx! { report => None::<()>, error => msg })).into_response()),
        Err(e) => Err(PageError { error: e, page: Some(u.page.clone()) }),
    }
}

#[derive(Deserialize, Default)]
struct PageParam {
    page: Option<String>,
}

async fn audit(State(state): State<AppState>, u: PageUser, Query(q): Query<PageParam>) -> Result<Response, PageError> {
    let page = opt_num(&q.page).unwrap_or(1u64).max(1);
    let (rows, pages) =
        state.app.audit_log(&u.actor, page).await.map_err(|e| PageError { error: e, page: Some(u.page.clone()) })?;
    Ok(u.page.render("audit.html", crate::ctx! { rows => rows, page => page, pages => pages }).into_response())
}

async fn admin_page(state: &AppState, u: &PageUser, error: Option<String>) -> Result<Response, PageError> {
    let users = state.app.users(&u.actor).await.map_err(|e| PageError { error: e, page: Some(u.page.clone()) })?;
    let settings = state.app.warning_settings().await?;
    let offices = state.app.offices().await?;
    let roles: Vec<(&str, &str)> = Role::ALL.iter().map(|r| (r.code(), r.label())).collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((
        status,
        u.page.render(
            "admin.html",
            crate::ctx! { users => users, settings => settings, offices => offices, roles => roles, error => error },
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
    match state.app.add_user(Some(&u.actor), &f.username, &f.display_name, role, office, &f.password).await {
        Ok(_) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError { error: e, page: Some(u.page.clone()) }),
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
    match state.app.save_warning_settings(&u.actor, settings).await {
        Ok(()) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError { error: e, page: Some(u.page.clone()) }),
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
    match state.app.add_office(Some(&u.actor), &f.name).await {
        Ok(_) => Ok(see_other("/admin")),
        Err(AppError::Invalid(p)) => {
            admin_page(&state, &u, Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))).await
        }
        Err(e) => Err(PageError { error: e, page: Some(u.page.clone()) }),
    }
}
