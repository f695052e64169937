//! The expansion of `#[derive(BlockOutput)]`: one output pin per enum variant. The
//! enum is parsed (and its pins checked) in `internals::ast`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::internals::ast::{self, Fallback, OutputPin};
use crate::internals::attr;
use crate::internals::ctxt::Ctxt;
use crate::internals::former;
use crate::internals::symbol::BLOCK_OUTPUT;
use crate::internals::text;

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, BLOCK_OUTPUT);
    let (pins, variants) = match ast::output_pins(&mut cx, &item) {
        Ok(found) => found,
        Err(Fallback::Stub) => return stub(&cx, &item, &krate),
        Err(Fallback::ErrorsOnly) => return cx.to_compile_errors(),
    };
    let errors = cx.to_compile_errors();
    let expanded = generate(&item, &krate, &pins, pins.len() < variants);
    let deprecations = former::deprecations(&item, BLOCK_OUTPUT);
    quote! { #errors #deprecations #expanded }
}

/// The errors, plus an impl that does nothing, for an item whose shape is wrong: a
/// block naming it as its `Output` then compiles on, so the user sees only the real
/// mistake.
fn stub(cx: &Ctxt, item: &DeriveInput, krate: &syn::Path) -> TokenStream {
    let errors = cx.to_compile_errors();
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    quote! {
        #errors
        const _: () = {
            // Other types' impls are no hint for a type missing its derive.
            #[diagnostic::do_not_recommend]
            impl #krate::BlockOutput for #ident {
                const PINS: &'static [&'static str] = &[];

                fn pin(&self) -> &'static str {
                    ::core::unreachable!()
                }

                fn into_event(self) -> #private::Result<#krate::OutputEvent, #krate::BlockError> {
                    ::core::unreachable!()
                }

                fn output_schema() -> #private::serde_json::Value {
                    ::core::unreachable!()
                }
            }
        };
    }
}

fn generate(item: &DeriveInput, krate: &syn::Path, pins: &[OutputPin<'_>], incomplete: bool) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    let title = ident.to_string();
    let names: Vec<&str> = pins.iter().map(|p| p.name.as_str()).collect();
    let pin_arms = pins.iter().map(|p| {
        let (variant, name) = (p.variant, &p.name);
        quote!(Self::#variant(..) => #name)
    });
    let event_arms = pins.iter().map(|p| {
        let (variant, name) = (p.variant, &p.name);
        quote!(Self::#variant(value) => #krate::OutputEvent::from_payload(#name, &value))
    });
    let schema_pins = pins.iter().map(|p| {
        let (ty, name, title, doc) = (p.ty, &p.name, &p.title, &p.doc);
        quote_spanned!(ty.span()=> builder.pin::<#ty>(#name, #title, #doc);)
    });
    // A variant that was reported as an error has no arm; the errors already say why,
    // so keep the matches exhaustive instead of adding a second message.
    let fallback = incomplete.then(|| quote!(#[allow(unreachable_patterns)] _ => ::core::unreachable!()));
    let vis = &item.vis;
    let pin_consts = pins.iter().filter_map(|p| {
        let constant = text::constant_ident(&p.name)?;
        let (ty, name) = (p.ty, &p.name);
        let doc = format!("The `{name}` output pin, for graphs built in Rust (`block_core::graph::GraphBuilder`).");
        Some(
            quote!(#[doc = #doc] #vis const #constant: #krate::graph::Pin<Self, #ty> = #krate::graph::Pin::new(#name);),
        )
    });
    quote! {
        const _: () = {
            // Other types' impls are no hint for a type missing its derive.
            #[diagnostic::do_not_recommend]
            impl #krate::BlockOutput for #ident {
                const PINS: &'static [&'static str] = &[#(#names),*];

                fn pin(&self) -> &'static str {
                    match self { #(#pin_arms,)* #fallback }
                }

                fn into_event(self) -> #private::Result<#krate::OutputEvent, #krate::BlockError> {
                    match self { #(#event_arms,)* #fallback }
                }

                fn output_schema() -> #private::serde_json::Value {
                    let mut builder = #private::OutputSchemaBuilder::new(#title);
                    #(#schema_pins)*
                    builder.finish()
                }
            }

            #[allow(dead_code)]
            impl #ident {
                #(#pin_consts)*
            }
        };
    }
}
