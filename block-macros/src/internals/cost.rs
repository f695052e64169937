//! `cost(run = 1, byte = 2, second = 3, platform_only)`, shared by `#[block]` and
//! `#[provider(base_cost(...))]`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;

use super::attr::{self, Seen};
use super::ctxt::Ctxt;
use super::symbol::{COST_KEYS, PLATFORM_ONLY};
use super::text;

/// One parsed cost: credits per unit.
pub struct CostSpec {
    pub unit: &'static str,
    pub amount: u64,
}

/// What a `cost(...)` list says.
#[derive(Default)]
pub struct Costs {
    pub specs: Vec<CostSpec>,
    pub platform_only: bool,
}

impl Costs {
    /// Parses the parenthesised list after `meta`'s key.
    pub fn parse(cx: &mut Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Self> {
        let mut out = Costs::default();
        let mut seen = Seen::default();
        let mut unknown = false;
        meta.parse_nested_meta(|inner| {
            let key = attr::key_of(&inner);
            let Some(&key) = COST_KEYS.iter().find(|&&k| k == key) else {
                unknown = true;
                cx.error_spanned_by(&inner.path, text::unknown("cost key", &key, COST_KEYS));
                return attr::skip_value(&inner);
            };
            if !seen.first_time(cx, &inner, key) {
                return attr::skip_value(&inner);
            }
            if key == PLATFORM_ONLY {
                out.platform_only = attr::flag(&inner)?;
            } else {
                out.specs.push(CostSpec { unit: key, amount: attr::count(&inner)? });
            }
            Ok(())
        })?;
        // An unknown key was already reported; it was most likely meant as the unit.
        if out.specs.is_empty() && !unknown {
            cx.error_spanned_by(&meta.path, "say what it costs: `cost(run = 1)` (credits per run, byte or second)");
        }
        Ok(out)
    }

    /// `&[Cost { ... }, ...]`.
    pub fn tokens(&self, krate: &syn::Path) -> TokenStream {
        let filter = if self.platform_only {
            quote!(#krate::CostFilter::PlatformCredentials)
        } else {
            quote!(#krate::CostFilter::Always)
        };
        let costs = self.specs.iter().map(|spec| {
            let amount = spec.amount;
            let unit = match spec.unit {
                "run" => quote!(#krate::CostUnit::Run),
                "byte" => quote!(#krate::CostUnit::Byte),
                _ => quote!(#krate::CostUnit::Second),
            };
            quote!(#krate::Cost { amount: #amount, unit: #unit, filter: #filter })
        });
        quote!(&[#(#costs),*])
    }
}
