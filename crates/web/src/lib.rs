//! fengkou's web server: server-rendered pages in Chinese (English by a switch), the
//! JSON API under `/api/v1` with its OpenAPI document, sessions, and every asset
//! embedded in the binary.
//!
//! - One folder per area (`projects`, `reports`, `overview`, `batches`, `meetings`,
//!   `accounts`) holds its pages and API handlers; [`pages`] and [`api`] gather them,
//!   and [`router`] wires those and the assets ([`assets`]).
//! - [`auth`] turns a session cookie or a bearer token into an `Actor`, and guards
//!   unsafe methods against cross-site requests.
//! - [`error`] is the one place where use-case errors become HTTP responses.
//! - [`render`] holds the template environment and the zh/en dictionary.
//! - [`charts`] builds ECharts options as JSON in Rust.

mod accounts;
pub mod api;
pub mod assets;
pub mod auth;
mod batches;
pub mod charts;
mod credit;
mod enterprises;
pub mod error;
pub mod forms;
pub mod input;
mod meetings;
mod overview;
pub mod pages;
mod projects;
pub mod render;
mod reports;
mod shared;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use fengkou_app::App;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// Uploads (ledgers, photos) above this are refused before they are read. Only the
/// upload routes take this much, and only from a signed-in user: their handlers ask for
/// the user (from the headers) before they read the body.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;
/// Data rows one uploaded ledger may have. The import holds the parsed sheet and its
/// plan in memory (measured: 378 MB for 100,000 rows; 270–340 MB of server for 50,000
/// depending on how much text the rows carry), so the server takes at most this many
/// per file; larger loads are split by office, or run with `fengkou import projects`
/// (its own process). A district's ledger has hundreds of rows, a city's thousands.
pub const MAX_UPLOAD_ROWS: usize = 30_000;
/// Every other form or JSON body: the largest real one (a project's form, a ranking of
/// every site) is a few KB.
pub const MAX_FORM_BYTES: usize = 256 * 1024;
/// The sign-in form: a username of 64 and a password of 1,024 characters fit.
pub const MAX_LOGIN_BYTES: usize = 8 * 1024;

/// How the server is reached.
#[derive(Clone, Debug, Default)]
pub struct ServeOptions {
    /// The reverse proxy whose `X-Forwarded-For` names the client. Without it, the
    /// client is the socket's peer and the header is ignored (anyone can send it).
    pub trusted_proxy: Option<std::net::IpAddr>,
}

/// A meeting's board data as of a count of committed meeting writes.
pub struct BoardSnapshot {
    pub generation: u64,
    pub json: String,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub templates: Arc<render::Templates>,
    /// The hall boards' data per meeting, shared by every screen following it.
    pub boards: Arc<std::sync::Mutex<std::collections::HashMap<i64, BoardSnapshot>>>,
    /// The problem list of each user's last import that had problems, as a workbook
    /// (one per user; replaced by the next).
    pub import_problems: Arc<std::sync::Mutex<std::collections::HashMap<i64, Vec<u8>>>>,
    /// Open event streams per user (see `pages::meetings::MAX_STREAMS_PER_USER`).
    pub streams: Arc<std::sync::Mutex<std::collections::HashMap<i64, usize>>>,
    pub options: Arc<ServeOptions>,
}

/// The whole HTTP surface.
pub fn router(app: App) -> Router {
    router_with(app, ServeOptions::default())
}

pub fn router_with(app: App, options: ServeOptions) -> Router {
    let state = AppState {
        app,
        templates: Arc::new(render::Templates::load()),
        boards: Arc::default(),
        streams: Arc::default(),
        import_problems: Arc::default(),
        options: Arc::new(options),
    };
    let (api_router, openapi) = api::router().split_for_parts();
    let api_router = api_router.with_state(state.clone());
    Router::new()
        .merge(pages::router())
        .merge(assets::router())
        .with_state(state.clone())
        .nest("/api/v1", api_router)
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi))
        .layer(axum::middleware::from_fn(input::text_guard))
        .layer(axum::middleware::from_fn(auth::cross_site_guard))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::request_trail))
        .layer(axum::middleware::from_fn(render::security_headers))
        .layer(TraceLayer::new_for_http())
}

/// Serves until the process is stopped. Warnings are recomputed at start and daily,
/// since a colour can change with nothing but the passing of time.
pub async fn serve(app: App, addr: SocketAddr, options: ServeOptions) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on_with(app, listener, options).await
}

pub async fn serve_on(app: App, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    serve_on_with(app, listener, ServeOptions::default()).await
}

pub async fn serve_on_with(app: App, listener: tokio::net::TcpListener, options: ServeOptions) -> std::io::Result<()> {
    // Colours must be current from the first request, so the first pass runs before
    // serving; later passes run in the background.
    if let Err(e) = app.warnings().refresh_all_warnings().await {
        tracing::warn!("recomputing warnings failed: {e}");
    }
    // The ladder's stored verdicts are of a day: a new day can make a firm one year old
    // or end a certificate.
    if let Err(e) = app.enterprises().reassess_if_stale().await {
        tracing::warn!("reassessing the enterprises failed: {e}");
    }
    let refresher = app.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(6 * 3600)).await;
            if let Err(e) = refresher.warnings().refresh_all_warnings().await {
                tracing::warn!("recomputing warnings failed: {e}");
            }
            if let Err(e) = refresher.enterprises().reassess_if_stale().await {
                tracing::warn!("reassessing the enterprises failed: {e}");
            }
        }
    });
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!("fengkou listening on {addr:?}");
    // The peer's address is the client's (or the trusted proxy's): sign-in throttling
    // and the audit trail need it.
    axum::serve(listener, router_with(app, options).into_make_service_with_connect_info::<SocketAddr>()).await
}
