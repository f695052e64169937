//! Why a service refused or failed, in words a caller can act on, without any
//! transport: each door (HTTP, MCP, the console, the command line) maps the
//! [`Refusal`] kind to its own answer.

use block_core::credentials::StoreError;
use block_core::registry::InputProblem;
use serde_json::{Value, json};

use crate::domain::Scope;
use crate::storage::StorageError;

/// What kind of refusal or failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The request itself is malformed (HTTP 400).
    BadRequest,
    /// No usable credentials (401).
    Unauthenticated,
    /// The caller may not do this (403).
    Forbidden,
    /// The credits do not cover it (402).
    PaymentRequired,
    /// Nothing by that name or id (404).
    NotFound,
    /// It conflicts with the current state (409).
    Conflict,
    /// Too large (413).
    TooLarge,
    /// Well-formed but not acceptable: invalid input or body (422).
    Invalid,
    /// Too many requests (429).
    RateLimited,
    /// A provider this depends on failed (502).
    BadGateway,
    /// Not offered by this server (501).
    NotImplemented,
    /// Temporarily unavailable: try again later (503).
    Unavailable,
    /// A fault of the server; the details are in its log (500).
    Internal,
}

impl Refusal {
    /// The HTTP status every door that answers over HTTP (the API, the console,
    /// MCP's transport) gives this refusal.
    pub const fn http_status(self) -> u16 {
        match self {
            Refusal::BadRequest => 400,
            Refusal::Unauthenticated => 401,
            Refusal::Forbidden => 403,
            Refusal::PaymentRequired => 402,
            Refusal::NotFound => 404,
            Refusal::Conflict => 409,
            Refusal::TooLarge => 413,
            Refusal::Invalid => 422,
            Refusal::RateLimited => 429,
            Refusal::BadGateway => 502,
            Refusal::NotImplemented => 501,
            Refusal::Unavailable => 503,
            Refusal::Internal => 500,
        }
    }
}

/// A refusal or failure: its kind, a stable machine-readable code, a message a
/// person can act on, structured details, and when to try again if it may pass
/// later. Boxed, so `Result`s stay small.
#[derive(Debug, Clone)]
pub struct ServiceError(Box<Parts>);

#[derive(Debug, Clone)]
struct Parts {
    refusal: Refusal,
    code: &'static str,
    message: String,
    details: Value,
    retry_after_secs: Option<u64>,
}

impl ServiceError {
    /// A refusal with no details.
    pub fn new(refusal: Refusal, code: &'static str, message: impl Into<String>) -> Self {
        ServiceError(Box::new(Parts {
            refusal,
            code,
            message: message.into(),
            details: Value::Null,
            retry_after_secs: None,
        }))
    }

    /// Adds details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = details;
        self
    }

    /// Says when to try again.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.0.retry_after_secs = Some(secs);
        self
    }

    /// The kind.
    pub fn refusal(&self) -> Refusal {
        self.0.refusal
    }

    /// The stable code, e.g. `missing_scopes`.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// What went wrong and what to do.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// Structured details (`null` when none).
    pub fn details(&self) -> &Value {
        &self.0.details
    }

    /// Seconds to wait before trying again, when that may help.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.0.retry_after_secs
    }

    /// 404.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Refusal::NotFound, code, message)
    }

    /// 422 for a request body that does not fit.
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(Refusal::Invalid, "invalid_body", message)
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Refusal::BadRequest, code, message)
    }

    /// 403: the credentials lack `missing` scopes.
    pub fn missing_scopes(missing: &[Scope]) -> Self {
        let names: Vec<&str> = missing.iter().map(|scope| scope.as_str()).collect();
        Self::new(Refusal::Forbidden, "missing_scopes", format!("Missing required permission(s): {}", names.join(", ")))
            .with_details(json!({"missing_scopes": names}))
    }

    /// 422 listing every input problem with its JSON pointer.
    pub fn invalid_input(block: &str, problems: &[InputProblem]) -> Self {
        let list: Vec<Value> =
            problems.iter().map(|problem| json!({"path": problem.path, "message": problem.message})).collect();
        let summary: Vec<String> = problems.iter().map(ToString::to_string).collect();
        Self::new(Refusal::Invalid, "invalid_input", format!("invalid input for {block}: {}", summary.join("; ")))
            .with_details(json!({"problems": list}))
    }

    /// 404 for a block id nobody registered.
    pub fn unknown_block(id: &str) -> Self {
        Self::not_found("block_not_found", format!("no block has the id or name `{id}`"))
    }

    /// 403 for a disabled block.
    pub fn block_disabled(name: &str) -> Self {
        Self::new(Refusal::Forbidden, "block_disabled", format!("block {name} is disabled"))
    }

    /// 500, logged here; the caller sees no internals.
    pub fn internal(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{what}");
        Self::new(Refusal::Internal, "internal", format!("{what}; see the server log"))
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for ServiceError {}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::PlatformCredentials(id) => ServiceError::new(
                Refusal::Forbidden,
                "platform_credentials",
                format!("credentials `{id}` are platform defaults: they can be used but not changed or deleted"),
            ),
            StoreError::NotFound(id) => {
                ServiceError::not_found("credentials_not_found", format!("no credentials `{id}`"))
            }
            other => ServiceError::internal("the credential store failed", other),
        }
    }
}

impl From<StorageError> for ServiceError {
    fn from(error: StorageError) -> Self {
        if error.is_retryable() {
            tracing::warn!(%error, "the storage is busy");
            return ServiceError::new(Refusal::Unavailable, "storage_busy", "the storage is busy; try again shortly")
                .retry_after(1);
        }
        ServiceError::internal("the storage failed", error)
    }
}
