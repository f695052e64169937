//! The expansion of `#[block(...)]`: the `Block` impl, its registration and its test.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Fields, ItemStruct, LitStr};

use super::parse::BlockAttrs;
use crate::internals::attr;
use crate::internals::text;

pub fn generate(attrs: &BlockAttrs, item: &ItemStruct) -> TokenStream {
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
    let costs = attrs.costs.as_ref().map_or_else(|| quote!(&[]), |costs| costs.tokens(&krate));
    let payload_check = quote_spanned! {ident.span()=>
        const fn __has_payload<B: #krate::Block>() -> bool {
            #private::has_hidden_payload::<<B as #krate::Run>::Input>()
        }
        const _: () = ::core::assert!(
            __has_payload::<#ident>(),
            "a trigger block needs a hidden `payload` input: `#[block_input(hidden)] pub payload: Value`"
        );
    };
    let none = quote!(::core::option::Option::None);
    let mut poll = none.clone();
    let (trigger, block_type, trigger_checks) = match &attrs.trigger {
        None => (none.clone(), quote!(#krate::BlockType::Standard), TokenStream::new()),
        Some(trigger) if trigger.poll.is_some() => {
            poll = poll_spec(trigger, ident, &krate);
            (none.clone(), quote!(#krate::BlockType::Standard), payload_check)
        }
        Some(trigger) => {
            let Some(provider) = &trigger.provider else { return TokenStream::new() };
            let events = &trigger.events;
            let prefix = match &trigger.event_prefix {
                Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
                None => quote!(::core::option::Option::None),
            };
            let provider_name = quote!(#provider).to_string().replace(' ', "");
            let no_manager = format!(
                "`{provider_name}` sends no webhooks: add `webhooks(manual | auto, manager = ...)` to its #[provider]"
            );
            let provider_check = quote_spanned! {provider.span()=>
                const _: () = ::core::assert!(<#provider as #krate::Provider>::DESCRIPTOR.webhooks.is_some(), #no_manager);
            };
            (
                quote!(::core::option::Option::Some(#krate::TriggerSpec {
                    provider: <#provider as #krate::Provider>::DESCRIPTOR.name,
                    events: &[#(#events),*],
                    event_prefix: #prefix,
                    filter_field: __event_filter::<#ident>(),
                })),
                quote!(#krate::BlockType::for_trigger(<#provider as #krate::Provider>::DESCRIPTOR)),
                quote! {
                    const fn __event_filter<B: #krate::Block>() -> ::core::option::Option<&'static str> {
                        <<B as #krate::Run>::Input as #krate::BlockInput>::EVENT_FILTER
                    }
                    #provider_check
                    #payload_check
                },
            )
        }
    };

    let construct = match &item.fields {
        Fields::Unit => quote!(#ident),
        _ => quote_spanned!(span=> <#ident as ::core::default::Default>::default()),
    };
    let (tests, test_fn) = match (&attrs.tests, &attrs.untested) {
        (Some(cases), None) => {
            let test_name = format_ident!("{}_test_cases", text::snake_case(&ident.to_string()));
            // The annotated binding puts a wrong signature on the user's path, as a
            // type mismatch that shows the expected signature.
            let cases_fn = quote_spanned! {cases.span()=>
                let cases: fn() -> #private::Vec<#krate::TestCase<#ident>> = #cases;
            };
            let runner = quote! {
                fn __run_cases() -> #private::Result<usize, #krate::testing::TestFailure> {
                    #cases_fn
                    #krate::testing::run_cases::<#ident>(cases())
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

    // The descriptor reaches `Run`'s associated types only through these functions,
    // bounded by `Block`: were it to name `<#ident as Run>` itself, a missing
    // `impl Run` would be reported once per mention instead of once, on the impl.
    quote! {
        const _: () = {
            fn __input_schema<B: #krate::Block>() -> #private::serde_json::Value {
                <<B as #krate::Run>::Input as #krate::BlockInput>::input_schema()
            }
            fn __check_defaults<B: #krate::Block>() -> #private::Vec<#private::String> {
                <<B as #krate::Run>::Input as #krate::BlockInput>::check_defaults()
            }
            fn __output_schema<B: #krate::Block>() -> #private::serde_json::Value {
                <<B as #krate::Run>::Output as #krate::BlockOutput>::output_schema()
            }
            const fn __pins<B: #krate::Block>() -> &'static [&'static str] {
                <<B as #krate::Run>::Output as #krate::BlockOutput>::PINS
            }
            const fn __descriptor<B: #krate::Block>() -> &'static #krate::BlockDescriptor {
                B::DESCRIPTOR
            }

            #trigger_checks

            impl #krate::Block for #ident {
                const DESCRIPTOR: &'static #krate::BlockDescriptor = &#krate::BlockDescriptor {
                    id: #id,
                    name: #name,
                    description: #description,
                    categories: &[#(#krate::Category::#categories),*],
                    contributors: &[#(#contributors),*],
                    disabled: #disabled,
                    static_output: #static_output,
                    block_type: #block_type,
                    trigger: #trigger,
                    poll: #poll,
                    costs: #costs,
                    tests: #tests,
                    input_schema: __input_schema::<#ident>,
                    check_defaults: __check_defaults::<#ident>,
                    output_schema: __output_schema::<#ident>,
                    pins: __pins::<#ident>(),
                    instantiate: #private::erase::<#ident>,
                };

                fn instantiate() -> Self {
                    #construct
                }
            }

            #private::inventory::submit! {
                #krate::Registration(__descriptor::<#ident>())
            }
        };
        #test_fn
    }
}

/// The `PollSpec` of a polling trigger.
fn poll_spec(trigger: &super::parse::Trigger, ident: &syn::Ident, krate: &syn::Path) -> TokenStream {
    let Some(poll) = &trigger.poll else { return quote!(::core::option::Option::None) };
    let private = quote!(#krate::__private);
    let provider = match &trigger.provider {
        Some(provider) => quote!(::core::option::Option::Some(<#provider as #krate::Provider>::DESCRIPTOR.name)),
        None => quote!(::core::option::Option::None),
    };
    let dedupe = match (poll.dedupe, poll.cap) {
        ("timestamp", _) => quote!(#private::Dedupe::Timestamp),
        ("seen_ids", Some(cap)) => {
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            quote!(#private::Dedupe::SeenIds(#cap))
        }
        ("seen_ids", None) => quote!(#private::Dedupe::SeenIds(#krate::polling::DEFAULT_SEEN_IDS)),
        _ => quote!(#private::Dedupe::NewestId),
    };
    let (every, fire_on_first) = (poll.every_secs, poll.fire_on_first);
    // Spanned on the block's name: a block without `impl Poll` is told so there.
    let erased = quote_spanned!(ident.span()=> #private::erased_poll::<#ident>);
    quote!(::core::option::Option::Some(#private::PollSpec {
        provider: #provider,
        every_secs: #every,
        dedupe: #dedupe,
        fire_on_first: #fire_on_first,
        poll: #erased,
    }))
}
