//! The one place where use-case errors become HTTP responses: a status, a Chinese
//! message for people, and the detail in the log (never in the page).

use crate::render::Page;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengkou_app::AppError;
use serde::Serialize;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid(_) | AppError::Rejected(_) | AppError::ImportRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

fn log(e: &AppError) {
    if let AppError::Storage(db) = e {
        tracing::error!("storage error: {db}")
    }
}

/// An error on an HTML page: rendered as a page with the message and a way back.
pub struct PageError {
    pub error: AppError,
    pub page: Option<Page>,
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError { error, page: None }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log(&self.error);
        if matches!(self.error, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = status_of(&self.error);
        let message = self.error.to_string();
        match self.page {
            Some(page) => (status, page.error_page(&message)).into_response(),
            None => (status, crate::render::bare_error_page(&message)).into_response(),
        }
    }
}

/// The API's error body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    /// A message for people, in Chinese.
    pub error: String,
    /// Field or row problems, when there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let problems = match &self.0 {
            AppError::Invalid(list) => list.iter().map(ToString::to_string).collect(),
            AppError::ImportRejected(r) => r.problems.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        };
        (status_of(&self.0), Json(ApiErrorBody { error: self.0.to_string(), problems })).into_response()
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        ApiError(AppError::invalid("请求体", format!("不是所需格式的 JSON（{}）", r.body_text())))
    }
}

/// `Json` whose refusals are the API's Chinese error body, like every other error.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);
