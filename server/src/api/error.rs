//! The one error answer of the API: `{"detail": message, "error": {code, message,
//! details}}`. `detail` is what a client of the reference platform (FastAPI)
//! reads; `error` is the structured form.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::services::{Refusal, ServiceError};

/// An error answer. Boxed, so `Result`s stay small.
#[derive(Debug, Clone)]
pub struct ApiError(Box<Parts>);

#[derive(Debug, Clone)]
struct Parts {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Value,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What went wrong, in words (the reference platform's field).
    pub detail: String,
    /// The same, structured.
    pub error: ErrorDetail,
}

/// The structured part of an error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable, e.g. `missing_scopes`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
    /// Structured details, e.g. `problems` with JSON pointers; `null` when none.
    #[schema(value_type = Option<Object>, required = true)]
    pub details: Value,
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError(Box::new(Parts { status, code, message: message.into(), details: Value::Null, headers: Vec::new() }))
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.0.headers.push((name, value));
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The stable code, e.g. `missing_scopes`.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// 404 for a route that does not exist.
    pub fn no_route() -> Self {
        Self::new(StatusCode::NOT_FOUND, "route_not_found", "no such route; see /external-api/docs")
    }
}

/// The HTTP status of a refusal.
pub fn status_of(refusal: Refusal) -> StatusCode {
    StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        let mut parts = Parts {
            status: status_of(error.refusal()),
            code: error.code(),
            message: error.message().to_owned(),
            details: error.details().clone(),
            headers: Vec::new(),
        };
        if let Some(secs) = error.retry_after_secs() {
            parts.headers.push((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        ApiError(Box::new(parts))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let Parts { status, code, message, details, headers } = *self.0;
        let body =
            ErrorBody { detail: message.clone(), error: ErrorDetail { code: code.to_owned(), message, details } };
        let mut response = (status, axum::Json(body)).into_response();
        for (name, value) in headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
