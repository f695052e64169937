//! The stored forms of each kind of credentials, with their secrets.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{CredentialsMeta, CredentialsType, now_unix};

/// An API key, optionally expiring.
#[derive(Debug, Clone)]
pub struct ApiKeyCredentials {
    /// Id, provider and title.
    pub meta: CredentialsMeta,
    /// The key.
    pub api_key: SecretString,
    /// When the key stops working (Unix seconds).
    pub expires_at: Option<i64>,
}

/// OAuth 2 tokens for one account.
#[derive(Debug, Clone)]
pub struct OAuth2Credentials {
    /// Id, provider and title.
    pub meta: CredentialsMeta,
    /// The access token.
    pub access_token: SecretString,
    /// When the access token expires (Unix seconds).
    pub access_token_expires_at: Option<i64>,
    /// The refresh token, if the provider issued one.
    pub refresh_token: Option<SecretString>,
    /// When the refresh token expires (Unix seconds).
    pub refresh_token_expires_at: Option<i64>,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// The account's user name at the provider.
    pub username: Option<String>,
}

/// A username and password, sent as HTTP Basic.
#[derive(Debug, Clone)]
pub struct UserPasswordCredentials {
    /// Id, provider and title.
    pub meta: CredentialsMeta,
    /// The username (not secret).
    pub username: String,
    /// The password.
    pub password: SecretString,
}

/// Headers sent only to requests whose host matches `host` exactly, or any
/// subdomain of `domain` when written `*.domain`.
#[derive(Debug, Clone)]
pub struct HostScopedCredentials {
    /// Id, provider and title.
    pub meta: CredentialsMeta,
    /// `api.example.com` or `*.example.com`.
    pub host: String,
    /// Header names and their secret values.
    pub headers: Vec<(String, SecretString)>,
}

impl HostScopedCredentials {
    /// Whether requests to `host` get these headers. `*.example.com` matches
    /// `api.example.com` and `a.b.example.com`, not `example.com` or `badexample.com`.
    pub fn applies_to(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let pattern = self.host.trim_end_matches('.').to_ascii_lowercase();
        match pattern.strip_prefix("*.") {
            Some(domain) => {
                host.len() > domain.len() + 1
                    && host.ends_with(domain)
                    && host[..host.len() - domain.len()].ends_with('.')
            }
            None => host == pattern,
        }
    }
}

/// Credentials of any kind, as a store holds them.
#[derive(Debug, Clone)]
pub enum StoredCredentials {
    /// An API key.
    ApiKey(ApiKeyCredentials),
    /// OAuth 2 tokens.
    OAuth2(OAuth2Credentials),
    /// Username and password.
    UserPassword(UserPasswordCredentials),
    /// Host-scoped headers.
    HostScoped(HostScopedCredentials),
}

/// Why credentials could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// The JSON does not describe credentials; says which field is wrong.
    #[error("invalid credentials: {0}")]
    Invalid(String),
}

impl StoredCredentials {
    /// Id, provider, kind and title.
    pub fn meta(&self) -> &CredentialsMeta {
        match self {
            StoredCredentials::ApiKey(c) => &c.meta,
            StoredCredentials::OAuth2(c) => &c.meta,
            StoredCredentials::UserPassword(c) => &c.meta,
            StoredCredentials::HostScoped(c) => &c.meta,
        }
    }

    /// The kind.
    pub fn kind(&self) -> CredentialsType {
        self.meta().kind
    }

    /// Whether the credentials are past their expiry and cannot be refreshed.
    pub fn is_expired(&self) -> bool {
        let now = now_unix();
        match self {
            StoredCredentials::ApiKey(c) => c.expires_at.is_some_and(|at| at <= now),
            StoredCredentials::OAuth2(c) => {
                let access_expired = c.access_token_expires_at.is_some_and(|at| at <= now);
                let refresh_usable = c.refresh_token.is_some() && c.refresh_token_expires_at.is_none_or(|at| at > now);
                access_expired && !refresh_usable
            }
            StoredCredentials::UserPassword(_) | StoredCredentials::HostScoped(_) => false,
        }
    }

    /// Reads credentials with their secrets from JSON: the meta object plus the
    /// kind's secret fields (`api_key`; `access_token`, `refresh_token`, ...;
    /// `username`, `password`; `host`, `headers`).
    pub fn from_secret_json(value: Value) -> Result<Self, CredentialsError> {
        let meta = CredentialsMeta::deserialize(&value)
            .map_err(|e| CredentialsError::Invalid(format!("the meta fields (id, provider, type, title): {e}")))?;
        let field = |e: serde_json::Error| CredentialsError::Invalid(format!("{} credentials: {e}", meta.kind));
        Ok(match meta.kind {
            CredentialsType::ApiKey => {
                #[derive(Deserialize)]
                struct Wire {
                    api_key: String,
                    #[serde(default)]
                    expires_at: Option<i64>,
                }
                let wire = Wire::deserialize(&value).map_err(field)?;
                StoredCredentials::ApiKey(ApiKeyCredentials {
                    meta,
                    api_key: wire.api_key.into(),
                    expires_at: wire.expires_at,
                })
            }
            CredentialsType::OAuth2 => {
                #[derive(Deserialize)]
                struct Wire {
                    access_token: String,
                    #[serde(default)]
                    access_token_expires_at: Option<i64>,
                    #[serde(default)]
                    refresh_token: Option<String>,
                    #[serde(default)]
                    refresh_token_expires_at: Option<i64>,
                    #[serde(default)]
                    scopes: Vec<String>,
                    #[serde(default)]
                    username: Option<String>,
                }
                let wire = Wire::deserialize(&value).map_err(field)?;
                StoredCredentials::OAuth2(OAuth2Credentials {
                    meta,
                    access_token: wire.access_token.into(),
                    access_token_expires_at: wire.access_token_expires_at,
                    refresh_token: wire.refresh_token.map(Into::into),
                    refresh_token_expires_at: wire.refresh_token_expires_at,
                    scopes: wire.scopes,
                    username: wire.username,
                })
            }
            CredentialsType::UserPassword => {
                #[derive(Deserialize)]
                struct Wire {
                    username: String,
                    password: String,
                }
                let wire = Wire::deserialize(&value).map_err(field)?;
                StoredCredentials::UserPassword(UserPasswordCredentials {
                    meta,
                    username: wire.username,
                    password: wire.password.into(),
                })
            }
            CredentialsType::HostScoped => {
                #[derive(Deserialize)]
                struct Wire {
                    host: String,
                    headers: Map<String, Value>,
                }
                let wire = Wire::deserialize(&value).map_err(field)?;
                let mut headers = Vec::with_capacity(wire.headers.len());
                for (name, value) in wire.headers {
                    let Value::String(value) = value else {
                        return Err(CredentialsError::Invalid(format!(
                            "host_scoped credentials: header `{name}` must be a string"
                        )));
                    };
                    headers.push((name, value.into()));
                }
                if wire.host.is_empty() {
                    return Err(CredentialsError::Invalid("host_scoped credentials: `host` is empty".into()));
                }
                StoredCredentials::HostScoped(HostScopedCredentials { meta, host: wire.host, headers })
            }
        })
    }

    /// Writes the credentials WITH their secrets as JSON, the inverse of
    /// [`from_secret_json`](Self::from_secret_json). Only for encrypted storage and
    /// similar deliberate uses: the name says what it does.
    pub fn expose_secret_json(&self) -> Value {
        let mut out = serde_json::to_value(self.meta()).unwrap_or_else(|_| json!({}));
        let extra = match self {
            StoredCredentials::ApiKey(c) => json!({"api_key": c.api_key.expose_secret(), "expires_at": c.expires_at}),
            StoredCredentials::OAuth2(c) => json!({
                "access_token": c.access_token.expose_secret(),
                "access_token_expires_at": c.access_token_expires_at,
                "refresh_token": c.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()),
                "refresh_token_expires_at": c.refresh_token_expires_at,
                "scopes": c.scopes,
                "username": c.username,
            }),
            StoredCredentials::UserPassword(c) => {
                json!({"username": c.username, "password": c.password.expose_secret()})
            }
            StoredCredentials::HostScoped(c) => json!({
                "host": c.host,
                "headers": c.headers.iter().map(|(n, v)| (n.clone(), Value::String(v.expose_secret().to_owned()))).collect::<Map<_, _>>(),
            }),
        };
        if let (Value::Object(out), Value::Object(extra)) = (&mut out, extra) {
            out.extend(extra);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_scoped(pattern: &str) -> HostScopedCredentials {
        HostScopedCredentials {
            meta: CredentialsMeta {
                id: "h".into(),
                provider: "p".into(),
                kind: CredentialsType::HostScoped,
                title: None,
            },
            host: pattern.into(),
            headers: vec![],
        }
    }

    #[test]
    fn host_scoped_headers_apply_to_the_exact_host_or_subdomains_of_a_wildcard() {
        assert!(host_scoped("api.example.com").applies_to("api.example.com"));
        assert!(host_scoped("api.example.com").applies_to("API.example.com."));
        assert!(!host_scoped("api.example.com").applies_to("example.com"));
        assert!(host_scoped("*.example.com").applies_to("a.example.com"));
        assert!(host_scoped("*.example.com").applies_to("a.b.example.com"));
        assert!(!host_scoped("*.example.com").applies_to("example.com"));
        assert!(!host_scoped("*.example.com").applies_to("badexample.com"));
    }

    #[test]
    fn secret_json_round_trips_and_debug_redacts() {
        let json = json!({"id": "1", "provider": "example", "type": "api_key", "title": "t", "api_key": "canary-123"});
        let stored = StoredCredentials::from_secret_json(json).expect("valid");
        assert!(!format!("{stored:?}").contains("canary-123"));
        assert_eq!(stored.expose_secret_json()["api_key"], "canary-123");
        let again = StoredCredentials::from_secret_json(stored.expose_secret_json()).expect("valid");
        assert_eq!(again.meta(), stored.meta());
    }

    #[test]
    fn secret_json_errors_name_the_kind_and_field_without_values() {
        let error = StoredCredentials::from_secret_json(json!({"id": "1", "provider": "x", "type": "oauth2"}))
            .expect_err("no token");
        assert!(error.to_string().contains("oauth2 credentials: missing field `access_token`"), "{error}");
        let error = StoredCredentials::from_secret_json(json!({"id": "1", "provider": "x", "type": "ssh"}))
            .expect_err("unknown type");
        assert!(error.to_string().contains("unknown variant `ssh`"), "{error}");
    }
}
