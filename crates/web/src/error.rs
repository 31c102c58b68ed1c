//! The one place where use-case errors become HTTP responses: a status, a Chinese
//! message for people, and the detail in the log (never in the page).

use crate::render::Page;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengkou_app::AppError;
use fengkou_app::credit::CreditError;
use serde::Serialize;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) | AppError::Credit(CreditError::NoRun(_)) => StatusCode::NOT_FOUND,
        // Someone else decided, published or answered first, or published anew.
        AppError::Credit(
            CreditError::AlreadyDecided(_)
            | CreditError::AlreadyPublished(_)
            | CreditError::AlreadyAnswered
            | CreditError::Superseded(_),
        ) => StatusCode::CONFLICT,
        AppError::Invalid(_)
        | AppError::Credit(_)
        | AppError::Project(_)
        | AppError::Report(_)
        | AppError::Meeting(_)
        | AppError::Ledger(_)
        | AppError::Batch(_)
        | AppError::Enterprise(_)
        | AppError::ImportRejected(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Document(_)
        | AppError::Setup(_)
        | AppError::Internal { .. }
        | AppError::Damaged(_)
        | AppError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Where an error is answered: on an HTML page (in the signed-in user's frame when
/// there is one) or in the JSON API.
pub enum Surface {
    Page(Option<Page>),
    Api,
}

/// The one way an app error becomes a response: its status, the log line for what is
/// ours to fix, and the message (and field or row problems) for people.
pub fn respond(error: &AppError, to: Surface) -> Response {
    match error {
        AppError::Storage(db) => tracing::error!("storage error: {db}"),
        AppError::Document(_) | AppError::Setup(_) | AppError::Internal { .. } | AppError::Damaged(_) => {
            tracing::error!("{error}")
        }
        _ => {}
    }
    let status = status_of(error);
    let message = error.to_string();
    match to {
        Surface::Page(_) if matches!(error, AppError::Unauthenticated) => Redirect::to("/login").into_response(),
        Surface::Page(Some(page)) => (status, page.error_page(&message)).into_response(),
        Surface::Page(None) => (status, crate::render::bare_error_page(&message)).into_response(),
        Surface::Api => {
            let problems = match error {
                AppError::Invalid(list) => list.iter().map(ToString::to_string).collect(),
                AppError::ImportRejected(r) => r.problems.iter().map(ToString::to_string).collect(),
                AppError::Enterprise(fengkou_app::enterprises::EnterpriseError::ImportRejected(problems)) => {
                    problems.clone()
                }
                _ => Vec::new(),
            };
            (status, Json(ApiErrorBody { error: message, problems })).into_response()
        }
    }
}

impl Surface {
    /// The API answers under `/api/`; everything else is a page.
    pub fn of_path(path: &str) -> Surface {
        if path.starts_with("/api/") { Surface::Api } else { Surface::Page(None) }
    }
}

/// An error on an HTML page: rendered as a page with the message and a way back.
pub struct PageError {
    pub error: AppError,
    pub page: Option<Page>,
}

impl PageError {
    /// The error shown in the user's own page frame (menu, language).
    pub fn on(page: &Page) -> impl Fn(AppError) -> PageError + Copy + '_ {
        move |error| PageError { error, page: Some(page.clone()) }
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        PageError { error, page: None }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        respond(&self.error, Surface::Page(self.page))
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
        respond(&self.0, Surface::Api)
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
