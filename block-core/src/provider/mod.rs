//! Providers: the third-party services blocks talk to, each declared once with
//! `#[provider(...)]`. The declaration is all the server needs to list the provider,
//! build credential forms, create platform default credentials from the environment
//! and write `.env.example`.

pub(crate) mod env;

use serde_json::{Value, json};

pub use env::{env_example, platform_credentials, platform_id};

use crate::cost::Cost;
use crate::credentials::CredentialsType;
use crate::oauth::OAuthSpec;
use crate::webhooks::WebhookSpec;

/// A provider type, usually a unit struct with `#[provider(...)]`.
pub trait Provider: Send + Sync + 'static {
    /// Its static description.
    const DESCRIPTOR: &'static ProviderDescriptor;
}

/// One way to authenticate with a provider.
#[derive(Debug, Clone, Copy)]
pub enum AuthMethod {
    /// An API key; `env` names the variable holding a platform default key.
    ApiKey {
        /// e.g. `EXAMPLE_API_KEY`.
        env: Option<&'static str>,
    },
    /// OAuth 2 through the provider's OAuth handler.
    OAuth2 {
        /// Scopes requested when a caller names none.
        default_scopes: &'static [&'static str],
        /// Variable holding the OAuth client id.
        client_id_env: &'static str,
        /// Variable holding the OAuth client secret.
        client_secret_env: &'static str,
        /// The provider's endpoints or handler.
        handler: OAuthSpec,
    },
    /// Username and password; the variables hold platform defaults.
    UserPassword {
        /// Variable holding a platform default username.
        username_env: Option<&'static str>,
        /// Variable holding a platform default password.
        password_env: Option<&'static str>,
    },
    /// Headers applied to one host.
    HostScoped,
}

impl AuthMethod {
    /// The credentials kind this method produces.
    pub const fn kind(&self) -> CredentialsType {
        match self {
            AuthMethod::ApiKey { .. } => CredentialsType::ApiKey,
            AuthMethod::OAuth2 { .. } => CredentialsType::OAuth2,
            AuthMethod::UserPassword { .. } => CredentialsType::UserPassword,
            AuthMethod::HostScoped => CredentialsType::HostScoped,
        }
    }
}

/// Everything known about a provider, as a `const`.
#[derive(Debug)]
pub struct ProviderDescriptor {
    /// The slug, e.g. `"github"`: lowercase letters, digits, `_` and `-`.
    pub name: &'static str,
    /// The name people read, e.g. `"GitHub"`.
    pub display_name: &'static str,
    /// An icon URL or inline SVG; a generic icon is shown when absent.
    pub icon: Option<&'static str>,
    /// The ways to authenticate.
    pub auth: &'static [AuthMethod],
    /// Origins (`https://api.example.com`) that blocks of this provider may reach
    /// without the private-address check.
    pub trusted_origins: &'static [&'static str],
    /// Costs of a block using this provider's credentials when the block declares
    /// none of its own.
    pub base_costs: &'static [Cost],
    /// The provider's webhooks, if it sends any.
    pub webhooks: Option<WebhookSpec>,
}

/// The item `inventory` collects: one per `#[provider]`.
#[derive(Debug)]
pub struct ProviderRegistration(pub &'static ProviderDescriptor);

inventory::collect!(ProviderRegistration);

/// Every provider linked into this binary.
pub fn registered_providers() -> impl Iterator<Item = &'static ProviderDescriptor> {
    inventory::iter::<ProviderRegistration>.into_iter().map(|registration| registration.0)
}

/// The icon shown for a provider that declares none: a plug, as inline SVG.
pub const FALLBACK_ICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\" fill=\"none\" \
stroke=\"currentColor\" stroke-width=\"2\"><path d=\"M9 2v6M15 2v6M6 8h12v4a6 6 0 0 1-12 0zM12 18v4\"/></svg>";

impl ProviderDescriptor {
    /// The kinds of credentials the provider accepts.
    pub fn credential_types(&self) -> Vec<CredentialsType> {
        self.auth.iter().map(AuthMethod::kind).collect()
    }

    /// The provider as a UI lists it: name, display name, icon and auth types.
    pub fn info(&self) -> Value {
        let scopes: Vec<&str> = self
            .auth
            .iter()
            .filter_map(|m| match m {
                AuthMethod::OAuth2 { default_scopes, .. } => Some(*default_scopes),
                _ => None,
            })
            .flatten()
            .copied()
            .collect();
        json!({
            "name": self.name,
            "display_name": self.display_name,
            "icon": self.icon.unwrap_or(FALLBACK_ICON),
            "supported_auth_types": self.credential_types(),
            "default_scopes": scopes,
            "trusted_origins": self.trusted_origins,
        })
    }
}

/// A deterministic UUID-shaped id derived from `seed` (version 8, "custom"), so
/// test and platform credentials keep their ids across restarts.
pub fn stable_id(seed: &str) -> String {
    fn fnv1a(seed: &str, basis: u64) -> u64 {
        seed.bytes().fold(basis, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&fnv1a(seed, 0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&fnv1a(seed, 0x8422_2325_cbf2_9ce4).to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::stable_id;

    #[test]
    fn stable_ids_are_deterministic_uuid_shaped_and_distinct() {
        let a = stable_id("platform/example/api_key");
        assert_eq!(a, stable_id("platform/example/api_key"));
        assert_ne!(a, stable_id("platform/example/oauth2"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
