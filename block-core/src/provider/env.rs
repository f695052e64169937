//! Platform default credentials from environment variables, and `.env.example`.

use super::{AuthMethod, ProviderDescriptor, stable_id};
use crate::credentials::{
    ApiKeyCredentials, CredentialsMeta, CredentialsType, StoredCredentials, UserPasswordCredentials,
};

/// The platform default credentials of `providers`, read through `env` (pass
/// `|name| std::env::var(name).ok()` in a binary). Empty variables are ignored.
/// Their ids are stable, so cost filters and saved inputs keep naming them.
pub fn platform_credentials<'a>(
    providers: impl IntoIterator<Item = &'a ProviderDescriptor>,
    env: impl Fn(&str) -> Option<String>,
) -> Vec<StoredCredentials> {
    let read = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let mut out = Vec::new();
    for provider in providers {
        for method in provider.auth {
            let meta = |kind: CredentialsType| CredentialsMeta {
                id: platform_id(provider.name, kind),
                provider: provider.name.to_owned(),
                kind,
                title: Some(format!("Use credits for {}", provider.display_name)),
            };
            match *method {
                AuthMethod::ApiKey { env: Some(variable) } => {
                    if let Some(key) = read(variable) {
                        out.push(StoredCredentials::ApiKey(ApiKeyCredentials {
                            meta: meta(CredentialsType::ApiKey),
                            api_key: key.into(),
                            expires_at: None,
                        }));
                    }
                }
                AuthMethod::UserPassword { username_env: Some(user_var), password_env: Some(password_var) } => {
                    if let (Some(username), Some(password)) = (read(user_var), read(password_var)) {
                        out.push(StoredCredentials::UserPassword(UserPasswordCredentials {
                            meta: meta(CredentialsType::UserPassword),
                            username,
                            password: password.into(),
                        }));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The id platform default credentials of `provider` and `kind` get.
pub fn platform_id(provider: &str, kind: CredentialsType) -> String {
    stable_id(&format!("platform/{provider}/{kind}"))
}

/// `.env.example`: one commented line per variable the providers read.
pub fn env_example<'a>(providers: impl IntoIterator<Item = &'a ProviderDescriptor>) -> String {
    let mut out = String::from("# Platform-wide settings of the registered providers. Empty values are ignored.\n");
    for provider in providers {
        let mut lines = Vec::new();
        for method in provider.auth {
            match *method {
                AuthMethod::ApiKey { env: Some(variable) } => {
                    lines.push(format!("# API key used as the platform default credentials\n{variable}="));
                }
                AuthMethod::OAuth2 { client_id_env, client_secret_env, .. } => {
                    lines.push(format!("# OAuth app client id\n{client_id_env}="));
                    lines.push(format!("# OAuth app client secret\n{client_secret_env}="));
                }
                AuthMethod::UserPassword { username_env, password_env } => {
                    for (variable, what) in [(username_env, "username"), (password_env, "password")] {
                        if let Some(variable) = variable {
                            lines.push(format!("# Platform default {what}\n{variable}="));
                        }
                    }
                }
                _ => {}
            }
        }
        if !lines.is_empty() {
            out.push_str(&format!("\n# {} ({})\n", provider.display_name, provider.name));
            out.push_str(&lines.join("\n"));
            out.push('\n');
        }
    }
    out
}
