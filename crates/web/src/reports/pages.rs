//! Reporting periods and the monthly-report overview: what is due, what is missing.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::optional_date;
use crate::shared::see_other;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_domain::parse_month;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(overview))
        .route("/periods", post(open_period))
        .route("/periods/{id}/close", post(close_period))
        .route("/periods/{id}/reopen", post(reopen_period))
        .route("/reminders", post(remind))
}

async fn overview(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let periods = state.app.reports().periods().await.map_err(err)?;
    let current = periods.first().cloned();
    let (missing, checklist) = match &current {
        Some(p) => (
            state.app.reports().missing_reports(&u.actor, p.month).await.map_err(err)?,
            state.app.reports().report_checklist(&u.actor, p.month).await.map_err(err)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let missing_total: usize = missing.iter().map(|m| m.count).sum();
    // Earlier periods past their deadline stay listed until their reports are filed.
    let overdue: Vec<_> = state
        .app
        .reports()
        .overdue_reports(&u.actor)
        .await
        .map_err(err)?
        .into_iter()
        .filter(|o| current.as_ref().is_none_or(|c| c.month != o.month))
        .collect();
    let requests = if u.actor.can_manage_pipeline() {
        state.app.projects().pending_stage_requests(&u.actor).await.map_err(err)?
    } else {
        Vec::new()
    };
    let judged = state.app.reports().judged_month().await.map_err(err)?;
    let today = state.app.today();
    // The month after the latest period (a district opens them in turn), never a
    // future one.
    let this_month = fengkou_domain::Month::of(today);
    let suggested = current.as_ref().map_or(this_month.prev(), |c| c.month.next()).min(this_month);
    Ok(u.page
        .render(
            "reports/list.html",
            crate::ctx! {
                periods => periods,
                current => current,
                missing => missing,
                missing_total => missing_total,
                overdue => overdue,
                requests => requests,
                judged => judged,
                checklist => checklist,
                suggested_month => suggested.to_string(),
                suggested_deadline => (suggested.next().first_day() + chrono::Duration::days(9)).to_string(),
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct PeriodForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    deadline: String,
}

async fn open_period(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<PeriodForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let month = parse_month(&f.month).map_err(|e| err(AppError::invalid("月份", e.to_string())))?;
    let mut problems = Vec::new();
    let deadline = optional_date("截止日期", &f.deadline, &mut problems)
        .ok_or_else(|| err(AppError::invalid("截止日期", "请填写有效的日期")))?;
    state.app.reports().open_period(&u.actor, month, deadline).await.map_err(err)?;
    Ok(see_other("/reports"))
}

async fn close_period(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.reports().set_period_open(&u.actor, id, false).await.map_err(PageError::on(&u.page))?;
    Ok(see_other("/reports"))
}

async fn reopen_period(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.reports().set_period_open(&u.actor, id, true).await.map_err(PageError::on(&u.page))?;
    Ok(see_other("/reports"))
}

#[derive(Deserialize)]
struct RemindForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    office_id: String,
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    note: String,
}

/// 催报: the project office reminds an office (or about one project).
async fn remind(State(state): State<AppState>, u: PageUser, Form(f): Form<RemindForm>) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let month = parse_month(&f.month).map_err(|e| err(AppError::invalid("月份", e.to_string())))?;
    let office: i64 = f.office_id.trim().parse().map_err(|_| err(AppError::invalid("办事处", "请选择办事处")))?;
    let project: Option<i64> = f.project_id.trim().parse().ok();
    state.app.reports().send_reminder(&u.actor, month, office, project, &f.note).await.map_err(err)?;
    Ok(see_other("/reports#overdue"))
}
