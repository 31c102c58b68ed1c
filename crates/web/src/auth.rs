//! Who is asking: a session cookie (pages) or `Authorization: Bearer` (API and scripts),
//! and a guard that refuses cross-site writes.

use crate::AppState;
use crate::error::ApiError;
use crate::render::{Page, UserCtx};
use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use fengkou_app::{Actor, AppError};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "fk_session";
pub const LANG_COOKIE: &str = "fk_lang";

/// Who is asking, and whether they must choose a new password before anything else
/// (an administrator reset it; API tokens are not affected).
async fn signed_in(headers: &HeaderMap, state: &AppState) -> Result<Option<(Actor, bool)>, AppError> {
    if let Some(token) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(state.app.accounts().token_actor(token.trim()).await?.map(|a| (a, false)));
    }
    let jar = CookieJar::from_headers(headers);
    match jar.get(SESSION_COOKIE) {
        Some(c) => Ok(state.app.accounts().session_user(c.value()).await?.map(|s| (s.actor, s.must_change_password))),
        None => Ok(None),
    }
}

/// The session cookie a sign-in or a password change gives: HttpOnly, SameSite=Lax,
/// Secure behind an HTTPS proxy, for the session's absolute life.
pub fn session_cookie(secret: String, headers: &HeaderMap) -> Cookie<'static> {
    let secure = headers.get("x-forwarded-proto").is_some_and(|v| v == "https");
    Cookie::build((SESSION_COOKIE, secret))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time::Duration::hours(fengkou_app::auth::SESSION_HOURS))
        .build()
}

/// Where a user whose password was reset is sent until they choose their own.
pub const PASSWORD_PAGE: &str = "/account/password";

pub fn lang_of(parts: &Parts) -> &'static str {
    let jar = CookieJar::from_headers(&parts.headers);
    match jar.get(LANG_COOKIE).map(|c| c.value()) {
        Some("en") => "en",
        _ => "zh",
    }
}

/// A page request by a logged-in user. Anonymous visitors are sent to the login page.
pub struct PageUser {
    pub actor: Actor,
    pub page: Page,
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let anon = AnonPage::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        match signed_in(&parts.headers, state).await {
            Ok(Some((_, true))) if parts.uri.path() != PASSWORD_PAGE => {
                Err(Redirect::to(PASSWORD_PAGE).into_response())
            }
            Ok(Some((actor, _))) => {
                let mut page = anon.0;
                page.user = Some(UserCtx::of(&actor));
                page.demo = state.app.has_demo_data().await.unwrap_or(false);
                // Reminders (催报) stay on an office user's pages until the reports are in.
                page.notices = state.app.reports().reminder_notices(&actor).await.unwrap_or_default();
                Ok(PageUser { actor, page })
            }
            Ok(None) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let target =
                    if next == "/" { "/login".to_string() } else { format!("/login?next={}", urlencode(next)) };
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(crate::error::PageError::from(e).into_response()),
        }
    }
}

/// A page that anyone may see (the login page).
pub struct AnonPage(pub Page);

impl FromRequestParts<AppState> for AnonPage {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(AnonPage(Page {
            templates: state.templates.clone(),
            lang: lang_of(parts),
            user: None,
            demo: false,
            notices: Vec::new(),
            path: parts.uri.path().to_string(),
        }))
    }
}

/// An API request with a valid session or token.
pub struct ApiUser(pub Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match signed_in(&parts.headers, state).await? {
            Some((_, true)) => Err(ApiError(AppError::forbidden("管理员重置了密码，请先在网页上修改密码"))),
            Some((a, false)) => Ok(ApiUser(a)),
            None => Err(ApiError(AppError::Unauthenticated)),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site local redirects ("/projects?x=1"): one leading `/`, never "//evil",
/// "http:", a backslash, or any control character or space (browsers drop a tab or a
/// newline from a URL, so "/\t/evil" would become "//evil"; a newline cannot be put in
/// a `Location` header at all).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n
        }
        _ => "/",
    }
}

/// The client's address: the socket's peer, or the last address a trusted proxy put in
/// `X-Forwarded-For` (`serve --trusted-proxy`). In-process tests have no socket and
/// read as the unspecified address.
pub fn client_addr(parts: &Parts, state: &AppState) -> IpAddr {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    client_addr_of(peer, state.options.trusted_proxy, &parts.headers)
}

/// The rule of [`client_addr`], apart from the request.
fn client_addr_of(peer: Option<IpAddr>, trusted_proxy: Option<IpAddr>, headers: &axum::http::HeaderMap) -> IpAddr {
    match (peer, trusted_proxy) {
        (Some(peer), Some(proxy)) if peer == proxy => headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back()
            .unwrap_or(peer),
        (Some(peer), _) => peer,
        (None, _) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    }
}

/// Who is asking, as the audit trail records it: address and user agent.
pub struct Client {
    pub addr: IpAddr,
    pub user_agent: String,
}

impl Client {
    fn of(parts: &Parts, state: &AppState) -> Client {
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(200).collect())
            .unwrap_or_default();
        Client { addr: client_addr(parts, state), user_agent }
    }
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Client::of(parts, state))
    }
}

/// Refuses unsafe methods from other sites. Browsers send `Sec-Fetch-Site` (and
/// `Origin`); a write is allowed when it is same-origin, user-initiated ("none"), or
/// when a non-browser client sends neither header (it then carries no ambient cookie
/// of a victim). SameSite=Lax cookies are the second line.
pub async fn cross_site_guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let allowed = match fetch_site {
        Some("same-origin") | Some("none") => true,
        Some(_) => false,
        // Older browsers: the Origin, or failing that the Referer, must name this
        // host. Clients with neither (curl, scripts with a token) are not browsers
        // carrying someone else's cookie, so they pass.
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
            let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok());
            match origin.or(referer) {
                None => true,
                Some(source) => same_host(source, host),
            }
        }
    };
    if allowed {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, "跨站请求被拒绝（cross-site request refused）").into_response()
    }
}

/// Whether a URL or origin (`scheme://host[:port][/path]`) names `host`.
fn same_host(source: &str, host: &str) -> bool {
    source
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .is_some_and(|authority| !host.is_empty() && authority.eq_ignore_ascii_case(host))
}

/// Around every request: the client's address and user agent go with it into the audit
/// trail ([`fengkou_app::audit::with_client`]), and what the trail must show besides
/// changes is recorded here, once for every route: refusals (403) and downloads (a
/// response sent as an attachment: which file, by whom).
pub async fn request_trail(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let client = Client::of(&parts, &state);
    let client = fengkou_app::audit::Client { addr: client.addr.to_string(), user_agent: client.user_agent };
    let method = parts.method.to_string();
    let path: String = parts.uri.path_and_query().map_or("/", |p| p.as_str()).chars().take(300).collect();
    // Who asked is looked up only for a refusal or a download; the headers say.
    let headers = parts.headers.clone();
    let req = Request::from_parts(parts, body);
    fengkou_app::audit::with_client(client, async move {
        let res = next.run(req).await;
        let exported = res.status().is_success()
            && res
                .headers()
                .get(header::CONTENT_DISPOSITION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("attachment"));
        let action = if res.status() == StatusCode::FORBIDDEN {
            "denied"
        } else if exported {
            "export"
        } else {
            return res;
        };
        let who = signed_in(&headers, &state).await.ok().flatten().map(|(a, _)| a);
        let username = who.as_ref().map_or("（未登录）", |a| a.username.as_str());
        if let Err(e) = state.app.audit().record_request(username, action, &method, &path).await {
            tracing::warn!("could not record {action} of {path}: {e}");
        }
        res
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_or_referer_must_name_this_host() {
        assert!(same_host("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same_host("http://127.0.0.1:8080/projects?x=1", "127.0.0.1:8080"));
        assert!(!same_host("http://evil.example/127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(!same_host("http://127.0.0.1:8080.evil.example/", "127.0.0.1:8080"));
        assert!(!same_host("null", "127.0.0.1:8080"));
        assert!(!same_host("http://x", ""));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_the_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "10.9.8.7, 192.168.1.20".parse().unwrap());
        // No proxy configured: the header is anyone's to forge.
        assert_eq!(client_addr_of(Some(ip("127.0.0.2")), None, &headers), ip("127.0.0.2"));
        // From the proxy: the address it appended (the last one).
        assert_eq!(client_addr_of(Some(ip("10.0.0.2")), Some(ip("10.0.0.2")), &headers), ip("192.168.1.20"));
        // From anyone else, even with a proxy configured: the socket.
        assert_eq!(client_addr_of(Some(ip("127.0.0.2")), Some(ip("10.0.0.2")), &headers), ip("127.0.0.2"));
        // The proxy without the header: the proxy.
        let none = axum::http::HeaderMap::new();
        assert_eq!(client_addr_of(Some(ip("10.0.0.2")), Some(ip("10.0.0.2")), &none), ip("10.0.0.2"));
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/projects?page=2")), "/projects?page=2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/a\nSet-Cookie: x=1")), "/");
        assert_eq!(safe_next(Some("/ /evil")), "/");
        assert_eq!(safe_next(Some("evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
