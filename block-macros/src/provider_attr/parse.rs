//! Parses the arguments of `#[provider(...)]` into [`ProviderAttrs`], recording every
//! error.

use proc_macro2::TokenStream;
use syn::LitStr;
use syn::meta::ParseNestedMeta;

use crate::internals::attr::{self, Seen};
use crate::internals::cost::Costs;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::*;
use crate::internals::text;

/// Where an `oauth2(...)` provider's flow is implemented.
pub enum OAuthHandlerSpec {
    Standard { authorize_url: LitStr, token_url: LitStr, revoke_url: Option<LitStr> },
    Custom(syn::Path),
}

/// One `api_key(...)`, `oauth2(...)`, `user_password(...)` or `host_scoped`.
pub enum AuthSpec {
    ApiKey { env: Option<LitStr> },
    OAuth2 { scopes: Vec<String>, client_id_env: LitStr, client_secret_env: LitStr, handler: OAuthHandlerSpec },
    UserPassword { username_env: Option<LitStr>, password_env: Option<LitStr> },
    HostScoped,
}

/// What `#[provider(...)]` says.
#[derive(Default)]
pub struct ProviderAttrs {
    pub name: Option<LitStr>,
    pub display_name: Option<LitStr>,
    pub icon: Option<LitStr>,
    pub auth: Vec<AuthSpec>,
    pub trusted_origins: Vec<LitStr>,
    pub base_cost: Option<Costs>,
    pub webhooks: Option<(bool, syn::Path)>,
    pub krate: Option<syn::Path>,
}

pub fn parse(cx: &mut Ctxt, args: TokenStream) -> ProviderAttrs {
    let mut out = ProviderAttrs::default();
    let mut seen = Seen::default();
    let mut inner = Ctxt::new();
    let result = attr::parse_args(args, |meta| {
        let key = attr::key_of(&meta);
        if PROVIDER_KEYS.contains(&key.as_str()) && !seen.first_time(&mut inner, &meta, &key) {
            return attr::skip_value(&meta);
        }
        match key.as_str() {
            NAME => {
                let name = attr::lit_str(&meta)?;
                let value = name.value();
                let valid = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
                if !valid {
                    inner.error_spanned_by(
                        &name,
                        "a provider slug is lowercase letters, digits, `_` and `-`, e.g. `\"github\"`",
                    );
                }
                out.name = Some(name);
            }
            DISPLAY_NAME => out.display_name = Some(attr::lit_str(&meta)?),
            ICON => out.icon = Some(attr::lit_str(&meta)?),
            API_KEY => {
                let env = parse_env_list(&mut inner, &meta, API_KEY_KEYS)?;
                out.auth.push(AuthSpec::ApiKey { env: env.get(ENV).cloned() });
            }
            OAUTH2 => {
                let mut scopes = Vec::new();
                let mut envs = Vec::new();
                let mut urls: Vec<(&str, LitStr)> = Vec::new();
                let mut handler_path: Option<syn::Path> = None;
                let mut seen_inner = Seen::default();
                if meta.input.peek(syn::token::Paren) {
                    meta.parse_nested_meta(|nested| {
                        let key = attr::key_of(&nested);
                        let Some(&key) = OAUTH2_KEYS.iter().find(|&&k| k == key) else {
                            inner.error_spanned_by(&nested.path, text::unknown("`oauth2` key", &key, OAUTH2_KEYS));
                            return attr::skip_value(&nested);
                        };
                        if !seen_inner.first_time(&mut inner, &nested, key) {
                            return attr::skip_value(&nested);
                        }
                        if key == SCOPES {
                            scopes = attr::name_list(&nested)?.into_iter().map(|(scope, _)| scope).collect();
                        } else if key == HANDLER {
                            handler_path = Some(nested.value()?.parse()?);
                        } else if [AUTHORIZE_URL, TOKEN_URL, REVOKE_URL].contains(&key) {
                            let url = attr::lit_str(&nested)?;
                            let value = url.value();
                            if !(value.starts_with("https://") || value.starts_with("http://")) {
                                inner.error_spanned_by(
                                    &url,
                                    format!("`{key}` is an http(s) URL, e.g. \"https://example.com/oauth/token\""),
                                );
                            }
                            urls.push((key, url));
                        } else {
                            let value = attr::lit_str(&nested)?;
                            check_env_name(&mut inner, &value);
                            envs.push((key, value));
                        }
                        Ok(())
                    })?;
                }
                let env = |key: &str| envs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                let (Some(id_env), Some(secret_env)) = (env(CLIENT_ID_ENV), env(CLIENT_SECRET_ENV)) else {
                    inner.error_spanned_by(
                        &meta.path,
                        "`oauth2` needs the variables of the OAuth app: \
                         `oauth2(client_id_env = \"X_CLIENT_ID\", client_secret_env = \"X_CLIENT_SECRET\")`",
                    );
                    return Ok(());
                };
                let url = |key: &str| urls.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
                let handler = match (handler_path, url(AUTHORIZE_URL), url(TOKEN_URL)) {
                    (Some(path), None, None) if url(REVOKE_URL).is_none() => OAuthHandlerSpec::Custom(path),
                    (None, Some(authorize_url), Some(token_url)) => {
                        OAuthHandlerSpec::Standard { authorize_url, token_url, revoke_url: url(REVOKE_URL) }
                    }
                    _ => {
                        inner.error_spanned_by(
                            &meta.path,
                            "`oauth2` needs the provider's endpoints, `authorize_url = \"...\", token_url = \"...\"` \
                             (and optionally `revoke_url`), or its own `handler = path::to::fn`, not both",
                        );
                        return Ok(());
                    }
                };
                out.auth.push(AuthSpec::OAuth2 {
                    scopes,
                    client_id_env: id_env,
                    client_secret_env: secret_env,
                    handler,
                });
            }
            USER_PASSWORD => {
                let env = parse_env_list(&mut inner, &meta, USER_PASSWORD_KEYS)?;
                out.auth.push(AuthSpec::UserPassword {
                    username_env: env.get(USERNAME_ENV).cloned(),
                    password_env: env.get(PASSWORD_ENV).cloned(),
                });
            }
            HOST_SCOPED => out.auth.push(AuthSpec::HostScoped),
            TRUSTED_ORIGINS => {
                let input = meta.value()?;
                let content;
                syn::bracketed!(content in input);
                let origins = syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated(&content)?;
                for origin in origins {
                    if let Some(problem) = origin_problem(&origin.value()) {
                        inner.error_spanned_by(&origin, problem);
                    }
                    out.trusted_origins.push(origin);
                }
            }
            BASE_COST => out.base_cost = Some(Costs::parse(&mut inner, &meta)?),
            WEBHOOKS => {
                let mut kind = None;
                let mut manager = None;
                meta.parse_nested_meta(|nested| {
                    let key = attr::key_of(&nested);
                    match key.as_str() {
                        MANUAL | AUTO => kind = Some(key == MANUAL),
                        MANAGER => manager = Some(nested.value()?.parse::<syn::Path>()?),
                        _ => {
                            inner.error_spanned_by(&nested.path, text::unknown("`webhooks` key", &key, WEBHOOKS_KEYS));
                            return attr::skip_value(&nested);
                        }
                    }
                    Ok(())
                })?;
                match (kind, manager) {
                    (Some(manual), Some(manager)) => out.webhooks = Some((manual, manager)),
                    _ => inner.error_spanned_by(
                        &meta.path,
                        "`webhooks` says how hooks are set up and who handles them: \
                         `webhooks(manual, manager = MyWebhookManager)` or `webhooks(auto, manager = ...)`",
                    ),
                }
            }
            CRATE => out.krate = Some(attr::parse_path_value(&meta)?),
            _ => {
                inner.error_spanned_by(&meta.path, text::unknown("`#[provider]` key", &key, PROVIDER_KEYS));
                return attr::skip_value(&meta);
            }
        }
        Ok(())
    });
    cx.absorb(inner);
    if let Err(error) = result {
        cx.syn_error(error);
    }
    out
}

struct EnvList(Vec<(&'static str, LitStr)>);

impl EnvList {
    fn get(&self, key: &str) -> Option<&LitStr> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

/// `key` alone, or `key(var = "NAME", ...)`.
fn parse_env_list(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, keys: &'static [&'static str]) -> syn::Result<EnvList> {
    let mut out = Vec::new();
    if !meta.input.peek(syn::token::Paren) {
        return Ok(EnvList(out));
    }
    let mut seen = Seen::default();
    meta.parse_nested_meta(|nested| {
        let key = attr::key_of(&nested);
        let Some(&key) = keys.iter().find(|&&k| k == key) else {
            cx.error_spanned_by(&nested.path, text::unknown("key", &key, keys));
            return attr::skip_value(&nested);
        };
        if seen.first_time(cx, &nested, key) {
            let value = attr::lit_str(&nested)?;
            check_env_name(cx, &value);
            out.push((key, value));
        } else {
            attr::skip_value(&nested)?;
        }
        Ok(())
    })?;
    Ok(EnvList(out))
}

fn check_env_name(cx: &mut Ctxt, value: &LitStr) {
    let name = value.value();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        cx.error_spanned_by(
            value,
            "an environment variable name is upper case letters, digits and `_`, e.g. `EXAMPLE_API_KEY`",
        );
    }
}

/// Why `origin` is not `scheme://host[:port]`, if it is not.
fn origin_problem(origin: &str) -> Option<String> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Some(format!("a trusted origin starts with `https://` (or `http://`); got `{origin}`"));
    };
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
        return Some(format!("a trusted origin is `scheme://host[:port]` with no path, query or user; got `{origin}`"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::origin_problem;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(origin_problem("https://api.example.com"), None);
        assert_eq!(origin_problem("http://localhost:8080"), None);
        assert!(origin_problem("api.example.com").is_some());
        assert!(origin_problem("https://api.example.com/v1").is_some());
        assert!(origin_problem("https://user@api.example.com").is_some());
        assert!(origin_problem("https://").is_some());
    }
}
