//! The OAuth handlers of the registered providers, configured from the environment.

use std::collections::HashMap;
use std::sync::Arc;

use super::{OAuthApp, OAuthError, OAuthHandler, OAuthSpec, StandardOAuth2};
use crate::provider::{AuthMethod, ProviderDescriptor};

/// OAuth handlers by provider slug, as the executor (to refresh tokens) and the
/// server (to connect accounts) use them.
#[derive(Clone, Default)]
pub struct OAuthHandlers {
    handlers: HashMap<String, Arc<dyn OAuthHandler>>,
}

impl std::fmt::Debug for OAuthHandlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.handlers.keys()).finish()
    }
}

impl OAuthHandlers {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the handler of `provider`.
    pub fn with(mut self, provider: &str, handler: Arc<dyn OAuthHandler>) -> Self {
        self.handlers.insert(provider.to_owned(), handler);
        self
    }

    /// The handler of `provider`.
    pub fn get(&self, provider: &str) -> Option<&Arc<dyn OAuthHandler>> {
        self.handlers.get(provider)
    }

    /// Handlers for every provider declaring OAuth 2 whose app is configured in
    /// `env`; the problems of the others (a missing variable, a bad URL) are returned
    /// beside, so a server can warn without failing.
    pub fn from_env<'a>(
        providers: impl IntoIterator<Item = &'a ProviderDescriptor>,
        env: impl Fn(&str) -> Option<String>,
    ) -> (Self, Vec<OAuthError>) {
        let mut handlers = OAuthHandlers::new();
        let mut problems = Vec::new();
        for provider in providers {
            match handler_for(provider, &env) {
                Ok(Some(handler)) => handlers = handlers.with(provider.name, handler),
                Ok(None) => {}
                Err(error) => problems.push(error),
            }
        }
        (handlers, problems)
    }
}

/// The handler of `provider`, `None` if it declares no OAuth 2.
pub fn handler_for(
    provider: &ProviderDescriptor,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Arc<dyn OAuthHandler>>, OAuthError> {
    let Some((spec, id_env, secret_env)) = provider.auth.iter().find_map(|method| match method {
        AuthMethod::OAuth2 { handler, client_id_env, client_secret_env, .. } => {
            Some((*handler, *client_id_env, *client_secret_env))
        }
        _ => None,
    }) else {
        return Ok(None);
    };
    let read = |variable: &str| {
        env(variable).filter(|value| !value.trim().is_empty()).ok_or_else(|| OAuthError::NotConfigured {
            provider: provider.name.to_owned(),
            variable: variable.to_owned(),
        })
    };
    let app = OAuthApp { provider: provider.name, client_id: read(id_env)?, client_secret: read(secret_env)?.into() };
    Ok(Some(match spec {
        OAuthSpec::Standard { authorize_url, token_url, revoke_url } => {
            Arc::new(StandardOAuth2::new(app, authorize_url, token_url, revoke_url)?)
        }
        OAuthSpec::Custom(make) => make(app),
    }))
}
