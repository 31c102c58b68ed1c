//! The enterprise pages: the registry, a firm's page (its tiers, its verdict on every
//! rung with the explanation tree, its figures by source), the import, the ladder's
//! counts against the targets, the candidate lists and the rule versions.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::forms::optional_date;
use crate::shared::{opt_num, see_other, xlsx_response};
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use fengkou_app::AppError;
use fengkou_app::enterprises::import::ImportOptions;
use fengkou_app::enterprises::tiers::TierInput;
use fengkou_app::enterprises::{EnterpriseError, FirmFilter, FirmInput};
use fengkou_domain::Coded;
use fengkou_domain::enterprise::{INDICATORS, Source, Tier};
use fengkou_domain::policy::Step;
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list).post(create))
        .route(
            "/enterprises/import",
            get(import_form).post(import).layer(axum::extract::DefaultBodyLimit::max(crate::MAX_UPLOAD_BYTES)),
        )
        .route("/enterprises/{id}", get(firm).post(update))
        .route("/enterprises/{id}/tiers", post(add_tier))
        .route("/enterprises/{id}/values", post(set_value))
        .route("/enterprises/{id}/choices", post(choose))
        .route("/enterprises/{id}/projects", post(link_project))
        .route("/ladder", get(ladder))
        .route("/ladder/targets", post(set_target))
        .route("/ladder/candidates", get(candidates))
        .route("/ladder/candidates.xlsx", get(candidates_xlsx))
        .route("/ladder/rules", get(rules).post(save_rules))
}

/// The rungs the shipped rules assess, in ladder order.
pub(crate) const RUNGS: [&str; 3] = ["科技型中小企业", "创新型中小企业", "高新技术企业"];

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    tier: Option<String>,
    #[serde(default)]
    industry: Option<String>,
    #[serde(default)]
    office: Option<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> FirmFilter {
        FirmFilter {
            q: self.q.clone(),
            tier: self.tier.as_deref().and_then(Tier::from_code),
            industry_id: opt_num(&self.industry),
            office_id: opt_num(&self.office),
            tag: self.tag.clone(),
            page: opt_num(&self.page).unwrap_or(1),
        }
    }

    /// The filters as a query string, for the pager's links.
    fn query(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("tier", &self.tier),
            ("industry", &self.industry),
            ("office", &self.office),
            ("tag", &self.tag),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", crate::auth::urlencode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

fn tier_choices() -> Vec<Choice> {
    Tier::ALL.iter().map(|t| Choice { value: t.code().into(), label: t.label().into() }).collect()
}

async fn list(State(state): State<AppState>, u: PageUser, Query(q): Query<ListQuery>) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let page = state.app.enterprises().list(&u.actor, &q.filter()).await.map_err(err)?;
    let offices = state.app.offices().await?;
    let industries = state.app.industries().await?;
    Ok(u.page
        .render(
            "enterprises/list.html",
            crate::ctx! {
                firms => &page,
                q => &q.q, tier => &q.tier, industry => &q.industry, office => &q.office, tag => &q.tag,
                query => q.query(),
                tiers => tier_choices(),
                offices => offices,
                industries => industries,
                can_edit => u.actor.can_edit_enterprises(),
                confined => u.actor.confined_to().is_some(),
            },
        )
        .into_response())
}

#[derive(Deserialize, Default)]
struct FirmForm {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    registered_on: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    liaison: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

impl FirmForm {
    fn input(&self) -> Result<FirmInput, AppError> {
        let mut problems = Vec::new();
        let registered_on = optional_date("成立日期", &self.registered_on, &mut problems);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        // Empty means none; anything else must be an id (never read as "none").
        let id = |field: &'static str, text: &str| -> Result<Option<i64>, AppError> {
            match text.trim() {
                "" => Ok(None),
                t => t.parse::<i64>().map(Some).map_err(|_| AppError::invalid(field, "请从列表中选择")),
            }
        };
        Ok(FirmInput {
            uscc: self.uscc.clone(),
            name: self.name.clone(),
            office_id: id("办事处", &self.office)?,
            industry_id: id("行业", &self.industry)?,
            registered_on,
            address: self.address.clone(),
            contact: self.contact.clone(),
            phone: self.phone.clone(),
            liaison: self.liaison.clone(),
            tags: vec![self.tags.clone()],
            note: self.note.clone(),
        })
    }
}

async fn create(State(state): State<AppState>, u: PageUser, Form(f): Form<FirmForm>) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let input = f.input().map_err(err)?;
    let id = state.app.enterprises().create_firm(&u.actor, &input).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}")))
}

async fn update(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<FirmForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let input = f.input().map_err(err)?;
    let version = opt_num(&Some(f.version.clone())).unwrap_or(0);
    state.app.enterprises().update_firm(&u.actor, id, &input, version).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}")))
}

/// A line of an explanation as the page draws it: its depth in the tree and its text.
/// The tree is flattened here, not walked by a recursive template macro: a rule nested
/// a hundred levels deep would exhaust the template engine's recursion and take every
/// firm's page down with it.
#[derive(Serialize)]
pub(crate) struct StepLine {
    /// Indentation class, capped so that deep trees stay on the screen.
    depth: usize,
    line: String,
}

/// The lines a page shows of one explanation: at most this many.
const MAX_LINES: usize = 300;

pub(crate) fn step_lines(step: &Step) -> Vec<StepLine> {
    let mut out = Vec::new();
    let mut stack = vec![(step, 0usize)];
    while let Some((s, depth)) = stack.pop() {
        if out.len() == MAX_LINES {
            out.push(StepLine { depth: 0, line: "…".into() });
            break;
        }
        let line = if s.shown.is_empty() { format!("{} = {}", s.expr, s.value_text) } else { s.shown.clone() };
        out.push(StepLine { depth: depth.min(12), line });
        for child in s.children.iter().rev() {
            stack.push((child, depth + 1));
        }
    }
    out
}

#[derive(Serialize)]
struct TestView {
    name: String,
    outcome: &'static str,
    outcome_code: String,
    step: Vec<StepLine>,
}

#[derive(Serialize)]
struct ItemView {
    name: String,
    points: String,
    steps: Vec<StepLine>,
}

#[derive(Serialize)]
struct RungView {
    rung: String,
    eligible: bool,
    route: Option<&'static str>,
    score: Option<String>,
    missing: Vec<String>,
    basis: String,
    version: String,
    conditions: Vec<TestView>,
    items: Vec<ItemView>,
    direct: Vec<TestView>,
    holds: bool,
}

async fn firm(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let area = state.app.enterprises();
    let firm = area.firm(&u.actor, id).await.map_err(err)?;
    let tiers = area.tiers_of(&u.actor, id).await.map_err(err)?;
    let figures = area.figures(&u.actor, id).await.map_err(err)?;
    let (year, ladder) = area.ladder_of(&u.actor, id).await.map_err(err)?;
    let (linked, offered) = area.projects_of(&u.actor, id).await.map_err(err)?;
    let held: Vec<&str> = tiers.iter().filter(|t| t.holds).map(|t| t.tier).collect();
    let test = |t: &fengkou_domain::ladder::TestExplanation| TestView {
        name: t.name.clone(),
        outcome: t.outcome.label(),
        outcome_code: format!("{:?}", t.outcome).to_lowercase(),
        step: step_lines(&t.step),
    };
    let rungs: Vec<RungView> = ladder
        .iter()
        .map(|r| RungView {
            rung: r.verdict.rung.clone(),
            eligible: r.verdict.eligible,
            route: r.verdict.route.map(|x| x.label()),
            score: r.verdict.score_text(),
            missing: r.verdict.missing.iter().map(|m| m.text.clone()).collect(),
            basis: r.basis.clone(),
            version: r.version.clone(),
            conditions: r.conditions.iter().map(test).collect(),
            items: r
                .items
                .iter()
                .map(|i| ItemView {
                    name: i.name.clone(),
                    points: fengkou_domain::ladder::show_scaled(i.points),
                    steps: i.steps.iter().flat_map(step_lines).collect(),
                })
                .collect(),
            direct: r.direct.iter().map(test).collect(),
            holds: held.contains(&r.verdict.rung.as_str()),
        })
        .collect();
    let offices = state.app.offices().await?;
    let industries = state.app.industries().await?;
    let indicators: Vec<Choice> =
        INDICATORS.iter().map(|i| Choice { value: i.name.into(), label: i.label.into() }).collect();
    let sources: Vec<Choice> =
        Source::ALL.iter().map(|s| Choice { value: s.code().into(), label: s.label().into() }).collect();
    Ok(u.page
        .render(
            "enterprises/firm.html",
            crate::ctx! {
                firm => &firm,
                tiers => &tiers,
                figures => &figures,
                rungs => &rungs,
                data_year => year,
                linked => &linked,
                offered => &offered,
                can_edit => u.actor.can_edit_enterprises(),
                can_link => u.actor.can_edit_enterprises() || u.actor.can_manage_pipeline(),
                tier_choices => tier_choices(),
                indicators => indicators,
                sources => sources,
                offices => offices,
                industries => industries,
                today => state.app.today().to_string(),
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct TierForm {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    recognised_on: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    certificate: String,
}

async fn add_tier(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<TierForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let tier = Tier::from_code(&f.tier).ok_or_else(|| err(AppError::invalid("认定类型", "请选择")))?;
    let mut problems = Vec::new();
    let recognised_on = optional_date("认定日期", &f.recognised_on, &mut problems);
    let valid_until = optional_date("有效期至", &f.valid_until, &mut problems);
    if !problems.is_empty() {
        return Err(err(AppError::Invalid(problems)));
    }
    let recognised_on = recognised_on.ok_or_else(|| err(AppError::invalid("认定日期", "请填写")))?;
    let input = TierInput { tier, recognised_on, valid_until, certificate: f.certificate };
    state.app.enterprises().record_tier(&u.actor, id, &input).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}#tiers")))
}

#[derive(Deserialize)]
struct ValueForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    reason: String,
}

impl ValueForm {
    fn year_and_source(&self) -> Result<(i32, Source), AppError> {
        let year = opt_num(&Some(self.year.clone())).ok_or_else(|| AppError::invalid("年度", "请填写年份"))?;
        let source = Source::from_code(&self.source).ok_or_else(|| AppError::invalid("来源", "请选择"))?;
        Ok((year, source))
    }
}

async fn set_value(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ValueForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let (year, source) = f.year_and_source().map_err(err)?;
    state.app.enterprises().set_value(&u.actor, id, year, &f.indicator, source, &f.value).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}#figures")))
}

async fn choose(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<ValueForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let (year, source) = f.year_and_source().map_err(err)?;
    state.app.enterprises().choose_source(&u.actor, id, year, &f.indicator, source, &f.reason).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}#figures")))
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    project: String,
}

async fn link_project(
    State(state): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let project: i64 = opt_num(&Some(f.project)).ok_or_else(|| err(AppError::invalid("项目", "请选择")))?;
    state.app.enterprises().link_project(&u.actor, id, project).await.map_err(err)?;
    Ok(see_other(&format!("/enterprises/{id}#projects")))
}

async fn import_form(u: PageUser) -> Result<Response, PageError> {
    if !u.actor.can_edit_enterprises() {
        return Err(PageError::on(&u.page)(AppError::forbidden("只有科技局可以导入企业数据")));
    }
    Ok(import_page(&u, None, None))
}

fn import_page(
    u: &PageUser,
    report: Option<&fengkou_app::enterprises::import::EnterpriseImport>,
    problems: Option<(&[String], String)>,
) -> Response {
    let sources: Vec<Choice> =
        Source::ALL.iter().map(|s| Choice { value: s.code().into(), label: s.label().into() }).collect();
    let (problems, error) = match problems {
        Some((list, message)) => (list.iter().take(300).cloned().collect::<Vec<_>>(), Some(message)),
        None => (Vec::new(), None),
    };
    u.page
        .render(
            "enterprises/import.html",
            crate::ctx! {
                report => report,
                summary => report.map(|r| r.summary_line()),
                problems => problems,
                error => error,
                sources => sources,
            },
        )
        .into_response()
}

async fn import(State(state): State<AppState>, u: PageUser, mut mp: Multipart) -> Result<Response, PageError> {
    if !u.actor.can_edit_enterprises() {
        return Err(PageError::on(&u.page)(AppError::forbidden("只有科技局可以导入企业数据")));
    }
    let mut bytes = Vec::new();
    let mut options = ImportOptions { max_rows: Some(crate::MAX_UPLOAD_ROWS), ..Default::default() };
    let mut bad_field: Option<String> = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("file") => bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                Some("dry_run") => options.dry_run = true,
                Some("create") => options.create = true,
                Some("source") => {
                    let text = field.text().await.unwrap_or_default();
                    if !text.trim().is_empty() {
                        match Source::from_text(&text) {
                            Some(s) => options.source = Some(s),
                            None => {
                                bad_field =
                                    Some(EnterpriseError::UnknownSource(text.chars().take(20).collect()).to_string())
                            }
                        }
                    }
                }
                Some("year") => {
                    let text = field.text().await.unwrap_or_default();
                    if !text.trim().is_empty() {
                        match text.trim().parse::<i32>() {
                            Ok(y) if (2000..=2100).contains(&y) => options.year = Some(y),
                            _ => bad_field = Some("年度：须为 2000 到 2100 之间的年份".into()),
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                let msg = format!("上传中断或文件过大（上限 {} MB）：{e}", crate::MAX_UPLOAD_BYTES / 1024 / 1024);
                return Ok((StatusCode::PAYLOAD_TOO_LARGE, import_page(&u, None, Some((&[], msg)))).into_response());
            }
        }
    }
    if let Some(message) = bad_field {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, import_page(&u, None, Some((&[], message)))).into_response());
    }
    if bytes.is_empty() {
        let msg = "请选择要导入的 .xlsx 文件".to_string();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, import_page(&u, None, Some((&[], msg)))).into_response());
    }
    match state.app.enterprises().import_sheet(&u.actor, bytes, options).await {
        Ok(report) => Ok(import_page(&u, Some(&report), None)),
        Err(AppError::Enterprise(EnterpriseError::ImportRejected(problems))) => {
            let msg = format!("导入未执行：发现 {} 个问题，未写入任何数据。请修改后重新导入。", problems.len());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, import_page(&u, None, Some((&problems, msg)))).into_response())
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

async fn ladder(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let summary = state.app.enterprises().tier_summary(&u.actor).await.map_err(err)?;
    let chart = crate::charts::tier_history(&summary, u.page.lang);
    Ok(u.page
        .render(
            "enterprises/ladder.html",
            crate::ctx! {
                s => &summary,
                chart => chart,
                rungs => RUNGS,
                tier_choices => tier_choices(),
                can_edit => u.actor.can_edit_enterprises(),
                year => chrono::Datelike::year(&state.app.today()),
            },
        )
        .into_response())
}

#[derive(Deserialize)]
struct TargetForm {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    name: String,
}

async fn set_target(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<TargetForm>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let tier = Tier::from_code(&f.tier).ok_or_else(|| err(AppError::invalid("认定类型", "请选择")))?;
    let year: i32 = opt_num(&Some(f.year)).ok_or_else(|| err(AppError::invalid("年份", "请填写年份")))?;
    let target: i64 = opt_num(&Some(f.target)).ok_or_else(|| err(AppError::invalid("目标", "请填写整数")))?;
    state.app.enterprises().set_target(&u.actor, tier, year, target, &f.name).await.map_err(err)?;
    Ok(see_other("/ladder"))
}

#[derive(Deserialize)]
struct CandidateQuery {
    #[serde(default)]
    rung: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

fn rung_of(q: &CandidateQuery) -> Result<&'static str, AppError> {
    match q.rung.as_deref() {
        None | Some("") => Ok(RUNGS[2]),
        Some(r) => RUNGS.iter().find(|x| **x == r).copied().ok_or(AppError::NotFound("档次")),
    }
}

async fn candidates(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<CandidateQuery>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let rung = rung_of(&q).map_err(err)?;
    let page =
        state.app.enterprises().candidates(&u.actor, rung, opt_num(&q.page).unwrap_or(1), 50).await.map_err(err)?;
    Ok(u.page
        .render(
            "enterprises/candidates.html",
            crate::ctx! { c => &page, rungs => RUNGS, query => format!("rung={}", crate::auth::urlencode(rung)) },
        )
        .into_response())
}

async fn candidates_xlsx(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<CandidateQuery>,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let rung = rung_of(&q).map_err(err)?;
    let bytes = state.app.enterprises().candidates_workbook(&u.actor, rung).await.map_err(err)?;
    Ok(xlsx_response(&format!("{rung}培育名单.xlsx"), bytes))
}

async fn rules(State(state): State<AppState>, u: PageUser) -> Result<Response, PageError> {
    rules_page(&state, &u, None, String::new()).await
}

/// The versions, and the form (with what was typed and why it was refused, if it was).
async fn rules_page(
    state: &AppState,
    u: &PageUser,
    error: Option<String>,
    body: String,
) -> Result<Response, PageError> {
    let err = PageError::on(&u.page);
    let versions = state.app.enterprises().rule_versions(&u.actor).await.map_err(err)?;
    let shown: Vec<serde_json::Value> = versions
        .iter()
        .map(|v| {
            serde_json::json!({
                "id": v.id, "rung": v.set.rung, "version": v.set.version, "effective_from": v.set.effective_from,
                "basis": v.set.basis, "created_by": v.created_by, "in_force": v.in_force,
                "json": serde_json::to_string_pretty(&v.set).unwrap_or_default(),
            })
        })
        .collect();
    Ok(u.page
        .render(
            "enterprises/rules.html",
            crate::ctx! { versions => shown, can_edit => u.actor.can_edit_enterprises(), error => error, body => body },
        )
        .into_response())
}

#[derive(Deserialize)]
struct RulesForm {
    #[serde(default)]
    body: String,
}

async fn save_rules(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<RulesForm>,
) -> Result<Response, PageError> {
    match state.app.enterprises().save_rule_set(&u.actor, &f.body).await {
        Ok(_) => Ok(see_other("/ladder/rules")),
        // A refused version comes back with the text as typed, so that it can be fixed.
        Err(e @ AppError::Enterprise(EnterpriseError::Rules(_))) => {
            let page = rules_page(&state, &u, Some(e.to_string()), f.body.chars().take(65_536).collect()).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(PageError::on(&u.page)(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rungs_are_the_shipped_rule_sets() {
        let shipped: Vec<String> = fengkou_domain::ladder::default_rule_sets().into_iter().map(|s| s.rung).collect();
        for rung in super::RUNGS {
            assert!(shipped.iter().any(|s| s == rung), "{rung}");
        }
    }
}
