//! The leaders' pages: the dashboard (驾驶舱) and the 办事处 comparison.

use crate::AppState;
use crate::auth::PageUser;
use crate::charts;
use crate::error::PageError;
use crate::shared::year_param;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fengkou_domain::Stage;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/comparison", get(comparison))
        .route("/comparison.xlsx", get(comparison_xlsx))
}

#[derive(Deserialize, Default)]
struct YearParam {
    year: Option<String>,
}

async fn dashboard(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<YearParam>,
) -> Result<Response, PageError> {
    let d = state
        .app
        .views()
        .dashboard(&u.actor, year_param(&q.year).map_err(PageError::on(&u.page))?)
        .await
        .map_err(PageError::on(&u.page))?;
    let lang = u.page.lang;
    let html = u.page.render(
        "overview/dashboard.html",
        crate::ctx! {
            d => &d,
            funnel => charts::funnel(&d.summary, lang),
            industry => charts::industry(&d.by_industry, lang),
            monthly => charts::monthly(&d.monthly, lang),
            stages => Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>(),
        },
    );
    Ok(html.into_response())
}

async fn comparison(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<YearParam>,
) -> Result<Response, PageError> {
    let c = state
        .app
        .views()
        .comparison(year_param(&q.year).map_err(PageError::on(&u.page))?)
        .await
        .map_err(PageError::on(&u.page))?;
    let lang = u.page.lang;
    Ok(u.page
        .render(
            "overview/comparison.html",
            crate::ctx! {
                c => &c,
                stages => Stage::ALL.iter().map(|s| s.label()).collect::<Vec<_>>(),
                chart => charts::office_completion(&c.rows, lang),
                stage_chart => charts::office_stages(&c.rows, lang),
            },
        )
        .into_response())
}

async fn comparison_xlsx(
    State(state): State<AppState>,
    u: PageUser,
    Query(q): Query<YearParam>,
) -> Result<Response, PageError> {
    let _ = &u.actor; // any logged-in user may export the comparison
    let bytes = state.app.ledger().export_comparison(year_param(&q.year)?).await?;
    Ok(crate::shared::xlsx_response("办事处对比.xlsx", bytes))
}
