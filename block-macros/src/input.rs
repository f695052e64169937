//! `#[derive(BlockInput)]`: serde impls through private wire structs, the schema,
//! and the default checks.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::internals::attr::{self, DefaultValue, InputField};
use crate::internals::check;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{INPUT, MAX, MAX_ITEMS, MAX_LENGTH, MIN, MIN_ITEMS, MIN_LENGTH};
use crate::internals::text;

struct Field<'a> {
    ident: &'a Ident,
    vis: &'a syn::Visibility,
    name: String,
    ty: &'a Type,
    doc: String,
    attrs: InputField,
}

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, INPUT);
    let named = match &item.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Some(&fields.named),
            Fields::Unit => None,
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    "a block input needs named fields: write `struct Input { name: String, ... }`",
                );
                return stub(&cx, &item, &krate);
            }
        },
        Data::Enum(data) => {
            cx.error_spanned_by(data.enum_token, "BlockInput is derived on a struct with one field per input; for a choice between values use `#[derive(BlockEnum)]`");
            return stub(&cx, &item, &krate);
        }
        Data::Union(data) => {
            cx.error_spanned_by(data.union_token, "BlockInput is derived on a struct with one field per input");
            return stub(&cx, &item, &krate);
        }
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a block input cannot be generic: its schema is fixed when the block registers",
        );
        return cx.to_compile_errors();
    }
    let fields: Vec<Field<'_>> = named
        .into_iter()
        .flatten()
        .map(|f| {
            let ident = f.ident.as_ref().expect("named fields have idents");
            Field {
                ident,
                vis: &f.vis,
                name: ident.to_string().trim_start_matches("r#").to_owned(),
                ty: &f.ty,
                doc: text::doc_comment(&f.attrs),
                attrs: InputField::from_attrs(&mut cx, &f.attrs),
            }
        })
        .collect();
    check_fields(&mut cx, &fields);
    let expanded = generate(&item, &krate, &fields);
    let errors = cx.to_compile_errors();
    quote! { #errors #expanded }
}

fn check_fields(cx: &mut Ctxt, fields: &[Field<'_>]) {
    if let [_, second, ..] = fields.iter().filter(|f| f.attrs.event_filter).collect::<Vec<_>>().as_slice() {
        cx.error_spanned_by(second.ident, "a trigger has one event filter; this is the second `event_filter` field");
    }
    for field in fields {
        if field.attrs.default.is_none() && check::is_bool(field.ty) {
            cx.error_spanned_by(
                field.ty,
                format!(
                    "input `{}` is a `bool` without a default; add `#[input(default = false)]` (or `true`), \
                     since a form cannot tell an unset checkbox from `false`",
                    field.name
                ),
            );
        }
        for (dependency, span) in &field.attrs.depends_on {
            if dependency == &field.name {
                cx.syn_error(syn::Error::new(*span, format!("input `{}` cannot depend on itself", field.name)));
            } else if !fields.iter().any(|other| &other.name == dependency) {
                let others: Vec<&str> =
                    fields.iter().map(|f| f.name.as_str()).filter(|name| *name != field.name).collect();
                let message = format!(
                    "`depends_on` names `{dependency}`, which is not a field of this struct{}",
                    text::did_you_mean(dependency, &others)
                );
                cx.syn_error(syn::Error::new(*span, message));
            }
        }
        let a = &field.attrs;
        let limits = [
            (MIN, MAX, a.min, a.max),
            (MIN_LENGTH, MAX_LENGTH, a.min_length.map(|v| v as f64), a.max_length.map(|v| v as f64)),
            (MIN_ITEMS, MAX_ITEMS, a.min_items.map(|v| v as f64), a.max_items.map(|v| v as f64)),
        ];
        for (low_key, high_key, low, high) in limits {
            if let (Some(low), Some(high)) = (low, high)
                && low > high
            {
                let span = a.span_of(low_key).unwrap_or_else(|| field.ident.span());
                let message = format!(
                    "input `{}` has `{low_key}` ({low}) above `{high_key}` ({high}); no value could satisfy both",
                    field.name
                );
                cx.syn_error(syn::Error::new(span, message));
            }
        }
    }
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

fn default_fn_name(field: &Field<'_>) -> Ident {
    format_ident!("__default_{}", field.name)
}

fn generate(item: &DeriveInput, krate: &syn::Path, fields: &[Field<'_>]) -> TokenStream {
    let private = quote!(#krate::__private);
    let serde_path = format!("{}::__private::serde", quote!(#krate).to_string().replace(' ', ""));
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

    let wire_fields = fields.iter().map(|field| {
        let (name, ty) = (field.ident, field.ty);
        if field.attrs.default.is_some() {
            quote!(#[serde(default)] #name: ::core::option::Option<#ty>)
        } else {
            quote!(#name: #ty)
        }
    });
    let from_wire = fields.iter().map(|field| {
        let name = field.ident;
        if field.attrs.default.is_some() {
            let default = default_fn_name(field);
            quote! {
                #name: match wire.#name {
                    ::core::option::Option::Some(value) => value,
                    ::core::option::Option::None => #default().map_err(<__D::Error as #private::serde::de::Error>::custom)?,
                }
            }
        } else {
            quote!(#name: wire.#name)
        }
    });
    let ref_fields = fields.iter().map(|field| {
        let (name, ty) = (field.ident, field.ty);
        quote!(#name: &'__a #ty)
    });
    let to_ref = fields.iter().map(|field| {
        let name = field.ident;
        quote!(#name: &self.#name)
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
    let field_idents: Vec<&Ident> = fields.iter().map(|f| f.ident).collect();
    let field_idents_again = field_idents.clone();
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

            #[derive(#private::serde::Deserialize)]
            #[serde(crate = #serde_path, deny_unknown_fields)]
            struct __Wire { #(#wire_fields,)* }

            #[derive(#private::serde::Serialize)]
            #[serde(crate = #serde_path)]
            struct __WireRef<'__a> { #(#ref_fields,)* #[serde(skip)] __marker: ::core::marker::PhantomData<&'__a ()> }

            impl<'de> #private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> #private::Result<Self, __D::Error> {
                    let wire = <__Wire as #private::serde::Deserialize>::deserialize(deserializer)?;
                    let _ = &wire;
                    #private::Result::Ok(#ident { #(#from_wire,)* })
                }
            }

            impl #private::serde::Serialize for #ident {
                fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> #private::Result<__S::Ok, __S::Error> {
                    let #ident { #(#field_idents,)* } = self;
                    let _ = (#(&#field_idents_again,)*);
                    #private::serde::Serialize::serialize(&__WireRef { #(#to_ref,)* __marker: ::core::marker::PhantomData }, serializer)
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

fn field_spec(field: &Field<'_>, private: &TokenStream) -> TokenStream {
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
