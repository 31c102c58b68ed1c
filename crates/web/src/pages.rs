//! The pages of no area (home, sign-in, sign-out, language) and the router that
//! gathers every area's pages (`crate::<area>::pages`). Each handler checks nothing
//! itself but asks the app, which enforces permissions.

pub use crate::meetings::board::MAX_STREAMS_PER_USER;
use crate::{accounts, batches, meetings, overview, projects, reports};

use crate::AppState;
use crate::auth::{AnonPage, Client, LANG_COOKIE, PageUser, SESSION_COOKIE, safe_next};
use crate::error::PageError;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(|| async { "ok" }))
        .route("/login", get(login_page).post(login).layer(DefaultBodyLimit::max(crate::MAX_LOGIN_BYTES)))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(set_lang))
        .merge(overview::pages::router())
        .merge(projects::pages::router())
        .merge(reports::pages::router())
        .merge(batches::pages::router())
        .merge(crate::enterprises::pages::router())
        .merge(crate::credit::pages::router())
        .merge(meetings::pages::router())
        .merge(meetings::board::router())
        .merge(accounts::admin::router())
        .merge(accounts::pages::router())
}

/// Where a user lands: a judge on their score sheet while a meeting is under way, an
/// office user on the reports, everyone else on the dashboard.
async fn home(State(state): State<AppState>, user: Result<PageUser, Response>) -> Response {
    // Not signed in, or a password to change first: where the extractor sends them.
    let u = match user {
        Ok(u) => u,
        Err(elsewhere) => return elsewhere,
    };
    if let Ok(Some(meeting)) = state.app.meetings().meeting_under_way_for(&u.actor).await {
        return Redirect::to(&format!("/meetings/{meeting}/score")).into_response();
    }
    let to = if u.actor.confined_to().is_some() { "/reports" } else { "/dashboard" };
    Redirect::to(to).into_response()
}

#[derive(Deserialize, Default)]
struct NextParam {
    next: Option<String>,
}

async fn login_page(AnonPage(page): AnonPage, Query(q): Query<NextParam>) -> impl IntoResponse {
    page.render(
        "login.html",
        crate::ctx! { next => safe_next(q.next.as_deref()), error => None::<String>, username => "" },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    AnonPage(page): AnonPage,
    jar: CookieJar,
    headers: HeaderMap,
    client: Client,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        let why = "提交的内容过长或格式不对：用户名不超过64个字符，密码不超过1024个字符";
        let html = page.render("login.html", crate::ctx! { next => "/", error => why, username => "" });
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, html).into_response();
    };
    match state.app.accounts().login(&f.username, &f.password, client.addr).await {
        Ok((_, secret)) => {
            let cookie = crate::auth::session_cookie(secret, &headers);
            (jar.add(cookie), Redirect::to(safe_next(f.next.as_deref()))).into_response()
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            let html = page.render(
                "login.html",
                crate::ctx! { next => safe_next(f.next.as_deref()), error => e.to_string(), username => f.username },
            );
            (status, html).into_response()
        }
    }
}

fn time_hours(h: i64) -> time::Duration {
    time::Duration::hours(h)
}

async fn logout(State(state): State<AppState>, jar: CookieJar) -> Result<Response, PageError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        state.app.accounts().logout(c.value()).await?;
    }
    Ok((jar.remove(Cookie::build(SESSION_COOKIE).path("/")), Redirect::to("/login")).into_response())
}

async fn set_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    jar: CookieJar,
    headers: HeaderMap,
) -> Response {
    let lang = if code == "en" { "en" } else { "zh" };
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string())))
        .unwrap_or_else(|| "/".to_string());
    let cookie =
        Cookie::build((LANG_COOKIE, lang)).path("/").same_site(SameSite::Lax).max_age(time_hours(24 * 365)).build();
    (jar.add(cookie), Redirect::to(safe_next(Some(&back)))).into_response()
}
