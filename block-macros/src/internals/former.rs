//! The derives' former attribute names (`#[input]`, `#[output]`, `#[value]`), still
//! read as their `block_`-prefixed names, each use with a deprecation warning.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};
use syn::Attribute;
use syn::spanned::Spanned;

use super::symbol::FORMER_SPELLINGS;

/// Whether `attr` is `#[name(...)]` or its former spelling.
pub fn is_named(attr: &Attribute, name: &str) -> bool {
    attr.path().is_ident(name) || former_of(name).is_some_and(|former| attr.path().is_ident(former))
}

/// The former spelling of the attribute `name`, if it had one.
fn former_of(name: &str) -> Option<&'static str> {
    FORMER_SPELLINGS.iter().find(|(_, current)| *current == name).map(|(former, _)| *former)
}

/// A deprecation warning on each attribute of `item` (or of its fields or variants)
/// written with the former spelling of `name`: the use of a deprecated constant,
/// spanned on the attribute's name, is the one warning a derive can give on stable
/// Rust. The note names the new spelling.
pub fn deprecations(item: &syn::DeriveInput, name: &'static str) -> TokenStream {
    let Some(former) = former_of(name) else { return TokenStream::new() };
    item_attrs(item)
        .into_iter()
        .filter(|attr| attr.path().is_ident(former))
        .map(|attr| warning((former, name), attr.path().span()))
        .collect()
}

fn warning((former, current): (&str, &str), span: Span) -> TokenStream {
    let note = format!("`#[{former}(...)]` is now `#[{current}(...)]`, which no other derive claims");
    let constant = format_ident!("{}", former, span = span);
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #constant: () = ();
            #constant
        };
    }
}

/// The attributes of an item and of its fields or variants, where a derive reads
/// its own.
fn item_attrs(item: &syn::DeriveInput) -> Vec<&Attribute> {
    let inner: Vec<&Attribute> = match &item.data {
        syn::Data::Enum(data) => data.variants.iter().flat_map(|variant| &variant.attrs).collect(),
        syn::Data::Struct(data) => data.fields.iter().flat_map(|field| &field.attrs).collect(),
        syn::Data::Union(data) => data.fields.named.iter().flat_map(|field| &field.attrs).collect(),
    };
    item.attrs.iter().chain(inner).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_former_spelling_as_the_current_one_and_warns_of_it() {
        let former: Attribute = syn::parse_quote!(#[input(title = "T")]);
        let current: Attribute = syn::parse_quote!(#[block_input(title = "T")]);
        let other: Attribute = syn::parse_quote!(#[serde(rename = "x")]);
        assert!(is_named(&former, "block_input") && is_named(&current, "block_input"));
        assert!(!is_named(&former, "block_output") && !is_named(&other, "block_input"));
        let item: syn::DeriveInput = syn::parse_quote! {
            struct In {
                #[input(title = "A")]
                a: String,
                #[block_input(title = "B")]
                #[value(rename = "b")]
                b: String,
            }
        };
        let warnings = deprecations(&item, "block_input").to_string();
        assert!(warnings.contains("`#[input(...)]` is now `#[block_input(...)]`"), "{warnings}");
        assert_eq!(warnings.matches("deprecated").count(), 1, "only `#[input]` is BlockInput's: {warnings}");
        assert!(deprecations(&item, "block_output").is_empty());
    }
}
