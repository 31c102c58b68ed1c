//! On-site observation meetings: the plan, the judges' phone sheet, the hall's live
//! board (server-sent events) and the bulletin.

use super::{opt_num, see_other};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::optional_date;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::str::FromStr;
use std::time::Duration;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/sites", post(add_site))
        .route("/meetings/{id}/judges", post(invite))
        .route("/meetings/{id}/judges/{judge}/reopen", post(reopen))
        .route("/meetings/{id}/release", post(release))
        .route("/meetings/{id}/method", post(method))
        .route("/meetings/{id}/score", get(sheet))
        .route("/meetings/{id}/sites/{site}/score", post(score))
        .route("/meetings/{id}/sites/{site}/decline", post(decline))
        .route("/meetings/{id}/submit", post(submit))
        .route("/meetings/{id}/board", get(board))
        .route("/meetings/{id}/events", get(events))
        .route("/meetings/{id}/bulletin.docx", get(bulletin))
        .route("/meetings/{id}/ballots.xlsx", get(ballots))
}

fn err(u: &PageUser) -> impl Fn(AppError) -> PageError + '_ {
    move |e| PageError { error: e, page: Some(u.page.clone()) }
}

async fn list(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let meetings = state.app.meetings().await?;
    Ok(u.page
        .render("meetings.html", crate::ctx! { meetings => meetings, today => state.app.today().to_string() })
        .into_response())
}

#[derive(Deserialize)]
struct MeetingForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    held_on: String,
}

async fn create(State(state): State<AppState>, u: PageUser, Form(f): Form<MeetingForm>) -> Result<Response, PageError> {
    let mut problems = Vec::new();
    let held_on = optional_date("日期", &f.held_on, &mut problems)
        .ok_or_else(|| err(&u)(AppError::invalid("日期", "请填写有效的日期")))?;
    let id = state.app.create_meeting(&u.actor, &f.name, held_on).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}")))
}

async fn detail(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let m = state.app.meeting(id).await.map_err(err(&u))?;
    let results = state.app.meeting_results(id).await.map_err(err(&u))?;
    let choices = if u.actor.can_manage_pipeline() { state.app.project_choices().await? } else { Vec::new() };
    let is_judge = m.judges.iter().any(|j| j.username == u.actor.username);
    let comments = state.app.meeting_comments(id).await.map_err(err(&u))?;
    Ok(u.page
        .render(
            "meeting.html",
            crate::ctx! { m => &m, results => &results, choices => choices, is_judge => is_judge, comments => comments },
        )
        .into_response())
}

#[derive(Deserialize)]
struct SiteForm {
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    visit_time: String,
}

async fn add_site(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<SiteForm>,
) -> Result<Response, PageError> {
    let id_part = f.project_id.as_deref().map(|v| v.split('·').next().unwrap_or("").trim().to_string());
    let project: i64 = opt_num(&id_part).ok_or_else(|| err(&u)(AppError::invalid("项目", "请从列表中选择项目")))?;
    state.app.add_site(&u.actor, id, project, &f.visit_time).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#sites")))
}

#[derive(Deserialize)]
struct JudgeForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    reason: String,
}

async fn invite(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<JudgeForm>,
) -> Result<Response, PageError> {
    state.app.invite_judge(&u.actor, id, &f.username, Some(f.office.as_str())).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#judges")))
}

async fn reopen(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, judge)): Path<(i64, i64)>,
    Form(f): Form<JudgeForm>,
) -> Result<Response, PageError> {
    state.app.reopen_sheet(&u.actor, id, judge, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#judges")))
}

async fn release(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let on = f.get("released").is_some_and(|v| v == "1");
    state.app.release_results(&u.actor, id, on).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}")))
}

#[derive(Deserialize)]
struct MethodForm {
    #[serde(default)]
    aggregate: String,
    #[serde(default)]
    combination: String,
    #[serde(default)]
    excellent_from: String,
    #[serde(default)]
    good_from: String,
}

async fn method(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<MethodForm>,
) -> Result<Response, PageError> {
    let number = |v: &str| Decimal::from_str(v.trim()).unwrap_or_default();
    state
        .app
        .set_meeting_method(&u.actor, id, &f.aggregate, &f.combination, number(&f.excellent_from), number(&f.good_from))
        .await
        .map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}")))
}

async fn sheet(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (m, sheet, submitted) = state.app.score_sheet(&u.actor, id).await.map_err(err(&u))?;
    let criteria: Vec<(i64, String, String)> = m
        .criterion_ids
        .iter()
        .zip(&m.criteria)
        .map(|(cid, c)| (*cid, c.name.clone(), c.max.normalize().to_string()))
        .collect();
    Ok(u.page
        .render(
            "meeting_score.html",
            crate::ctx! { m => &m, sheet => &sheet, submitted => submitted, criteria => criteria },
        )
        .into_response())
}

/// The sheet for one site arrives as `c{criterion id}` fields and a remark.
async fn score(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut scores = Vec::new();
    for (key, value) in &f {
        let Some(cid) = key.strip_prefix('c').and_then(|c| c.parse::<i64>().ok()) else { continue };
        if value.trim().is_empty() {
            continue;
        }
        let score = Decimal::from_str(value.trim())
            .map_err(|_| err(&u)(AppError::invalid("评分", format!("“{value}”不是数字"))))?;
        scores.push((cid, score));
    }
    let remark = f.get("remark").map(String::as_str).unwrap_or("");
    state.app.score_site(&u.actor, id, site, &scores, remark).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#site-{site}")))
}

async fn decline(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
    Form(f): Form<JudgeForm>,
) -> Result<Response, PageError> {
    state.app.decline_site(&u.actor, id, site, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#site-{site}")))
}

async fn submit(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.submit_sheet(&u.actor, id).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score")))
}

async fn board(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let m = state.app.meeting(id).await.map_err(err(&u))?;
    let board = board_json(&state, id).await.map_err(err(&u))?;
    Ok(u.page.render("meeting_board.html", crate::ctx! { m => &m, board => board.to_string() }).into_response())
}

/// What the hall's screen shows: who has submitted, and the ranking once released.
async fn board_json(state: &AppState, id: i64) -> Result<serde_json::Value, AppError> {
    let m = state.app.meeting(id).await?;
    let r = state.app.meeting_results(id).await?;
    let comments = state.app.meeting_comments(id).await?;
    Ok(serde_json::json!({
        "comments": comments.iter().take(6).map(|(project, office, leader, body)| serde_json::json!({"project": project, "office": office, "leader": leader, "body": body})).collect::<Vec<_>>(),
        "judges": m.judges.iter().map(|j| serde_json::json!({"name": j.username, "submitted": j.submitted, "scored": j.scored})).collect::<Vec<_>>(),
        "released": m.released,
        "ranking": if m.released { serde_json::to_value(&r.offices).unwrap_or_default() } else { serde_json::Value::Null },
        "top": if m.released { serde_json::to_value(&r.top_sites).unwrap_or_default() } else { serde_json::Value::Null },
    }))
}

/// Server-sent events: the board's data whenever it changes (checked every two
/// seconds; a screen in the hall needs no more).
async fn events(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.meeting(id).await.map_err(err(&u))?;
    let stream = futures::stream::unfold((state, None::<String>), move |(state, last)| async move {
        loop {
            let current = board_json(&state, id).await.map(|v| v.to_string()).unwrap_or_default();
            if last.as_deref() != Some(current.as_str()) {
                let event: Result<Event, Infallible> = Ok(Event::default().event("board").data(current.clone()));
                return Some((event, (state, Some(current))));
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()).into_response())
}

async fn bulletin(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    if !u.actor.can_manage_pipeline() && !u.actor.can_comment() {
        return Err(err(&u)(AppError::forbidden("只有项目办和领导可以下载通报")));
    }
    let bytes = state.app.meeting_bulletin(id).await.map_err(err(&u))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", crate::auth::urlencode("观摩评比通报.docx")),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn ballots(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    if !u.actor.can_manage_pipeline() && !u.actor.can_comment() {
        return Err(err(&u)(AppError::forbidden("只有项目办和领导可以下载评分明细")));
    }
    let bytes = state.app.meeting_workbook(id).await.map_err(err(&u))?;
    Ok(crate::pages::overview::xlsx_response("观摩评分明细.xlsx", bytes))
}
