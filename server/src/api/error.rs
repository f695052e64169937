//! The one error shape of every route: `{"error": {"code", "message", "details"}}`.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use block_core::registry::InputProblem;
use serde_json::{Value, json};

use crate::auth::Scope;
use crate::storage::StorageError;

/// An error answer: status, a stable machine-readable `code`, a message a person
/// can act on, and structured `details`. Boxed, so `Result`s stay small.
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

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError(Box::new(Parts { status, code, message: message.into(), details: Value::Null, headers: Vec::new() }))
    }

    /// Adds details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = details;
        self
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

    /// What went wrong and what to do.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// 401: no usable credentials.
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: the credentials lack `missing` scopes.
    pub fn missing_scopes(missing: &[Scope]) -> Self {
        let names: Vec<&str> = missing.iter().map(|scope| scope.as_str()).collect();
        Self::new(
            StatusCode::FORBIDDEN,
            "missing_scopes",
            format!("Missing required permission(s): {}", names.join(", ")),
        )
        .with_details(json!({"missing_scopes": names}))
    }

    /// 404.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 listing every input problem with its JSON pointer.
    pub fn invalid_input(block: &str, problems: &[InputProblem]) -> Self {
        let list: Vec<Value> =
            problems.iter().map(|problem| json!({"path": problem.path, "message": problem.message})).collect();
        let summary: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            format!("invalid input for {block}: {}", summary.join("; ")),
        )
        .with_details(json!({"problems": list}))
    }

    /// 422 for a request body that does not fit its schema.
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message)
    }

    /// 500, logged; the caller sees no internals.
    pub fn internal(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{what}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("{what}; see the server log"))
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        ApiError::internal("the storage failed", error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let Parts { status, code, message, details, headers } = *self.0;
        let body = json!({"error": {"code": code, "message": message, "details": details}});
        let mut response = (status, axum::Json(body)).into_response();
        for (name, value) in headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}
