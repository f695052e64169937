//! The expansion of `#[derive(BlockEnum)]`: a field-less enum as a JSON string
//! `enum`. The enum is parsed (and its values checked) in `internals::ast`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::internals::ast::{self, Fallback};
use crate::internals::attr;
use crate::internals::ctxt::Ctxt;
use crate::internals::former;
use crate::internals::symbol::BLOCK_VALUE;
use crate::internals::text;

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, BLOCK_VALUE);
    let found = ast::enum_values(&mut cx, &item);
    let enum_values = match found {
        Ok(values) if !cx.has_errors() => values,
        Err(Fallback::ErrorsOnly) => return cx.to_compile_errors(),
        Ok(_) | Err(Fallback::Stub) => return stub(&cx, &item, &krate),
    };
    let errors = cx.to_compile_errors();
    let variants: Vec<&syn::Ident> = enum_values.iter().map(|v| v.variant).collect();
    let values: Vec<&str> = enum_values.iter().map(|v| v.value.as_str()).collect();
    let docs: Vec<&str> = enum_values.iter().map(|v| v.doc.as_str()).collect();
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    let indices = 0..variants.len();
    let title = ident.to_string();
    let description = text::doc_comment(&item.attrs);
    let deprecations = former::deprecations(&item, BLOCK_VALUE);
    quote! {
        #errors
        #deprecations
        const _: () = {
            impl #private::serde::Serialize for #ident {
                fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> #private::Result<__S::Ok, __S::Error> {
                    serializer.serialize_str(match self { #(#ident::#variants => #values,)* })
                }
            }

            // The value is matched in block-core's shared code; only its position
            // comes back, so each enum compiles no visitor of its own.
            impl<'de> #private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> #private::Result<Self, __D::Error> {
                    const VALUES: &[&str] = &[#(#values),*];
                    match #private::deserialize_enum_value(deserializer, VALUES)? {
                        #(#indices => #private::Result::Ok(#ident::#variants),)*
                        index => #private::Result::Err(#private::enum_index_error(index)),
                    }
                }
            }

            impl #private::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(#title)
                }

                fn schema_id() -> ::std::borrow::Cow<'static, str> {
                    ::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #title))
                }

                fn json_schema(_: &mut #private::schemars::SchemaGenerator) -> #private::schemars::Schema {
                    #private::enum_schema(#title, #description, &[#(#values),*], &[#(#docs),*])
                }
            }
        };
    }
}

/// The errors, plus impls that do nothing, for an enum with a mistake: an input field
/// of this type then compiles on, so the user sees only the real mistake.
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
            impl #private::schemars::JsonSchema for #ident {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    ::core::unreachable!()
                }
                fn json_schema(_: &mut #private::schemars::SchemaGenerator) -> #private::schemars::Schema {
                    ::core::unreachable!()
                }
            }
        };
    }
}
