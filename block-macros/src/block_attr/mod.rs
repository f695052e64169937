//! `#[block(...)]`: the descriptor, its registration, and the generated test.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Fields, Ident, ItemStruct, LitStr};

use crate::internals::attr::{self, Seen};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::*;
use crate::internals::{text, uuid};

#[derive(Default)]
struct BlockAttrs {
    id: Option<LitStr>,
    name: Option<LitStr>,
    categories: Vec<Ident>,
    contributors: Vec<LitStr>,
    disabled: bool,
    static_output: bool,
    tests: Option<syn::Path>,
    untested: Option<LitStr>,
    krate: Option<syn::Path>,
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let item_struct: ItemStruct = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(_) => {
            let span = item.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
            cx.syn_error(syn::Error::new(
                span,
                "#[block] goes on a struct, usually a unit struct: `pub struct MyBlock;`, with `impl Run for MyBlock`",
            ));
            let errors = cx.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    let attrs = parse_attrs(&mut cx, args);
    check(&mut cx, &attrs, &item_struct);
    let errors = cx.to_compile_errors();
    let expanded = generate(&attrs, &item_struct);
    quote! { #item_struct #errors #expanded }
}

fn parse_attrs(cx: &mut Ctxt, args: TokenStream) -> BlockAttrs {
    let mut out = BlockAttrs::default();
    let mut seen = Seen::default();
    let mut inner = Ctxt::new();
    let result = attr::parse_args(args, |meta| {
        let key = attr::key_of(&meta);
        if !BLOCK_KEYS.contains(&key.as_str()) {
            inner.error_spanned_by(&meta.path, text::unknown("key", &key, BLOCK_KEYS));
            return attr::skip_value(&meta);
        }
        if !seen.first_time(&mut inner, &meta, &key) {
            return attr::skip_value(&meta);
        }
        match key.as_str() {
            ID => {
                let id = attr::lit_str(&meta)?;
                if let Some(problem) = uuid::problem(&id.value()) {
                    inner.error_spanned_by(&id, format!("{problem}; for example: id = \"{}\"", uuid::fresh()));
                }
                out.id = Some(id);
            }
            NAME => {
                let name = attr::lit_str(&meta)?;
                let value = name.value();
                if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    inner.error_spanned_by(
                        &name,
                        "a block name is a non-empty identifier-like word such as `AddNumbersBlock`",
                    );
                }
                out.name = Some(name);
            }
            CATEGORIES => {
                for category in attr::ident_list(&meta)? {
                    if !CATEGORIES_LIST.contains(&category.to_string().as_str()) {
                        inner.error_spanned_by(
                            &category,
                            text::unknown("category", &category.to_string(), CATEGORIES_LIST),
                        );
                    } else if out.categories.contains(&category) {
                        inner.error_spanned_by(&category, format!("category `{category}` is listed twice"));
                    } else {
                        out.categories.push(category);
                    }
                }
            }
            CONTRIBUTORS => out.contributors = attr::str_list(&meta)?,
            DISABLED => out.disabled = attr::flag(&meta)?,
            STATIC_OUTPUT => out.static_output = attr::flag(&meta)?,
            TESTS => out.tests = Some(meta.value()?.parse()?),
            UNTESTED => {
                let reason = attr::lit_str(&meta)?;
                if reason.value().trim().is_empty() {
                    inner.error_spanned_by(
                        &reason,
                        "say why the block has no test cases: `untested = \"needs a live device\"`",
                    );
                }
                out.untested = Some(reason);
            }
            CRATE => out.krate = Some(attr::parse_path_value(&meta)?),
            _ => unreachable!("every key of BLOCK_KEYS is handled"),
        }
        Ok(())
    });
    cx.absorb(inner);
    if let Err(error) = result {
        cx.syn_error(error);
    }
    out
}

fn check(cx: &mut Ctxt, attrs: &BlockAttrs, item: &ItemStruct) {
    let call_site = Span::call_site();
    if attrs.id.is_none() {
        cx.syn_error(syn::Error::new(
            call_site,
            format!("#[block] needs an id; add `id = \"{}\"` (a fresh UUID v4)", uuid::fresh()),
        ));
    }
    match (&attrs.tests, &attrs.untested) {
        (None, None) => cx.syn_error(syn::Error::new(
            call_site,
            "#[block] needs test cases: add `tests = my_cases` (a `fn() -> Vec<TestCase<Self>>`) \
             or say why there are none with `untested = \"reason\"`",
        )),
        (Some(tests), Some(_)) => {
            cx.error_spanned_by(tests, "give either `tests` or `untested`, not both");
        }
        _ => {}
    }
    if attrs.categories.is_empty() {
        cx.syn_error(syn::Error::new(call_site, "#[block] needs at least one category: `categories(Basic)`"));
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

fn generate(attrs: &BlockAttrs, item: &ItemStruct) -> TokenStream {
    let krate = attrs.krate.clone().unwrap_or_else(attr::default_crate_path);
    let private = quote!(#krate::__private);
    let ident = &item.ident;
    let span = ident.span();
    let id = attrs.id.as_ref().map_or_else(String::new, LitStr::value);
    let name = attrs.name.as_ref().map_or_else(|| ident.to_string(), LitStr::value);
    let description = text::doc_comment(&item.attrs);
    let categories = &attrs.categories;
    let contributors = &attrs.contributors;
    let (disabled, static_output) = (attrs.disabled, attrs.static_output);

    let construct = match &item.fields {
        Fields::Unit => quote!(#ident),
        _ => quote_spanned!(span=> <#ident as ::core::default::Default>::default()),
    };
    let run = quote_spanned!(span=> <#ident as #krate::Run>);
    let (tests, test_fn) = match (&attrs.tests, &attrs.untested) {
        (Some(cases), None) => {
            let test_name = format_ident!("{}_test_cases", text::snake_case(&ident.to_string()));
            let runner = quote_spanned! {cases.span()=>
                fn __run_cases() -> #private::Result<usize, #krate::testing::TestFailure> {
                    #krate::testing::run_cases::<#ident>(#cases())
                }
            };
            let test_fn = quote! {
                #[cfg(test)]
                #[test]
                fn #test_name() {
                    if let ::core::result::Result::Err(failure) = #krate::testing::run_block_cases::<#ident>() {
                        ::core::panic!("{}", failure);
                    }
                }
            };
            (quote!({ #runner #krate::BlockTests::Cases(__run_cases) }), test_fn)
        }
        (None, Some(reason)) => (quote!(#krate::BlockTests::Untested(#reason)), TokenStream::new()),
        _ => (quote!(#krate::BlockTests::Missing), TokenStream::new()),
    };

    quote! {
        const _: () = {
            impl #krate::Block for #ident {
                const DESCRIPTOR: &'static #krate::BlockDescriptor = &#krate::BlockDescriptor {
                    id: #id,
                    name: #name,
                    description: #description,
                    categories: &[#(#krate::Category::#categories),*],
                    contributors: &[#(#contributors),*],
                    disabled: #disabled,
                    static_output: #static_output,
                    block_type: #krate::BlockType::Standard,
                    tests: #tests,
                    input_schema: <#run::Input as #krate::BlockInput>::input_schema,
                    check_defaults: <#run::Input as #krate::BlockInput>::check_defaults,
                    output_schema: <#run::Output as #krate::BlockOutput>::output_schema,
                    pins: <#run::Output as #krate::BlockOutput>::PINS,
                    instantiate: #private::erase::<#ident>,
                };

                fn instantiate() -> Self {
                    #construct
                }
            }

            #private::inventory::submit! {
                #krate::Registration(<#ident as #krate::Block>::DESCRIPTOR)
            }
        };
        #test_fn
    }
}
