//! The refusals of the token, revocation and introspection endpoints (RFC 6749
//! section 5.2), without their transport.

use crate::storage::StorageError;

/// The RFC 6749 error codes this server answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantErrorKind {
    /// `invalid_request` (400).
    InvalidRequest,
    /// `invalid_client` (401).
    InvalidClient,
    /// `invalid_grant` (400).
    InvalidGrant,
    /// `invalid_scope` (400).
    InvalidScope,
    /// `unsupported_grant_type` (400).
    UnsupportedGrantType,
    /// `invalid_target` (400, RFC 8707): a `resource` this server does not serve,
    /// or not the one the grant is bound to.
    InvalidTarget,
    /// `server_error` (500).
    ServerError,
}

impl GrantErrorKind {
    /// The `error` code on the wire.
    pub const fn code(self) -> &'static str {
        match self {
            GrantErrorKind::InvalidRequest => "invalid_request",
            GrantErrorKind::InvalidClient => "invalid_client",
            GrantErrorKind::InvalidGrant => "invalid_grant",
            GrantErrorKind::InvalidScope => "invalid_scope",
            GrantErrorKind::UnsupportedGrantType => "unsupported_grant_type",
            GrantErrorKind::InvalidTarget => "invalid_target",
            GrantErrorKind::ServerError => "server_error",
        }
    }
}

/// An OAuth refusal: its kind and a description a developer can act on.
#[derive(Debug, Clone)]
pub struct GrantError {
    /// The kind.
    pub kind: GrantErrorKind,
    /// What was wrong.
    pub description: String,
}

impl GrantError {
    fn new(kind: GrantErrorKind, description: impl Into<String>) -> Self {
        GrantError { kind, description: description.into() }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::InvalidRequest, description)
    }

    /// `invalid_client`.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::InvalidClient, description)
    }

    /// `invalid_grant`.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::InvalidGrant, description)
    }

    /// `invalid_scope`.
    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::InvalidScope, description)
    }

    /// `unsupported_grant_type`.
    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::UnsupportedGrantType, description)
    }

    /// `invalid_target`.
    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(GrantErrorKind::InvalidTarget, description)
    }

    /// `server_error`, logged.
    pub fn server(what: &str, error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "{what}");
        Self::new(GrantErrorKind::ServerError, format!("{what}; see the server log"))
    }
}

impl From<StorageError> for GrantError {
    fn from(error: StorageError) -> Self {
        GrantError::server("the storage failed", error)
    }
}
