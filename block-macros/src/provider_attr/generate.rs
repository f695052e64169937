//! The expansion of `#[provider(...)]`: the `Provider` impl and its registration.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{ItemStruct, LitStr};

use super::parse::{AuthSpec, OAuthHandlerSpec, ProviderAttrs};

/// The descriptor of the provider `item_struct` declares, and its registration.
pub fn generate(attrs: &ProviderAttrs, item_struct: &ItemStruct, errors: TokenStream) -> TokenStream {
    let krate_default = crate::internals::attr::default_crate_path();
    let krate = attrs.krate.clone().unwrap_or(krate_default);
    let ident = &item_struct.ident;
    let name = attrs.name.as_ref().map_or_else(String::new, LitStr::value);
    let display_name = attrs.display_name.as_ref().map_or_else(|| ident.to_string(), LitStr::value);
    let icon = match &attrs.icon {
        Some(icon) => quote!(::core::option::Option::Some(#icon)),
        None => quote!(::core::option::Option::None),
    };
    let auth = attrs.auth.iter().map(|spec| spec.tokens(&krate));
    let origins = &attrs.trusted_origins;
    let base_costs = attrs.base_cost.as_ref().map_or_else(|| quote!(&[]), |costs| costs.tokens(&krate));
    let (webhooks, manager_fn) = match &attrs.webhooks {
        None => (quote!(::core::option::Option::None), TokenStream::new()),
        Some((manual, manager)) => {
            let kind = if *manual { quote!(Manual) } else { quote!(Auto) };
            (
                quote!(::core::option::Option::Some(#krate::webhooks::WebhookSpec {
                    kind: #krate::webhooks::WebhookKind::#kind,
                    manager: __webhook_manager,
                })),
                quote_spanned! {syn::spanned::Spanned::span(manager)=>
                    fn __webhook_manager() -> ::std::sync::Arc<dyn #krate::webhooks::WebhookManager> {
                        ::std::sync::Arc::new(<#manager as ::core::default::Default>::default())
                    }
                },
            )
        }
    };
    quote! {
        #item_struct
        #errors
        const _: () = {
            impl #krate::Provider for #ident {
                const DESCRIPTOR: &'static #krate::ProviderDescriptor = &#krate::ProviderDescriptor {
                    name: #name,
                    display_name: #display_name,
                    icon: #icon,
                    auth: &[#(#auth),*],
                    trusted_origins: &[#(#origins),*],
                    base_costs: #base_costs,
                    webhooks: #webhooks,
                };
            }

            #manager_fn

            #krate::__private::inventory::submit! {
                #krate::provider::ProviderRegistration(<#ident as #krate::Provider>::DESCRIPTOR)
            }
        };
    }
}

impl AuthSpec {
    fn tokens(&self, krate: &syn::Path) -> TokenStream {
        match self {
            AuthSpec::ApiKey { env } => {
                let env = optional(env.as_ref());
                quote!(#krate::AuthMethod::ApiKey { env: #env })
            }
            AuthSpec::OAuth2 { scopes, client_id_env, client_secret_env, handler } => {
                let handler = match handler {
                    OAuthHandlerSpec::Standard { authorize_url, token_url, revoke_url } => {
                        let revoke = optional(revoke_url.as_ref());
                        quote!(#krate::oauth::OAuthSpec::Standard {
                            authorize_url: #authorize_url,
                            token_url: #token_url,
                            revoke_url: #revoke,
                        })
                    }
                    OAuthHandlerSpec::Custom(path) => quote!(#krate::oauth::OAuthSpec::Custom(#path)),
                };
                quote!(#krate::AuthMethod::OAuth2 {
                    default_scopes: &[#(#scopes),*],
                    client_id_env: #client_id_env,
                    client_secret_env: #client_secret_env,
                    handler: #handler,
                })
            }
            AuthSpec::UserPassword { username_env, password_env } => {
                let (user, password) = (optional(username_env.as_ref()), optional(password_env.as_ref()));
                quote!(#krate::AuthMethod::UserPassword { username_env: #user, password_env: #password })
            }
            AuthSpec::HostScoped => quote!(#krate::AuthMethod::HostScoped),
        }
    }
}

fn optional(value: Option<&LitStr>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
