//! `#[block(...)]`: the descriptor, its registration, and the generated test.
//!
//! Arguments are parsed (`parse`), checked against the item (`check` below), and
//! expanded (`generate`); every error is collected and the user's struct is always
//! emitted, so one mistake gives one message.

mod generate;
mod parse;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Item, ItemStruct};

use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{CATEGORIES, ID, TESTS, UNTESTED};
use crate::internals::{text, uuid};
use parse::BlockAttrs;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let item_struct: ItemStruct = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            cx.syn_error(not_a_struct(&item));
            let errors = cx.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    let seed = item_struct.to_token_stream().to_string();
    let attrs = parse::parse(&mut cx, args.clone(), &seed);
    check(&mut cx, &attrs, &item_struct, &args, &seed);
    let errors = cx.to_compile_errors();
    // A generic block was reported above; its impls could only add follow-on errors.
    let expanded = item_struct.generics.params.is_empty().then(|| generate::generate(&attrs, &item_struct));
    quote! { #item_struct #errors #expanded }
}

/// The error for `#[block]` on something other than a struct, on its keyword.
fn not_a_struct(item: &TokenStream) -> syn::Error {
    let usage = "#[block] goes on a struct, usually a unit struct `pub struct MyBlock;`, with `impl Run for MyBlock`";
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Enum(item)) => syn::Error::new(
            item.enum_token.span,
            format!("{usage}; a choice between values is an input field of a `#[derive(BlockEnum)]` enum"),
        ),
        Ok(Item::Fn(item)) => {
            syn::Error::new(item.sig.fn_token.span, format!("{usage}; this function's body goes into `async fn run`"))
        }
        Ok(Item::Union(item)) => syn::Error::new(item.union_token.span, usage),
        Ok(Item::Impl(item)) => syn::Error::new(item.impl_token.span, usage),
        Ok(Item::Trait(item)) => syn::Error::new(item.trait_token.span, usage),
        Ok(Item::Type(item)) => syn::Error::new(item.type_token.span, usage),
        _ => syn::Error::new(Span::call_site(), usage),
    }
}

/// Rules about the attribute as a whole and about the struct it is on. A key that is
/// missing is reported on the argument list (there is no token of its own to point
/// at), unless an unknown key already looks like a typo of it.
fn check(cx: &mut Ctxt, attrs: &BlockAttrs, item: &ItemStruct, args: &TokenStream, seed: &str) {
    let missing = |message: String| {
        if args.is_empty() {
            syn::Error::new(Span::call_site(), message)
        } else {
            syn::Error::new_spanned(args, message)
        }
    };
    if !attrs.mentions(ID, attrs.id.is_some()) {
        let example = uuid::suggestion(seed);
        cx.syn_error(missing(format!("#[block] needs an id; add `id = \"{example}\"` (a fresh UUID v4)")));
    }
    let tested = attrs.mentions(TESTS, attrs.tests.is_some()) || attrs.mentions(UNTESTED, attrs.untested.is_some());
    match (&attrs.tests, &attrs.untested) {
        (None, None) if !tested => cx.syn_error(missing(
            "#[block] needs test cases: add `tests = my_cases` (a `fn() -> Vec<TestCase<Self>>`) \
             or say why there are none with `untested = \"reason\"`"
                .to_owned(),
        )),
        (Some(tests), Some(_)) => {
            cx.error_spanned_by(tests, "give either `tests` or `untested`, not both");
        }
        _ => {}
    }
    if !attrs.mentions(CATEGORIES, attrs.categories_given) {
        cx.syn_error(missing("#[block] needs at least one category: add `categories(Basic)`".to_owned()));
    }
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a block type cannot be generic: each block registers once, with a fixed id",
        );
    }
    if text::doc_comment(&item.attrs).is_empty() {
        cx.error_spanned_by(
            &item.ident,
            "document the block with a `///` comment above it: it becomes the block's description",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ITEM: &str = "/// Greets someone.\npub struct GreetBlock;";
    const ID: &str = r#"id = "5f6f3a34-8f4e-4b8e-9f38-1d2c3b4a5e6f""#;

    /// The messages of every `compile_error!` in the expansion.
    fn errors(args: &str, item: &str) -> Vec<String> {
        let args: TokenStream = args.parse().expect("args are tokens");
        let item: TokenStream = item.parse().expect("item is tokens");
        let expanded = syn::parse2::<syn::File>(expand(args, item)).expect("the expansion parses");
        let mut messages = Vec::new();
        collect_errors(&expanded.to_token_stream(), &mut messages);
        messages
    }

    fn collect_errors(tokens: &TokenStream, out: &mut Vec<String>) {
        let trees: Vec<_> = tokens.clone().into_iter().collect();
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                proc_macro2::TokenTree::Ident(ident) if ident == "compile_error" => {
                    if let Some(proc_macro2::TokenTree::Group(group)) = trees.get(i + 2) {
                        out.push(group.stream().to_string());
                    }
                }
                proc_macro2::TokenTree::Group(group) => collect_errors(&group.stream(), out),
                _ => {}
            }
        }
    }

    #[test]
    fn accepts_a_complete_block() {
        assert_eq!(errors(&format!("{ID}, categories(Basic), tests = cases"), ITEM), Vec::<String>::new());
    }

    #[test]
    fn reports_every_mistake_of_one_attribute_together() {
        let found = errors(r#"id = "x", categories(Basik), colour = 1, untested = """#, ITEM);
        assert_eq!(found.len(), 4, "{found:#?}");
    }

    #[test]
    fn a_misspelled_required_key_is_reported_once() {
        let found = errors(&format!("{ID}, categories(Basic), tset = cases"), ITEM);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].contains("did you mean `tests`"), "{found:#?}");
        let found = errors(&format!("{ID}, categores(Basic), untested = \"no\""), ITEM);
        assert_eq!(found.len(), 1, "{found:#?}");
    }

    #[test]
    fn a_wrong_category_is_not_also_a_missing_category() {
        let found = errors(&format!("{ID}, categories(Basik), untested = \"no\""), ITEM);
        assert_eq!(found.len(), 1, "{found:#?}");
    }

    #[test]
    fn keeps_the_item_when_it_is_not_a_struct() {
        let args: TokenStream = ID.parse().expect("tokens");
        let output = expand(args, "/// Doc.\npub enum E { A }".parse().expect("tokens")).to_string();
        assert!(output.contains("pub enum E"), "{output}");
        assert_eq!(output.matches("compile_error").count(), 1, "{output}");
    }

    #[test]
    fn suggests_the_same_id_on_every_build() {
        let first = errors("categories(Basic), untested = \"no\"", ITEM);
        assert_eq!(first, errors("categories(Basic), untested = \"no\"", ITEM));
        assert!(first[0].contains("needs an id"), "{first:#?}");
    }
}
