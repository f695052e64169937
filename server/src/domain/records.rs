//! The rows the storage reads and writes.

use block_core::credentials::CredentialsMeta;
use block_core::webhooks::WebhookKind;
use serde::Serialize;

use super::Scope;

/// Whether an API key is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KeyStatus {
    /// Accepted.
    Active,
    /// Refused for good.
    Revoked,
    /// Refused until reactivated.
    Suspended,
}

impl KeyStatus {
    /// The stored (and printed) name.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Revoked => "revoked",
            KeyStatus::Suspended => "suspended",
        }
    }

    /// The status named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(KeyStatus::Active),
            "revoked" => Some(KeyStatus::Revoked),
            "suspended" => Some(KeyStatus::Suspended),
            _ => None,
        }
    }
}

/// An API key about to be stored: its hash, never the key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// A UUID.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// A name to recognise it by.
    pub name: String,
    /// SHA-256 of the key.
    pub hash: [u8; 32],
    /// The key's first and last characters, to recognise it in lists.
    pub hint: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
}

/// A stored API key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeyRecord {
    /// A UUID.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// A name to recognise it by.
    pub name: String,
    /// The key's first and last characters.
    pub hint: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Whether it is accepted.
    pub status: KeyStatus,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last accepted request, if any.
    pub last_used_at: Option<i64>,
}

/// Credentials as stored: public meta beside the sealed secret JSON.
#[derive(Debug, Clone)]
pub struct SealedCredentials {
    /// Id, provider, kind and title (not secret).
    pub meta: CredentialsMeta,
    /// The whole credentials JSON, sealed (see [`Cipher`](super::Cipher)).
    pub sealed: Vec<u8>,
}

/// The outcome of a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChargeOutcome {
    /// The credits were taken; the balance left.
    Charged {
        /// The balance after the charge.
        balance: u64,
    },
    /// The balance does not cover the amount; nothing was taken.
    Insufficient {
        /// The balance as it is.
        balance: u64,
    },
}

/// One change of a user's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    /// Increasing row number.
    pub id: i64,
    /// Credits added (positive) or taken (negative).
    pub amount: i64,
    /// The balance after the change.
    pub balance_after: i64,
    /// Why, e.g. `execute CalculatorBlock`.
    pub reason: String,
    /// The execution it was for, if any.
    pub execution_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A webhook as stored: its secret sealed.
#[derive(Debug, Clone)]
pub struct WebhookRow {
    /// Our id; part of the ingress URL.
    pub id: String,
    /// The provider slug.
    pub provider: String,
    /// The owner.
    pub owner: String,
    /// Manual or auto-setup.
    pub kind: WebhookKind,
    /// What it watches.
    pub resource: String,
    /// The events subscribed at the provider.
    pub events: Vec<String>,
    /// The credentials used to register it.
    pub credentials_id: Option<String>,
    /// The provider's id of the hook.
    pub remote_id: Option<String>,
    /// The signing secret, sealed.
    pub sealed_secret: Vec<u8>,
}

/// A third-party application registered to sign users in through OAuth 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthClient {
    /// The public client id (`bci_...`).
    pub id: String,
    /// The name shown on the consent page.
    pub name: String,
    /// SHA-256 of the client secret; `None` for a public client (PKCE only).
    #[serde(skip)]
    pub secret_hash: Option<[u8; 32]>,
    /// The redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// The most the client may ask for.
    pub scopes: Vec<Scope>,
    /// A disabled client can start no flow and its tokens stop working.
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// What an [`OAuthToken`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// An authorization code (single use).
    Code,
    /// An access token.
    Access,
    /// A refresh token (single use: rotated).
    Refresh,
    /// A one-time sign-in link.
    Login,
    /// A signed-in browser session (the consent page's cookie).
    Session,
}

impl TokenKind {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::Code => "code",
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::Login => "login",
            TokenKind::Session => "session",
        }
    }

    /// The kind named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [TokenKind::Code, TokenKind::Access, TokenKind::Refresh, TokenKind::Login, TokenKind::Session]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// A short-lived secret of the authorization server, stored by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthToken {
    /// SHA-256 of the secret.
    pub hash: [u8; 32],
    /// What it is.
    pub kind: TokenKind,
    /// The client it was issued to (none for sign-in links and sessions).
    pub client_id: Option<String>,
    /// The user it acts for.
    pub user_id: String,
    /// What it allows.
    pub scopes: Vec<Scope>,
    /// The grant it descends from: every token issued from one code shares it.
    pub family: String,
    /// For a code: the redirect URI it was issued for.
    pub redirect_uri: Option<String>,
    /// For a code: the PKCE S256 challenge.
    pub code_challenge: Option<String>,
    /// The resource (RFC 8707) the grant is bound to: its tokens are accepted
    /// there only.
    pub resource: Option<String>,
    /// Unix seconds; the token is dead from then on.
    pub expires_at: i64,
    /// When a single-use token was used.
    pub used_at: Option<i64>,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
}

impl OAuthToken {
    /// Not revoked and not expired at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A provider login under way: what `.../oauth/complete` needs to finish it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderLogin {
    /// SHA-256 of the state token.
    pub state_hash: [u8; 32],
    /// The user who started it; only they can complete it.
    pub user_id: String,
    /// The provider slug.
    pub provider: String,
    /// Where the provider sends the user back (also sent with the code exchange).
    pub callback_url: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The PKCE verifier and the caller's state metadata, sealed.
    pub sealed: Vec<u8>,
    /// Unix seconds; dead from then on.
    pub expires_at: i64,
}
