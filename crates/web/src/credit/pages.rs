//! The credit pages: a run's overview and ranking per cohort (compute, publish, the
//! notice and the banks' workbooks), the scheme versions (propose, approve), and a
//! firm's breakdown with its cohort's distributions, last year, a what-if and the
//! objections of the notice period.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::shared::{opt_num, see_other, xlsx_response};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_app::credit::{CreditError, FirmCredit, WhatIfResult};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/credit", get(overview))
        .route("/credit/compute", post(compute))
        .route("/credit/runs/{id}/publish", post(publish))
        .route("/credit/runs/{id}/notice.xlsx", get(notice_xlsx))
        .route("/credit/runs/{id}/banks.xlsx", get(banks_xlsx))
        .route("/credit/runs/{id}/objections", post(object))
        .route("/credit/objections/{id}", post(answer))
        .route("/credit/schemes", get(schemes).post(propose))
        .route("/credit/schemes/{id}/decision", post(decide))
        .route("/enterprises/{id}/credit", get(firm))
        .route("/enterprises/{id}/credit/what-if", post(what_if))
}

#[derive(Deserialize, Default)]
struct OverviewQuery {
    #[serde(default)]
    run: Option<String>,
    #[serde(default)]
    cohort: Option<String>,
    #[serde(default)]
    list: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// The list codes the filter offers, with their labels.
const LISTS: [(&str, &str); 5] =
    [("lead", "领跑"), ("chase", "竞跑"), ("strive", "进取"), ("vetoed", "否决"), ("missing_data", "缺数据")];

async fn overview(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<OverviewQuery>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let credit = state.app.credit();
    let run_id = match opt_num::<i64>(&q.run) {
        Some(id) => Some(id),
        None => credit.current_run(&u.actor, None).await.map_err(err)?.map(|r| r.id),
    };
    let ranking = match run_id {
        Some(id) => Some(
            credit
                .ranking(&u.actor, id, q.cohort.as_deref(), q.list.as_deref(), opt_num(&q.page).unwrap_or(1))
                .await
                .map_err(err)?,
        ),
        None => None,
    };
    let runs = credit.runs(&u.actor).await.map_err(err)?;
    let query = {
        let mut pairs = Vec::new();
        if let Some(r) = &ranking {
            pairs.push(format!("run={}", r.run.id));
            if !r.cohort.is_empty() {
                pairs.push(format!("cohort={}", crate::auth::urlencode(&r.cohort)));
            }
        }
        if let Some(list) = q.list.as_deref().filter(|l| !l.is_empty()) {
            pairs.push(format!("list={}", crate::auth::urlencode(list)));
        }
        pairs.join("&")
    };
    let this_year = chrono::Datelike::year(&state.app.today());
    Ok(u.page
        .render(
            "credit/index.html",
            crate::ctx! {
                ranking => &ranking, runs => &runs, query => query,
                lists => LISTS.iter().map(|(c, l)| serde_json::json!({"code": c, "label": l})).collect::<Vec<_>>(),
                list => q.list.clone().unwrap_or_default(),
                can_edit => u.actor.can_edit_enterprises(),
                years => ((this_year - 4)..=this_year).rev().collect::<Vec<_>>(),
                default_year => this_year - 1,
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct ComputeForm {
    #[serde(default)]
    year: String,
}

async fn compute(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<ComputeForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let year: i32 = opt_num(&Some(f.year)).ok_or_else(|| err(AppError::invalid("年度", "请选择年度")))?;
    let run = state.app.credit().compute(&u.actor, year).await.map_err(err)?;
    Ok(see_other(&format!("/credit?run={}", run.id)))
}

async fn publish(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.credit().publish(&u.actor, id).await.map_err(PageError::on(&u.page))?;
    Ok(see_other(&format!("/credit?run={id}")))
}

async fn notice_xlsx(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (year, bytes) = state.app.credit().notice_workbook(&u.actor, id).await.map_err(PageError::on(&u.page))?;
    Ok(xlsx_response(&format!("{year}年度创新积分公示名单.xlsx"), bytes))
}

async fn banks_xlsx(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let (year, bytes) = state.app.credit().bank_workbook(&u.actor, id).await.map_err(PageError::on(&u.page))?;
    Ok(xlsx_response(&format!("{year}年度创新积分金融机构名单.xlsx"), bytes))
}

async fn schemes(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    schemes_page(&state, &u, None, String::new(), None).await
}

/// The versions and the proposal form (with what was typed and why it was refused).
async fn schemes_page(
    state: &AppState,
    u: &PageUser,
    error: Option<String>,
    body: String,
    year: Option<i32>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let credit = state.app.credit();
    let versions = credit.schemes(&u.actor).await.map_err(err)?;
    // A new proposal starts from the version in use, so that it changes only what is meant.
    let body = if body.is_empty() { fengkou_app::credit::starting_text(&versions) } else { body };
    let this_year = chrono::Datelike::year(&state.app.today());
    Ok(u.page
        .render(
            "credit/schemes.html",
            crate::ctx! {
                versions => versions,
                can_propose => u.actor.can_edit_enterprises(),
                can_decide => u.actor.can_approve_credit_schemes(),
                me => u.actor.username.clone(),
                error => error, body => body, year => year.unwrap_or(this_year),
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct ProposeForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    effective_year: String,
}

async fn propose(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<ProposeForm>,
) -> Result<Response, PageError> {
    let year: Option<i32> = opt_num(&Some(f.effective_year.clone()));
    let result = match year {
        Some(year) => state.app.credit().propose_scheme(&u.actor, &f.body, year).await,
        None => Err(AppError::invalid("生效年度", "请填写年度（整数）")),
    };
    match result {
        Ok(_) => Ok(see_other("/credit/schemes")),
        // A refused scheme comes back with the text as typed, so that it can be fixed.
        Err(e @ (AppError::Credit(CreditError::Scheme(_)) | AppError::Invalid(_))) => {
            let body = f.body.chars().take(65_536).collect();
            let page = schemes_page(&state, &u, Some(e.to_string()), body, year).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let approve = f.decision == "approve";
    state.app.credit().decide_scheme(&u.actor, id, approve, &f.note).await.map_err(PageError::on(&u.page))?;
    Ok(see_other("/credit/schemes"))
}

#[derive(Deserialize, Default)]
struct FirmQuery {
    #[serde(default)]
    run: Option<String>,
}

/// One indicator line as the page draws it.
#[derive(Serialize)]
struct Line {
    name: String,
    group: String,
    expression: String,
    direction: String,
    weight: String,
    value: String,
    none_reason: Option<String>,
    normalised: String,
    points: String,
    /// Ten bars (height 2–28 px) with the firm's own marked.
    bars: Vec<(u32, bool)>,
    /// Firms of the cohort with this figure (None: a breakdown without its cohort's).
    count: Option<u64>,
    spread: String,
}

fn number(v: &serde_json::Value, places: usize) -> String {
    if v.is_null() {
        return "—".into();
    }
    match v.as_f64() {
        Some(x) => {
            let text = format!("{x:.places$}");
            if places > 2 && text.contains('.') {
                text.trim_end_matches('0').trim_end_matches('.').to_string()
            } else {
                text
            }
        }
        None => "—".into(),
    }
}

fn lines_of(breakdown: &serde_json::Value) -> Vec<Line> {
    let Some(lines) = breakdown["indicators"].as_array() else { return Vec::new() };
    lines
        .iter()
        .map(|l| {
            let d = &l["distribution"];
            let bins: Vec<u64> =
                d["bins"].as_array().map(|b| b.iter().filter_map(|x| x.as_u64()).collect()).unwrap_or_default();
            let most = bins.iter().copied().max().unwrap_or(0).max(1);
            let firm_bin = d["firm_bin"].as_u64();
            let bars = bins
                .iter()
                .enumerate()
                .map(|(i, n)| (2 + (26 * n / most) as u32, firm_bin == Some(i as u64)))
                .collect();
            // How many firms of the cohort have this figure, and (where the reader may see
            // them) how they spread.
            let count = d["n"].as_u64();
            let spread = if count.unwrap_or(0) > 0 && !d["median"].is_null() {
                format!("{} / {} / {}", number(&d["min"], 6), number(&d["median"], 6), number(&d["max"], 6))
            } else {
                String::new()
            };
            Line {
                name: l["name"].as_str().unwrap_or_default().to_string(),
                group: l["group"].as_str().unwrap_or_default().to_string(),
                expression: l["expression"].as_str().unwrap_or_default().to_string(),
                direction: l["direction"].as_str().unwrap_or_default().to_string(),
                weight: number(&l["weight"], 4),
                value: number(&l["value"], 6),
                none_reason: l["none_reason"].as_str().map(str::to_string),
                normalised: number(&l["normalised"], 4),
                points: number(&l["points"], 2),
                bars,
                count,
                spread,
            }
        })
        .collect()
}

async fn firm(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Query(q): Query<FirmQuery>,
) -> Result<Response, PageError> {
    firm_page(&state, &u, id, opt_num(&q.run), None, None).await
}

async fn firm_page(
    state: &AppState,
    u: &PageUser,
    id: i64,
    run: Option<i64>,
    what_if: Option<WhatIfResult>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let firm = state.app.enterprises().firm(&u.actor, id).await.map_err(err)?;
    let credit: Option<FirmCredit> = state.app.credit().firm_credit(&u.actor, id, run).await.map_err(err)?;
    let lines = credit.as_ref().map(|c| lines_of(&c.breakdown)).unwrap_or_default();
    // The cohort's field as people name it (销售收入 … 万元), and the total as text.
    let (cohort_label, cohort_unit, total) = match &credit {
        Some(c) => {
            let field = c.breakdown["cohort_field"].as_str().unwrap_or_default();
            let found = fengkou_domain::enterprise::indicator(field);
            (
                found.map_or(field.to_string(), |i| i.label.to_string()),
                found.map_or("", |i| i.kind.unit()).to_string(),
                number(&c.breakdown["indicator_points"], 2),
            )
        }
        None => Default::default(),
    };
    // The bonuses and deductions that count (a firm outside the ranking gets none).
    let items_total = |key: &str| -> String {
        let sum: f64 = credit
            .as_ref()
            .and_then(|c| c.breakdown[key].as_array())
            .map(|items| items.iter().filter(|i| i["holds"] == true).filter_map(|i| i["points"].as_f64()).sum())
            .unwrap_or(0.0);
        // + 0.0: an empty sum of floats is −0.0, which would print as "-0.00".
        format!("{:.2}", sum + 0.0)
    };
    let (bonus_total, deduct_total) = (items_total("bonus"), items_total("deduct"));
    let open = credit.as_ref().is_some_and(|c| {
        c.run.status == "published" && c.run.notice_until.is_some_and(|until| state.app.today() <= until)
    });
    Ok(u.page
        .render(
            "credit/firm.html",
            crate::ctx! {
                firm => &firm, credit => &credit, lines => lines, what_if => what_if, error => error,
                cohort_label => cohort_label, cohort_unit => cohort_unit, total => total,
                cohort_value => credit.as_ref().map(|c| number(&c.breakdown["cohort_value"], 6)),
                can_edit => u.actor.can_edit_enterprises(), notice_open => open,
                bonus_total => bonus_total, deduct_total => deduct_total,
                differences => credit.as_ref().map(|c| c.open_differences.clone()).unwrap_or_default(),
                confined => u.actor.confined_to().is_some(),
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct WhatIfForm {
    #[serde(default)]
    run: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    delta: String,
}

async fn what_if(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<WhatIfForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let run: i64 = opt_num(&Some(f.run.clone())).ok_or_else(|| err(AppError::NotFound("积分计算")))?;
    match state.app.credit().what_if(&u.actor, id, run, &f.field, &f.delta).await {
        Ok(result) => firm_page(&state, &u, id, Some(run), Some(result), None).await,
        Err(e @ AppError::Credit(CreditError::WhatIf(_))) => {
            let page = firm_page(&state, &u, id, Some(run), None, Some(e.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(err(e)),
    }
}

#[derive(Deserialize)]
struct ObjectionForm {
    #[serde(default)]
    firm: String,
    #[serde(default)]
    raised_for: String,
    #[serde(default)]
    text: String,
}

async fn object(
    State(state): State<AppState>,
    u: PageUser,
    Path(run): Path<i64>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let firm: i64 = opt_num(&Some(f.firm.clone())).ok_or_else(|| err(AppError::NotFound("企业")))?;
    state.app.credit().object(&u.actor, run, firm, &f.raised_for, &f.text).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{firm}/credit?run={run}#objections")))
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    firm: String,
    #[serde(default)]
    run: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    answer: String,
}

async fn answer(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let upheld = match f.outcome.as_str() {
        "upheld" => true,
        "dismissed" => false,
        _ => return Err(err(AppError::invalid("结论", "请选择异议成立或不成立"))),
    };
    state.app.credit().answer_objection(&u.actor, id, upheld, &f.answer).await.map_err(err)?;
    let (firm, run) = (opt_num::<i64>(&Some(f.firm)).unwrap_or(0), opt_num::<i64>(&Some(f.run)).unwrap_or(0));
    Ok(see_other(&format!("/enterprises/{firm}/credit?run={run}#objections")))
}
