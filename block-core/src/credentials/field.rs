//! `Credentials<Provider, Kind>`: the input field type through which a block asks
//! for credentials.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::kinds::{
    ApiKeyCredentials, HostScopedCredentials, OAuth2Credentials, StoredCredentials, UserPasswordCredentials,
};
use super::{CredentialsMeta, CredentialsType};
use crate::provider::{Provider, stable_id};

/// A kind of credentials a field accepts: [`ApiKey`], [`OAuth2`], [`UserPassword`],
/// [`HostScoped`], or a pair of them such as `(ApiKey, OAuth2)`.
pub trait CredentialKind: Send + Sync + 'static {
    /// What `run` receives.
    type Resolved: Clone + fmt::Debug + Send + Sync + 'static;

    /// The accepted kinds, in order of preference.
    fn types() -> Vec<CredentialsType>;

    /// The resolved form of stored credentials, if they are of an accepted kind.
    fn from_stored(stored: StoredCredentials) -> Option<Self::Resolved>;

    /// Test credentials of the first accepted kind for `provider`.
    fn test_credentials(provider: &str) -> StoredCredentials {
        super::store::test_credentials(provider, Self::types()[0])
    }
}

macro_rules! kind {
    ($(#[$doc:meta])* $marker:ident, $variant:ident, $resolved:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $marker;

        impl CredentialKind for $marker {
            type Resolved = $resolved;

            fn types() -> Vec<CredentialsType> {
                vec![CredentialsType::$variant]
            }

            fn from_stored(stored: StoredCredentials) -> Option<$resolved> {
                match stored {
                    StoredCredentials::$variant(credentials) => Some(credentials),
                    _ => None,
                }
            }
        }
    };
}

kind!(/// An API key.
    ApiKey, ApiKey, ApiKeyCredentials);
kind!(/// OAuth 2 tokens.
    OAuth2, OAuth2, OAuth2Credentials);
kind!(/// Username and password.
    UserPassword, UserPassword, UserPasswordCredentials);
kind!(/// Host-scoped headers.
    HostScoped, HostScoped, HostScopedCredentials);

/// Either of two kinds; `run` gets the [`StoredCredentials`] and matches on it.
impl<A: CredentialKind, B: CredentialKind> CredentialKind for (A, B) {
    type Resolved = StoredCredentials;

    fn types() -> Vec<CredentialsType> {
        let mut types = A::types();
        types.extend(B::types());
        types
    }

    fn from_stored(stored: StoredCredentials) -> Option<StoredCredentials> {
        Self::types().contains(&stored.kind()).then_some(stored)
    }
}

/// An input field holding credentials of provider `P` and kind `K`.
///
/// On the wire it is the meta object `{id, provider, type, title}`; in `run` it
/// holds the resolved secret, read through an explicit `expose_secret()`.
///
/// ```ignore
/// pub credentials: Credentials<Example, ApiKey>,
/// // in run:
/// let key: &SecretString = input.credentials.api_key();
/// ```
pub struct Credentials<P, K: CredentialKind> {
    meta: CredentialsMeta,
    resolved: K::Resolved,
    _provider: PhantomData<fn() -> P>,
}

impl<P: Provider, K: CredentialKind> Credentials<P, K> {
    /// Credentials made from a meta object and its resolved secret.
    pub fn new(meta: CredentialsMeta, resolved: K::Resolved) -> Self {
        Credentials { meta, resolved, _provider: PhantomData }
    }

    /// The provider's test credentials, which the test harness's store holds.
    pub fn test() -> Self {
        let stored = K::test_credentials(P::DESCRIPTOR.name);
        let meta = stored.meta().clone();
        let resolved = K::from_stored(stored).expect("test credentials are made of the field's first kind");
        Credentials::new(meta, resolved)
    }

    /// Id, provider, kind and title.
    pub fn meta(&self) -> &CredentialsMeta {
        &self.meta
    }

    /// The resolved credentials.
    pub fn get(&self) -> &K::Resolved {
        &self.resolved
    }
}

impl<P> Credentials<P, ApiKey> {
    /// The API key.
    pub fn api_key(&self) -> &SecretString {
        &self.resolved.api_key
    }
}

impl<P> Credentials<P, OAuth2> {
    /// The OAuth 2 access token.
    pub fn access_token(&self) -> &SecretString {
        &self.resolved.access_token
    }
}

impl<P> Credentials<P, UserPassword> {
    /// The username.
    pub fn username(&self) -> &str {
        &self.resolved.username
    }

    /// The password.
    pub fn password(&self) -> &SecretString {
        &self.resolved.password
    }
}

impl<P, K: CredentialKind> Clone for Credentials<P, K> {
    fn clone(&self) -> Self {
        Credentials { meta: self.meta.clone(), resolved: self.resolved.clone(), _provider: PhantomData }
    }
}

impl<P, K: CredentialKind> fmt::Debug for Credentials<P, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("meta", &self.meta).finish_non_exhaustive()
    }
}

impl<P, K: CredentialKind> Serialize for Credentials<P, K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.meta.serialize(serializer)
    }
}

thread_local! {
    /// Credentials the executor resolved for the input being deserialized on this
    /// thread, by id. Set only around that synchronous deserialization.
    static RESOLVED: RefCell<Option<HashMap<String, StoredCredentials>>> = const { RefCell::new(None) };
}

/// Runs `f` (a synchronous deserialization) with `resolved` visible to
/// `Credentials::deserialize`, so secrets never pass through the input JSON.
pub(crate) fn with_resolved<T>(resolved: HashMap<String, StoredCredentials>, f: impl FnOnce() -> T) -> T {
    let _scope = ResolvedScope::enter(resolved);
    f()
}

/// While it lives, `Credentials::deserialize` sees the resolved credentials. Not
/// generic, so the thread-local is reached by code compiled once, not once per block.
struct ResolvedScope;

impl ResolvedScope {
    fn enter(resolved: HashMap<String, StoredCredentials>) -> Self {
        RESOLVED.with(|slot| *slot.borrow_mut() = Some(resolved));
        ResolvedScope
    }
}

impl Drop for ResolvedScope {
    fn drop(&mut self) {
        RESOLVED.with(|slot| slot.borrow_mut().take());
    }
}

impl<'de, P, K: CredentialKind> Deserialize<'de> for Credentials<P, K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let meta = CredentialsMeta::deserialize(deserializer)?;
        let stored = RESOLVED.with(|slot| slot.borrow().as_ref().and_then(|map| map.get(&meta.id).cloned()));
        let Some(stored) = stored else {
            return Err(D::Error::custom(format!(
                "credentials `{}` were not resolved; run the block through the executor, which looks them up",
                meta.id
            )));
        };
        let kind = stored.kind();
        let resolved = K::from_stored(stored).ok_or_else(|| {
            D::Error::custom(format!("credentials `{}` are {kind}, which this field does not accept", meta.id))
        })?;
        Ok(Credentials { meta, resolved, _provider: PhantomData })
    }
}

impl<P: Provider, K: CredentialKind> JsonSchema for Credentials<P, K> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        let types: Vec<&str> = K::types().iter().map(|t| t.as_str()).collect();
        format!("{}Credentials_{}", P::DESCRIPTOR.name, types.join("_")).into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let provider = P::DESCRIPTOR.name;
        let types: Vec<&str> = K::types().iter().map(|t| t.as_str()).collect();
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert(
            "properties".into(),
            json!({
                "id": {"type": "string", "title": "Id"},
                "provider": {"const": provider, "title": "Provider"},
                "type": {"enum": types, "title": "Type"},
                "title": {"type": ["string", "null"], "title": "Title"},
            }),
        );
        schema.insert("required".into(), json!(["id", "provider", "type"]));
        schema.insert("additionalProperties".into(), Value::Bool(false));
        schema.insert("credentials_provider".into(), json!([provider]));
        schema.insert("credentials_types".into(), json!(types));
        // `#[block_input(scopes = [...])]` replaces this with the scopes the field needs.
        schema.insert("credentials_scopes".into(), json!([]));
        Schema::from(schema)
    }
}

/// The id of provider `provider`'s test credentials of kind `kind`.
pub(crate) fn test_id(provider: &str, kind: CredentialsType) -> String {
    stable_id(&format!("test/{provider}/{kind}"))
}

/// Types a field named `credentials` or `*_credentials` may have:
/// `Credentials<P, K>` and `Option<Credentials<P, K>>`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a credentials type, but the field is named like one",
    label = "a field named `credentials` or `*_credentials` holds `Credentials<Provider, Kind>`",
    note = "write e.g. `pub credentials: Credentials<Example, ApiKey>`, or rename the field"
)]
pub trait CredentialsField {}

impl<P, K: CredentialKind> CredentialsField for Credentials<P, K> {}
impl<P, K: CredentialKind> CredentialsField for Option<Credentials<P, K>> {}
