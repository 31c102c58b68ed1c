//! Static assets, embedded in the binary: our CSS and JS (from `assets/`) and ECharts
//! (copied from the npm package into OUT_DIR by build.rs).

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct AssetFiles;

static ECHARTS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/echarts.min.js"));

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    let cache = (header::CACHE_CONTROL, "public, max-age=3600");
    if path == "echarts.min.js" {
        return ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), cache], ECHARTS).into_response();
    }
    match AssetFiles::get(&path) {
        Some(file) => {
            let mime = mime_of(&path);
            ([(header::CONTENT_TYPE, mime), cache], file.data.into_owned()).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

fn mime_of(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
