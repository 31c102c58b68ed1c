//! On-site observation meetings: the list with every office's rank history, the plan
//! (scope and groups, proposed and confirmed sites, route, method, formula inputs,
//! bonus/penalty items, judges, comments), the judges' phone sheet, the hall's live
//! board (in `board.rs`), the bulletin and the ballots workbook.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::optional_date;
use crate::shared::{opt_num, see_other};
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_app::meetings::{CriterionLine, MethodSettings, RouteLine, ScopeLine};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list).post(create))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/edit", post(edit))
        .route("/meetings/{id}/scope", post(scope))
        .route("/meetings/{id}/sites", post(add_site))
        .route("/meetings/{id}/sites/{site}/confirm", post(confirm_site))
        .route("/meetings/{id}/sites/{site}/remove", post(remove_site))
        .route("/meetings/{id}/sites/{site}/formula", post(site_formula))
        .route("/meetings/{id}/route", post(route))
        .route("/meetings/{id}/adjustments", post(add_adjustment))
        .route("/meetings/{id}/adjustments/{adjustment}/remove", post(remove_adjustment))
        .route("/meetings/{id}/comments", post(comment))
        .route("/meetings/{id}/judges", post(invite))
        .route("/meetings/{id}/judges/{judge}/reopen", post(reopen))
        .route("/meetings/{id}/judges/{judge}/remove", post(remove_judge))
        .route("/meetings/{id}/release", post(release))
        .route("/meetings/{id}/method", post(method))
        .route("/meetings/{id}/rubric", post(rubric))
        .route("/meetings/{id}/score", get(sheet))
        .route("/meetings/{id}/sites/{site}/score", post(score))
        .route("/meetings/{id}/sites/{site}/decline", post(decline))
        .route("/meetings/{id}/sites/{site}/undecline", post(undecline))
        .route("/meetings/{id}/doc", post(doc_number))
        .route("/meetings/{id}/ranking", post(ranking))
        .route("/meetings/{id}/submit", post(submit))
        .route("/meetings/{id}/photos/{photo}", get(photo))
        .route("/meetings/{id}/bulletin.docx", get(bulletin))
        .route("/meetings/{id}/ballots.xlsx", get(ballots))
}

pub(super) fn err(u: &PageUser) -> impl Fn(AppError) -> PageError + '_ {
    PageError::on(&u.page)
}

async fn list(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let meetings = state.app.meetings().list().await?;
    let history = state.app.meetings().meeting_history().await?;
    let chart = (!history.meetings.is_empty()).then(|| crate::charts::rank_history(&history));
    Ok(u.page
        .render(
            "meetings/list.html",
            crate::ctx! { meetings => meetings, history => &history, chart => chart, today => state.app.today().to_string() },
        )
        .into_response())
}

#[derive(Deserialize)]
struct MeetingForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    ends_on: String,
}

async fn create(State(state): State<AppState>, u: PageUser, Form(f): Form<MeetingForm>) -> Result<Response, PageError> {
    let (held_on, ends_on) = meeting_dates(&f).map_err(err(&u))?;
    let id =
        state.app.meetings().create_meeting_spanning(&u.actor, &f.name, held_on, ends_on).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}")))
}

/// Parses the meeting form's dates, every problem named.
fn meeting_dates(f: &MeetingForm) -> Result<(chrono::NaiveDate, Option<chrono::NaiveDate>), AppError> {
    let mut problems = Vec::new();
    let held_on = optional_date("开始日期", &f.held_on, &mut problems);
    let ends_on = optional_date("结束日期", &f.ends_on, &mut problems);
    match held_on {
        Some(h) if problems.is_empty() => Ok((h, ends_on)),
        None if problems.is_empty() => Err(AppError::invalid("开始日期", "请填写有效的日期")),
        _ => Err(AppError::Invalid(problems)),
    }
}

async fn edit(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<MeetingForm>,
) -> Result<Response, PageError> {
    let (held_on, ends_on) = meeting_dates(&f).map_err(err(&u))?;
    state.app.meetings().update_meeting(&u.actor, id, &f.name, held_on, ends_on).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#method")))
}

async fn detail(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let m = state.app.meetings().meeting_for(&u.actor, id).await.map_err(err(&u))?;
    let results = state.app.meetings().visible_results(&u.actor, id).await.map_err(err(&u))?;
    // After release, the project office sees a ranking that differs from the
    // published one (a correction to publish).
    let draft = state.app.meetings().pending_correction(&u.actor, id).await.map_err(err(&u))?;
    let choices = if u.actor.can_manage_pipeline() {
        state.app.batches().project_choices(None).await?
    } else if u.actor.can_create_projects() && m.participants().any(|o| Some(o.id) == u.actor.office_id) {
        state.app.batches().project_choices(u.actor.office_id).await?
    } else {
        Vec::new()
    };
    let is_judge = m.judges.iter().any(|j| j.username == u.actor.username);
    let comments = state.app.meetings().meeting_comments(id).await.map_err(err(&u))?;
    Ok(u.page
        .render(
            "meetings/meeting.html",
            crate::ctx! { m => &m, results => &results, draft => &draft, choices => choices, is_judge => is_judge,
            comments => comments, own_office => u.actor.office_id },
        )
        .into_response())
}

/// The scope form: `part{office}` checked for offices taking part, `group{office}`.
async fn scope(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let lines: Vec<ScopeLine> = state
        .app
        .offices()
        .await?
        .into_iter()
        .map(|o| ScopeLine {
            office_id: o.id,
            taking_part: f.contains_key(&format!("part{}", o.id)),
            group: f.get(&format!("group{}", o.id)).cloned().unwrap_or_default(),
        })
        .collect();
    state.app.meetings().set_scope(&u.actor, id, &lines).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#scope")))
}

#[derive(Deserialize)]
struct SiteForm {
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    visit_time: String,
}

async fn add_site(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<SiteForm>,
) -> Result<Response, PageError> {
    // Chosen by name ("name（office）" from the list, or a part of a name); an office
    // looks among its own projects.
    let office = if u.actor.can_manage_pipeline() { None } else { u.actor.confined_to() };
    let project =
        state.app.batches().project_by_name(f.project.as_deref().unwrap_or(""), office).await.map_err(err(&u))?;
    state.app.meetings().add_site(&u.actor, id, project, &f.visit_time).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#sites")))
}

async fn confirm_site(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state.app.meetings().confirm_site(&u.actor, id, site).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#sites")))
}

async fn remove_site(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state.app.meetings().remove_site(&u.actor, id, site).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#sites")))
}

/// The route form: `seq{site}` and `time{site}` for every confirmed site.
async fn route(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut lines = Vec::new();
    for (key, value) in &f {
        let Some(site_id) = key.strip_prefix("seq").and_then(|s| s.parse::<i64>().ok()) else { continue };
        let seq = value
            .trim()
            .parse::<i32>()
            .map_err(|_| err(&u)(AppError::invalid("顺序", format!("“{value}”不是序号"))))?;
        let visit_time = f.get(&format!("time{site_id}")).cloned().unwrap_or_default();
        lines.push(RouteLine { site_id, seq, visit_time });
    }
    state.app.meetings().set_route(&u.actor, id, &lines).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#sites")))
}

#[derive(Deserialize)]
struct FormulaForm {
    #[serde(default)]
    concentrated_start: Option<String>,
    #[serde(default)]
    penalty: String,
    #[serde(default)]
    penalty_reason: String,
}

async fn site_formula(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
    Form(f): Form<FormulaForm>,
) -> Result<Response, PageError> {
    let penalty = if f.penalty.trim().is_empty() { "0" } else { f.penalty.as_str() };
    state
        .app
        .meetings()
        .set_site_formula(&u.actor, id, site, f.concentrated_start.is_some(), penalty, &f.penalty_reason)
        .await
        .map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#formula")))
}

#[derive(Deserialize)]
struct AdjustmentForm {
    #[serde(default)]
    office_id: Option<String>,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

async fn add_adjustment(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AdjustmentForm>,
) -> Result<Response, PageError> {
    // A missing office is the use case's to report, after it has checked permission.
    let office: i64 = opt_num(&f.office_id).unwrap_or(0);
    state.app.meetings().add_adjustment(&u.actor, id, office, &f.points, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#adjustments-edit")))
}

async fn remove_adjustment(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, adjustment)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state.app.meetings().remove_adjustment(&u.actor, id, adjustment).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#adjustments-edit")))
}

#[derive(Deserialize)]
struct CommentForm {
    /// `s{site id}` for a site (the comment goes on its project), `o{office id}`
    /// for an office.
    #[serde(default)]
    target: String,
    #[serde(default)]
    body: String,
}

async fn comment(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    let m = state.app.meetings().meeting_for(&u.actor, id).await.map_err(err(&u))?;
    let pick = |prefix: char| f.target.strip_prefix(prefix).and_then(|v| v.parse::<i64>().ok());
    if let Some(site) = pick('s').and_then(|s| m.sites.iter().find(|x| x.id == s)) {
        state.app.projects().add_comment(&u.actor, site.project_id, &f.body).await.map_err(err(&u))?;
    } else if let Some(office) = pick('o') {
        state.app.meetings().comment_on_office(&u.actor, id, office, &f.body).await.map_err(err(&u))?;
    } else {
        return Err(err(&u)(AppError::invalid("点评对象", "请选择观摩点或办事处")));
    }
    Ok(see_other(&format!("/meetings/{id}#comments")))
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
    state.app.meetings().invite_judge(&u.actor, id, &f.username, Some(f.office.as_str())).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#judges")))
}

async fn reopen(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, judge)): Path<(i64, i64)>,
    Form(f): Form<JudgeForm>,
) -> Result<Response, PageError> {
    state.app.meetings().reopen_sheet(&u.actor, id, judge, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#judges")))
}

async fn remove_judge(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, judge)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state.app.meetings().remove_judge(&u.actor, id, judge).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#judges")))
}

#[derive(Deserialize)]
struct ReleaseForm {
    /// The checkbox "我已核对，确认发布".
    #[serde(default)]
    confirm: Option<String>,
    /// Why release before every judge has submitted, or why correct.
    #[serde(default)]
    reason: String,
}

async fn release(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ReleaseForm>,
) -> Result<Response, PageError> {
    if f.confirm.as_deref() != Some("1") {
        return Err(err(&u)(AppError::invalid("确认", "发布后结果不能再改，请勾选“我已核对，确认发布”")));
    }
    state.app.meetings().release_results(&u.actor, id, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#results")))
}

#[derive(Deserialize)]
struct DocForm {
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    number: String,
}

async fn doc_number(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DocForm>,
) -> Result<Response, PageError> {
    let number: i32 = f
        .number
        .trim()
        .parse()
        .map_err(|_| err(&u)(AppError::invalid("文号", format!("“{}”不是序号", f.number.trim()))))?;
    state.app.meetings().set_doc_number(&u.actor, id, &f.prefix, number).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#method")))
}

#[derive(Deserialize)]
struct MethodForm {
    #[serde(default)]
    method: String,
    #[serde(default)]
    aggregate: String,
    #[serde(default)]
    combination: String,
    #[serde(default)]
    rank_step: String,
    #[serde(default)]
    weight_rubric: String,
    #[serde(default)]
    weight_rank: String,
    #[serde(default)]
    weight_formula: String,
    #[serde(default)]
    excellent_from: String,
    #[serde(default)]
    good_from: String,
    #[serde(default)]
    band_mode: String,
    #[serde(default)]
    excellent_share: String,
    #[serde(default)]
    good_share: String,
}

async fn method(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<MethodForm>,
) -> Result<Response, PageError> {
    let settings = MethodSettings {
        method: f.method,
        aggregate: f.aggregate,
        combination: f.combination,
        rank_step: f.rank_step,
        weight_rubric: f.weight_rubric,
        weight_rank: f.weight_rank,
        weight_formula: f.weight_formula,
        excellent_from: f.excellent_from,
        good_from: f.good_from,
        band_mode: f.band_mode,
        excellent_share: f.excellent_share,
        good_share: f.good_share,
    };
    state.app.meetings().set_meeting_method(&u.actor, id, &settings).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#method")))
}

/// The rubric form: `name{i}`, `weight{i}`, `max{i}` for rows 0, 1, …; blank rows are
/// left out.
async fn rubric(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let field = |name: &str, i: usize| f.get(&format!("{name}{i}")).cloned().unwrap_or_default();
    let lines: Vec<CriterionLine> = (0..fengkou_app::meetings::plan::MAX_CRITERIA + 4)
        .map(|i| CriterionLine { name: field("name", i), weight: field("weight", i), max: field("max", i) })
        .collect();
    state.app.meetings().set_rubric(&u.actor, id, &lines).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}#method")))
}

async fn sheet(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let sheet = state.app.meetings().score_sheet(&u.actor, id).await.map_err(err(&u))?;
    let criteria: Vec<(i64, String, String)> = sheet
        .meeting
        .criterion_ids
        .iter()
        .zip(&sheet.meeting.criteria)
        .map(|(cid, c)| (*cid, c.name.clone(), c.max.normalize().to_string()))
        .collect();
    Ok(u.page
        .render(
            "meetings/score.html",
            crate::ctx! { m => &sheet.meeting, sheet => &sheet.sites, ranking => &sheet.ranking,
            ranking_complete => sheet.ranking_complete, submitted => sheet.submitted, criteria => criteria },
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
    state.app.meetings().score_site(&u.actor, id, site, &scores, remark).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#site-{site}")))
}

/// The rank ballot arrives as `r{office id}` = rank.
async fn ranking(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut ranks = Vec::new();
    for (key, value) in &f {
        let Some(office) = key.strip_prefix('r').and_then(|c| c.parse::<i64>().ok()) else { continue };
        if value.trim().is_empty() {
            continue;
        }
        let rank = value
            .trim()
            .parse::<i32>()
            .map_err(|_| err(&u)(AppError::invalid("排名", format!("“{value}”不是名次"))))?;
        ranks.push((office, rank));
    }
    state.app.meetings().save_ranking(&u.actor, id, &ranks).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#ranking")))
}

async fn decline(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
    Form(f): Form<JudgeForm>,
) -> Result<Response, PageError> {
    state.app.meetings().decline_site(&u.actor, id, site, &f.reason).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#site-{site}")))
}

async fn undecline(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, site)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    state.app.meetings().withdraw_decline(&u.actor, id, site).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score#site-{site}")))
}

async fn submit(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.meetings().submit_sheet(&u.actor, id).await.map_err(err(&u))?;
    Ok(see_other(&format!("/meetings/{id}/score")))
}

async fn photo(
    State(state): State<AppState>,
    u: PageUser,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let p = state.app.meetings().meeting_photo(&u.actor, id, photo).await.map_err(err(&u))?;
    Ok((
        [(header::CONTENT_TYPE, p.content_type), (header::CACHE_CONTROL, "private, max-age=86400".to_string())],
        p.data,
    )
        .into_response())
}

/// The bulletin and the workbook: as published once released; before that, drafts
/// for the project office and the leaders (the app decides who may have them).
#[derive(Deserialize, Default)]
struct VersionParam {
    /// An earlier published version (the latest without it).
    version: Option<String>,
}

async fn bulletin(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<VersionParam>,
) -> Result<Response, PageError> {
    let file = match opt_num::<i32>(&q.version) {
        Some(v) => state.app.meetings().published_file(id, v, false).await,
        None => state.app.meetings().meeting_bulletin(&u.actor, id).await,
    }
    .map_err(err(&u))?;
    Ok(download("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &file.filename, file.bytes))
}

async fn ballots(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<VersionParam>,
) -> Result<Response, PageError> {
    let file = match opt_num::<i32>(&q.version) {
        Some(v) => state.app.meetings().published_file(id, v, true).await,
        None => state.app.meetings().meeting_workbook(&u.actor, id).await,
    }
    .map_err(err(&u))?;
    Ok(crate::shared::xlsx_response(&file.filename, file.bytes))
}

fn download(content_type: &str, filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename*=UTF-8''{}", crate::auth::urlencode(filename))),
        ],
        bytes,
    )
        .into_response()
}
