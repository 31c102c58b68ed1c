//! One's own account: changing the password (required after an administrator reset it)
//! and one's API tokens.

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::shared::see_other;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use fengkou_app::AppError;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account))
        .route(crate::auth::PASSWORD_PAGE, get(account).post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Deserialize, Default)]
struct Notice {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    u: &PageUser,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
    new_token: Option<String>,
) -> Result<Response, PageError> {
    let tokens = state.app.accounts().api_tokens(Some(&u.actor)).await.map_err(PageError::on(&u.page))?;
    let must_change = u.page.path == crate::auth::PASSWORD_PAGE && notice.is_none();
    Ok((
        status,
        u.page.render(
            "accounts/account.html",
            crate::ctx! {
                tokens => tokens,
                error => error,
                notice => notice,
                new_token => new_token,
                must_change => must_change,
                min_chars => fengkou_app::auth::MIN_PASSWORD_CHARS,
            },
        ),
    )
        .into_response())
}

async fn account(State(state): State<AppState>, u: PageUser, Query(n): Query<Notice>) -> Result<Response, PageError> {
    let notice = match n.done.as_deref() {
        Some("password") => Some("密码已修改；其他设备上的登录已全部退出，API 令牌已全部作废。"),
        Some("revoked") => Some("API 令牌已吊销。"),
        _ => None,
    };
    page(&state, &u, StatusCode::OK, None, notice, None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm: String,
}

fn problems(e: &AppError) -> Option<String> {
    match e {
        AppError::Invalid(p) => Some(p.iter().map(ToString::to_string).collect::<Vec<_>>().join("；")),
        _ => None,
    }
}

async fn change_password(
    State(state): State<AppState>,
    u: PageUser,
    jar: CookieJar,
    headers: HeaderMap,
    client: crate::auth::Client,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    if f.new_password != f.confirm {
        let why = Some("两次输入的新密码不一致".to_string());
        return page(&state, &u, StatusCode::UNPROCESSABLE_ENTITY, why, None, None).await;
    }
    match state.app.accounts().change_password(&u.actor, &f.current, &f.new_password, client.addr).await {
        Ok(secret) => {
            let cookie = crate::auth::session_cookie(secret, &headers);
            Ok((jar.add(cookie), see_other("/account?done=password")).into_response())
        }
        Err(AppError::Throttled(wait)) => {
            let why = Some(format!("当前密码错误次数过多，请 {wait} 秒后再试"));
            page(&state, &u, StatusCode::TOO_MANY_REQUESTS, why, None, None).await
        }
        Err(e) => match problems(&e) {
            Some(why) => page(&state, &u, StatusCode::UNPROCESSABLE_ENTITY, Some(why), None, None).await,
            None => Err(PageError::on(&u.page)(e)),
        },
    }
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

async fn create_token(
    State(state): State<AppState>,
    u: PageUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, PageError> {
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<i64>() {
            Ok(n) if (1..=3650).contains(&n) => Some(n),
            _ => {
                let why = Some("有效天数须为1到3650的整数，或留空表示不过期".to_string());
                return page(&state, &u, StatusCode::UNPROCESSABLE_ENTITY, why, None, None).await;
            }
        },
    };
    match state.app.accounts().create_own_token(&u.actor, &f.name, days).await {
        Ok(token) => {
            page(
                &state,
                &u,
                StatusCode::OK,
                None,
                Some("已创建 API 令牌。它只显示这一次，请立即复制保存。"),
                Some(token),
            )
            .await
        }
        Err(e) => match problems(&e) {
            Some(why) => page(&state, &u, StatusCode::UNPROCESSABLE_ENTITY, Some(why), None, None).await,
            None => Err(PageError::on(&u.page)(e)),
        },
    }
}

async fn revoke_token(State(state): State<AppState>, u: PageUser, Path(id): Path<i64>) -> Result<Response, PageError> {
    state.app.accounts().revoke_token(Some(&u.actor), id).await.map_err(PageError::on(&u.page))?;
    let back = if u.actor.can_administer() { "/admin#tokens" } else { "/account?done=revoked" };
    Ok(see_other(back))
}
