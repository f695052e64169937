//! The expansion of `#[derive(BlockInput)]`: serde impls through block-core's shared
//! field reader, the schema, and the default checks. The struct is parsed in
//! `internals::ast` and checked in `internals::check`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{DeriveInput, Ident};

use crate::internals::ast::{self, Fallback, InputField};
use crate::internals::attr::{self, DefaultValue};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;
use crate::internals::former;
use crate::internals::symbol::BLOCK_INPUT;
use crate::internals::text;

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, BLOCK_INPUT);
    let fields = match ast::input_fields(&mut cx, &item) {
        Ok(fields) => fields,
        Err(Fallback::Stub) => return stub(&cx, &item, &krate),
        Err(Fallback::ErrorsOnly) => return cx.to_compile_errors(),
    };
    check::input_fields(&mut cx, &fields);
    let expanded = generate(&item, &krate, &fields);
    let errors = cx.to_compile_errors();
    let deprecations = former::deprecations(&item, BLOCK_INPUT);
    quote! { #errors #deprecations #expanded }
}

/// The errors, plus impls that do nothing, for an item whose shape is wrong: a block
/// naming it as its `Input` then compiles on, so the user sees only the real mistake.
fn stub(cx: &Ctxt, item: &DeriveInput, krate: &syn::Path) -> TokenStream {
    let errors = cx.to_compile_errors();
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    if !item.generics.params.is_empty() {
        return errors;
    }
    quote! {
        #errors
        const _: () = {
            impl #private::serde::Serialize for #ident {
                fn serialize<__S: #private::serde::Serializer>(&self, _: __S) -> #private::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }
            impl<'de> #private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #private::serde::Deserializer<'de>>(_: __D) -> #private::Result<Self, __D::Error> {
                    ::core::unreachable!()
                }
            }
            // Other types' impls are no hint for a type missing its derive.
            #[diagnostic::do_not_recommend]
            impl #krate::BlockInput for #ident {
                fn input_schema() -> #private::serde_json::Value {
                    ::core::unreachable!()
                }
            }
        };
    }
}

fn default_fn_name(field: &InputField<'_>) -> Ident {
    format_ident!("__default_{}", field.name)
}

fn generate(item: &DeriveInput, krate: &syn::Path, fields: &[InputField<'_>]) -> TokenStream {
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    let title = ident.to_string();
    let description = text::doc_comment(&item.attrs);
    let field_consts = fields.iter().filter_map(|field| {
        let constant = text::constant_ident(&field.name)?;
        let (vis, ty, name) = (field.vis, field.ty, &field.name);
        let doc = format!("The `{name}` input field, for graphs built in Rust (`block_core::graph::GraphBuilder`).");
        Some(quote!(#[doc = #doc] #vis const #constant: #krate::graph::Field<Self, #ty> = #krate::graph::Field::new(#name);))
    });

    let default_fns = fields.iter().filter_map(|field| {
        let default = field.attrs.default.as_ref()?;
        let name = default_fn_name(field);
        let ty = field.ty;
        let body = match default {
            DefaultValue::Json(tokens) => quote! {
                #private::serde_json::from_value::<#ty>(#private::serde_json::json!(#tokens))
            },
            DefaultValue::Expr(expr) => quote_spanned! {expr.span()=>
                #private::Result::Ok(::core::convert::Into::<#ty>::into(#expr))
            },
        };
        Some(quote! {
            #[allow(non_snake_case)]
            fn #name() -> #private::Result<#ty, #private::serde_json::Error> { #body }
        })
    });

    // Each field is taken by name through block-core's shared code, with its own
    // type's `Deserialize`, spanned on the type so a type that has none is told there.
    let take_fields = fields.iter().map(|field| {
        let (ident, ty, name) = (field.ident, field.ty, &field.name);
        if field.attrs.default.is_some() {
            let default = default_fn_name(field);
            quote_spanned!(ty.span()=> #ident: fields.take_or::<#ty>(#name, #default)?)
        } else {
            quote_spanned!(ty.span()=> #ident: fields.take::<#ty>(#name)?)
        }
    });
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let field_count = fields.len();
    let serialize_fields = fields.iter().map(|field| {
        let (ident, name) = (field.ident, &field.name);
        quote!(#private::serde::ser::SerializeStruct::serialize_field(&mut state, #name, &self.#ident)?;)
    });

    let schema_fields = fields.iter().map(|field| field_spec(field, &private));
    let default_checks = fields.iter().filter(|f| f.attrs.default.is_some()).map(|field| {
        let default = default_fn_name(field);
        let ty = field.ty;
        let message = format!(
            "the default of input `{}` does not fit its type `{}`",
            field.name,
            quote!(#ty).to_string().replace(' ', "")
        );
        quote! {
            if let #private::Result::Err(error) = #default() {
                problems.push(::std::format!("{}: {}", #message, error));
            }
        }
    });
    let hidden_fields: Vec<&str> = fields.iter().filter(|f| f.attrs.hidden).map(|f| f.name.as_str()).collect();
    let event_filter = match fields.iter().find(|f| f.attrs.event_filter) {
        Some(field) => {
            let name = &field.name;
            quote!(::core::option::Option::Some(#name))
        }
        None => quote!(::core::option::Option::None),
    };
    let all_bool = !fields.is_empty() && fields.iter().all(|f| check::is_bool(f.ty));
    // An event filter is one `bool` per event; checked on the filter's type, where
    // the error points.
    let filter_checks = fields.iter().filter(|f| f.attrs.event_filter).map(|field| {
        let ty = field.ty;
        quote_spanned! {ty.span()=>
            const _: () = ::core::assert!(
                <#ty as #krate::BlockInput>::ALL_BOOL,
                "an event filter is a `#[derive(BlockInput)]` struct whose fields are all `bool`, one per event"
            );
        }
    });
    // The reference's rule, checked on the type: a field named like credentials holds
    // credentials. The bound is spanned on the field's type, so that is where the
    // error points.
    let credentials_checks = fields.iter().filter(|f| is_credentials_name(&f.name)).map(|field| {
        let ty = field.ty;
        quote_spanned! {ty.span()=>
            __assert_credentials_field::<#ty>();
        }
    });

    quote! {
        const _: () = {
            #(#default_fns)*

            #[allow(dead_code)]
            const fn __assert_credentials_field<T: #krate::credentials::CredentialsField>() {}
            #[allow(dead_code)]
            const fn __credentials_fields_hold_credentials() { #(#credentials_checks)* }

            #[allow(unused_variables)]
            fn __from_fields(fields: &mut #private::InputFields) -> #private::Result<#ident, #private::serde_json::Error> {
                #private::Result::Ok(#ident { #(#take_fields,)* })
            }

            impl<'de> #private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> #private::Result<Self, __D::Error> {
                    let mut fields = #private::InputFields::read(deserializer, &[#(#names),*])?;
                    __from_fields(&mut fields).map_err(<__D::Error as #private::serde::de::Error>::custom)
                }
            }

            impl #private::serde::Serialize for #ident {
                fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> #private::Result<__S::Ok, __S::Error> {
                    #[allow(unused_mut)]
                    let mut state = #private::serde::Serializer::serialize_struct(serializer, #title, #field_count)?;
                    #(#serialize_fields)*
                    #private::serde::ser::SerializeStruct::end(state)
                }
            }

            fn __object_schema(
                generator: &mut #private::schemars::SchemaGenerator,
            ) -> #private::serde_json::Map<#private::String, #private::serde_json::Value> {
                let mut builder = #private::InputSchemaBuilder::new(generator, #title, #description);
                #(#schema_fields)*
                builder.finish()
            }

            // Input structs nest: an event filter, for one, is an input struct inside
            // another.
            impl #private::schemars::JsonSchema for #ident {
                fn inline_schema() -> bool {
                    true
                }

                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#title)
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #title))
                }

                fn json_schema(generator: &mut #private::schemars::SchemaGenerator) -> #private::schemars::Schema {
                    #private::schemars::Schema::from(__object_schema(generator))
                }
            }

            #(#filter_checks)*

            // Other types' impls are no hint for a type missing its derive.
            #[diagnostic::do_not_recommend]
            impl #krate::BlockInput for #ident {
                const HIDDEN_FIELDS: &'static [&'static str] = &[#(#hidden_fields),*];
                const EVENT_FILTER: ::core::option::Option<&'static str> = #event_filter;
                const ALL_BOOL: bool = #all_bool;

                fn input_schema() -> #private::serde_json::Value {
                    #private::root_input_schema(__object_schema)
                }

                fn check_defaults() -> #private::Vec<#private::String> {
                    #[allow(unused_mut)]
                    let mut problems = #private::Vec::new();
                    #(#default_checks)*
                    problems
                }
            }

            #[allow(dead_code)]
            impl #ident {
                #(#field_consts)*
            }
        };
    }
}

fn field_spec(field: &InputField<'_>, private: &TokenStream) -> TokenStream {
    let ty = field.ty;
    let name = &field.name;
    let description = &field.doc;
    let a = &field.attrs;
    let mut keys = vec![quote!(description: #description)];
    if a.default.is_some() {
        let default = default_fn_name(field);
        keys.push(quote!(default: #default().ok().and_then(|value| #private::serde_json::to_value(&value).ok())));
    }
    if let Some(advanced) = a.advanced {
        keys.push(quote!(advanced: ::core::option::Option::Some(#advanced)));
    }
    if a.hidden {
        keys.push(quote!(hidden: true));
    }
    if a.secret {
        keys.push(quote!(secret: true));
    }
    let optional_str = |key: &str, value: &Option<syn::LitStr>| {
        value.as_ref().map(|v| {
            let key = Ident::new(key, Span::call_site());
            quote!(#key: ::core::option::Option::Some(#v))
        })
    };
    keys.extend(optional_str("placeholder", &a.placeholder));
    keys.extend(optional_str("title", &a.title));
    keys.extend(optional_str("format", &a.format));
    if !a.depends_on.is_empty() {
        let names = a.depends_on.iter().map(|(n, _)| n);
        keys.push(quote!(depends_on: &[#(#names),*]));
    }
    if !a.scopes.is_empty() {
        let scopes = a.scopes.iter().map(|(n, _)| n);
        keys.push(quote!(scopes: &[#(#scopes),*]));
    }
    for (key, value) in [("minimum", a.min), ("maximum", a.max)] {
        if let Some(value) = value {
            let key = Ident::new(key, Span::call_site());
            keys.push(quote!(#key: ::core::option::Option::Some(#value)));
        }
    }
    for (key, value) in [
        ("min_length", a.min_length),
        ("max_length", a.max_length),
        ("min_items", a.min_items),
        ("max_items", a.max_items),
    ] {
        if let Some(value) = value {
            let key = Ident::new(key, Span::call_site());
            keys.push(quote!(#key: ::core::option::Option::Some(#value)));
        }
    }
    quote_spanned! {ty.span()=>
        builder.field::<#ty>(#private::FieldSpec { #(#keys,)* ..#private::FieldSpec::new(#name) });
    }
}

/// `credentials` or `*_credentials`: the names the reference reserves for
/// credentials fields.
fn is_credentials_name(name: &str) -> bool {
    name == "credentials" || name.ends_with("_credentials")
}
