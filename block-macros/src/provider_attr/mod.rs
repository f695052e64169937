//! `#[provider(...)]`: a provider declared once, on a unit struct.
//!
//! ```ignore
//! #[provider(
//!     name = "example",
//!     display_name = "Example",
//!     api_key(env = "EXAMPLE_API_KEY"),
//!     trusted_origins = ["https://api.example.com"],
//!     base_cost(run = 1, platform_only),
//! )]
//! pub struct Example;
//! ```
//!
//! Arguments are parsed (`parse`), checked (below) and expanded (`generate`), as
//! for `#[block]`; every error is collected and the user's struct is always emitted.

mod generate;
mod parse;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Fields, ItemStruct};

use crate::internals::ctxt::Ctxt;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let item_struct: ItemStruct = match syn::parse2::<ItemStruct>(item.clone()) {
        Ok(item) if matches!(item.fields, Fields::Unit) && item.generics.params.is_empty() => item,
        _ => {
            let span = item.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
            cx.syn_error(syn::Error::new(
                span,
                "#[provider] goes on a unit struct naming the provider: `pub struct Example;`",
            ));
            let errors = cx.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    let attrs = parse::parse(&mut cx, args.clone());
    if attrs.name.is_none() {
        let span = if args.is_empty() { Span::call_site() } else { syn::spanned::Spanned::span(&args) };
        cx.syn_error(syn::Error::new(span, "#[provider] needs a slug: `name = \"example\"`"));
    }
    if attrs.auth.is_empty() {
        let span = if args.is_empty() { Span::call_site() } else { syn::spanned::Spanned::span(&args) };
        cx.syn_error(syn::Error::new(
            span,
            "#[provider] needs at least one way to authenticate: `api_key(env = \"EXAMPLE_API_KEY\")`, \
             `oauth2(...)`, `user_password`, or `host_scoped`",
        ));
    }
    let errors = cx.to_compile_errors();
    generate::generate(&attrs, &item_struct, errors)
}
