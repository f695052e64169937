//! `#[derive(BlockOutput)]`: one output pin per enum variant.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Type};

use crate::internals::attr::{self, OutputVariant};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::OUTPUT;
use crate::internals::text;

struct Pin<'a> {
    variant: &'a syn::Ident,
    name: String,
    title: String,
    doc: String,
    ty: &'a Type,
}

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, OUTPUT);
    let data = match &item.data {
        Data::Enum(data) => data,
        Data::Struct(data) => {
            cx.error_spanned_by(
                data.struct_token,
                "BlockOutput is derived on an enum, one variant per output pin: \
                 `enum Output { Result(f64), Count(u64) }`",
            );
            return stub(&cx, &item, &krate);
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "BlockOutput is derived on an enum, one variant per output pin");
            return stub(&cx, &item, &krate);
        }
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "block outputs cannot be generic: their schema is fixed when the block registers",
        );
        return cx.to_compile_errors();
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(
            &item.ident,
            "a block needs at least one output pin: add a variant such as `Result(String)`",
        );
        return stub(&cx, &item, &krate);
    }

    let mut pins = Vec::new();
    for variant in &data.variants {
        let attrs = OutputVariant::from_attrs(&mut cx, &variant.attrs);
        let name = attrs.name.as_ref().map_or_else(|| text::snake_case(&variant.ident.to_string()), |n| n.value());
        let ty = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => &fields.unnamed[0].ty,
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!(
                        "output pin `{name}` carries one value, not {}; wrap them in a tuple or a struct: `{}(({}))`",
                        fields.unnamed.len(),
                        variant.ident,
                        fields
                            .unnamed
                            .iter()
                            .map(|f| {
                                let ty = &f.ty;
                                quote!(#ty).to_string()
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                continue;
            }
            Fields::Named(fields) => {
                cx.error_spanned_by(
                    fields,
                    format!("output pin `{name}` carries one value; move these fields into a struct and write `{}(ThatStruct)`", variant.ident),
                );
                continue;
            }
            Fields::Unit => {
                cx.error_spanned_by(
                    &variant.ident,
                    format!("output pin `{name}` carries no value; give it one, e.g. `{}(bool)`", variant.ident),
                );
                continue;
            }
        };
        if name == "error" {
            cx.error_spanned_by(
                &variant.ident,
                "the `error` pin is implicit: every block has it, and a run emits it by returning `Err(BlockError)`",
            );
            continue;
        }
        if let Some(first) = pins.iter().find(|p: &&Pin<'_>| p.name == name) {
            cx.error_spanned_by(
                &variant.ident,
                format!("two variants use the pin name `{name}` (`{}` and `{}`); rename one with `#[output(name = \"...\")]`", first.variant, variant.ident),
            );
            continue;
        }
        let title = attrs.title.as_ref().map_or_else(|| text::title_case(&name), |t| t.value());
        pins.push(Pin { variant: &variant.ident, name, title, doc: text::doc_comment(&variant.attrs), ty });
    }

    let errors = cx.to_compile_errors();
    let incomplete = pins.len() < data.variants.len();
    let expanded = generate(&item, &krate, &pins, incomplete);
    quote! { #errors #expanded }
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

fn generate(item: &DeriveInput, krate: &syn::Path, pins: &[Pin<'_>], incomplete: bool) -> TokenStream {
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
