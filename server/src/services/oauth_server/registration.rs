//! Dynamic client registration (RFC 7591): an MCP client that knows only the
//! server's URL registers itself, then signs a user in with the authorization
//! code grant and PKCE.
//!
//! Only public clients are registered (no secret: PKCE protects the code), for
//! the authorization code and refresh token grants. Redirect URIs must be
//! `https`, `http` on a loopback host (RFC 8252 7.3), or a private-use scheme of
//! a native app (RFC 8252 7.1); never with a fragment, userinfo, or a scheme a
//! browser runs (`javascript:`, `data:`, ...). Registrations are limited per
//! client address.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{parse_scopes, scope_string};
use crate::domain::secrets::CLIENT_ID_PREFIX;
use crate::domain::{OAuthClient, Scope, new_id, now_unix};
use crate::services::AppState;

/// Registrations allowed per client address per minute.
pub const REGISTRATIONS_PER_MINUTE: u32 = 10;

/// The most redirect URIs one client registers.
const MAX_REDIRECT_URIS: usize = 10;

/// The longest redirect URI or client name accepted.
const MAX_TEXT: usize = 2000;

/// Schemes a browser runs or reads locally: never a redirect target.
const FORBIDDEN_SCHEMES: &[&str] =
    &["javascript", "data", "file", "vbscript", "about", "blob", "filesystem", "ftp", "ws", "wss"];

/// A registration request (RFC 7591 section 2); fields not listed are ignored.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct RegistrationRequest {
    /// Where the authorization server may send the user back; at least one.
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    /// The name shown on the consent page.
    #[serde(default)]
    pub client_name: Option<String>,
    /// `none` (a public client); a request for a secret is answered with `none`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// A subset of `authorization_code`, `refresh_token`.
    #[serde(default)]
    pub grant_types: Option<Vec<String>>,
    /// `code` only.
    #[serde(default)]
    pub response_types: Option<Vec<String>>,
    /// Space-separated scopes the client may ask for; all when absent.
    #[serde(default)]
    pub scope: Option<String>,
}

/// A registered client (RFC 7591 section 3.2.1).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegisteredClient {
    /// The new client id.
    pub client_id: String,
    /// Unix seconds.
    pub client_id_issued_at: i64,
    /// The name shown on the consent page.
    pub client_name: String,
    /// The registered redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// `authorization_code`, `refresh_token`.
    pub grant_types: Vec<&'static str>,
    /// `code`.
    pub response_types: Vec<&'static str>,
    /// `none`: a public client, which proves itself with PKCE.
    pub token_endpoint_auth_method: &'static str,
    /// The scopes it may ask for, space-separated.
    pub scope: String,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationRefused {
    /// RFC 7591 `invalid_redirect_uri`.
    InvalidRedirectUri(String),
    /// RFC 7591 `invalid_client_metadata`.
    InvalidMetadata(String),
    /// Too many registrations from this address; retry after the seconds.
    TooMany(u64),
    /// The storage or the random source failed (logged).
    Failed,
}

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

/// The per-address limit on registrations. One per server.
pub struct RegistrationLimit {
    limiter: Limiter,
}

impl std::fmt::Debug for RegistrationLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationLimit").finish_non_exhaustive()
    }
}

impl Default for RegistrationLimit {
    fn default() -> Self {
        let per_minute = NonZeroU32::new(REGISTRATIONS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        RegistrationLimit { limiter: RateLimiter::hashmap(Quota::per_minute(per_minute)) }
    }
}

impl RegistrationLimit {
    /// Counts one registration of `client`; `Err(seconds)` when it must wait.
    fn admit(&self, client: IpAddr) -> Result<(), u64> {
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs().max(1)
        })
    }
}

/// Registers the client the JSON `body` describes, from `address` (when
/// known): every attempt counts against the address's limit.
pub async fn register(
    state: &AppState,
    address: Option<IpAddr>,
    body: &[u8],
) -> Result<RegisteredClient, RegistrationRefused> {
    if let Some(address) = address {
        state.registration_limit().admit(address).map_err(RegistrationRefused::TooMany)?;
    }
    let request = parse_request(body)?;
    let redirect_uris = request.redirect_uris.unwrap_or_default();
    if redirect_uris.is_empty() {
        return Err(RegistrationRefused::InvalidRedirectUri("redirect_uris must list at least one URI".into()));
    }
    if redirect_uris.len() > MAX_REDIRECT_URIS {
        return Err(RegistrationRefused::InvalidRedirectUri(format!("at most {MAX_REDIRECT_URIS} redirect_uris")));
    }
    for (index, uri) in redirect_uris.iter().enumerate() {
        check_redirect_uri(uri)
            .map_err(|problem| RegistrationRefused::InvalidRedirectUri(format!("redirect_uris[{index}]: {problem}")))?;
    }
    for grant in request.grant_types.iter().flatten() {
        if !matches!(grant.as_str(), "authorization_code" | "refresh_token") {
            return Err(RegistrationRefused::InvalidMetadata(format!(
                "grant_types: `{grant}` is not offered; use authorization_code and refresh_token"
            )));
        }
    }
    for response in request.response_types.iter().flatten() {
        if response != "code" {
            return Err(RegistrationRefused::InvalidMetadata(format!(
                "response_types: `{response}` is not offered; use code"
            )));
        }
    }
    let scopes = match request.scope.as_deref().map(str::trim) {
        None | Some("") => Scope::ALL.to_vec(),
        Some(text) => parse_scopes(text)
            .map_err(|name| RegistrationRefused::InvalidMetadata(format!("scope: unknown scope `{name}`")))?,
    };
    let name = request.client_name.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
    let name = name.unwrap_or_else(|| "MCP client".to_owned());
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(RegistrationRefused::InvalidMetadata("client_name: at most 200 printable characters".into()));
    }
    let id = format!("{CLIENT_ID_PREFIX}{}", new_id().replace('-', ""));
    let created_at = now_unix();
    let client = OAuthClient {
        id: id.clone(),
        name: name.clone(),
        secret_hash: None,
        redirect_uris: redirect_uris.clone(),
        scopes: scopes.clone(),
        disabled: false,
        created_at,
    };
    state.storage().create_oauth_client(client).await.map_err(|error| {
        tracing::error!(%error, "storing a registered client failed");
        RegistrationRefused::Failed
    })?;
    tracing::info!(client = %id, "an OAuth client registered itself");
    Ok(RegisteredClient {
        client_id: id,
        client_id_issued_at: created_at,
        client_name: name,
        redirect_uris,
        grant_types: vec!["authorization_code", "refresh_token"],
        response_types: vec!["code"],
        token_endpoint_auth_method: "none",
        scope: scope_string(&scopes),
    })
}

/// Why `uri` may not be a redirect URI, if it may not.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_TEXT {
        return Err(format!("longer than {MAX_TEXT} characters"));
    }
    let url = url::Url::parse(uri).map_err(|error| format!("not an absolute URI ({error})"))?;
    if url.fragment().is_some() {
        return Err("a redirect URI has no fragment (RFC 6749 3.1.2)".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("a redirect URI carries no user name or password".into());
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" => match url.host() {
            Some(url::Host::Domain("localhost")) => Ok(()),
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            _ => Err("http is allowed only on a loopback host (localhost, 127.0.0.1, [::1]); use https".into()),
        },
        "https" => Err("an https URI needs a host".into()),
        scheme if FORBIDDEN_SCHEMES.contains(&scheme) => Err(format!("the `{scheme}` scheme is not a redirect target")),
        // A native app's private-use scheme (RFC 8252 7.1), e.g. `com.example.app:/callback`.
        _ => Ok(()),
    }
}

/// The registration request of a JSON body; `Err` says what is wrong with it.
fn parse_request(body: &[u8]) -> Result<RegistrationRequest, RegistrationRefused> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| RegistrationRefused::InvalidMetadata(format!("the body is not JSON: {error}")))?;
    if !value.is_object() {
        return Err(RegistrationRefused::InvalidMetadata("the body must be a JSON object".into()));
    }
    serde_json::from_value(value).map_err(|error| RegistrationRefused::InvalidMetadata(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::check_redirect_uri;

    #[test]
    fn redirect_uris_must_be_https_loopback_http_or_a_native_scheme() {
        for good in [
            "https://client.example/callback",
            "http://localhost:3030/callback",
            "http://127.0.0.1:9/cb",
            "http://[::1]:8080/cb",
            "com.example.app:/oauth",
            "cursor://anysphere.cursor-retrieval/oauth/callback",
        ] {
            assert_eq!(check_redirect_uri(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("http://client.example/cb", "loopback"),
            ("https://client.example/cb#frag", "fragment"),
            ("https://user:pw@client.example/cb", "user name"),
            ("javascript:alert(1)", "javascript"),
            ("data:text/html,hi", "data"),
            ("/relative", "absolute"),
        ] {
            let problem = check_redirect_uri(bad).expect_err(bad);
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }
}
