//! `#[derive(BlockEnum)]`: a field-less enum as a JSON string `enum`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

use crate::internals::attr;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::VALUE;
use crate::internals::text;

pub fn expand(item: DeriveInput) -> TokenStream {
    let mut cx = Ctxt::new();
    let krate = attr::crate_path(&mut cx, &item.attrs, VALUE);
    let Data::Enum(data) = &item.data else {
        cx.error_spanned_by(&item.ident, "BlockEnum is derived on an enum whose variants have no fields");
        return stub(&cx, &item, &krate);
    };
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(&item.generics, "a BlockEnum cannot be generic");
        return cx.to_compile_errors();
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(&item.ident, "a BlockEnum needs at least one variant");
        return stub(&cx, &item, &krate);
    }
    let mut variants = Vec::new();
    let mut values: Vec<String> = Vec::new();
    let mut docs = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                format!(
                    "BlockEnum variants have no fields: the value is the variant's name; write `{}`, \
                     and put the data in another input field",
                    variant.ident
                ),
            );
            continue;
        }
        let rename = attr::value_rename(&mut cx, &variant.attrs);
        let value = rename.map_or_else(|| text::snake_case(&variant.ident.to_string()), |r| r.value());
        if values.contains(&value) {
            cx.error_spanned_by(&variant.ident, format!("two variants have the value `{value}`"));
            continue;
        }
        variants.push(&variant.ident);
        values.push(value);
        docs.push(text::doc_comment(&variant.attrs));
    }
    if cx.has_errors() {
        return stub(&cx, &item, &krate);
    }
    let private = quote!(#krate::__private);
    let serde_path = format!("{}::__private::serde", quote!(#krate).to_string().replace(' ', ""));
    let ident = &item.ident;
    let title = ident.to_string();
    let description = text::doc_comment(&item.attrs);
    quote! {
        const _: () = {
            #[derive(#private::serde::Serialize, #private::serde::Deserialize)]
            #[serde(crate = #serde_path)]
            enum __Wire { #(#[serde(rename = #values)] #variants,)* }

            impl #private::serde::Serialize for #ident {
                fn serialize<__S: #private::serde::Serializer>(&self, serializer: __S) -> #private::Result<__S::Ok, __S::Error> {
                    let wire = match self { #(#ident::#variants => __Wire::#variants,)* };
                    #private::serde::Serialize::serialize(&wire, serializer)
                }
            }

            impl<'de> #private::serde::Deserialize<'de> for #ident {
                fn deserialize<__D: #private::serde::Deserializer<'de>>(deserializer: __D) -> #private::Result<Self, __D::Error> {
                    #private::Result::Ok(match <__Wire as #private::serde::Deserialize>::deserialize(deserializer)? {
                        #(__Wire::#variants => #ident::#variants,)*
                    })
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
