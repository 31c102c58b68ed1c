//! What the areas' handlers share, so that areas depend on this module and not on
//! each other or on the routers that gather them: reading optional numbers and
//! years from a query, the redirect after a POST, a workbook download, and the API's
//! money strings, `Created` answer and field refusals.

use crate::error::ApiError;
use axum::response::{IntoResponse, Redirect, Response};
use fengkou_app::AppError;
use fengkou_domain::Wan;
use serde::Serialize;
use utoipa::ToSchema;

/// Parses an optional number from a query or form value, ignoring junk.
pub(crate) fn opt_num<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
}

/// The `year` of a summary, a dashboard or a comparison: absent means this year; a
/// year that is not a number, or far from any plan, is refused rather than read as
/// this year (or as a year with no plans at all).
pub(crate) fn year_param(v: &Option<String>) -> Result<Option<i32>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => match text.parse::<i32>() {
            Ok(year) if (2000..=2100).contains(&year) => Ok(Some(year)),
            _ => Err(AppError::invalid("年份", "须为 2000 到 2100 之间的年份")),
        },
    }
}

/// Redirect after a successful POST (303 so the browser GETs the page).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A workbook as a download, named for people (any area's export).
pub(crate) fn xlsx_response(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", crate::auth::urlencode(filename)),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub(crate) fn money(w: Wan) -> String {
    w.to_api_string()
}

/// What a create answers: the new row's id.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub(crate) id: i64,
}

pub(crate) fn invalid(problems: Vec<fengkou_domain::project::FieldError>) -> ApiError {
    ApiError(AppError::Invalid(problems))
}
