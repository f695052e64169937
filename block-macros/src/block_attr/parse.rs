//! Parses the arguments of `#[block(...)]` into [`BlockAttrs`], recording every error.

use proc_macro2::TokenStream;
use syn::{Ident, LitStr};

use crate::internals::attr::{self, Seen};
use crate::internals::cost::Costs;
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::*;
use crate::internals::{text, uuid};

/// What `#[block(...)]` says.
#[derive(Default)]
pub struct BlockAttrs {
    pub id: Option<LitStr>,
    pub name: Option<LitStr>,
    /// Whether `categories(...)` was written, even if empty or wrong.
    pub categories_given: bool,
    pub categories: Vec<Ident>,
    pub contributors: Vec<LitStr>,
    pub disabled: bool,
    pub static_output: bool,
    pub tests: Option<syn::Path>,
    pub untested: Option<LitStr>,
    pub krate: Option<syn::Path>,
    /// `cost(...)`, when given.
    pub costs: Option<Costs>,
    /// `trigger(...)`, when given.
    pub trigger: Option<Trigger>,
    /// The keys that unknown keys were probably meant to be. A misspelled `tests` is
    /// reported once, as a typo, and not a second time as a missing `tests`.
    pub misspelled: Vec<&'static str>,
}

impl BlockAttrs {
    /// Whether `key` was given, or an unknown key that looks like a typo of it.
    pub fn mentions(&self, key: &str, given: bool) -> bool {
        given || self.misspelled.contains(&key)
    }
}

/// `trigger(provider = Path, events = ["..."])` or `trigger(provider = Path, event = "prefix")`,
/// or a polling trigger: `trigger(poll(every = "5m"))`, its provider optional.
pub struct Trigger {
    pub provider: Option<syn::Path>,
    pub events: Vec<LitStr>,
    pub event_prefix: Option<LitStr>,
    pub poll: Option<PollAttr>,
}

/// `poll(every = "5m", dedupe = seen_ids(500), fire_on_first)`.
pub struct PollAttr {
    pub every_secs: u64,
    /// `newest_id`, `timestamp` or `seen_ids`.
    pub dedupe: &'static str,
    /// The number of `seen_ids(n)`.
    pub cap: Option<u64>,
    pub fire_on_first: bool,
}

/// The shortest time between polls: a service is not a busy loop.
const MIN_POLL_SECS: u64 = 10;

fn parse_poll(cx: &mut Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<PollAttr>> {
    let (mut every, mut dedupe, mut cap, mut fire_on_first) = (None, "newest_id", None, false);
    let mut seen = Seen::default();
    meta.parse_nested_meta(|inner| {
        let key = attr::key_of(&inner);
        let Some(&key) = POLL_KEYS.iter().find(|&&k| k == key) else {
            cx.error_spanned_by(&inner.path, text::unknown("`poll` key", &key, POLL_KEYS));
            return attr::skip_value(&inner);
        };
        if !seen.first_time(cx, &inner, key) {
            return attr::skip_value(&inner);
        }
        match key {
            EVERY => {
                let lit = attr::lit_str(&inner)?;
                match duration_secs(&lit.value()) {
                    Some(secs) if secs >= MIN_POLL_SECS => every = Some(secs),
                    Some(_) => cx.error_spanned_by(
                        &lit,
                        format!("poll at most every {MIN_POLL_SECS} seconds: `every = \"{MIN_POLL_SECS}s\"` or more"),
                    ),
                    None => cx.error_spanned_by(
                        &lit,
                        "write the interval as a number and a unit: `\"30s\"`, `\"5m\"`, `\"1h\"` or `\"1d\"`",
                    ),
                }
            }
            DEDUPE => {
                let ident: Ident = inner.value()?.parse()?;
                let name = ident.to_string();
                match DEDUPE_KINDS.iter().find(|&&kind| kind == name) {
                    Some(&kind) => dedupe = kind,
                    None => cx.error_spanned_by(&ident, text::unknown("`dedupe` strategy", &name, DEDUPE_KINDS)),
                }
                if inner.input.peek(syn::token::Paren) {
                    let content;
                    syn::parenthesized!(content in inner.input);
                    let n: syn::LitInt = content.parse()?;
                    if dedupe == "seen_ids" && n.base10_parse::<u64>()? > 0 {
                        cap = Some(n.base10_parse()?);
                    } else {
                        cx.error_spanned_by(
                            &n,
                            "only `seen_ids(n)` takes a number: how many ids to remember, at least 1",
                        );
                    }
                }
            }
            _ => fire_on_first = attr::flag(&inner)?,
        }
        Ok(())
    })?;
    let Some(every_secs) = every else {
        if !seen.has(EVERY) {
            cx.error_spanned_by(&meta.path, "say how often to poll: `poll(every = \"5m\")`");
        }
        return Ok(None);
    };
    Ok(Some(PollAttr { every_secs, dedupe, cap, fire_on_first }))
}

/// `"30s"`, `"5m"`, `"1h"`, `"1d"` in seconds.
fn duration_secs(text: &str) -> Option<u64> {
    let text = text.trim();
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(scale)
}

fn parse_trigger(cx: &mut Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<Trigger>> {
    let mut provider = None;
    let mut events = Vec::new();
    let mut event_prefix = None;
    let mut poll = None;
    let mut poll_given = false;
    let mut seen = Seen::default();
    meta.parse_nested_meta(|inner| {
        let key = attr::key_of(&inner);
        let Some(&key) = TRIGGER_KEYS.iter().find(|&&k| k == key) else {
            cx.error_spanned_by(&inner.path, text::unknown("`trigger` key", &key, TRIGGER_KEYS));
            return attr::skip_value(&inner);
        };
        if !seen.first_time(cx, &inner, key) {
            return attr::skip_value(&inner);
        }
        match key {
            PROVIDER => provider = Some(inner.value()?.parse::<syn::Path>()?),
            EVENTS => {
                let input = inner.value()?;
                let content;
                syn::bracketed!(content in input);
                events = syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated(&content)?
                    .into_iter()
                    .collect();
            }
            POLL => {
                poll_given = true;
                poll = parse_poll(cx, &inner)?;
            }
            _ => event_prefix = Some(attr::lit_str(&inner)?),
        }
        Ok(())
    })?;
    if poll_given {
        if !events.is_empty() || event_prefix.is_some() {
            cx.error_spanned_by(&meta.path, "a polling trigger is started by its polls: drop `events`/`event`");
        }
        return Ok(poll.map(|poll| Trigger { provider, events, event_prefix, poll: Some(poll) }));
    }
    let Some(provider) = provider else {
        cx.error_spanned_by(
            &meta.path,
            "a trigger names its provider: `trigger(provider = Example, events = [\"example_event\"])`",
        );
        return Ok(None);
    };
    if events.is_empty() && event_prefix.is_none() {
        cx.error_spanned_by(
            &meta.path,
            "say what starts the trigger: `events = [\"...\"]`, or `event = \"prefix\"` with an `#[block_input(event_filter)]` field",
        );
        return Ok(None);
    }
    Ok(Some(Trigger { provider: Some(provider), events, event_prefix, poll: None }))
}

/// Parses `args`; `seed` (the item's tokens) seeds the id suggested for a bad id.
pub fn parse(cx: &mut Ctxt, args: TokenStream, seed: &str) -> BlockAttrs {
    let mut out = BlockAttrs::default();
    let mut seen = Seen::default();
    let mut inner = Ctxt::new();
    let result = attr::parse_args(args, |meta| {
        let key = attr::key_of(&meta);
        if BLOCK_KEYS.contains(&key.as_str()) && !seen.first_time(&mut inner, &meta, &key) {
            return attr::skip_value(&meta);
        }
        match key.as_str() {
            ID => {
                let id = attr::lit_str(&meta)?;
                if let Some(problem) = uuid::problem(&id.value()) {
                    let example = uuid::suggestion(&format!("{seed}{}", id.value()));
                    inner.error_spanned_by(&id, format!("{problem}; for example: id = \"{example}\""));
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
                out.categories_given = true;
                let categories = attr::ident_list(&meta)?;
                if categories.is_empty() {
                    inner.error_spanned_by(&meta.path, "list at least one category: `categories(Basic)`");
                }
                for category in categories {
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
            COST => out.costs = Some(Costs::parse(&mut inner, &meta)?),
            TRIGGER => out.trigger = parse_trigger(&mut inner, &meta)?,
            _ => {
                inner.error_spanned_by(&meta.path, text::unknown("`#[block]` key", &key, BLOCK_KEYS));
                out.misspelled.extend(text::suggest(&key, BLOCK_KEYS));
                return attr::skip_value(&meta);
            }
        }
        Ok(())
    });
    cx.absorb(inner);
    if let Err(error) = result {
        cx.syn_error(error);
    }
    out
}
