//! The one error type of the HTTP layer, its status mapping and JSON body
//! `{"error": {"code", "message", "details"}}`. Internal errors are opaque to clients and logged
//! with their cause in the request's span by [`crate::web`]'s middleware.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub use crate::domain::FieldError;

/// The error body of every 4xx and 5xx answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code (`validation_failed`, `not_found`, `conflict`, …).
    pub code: &'static str,
    /// Human message.
    pub message: String,
    /// One entry per bad field, for `validation_failed`.
    pub details: Vec<FieldError>,
}

/// Errors that handlers return.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed (bad JSON, bad UTF-8, bad query).
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human message.
        message: String,
    },
    /// One or more fields failed validation.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// No or unknown credentials.
    #[error("authentication required")]
    Unauthorized,
    /// Known credentials without the needed role.
    #[error("this token's role may not do this")]
    Forbidden,
    /// Allowed role, but a rule forbids this action (e.g. approving one's own draft).
    #[error("{0}")]
    ForbiddenBecause(String),
    /// The thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// Body over the configured limit.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// Unsupported `Content-Type`.
    #[error("unsupported content type {0:?}; use application/json or application/x-ndjson")]
    UnsupportedMediaType(String),
    /// A component is not ready (e.g. the model is missing).
    #[error("{0}")]
    Unavailable(String),
    /// Too many requests from this caller; try again after this many seconds.
    #[error("too many requests from this token; try again in {0} s")]
    RateLimited(u64),
    /// Anything else: logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::service::DomainError> for AppError {
    fn from(e: crate::service::DomainError) -> Self {
        use crate::service::DomainError as D;
        match e {
            D::NotFound(what) => AppError::NotFound(what),
            D::Forbidden => AppError::Forbidden,
            D::ForbiddenBecause(why) => AppError::ForbiddenBecause(why),
            D::Conflict(why) => AppError::Conflict(why),
            D::Invalid(errors) => AppError::Validation(errors),
            D::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<crate::ingest::IntakeError> for AppError {
    fn from(e: crate::ingest::IntakeError) -> Self {
        use crate::ingest::IntakeError as I;
        match e {
            I::Malformed { code, message } => AppError::BadRequest { code, message },
            I::UnsupportedMediaType(t) => AppError::UnsupportedMediaType(t),
            I::Invalid(errors) => AppError::Validation(errors),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl AppError {
    /// What a page shows for a bad request or bad fields (`field: message; …`); `None` for
    /// every other error, which the page should not swallow.
    pub fn input_problem(&self) -> Option<String> {
        match self {
            AppError::BadRequest { message, .. } => Some(message.clone()),
            AppError::Validation(errors) => Some(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            _ => None,
        }
    }
}

/// Result alias for handlers.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError {
            index: None,
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Shorthand for a bad request with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        AppError::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest { code, .. } => code,
            AppError::Validation(_) => "validation_failed",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden | AppError::ForbiddenBecause(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Unavailable(_) => "unavailable",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Internal(_) => "internal",
        }
    }
}

/// The error that caused a 500, attached to the response for the logging middleware.
#[derive(Clone)]
pub struct InternalCause(pub Arc<anyhow::Error>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::Internal(_) => "internal server error".to_string(),
            other => other.to_string(),
        };
        let details = match &self {
            AppError::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                details,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        match self {
            AppError::Internal(err) => {
                response.extensions_mut().insert(InternalCause(Arc::new(err)));
            }
            AppError::Unauthorized => {
                response
                    .headers_mut()
                    .insert("www-authenticate", HeaderValue::from_static("Bearer"));
            }
            AppError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from_static("5"));
            }
            AppError::RateLimited(seconds) => {
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(seconds.max(1)));
            }
            _ => {}
        }
        response
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::bad_request("invalid_json", rejection.body_text())
    }
}

impl From<QueryRejection> for AppError {
    /// A parameter of the wrong type names its field (`limit: invalid digit found in string`).
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        let named = text
            .strip_prefix("Failed to deserialize query string: ")
            .and_then(|rest| rest.split_once(": "))
            .filter(|(field, _)| {
                !field.is_empty()
                    && field
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            });
        match named {
            Some((field, message)) => AppError::field(field, message),
            None => AppError::bad_request("invalid_query", text),
        }
    }
}

/// `Json` whose rejections use our error format. The body must be a JSON object: serde would
/// otherwise read a struct from an array of its fields in order (`[]` for a struct whose fields
/// all have defaults), which no client means.
pub struct AppJson<T>(pub T);

impl<T, S> FromRequest<S> for AppJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let axum::Json(value) = axum::Json::<serde_json::Value>::from_request(req, state).await?;
        if !value.is_object() {
            return Err(AppError::bad_request(
                "invalid_json",
                "the body must be a JSON object",
            ));
        }
        if let Some(field) = nul_field(&value, String::new()) {
            return Err(AppError::field(&field, "must not contain NUL characters"));
        }
        serde_json::from_value(value).map(AppJson).map_err(|e| {
            AppError::bad_request(
                "invalid_json",
                format!("Failed to deserialize the JSON body: {e}"),
            )
        })
    }
}

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The first field (`a.b[2]`) of a JSON value holding a string, or a key, with NUL in it. No
/// text we keep has NUL, and PostgreSQL refuses it in text columns: it is refused at the edge.
fn nul_field(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() { "body".into() } else { at }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_field(v, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if k.contains('\0') {
                Some(here)
            } else {
                nul_field(v, here)
            }
        }),
        _ => None,
    }
}

/// `Path` whose rejections use our error format (a parameter of the wrong type is a 400 naming
/// the parameter).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for AppError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        AppError::bad_request("invalid_path", rejection.body_text())
    }
}

/// `Query` whose rejections use our error format.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);
