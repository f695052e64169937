//! Users, and the caller a request acts for.

use serde::Serialize;

use super::Scope;

/// A user of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// A UUID.
    pub id: String,
    /// The name shown.
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// An IANA time zone, e.g. `Europe/Paris`.
    pub timezone: String,
}

/// An authenticated caller: the user a request acts for, through which key or
/// token, with what scopes.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user the request acts for.
    pub user: User,
    /// The API key used, or `oauth:<client id>:<user id>` for an OAuth access
    /// token; the rate limit counts per this id.
    pub key_id: String,
    /// What the key or token may do.
    pub scopes: Vec<Scope>,
    /// The resource an OAuth access token was issued for (RFC 8707), e.g. the
    /// MCP endpoint's URL; `None` for API keys and tokens bound to none.
    pub audience: Option<String>,
}

impl Caller {
    /// Whether the caller holds `scope`.
    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    /// The scopes of `required` the caller lacks.
    pub fn missing(&self, required: &[Scope]) -> Vec<Scope> {
        required.iter().copied().filter(|scope| !self.may(*scope)).collect()
    }
}
