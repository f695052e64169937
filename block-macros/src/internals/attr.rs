//! Parses the macros' attributes into typed models, recording every error.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Ident, LitBool, LitInt, LitStr, Token};

use super::ctxt::Ctxt;
use super::former;
use super::symbol::*;
use super::text;

/// One key's value in an attribute list, with where it was written. Setting it a
/// second time reports the duplicate on the second key, so no parser needs its own
/// check (serde_derive's `Attr<T>`).
pub struct Attr<T> {
    key: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Attr<T> {
    /// An unset `key`.
    pub const fn none(key: &'static str) -> Self {
        Attr { key, value: None }
    }

    /// Sets the value given at `meta`, or reports `meta`'s key as a duplicate and
    /// keeps the first value.
    pub fn set(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(&meta.path, format!("duplicate key `{}`; give it once", self.key));
        } else {
            self.value = Some((meta.path.span(), value));
        }
    }

    pub fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, value)| value)
    }

    /// Where the key was written, if it was.
    pub fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(span, _)| *span)
    }

    pub fn take(self) -> Option<T> {
        self.value.map(|(_, value)| value)
    }
}

impl<T: Copy> Attr<T> {
    pub fn copied(&self) -> Option<T> {
        self.get().copied()
    }
}

/// Keys seen so far in one attribute list, for duplicate detection where a key's
/// value is not kept as one [`Attr`].
#[derive(Default)]
pub struct Seen(Vec<String>);

impl Seen {
    /// Records `key`; reports it if it was already given.
    pub fn first_time(&mut self, cx: &mut Ctxt, meta: &ParseNestedMeta<'_>, key: &str) -> bool {
        if self.0.iter().any(|k| k == key) {
            cx.error_spanned_by(&meta.path, format!("duplicate key `{key}`; give it once"));
            return false;
        }
        self.0.push(key.to_owned());
        true
    }

    /// Whether `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|k| k == key)
    }
}

/// The key of `meta` as a string (`crate` included).
pub fn key_of(meta: &ParseNestedMeta<'_>) -> String {
    let path = &meta.path;
    path.get_ident().map(|ident| ident.to_string()).unwrap_or_else(|| quote::quote!(#path).to_string().replace(' ', ""))
}

/// Consumes the value of a key we refuse, so parsing can go on to the next key.
pub fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.input.parse::<Token![=]>()?;
        tokens_until_comma(meta.input)?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// The tokens up to the next top-level comma.
pub fn tokens_until_comma(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

/// `key` alone means true; `key = true|false` says it.
pub fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(Token![=]) { Ok(meta.value()?.parse::<LitBool>()?.value) } else { Ok(true) }
}

pub fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse()
}

/// A number, possibly negative: `min = -1.5`.
pub fn number(meta: &ParseNestedMeta<'_>) -> syn::Result<f64> {
    let input = meta.value()?;
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    let value = if input.peek(syn::LitFloat) {
        input.parse::<syn::LitFloat>()?.base10_parse::<f64>()?
    } else {
        input.parse::<LitInt>()?.base10_parse::<f64>()?
    };
    Ok(if negative { -value } else { value })
}

pub fn count(meta: &ParseNestedMeta<'_>) -> syn::Result<u64> {
    meta.value()?.parse::<LitInt>()?.base10_parse()
}

/// `[a, b]` or `["a", "b"]`: names with their spans.
pub fn name_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<(String, Span)>> {
    let input = meta.value()?;
    let content;
    syn::bracketed!(content in input);
    let mut names = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            let lit: LitStr = content.parse()?;
            names.push((lit.value(), lit.span()));
        } else {
            let ident: Ident = content.parse()?;
            names.push((ident.to_string().trim_start_matches("r#").to_owned(), ident.span()));
        }
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(names)
}

/// Runs `each` on every key of every `#[name(...)]` attribute, recording parse errors
/// and going on with the next attribute.
pub fn for_each_key(
    cx: &mut Ctxt,
    attrs: &[Attribute],
    name: &str,
    mut each: impl FnMut(&mut Ctxt, &ParseNestedMeta<'_>, &str) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|a| former::is_named(a, name)) {
        let mut errors = Vec::new();
        let result = attr.parse_nested_meta(|meta| {
            let key = key_of(&meta);
            let mut inner = Ctxt::new();
            let outcome = each(&mut inner, &meta, &key);
            errors.push(inner);
            outcome
        });
        for inner in errors {
            cx.absorb(inner);
        }
        if let Err(error) = result {
            cx.syn_error(error);
        }
    }
}

/// A field's default: a JSON literal (`"x"`, `3`, `true`, `null`, `[...]`, `{...}`)
/// or a Rust expression converted with `Into`.
pub enum DefaultValue {
    Json(TokenStream),
    Expr(syn::Expr),
}

impl DefaultValue {
    pub fn parse(meta: &ParseNestedMeta<'_>) -> syn::Result<Self> {
        const NEEDS_VALUE: &str = "`default` needs a value: a JSON literal such as `default = false`, \
                                   `default = \"text\"` or `default = [1, 2]`, or a Rust expression \
                                   such as `default = Mode::Fast`";
        if !meta.input.peek(Token![=]) {
            return Err(meta.error(NEEDS_VALUE));
        }
        meta.input.parse::<Token![=]>()?;
        let tokens = tokens_until_comma(meta.input)?;
        if tokens.is_empty() {
            return Err(meta.error(NEEDS_VALUE));
        }
        if is_json_literal(&tokens) {
            Ok(DefaultValue::Json(tokens))
        } else {
            Ok(DefaultValue::Expr(syn::parse2(tokens)?))
        }
    }
}

fn is_json_literal(tokens: &TokenStream) -> bool {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Literal(_)] => true,
        [TokenTree::Punct(p), TokenTree::Literal(_)] => p.as_char() == '-',
        [TokenTree::Ident(i)] => matches!(i.to_string().as_str(), "true" | "false" | "null"),
        [TokenTree::Group(g)] => matches!(g.delimiter(), Delimiter::Bracket | Delimiter::Brace),
        _ => false,
    }
}

/// `#[block_input(...)]` of one field.
#[derive(Default)]
pub struct InputField {
    pub default: Option<DefaultValue>,
    pub advanced: Option<bool>,
    pub hidden: bool,
    pub secret: bool,
    pub placeholder: Option<LitStr>,
    pub title: Option<LitStr>,
    pub depends_on: Vec<(String, Span)>,
    pub format: Option<LitStr>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    /// Scopes a credentials field requires.
    pub scopes: Vec<(String, Span)>,
    /// The field is a trigger's event filter.
    pub event_filter: bool,
    /// Where each given key was written, for checks that involve several keys.
    pub spans: Vec<(&'static str, Span)>,
}

impl InputField {
    /// Where `key` was written, if it was.
    pub fn span_of(&self, key: &str) -> Option<Span> {
        self.spans.iter().find(|(k, _)| *k == key).map(|(_, span)| *span)
    }

    pub fn from_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut default = Attr::none(DEFAULT);
        let mut advanced = Attr::none(ADVANCED);
        let mut hidden = Attr::none(HIDDEN);
        let mut secret = Attr::none(SECRET);
        let mut placeholder = Attr::none(PLACEHOLDER);
        let mut title = Attr::none(TITLE);
        let mut depends_on = Attr::none(DEPENDS_ON);
        let mut format = Attr::none(FORMAT);
        let mut min = Attr::none(MIN);
        let mut max = Attr::none(MAX);
        let mut min_length = Attr::none(MIN_LENGTH);
        let mut max_length = Attr::none(MAX_LENGTH);
        let mut min_items = Attr::none(MIN_ITEMS);
        let mut max_items = Attr::none(MAX_ITEMS);
        let mut scopes = Attr::none(SCOPES);
        let mut event_filter = Attr::none(EVENT_FILTER);
        for_each_key(cx, attrs, BLOCK_INPUT, |cx, meta, key| {
            match key {
                DEFAULT => default.set(cx, meta, DefaultValue::parse(meta)?),
                ADVANCED => advanced.set(cx, meta, flag(meta)?),
                HIDDEN => hidden.set(cx, meta, flag(meta)?),
                SECRET => secret.set(cx, meta, flag(meta)?),
                PLACEHOLDER => placeholder.set(cx, meta, lit_str(meta)?),
                TITLE => title.set(cx, meta, lit_str(meta)?),
                DEPENDS_ON => depends_on.set(cx, meta, name_list(meta)?),
                FORMAT => format.set(cx, meta, lit_str(meta)?),
                MIN => min.set(cx, meta, number(meta)?),
                MAX => max.set(cx, meta, number(meta)?),
                MIN_LENGTH => min_length.set(cx, meta, count(meta)?),
                MAX_LENGTH => max_length.set(cx, meta, count(meta)?),
                MIN_ITEMS => min_items.set(cx, meta, count(meta)?),
                MAX_ITEMS => max_items.set(cx, meta, count(meta)?),
                SCOPES => scopes.set(cx, meta, name_list(meta)?),
                EVENT_FILTER => event_filter.set(cx, meta, flag(meta)?),
                CRATE => {
                    cx.error_spanned_by(
                        &meta.path,
                        "`crate` goes on the struct's `#[block_input(crate = ...)]`, not on a field",
                    );
                    return skip_value(meta);
                }
                _ => {
                    cx.error_spanned_by(&meta.path, text::unknown("`#[block_input]` key", key, INPUT_FIELD_KEYS));
                    return skip_value(meta);
                }
            }
            Ok(())
        });
        let spans = [
            (MIN, min.span()),
            (MAX, max.span()),
            (MIN_LENGTH, min_length.span()),
            (MAX_LENGTH, max_length.span()),
            (MIN_ITEMS, min_items.span()),
            (MAX_ITEMS, max_items.span()),
        ]
        .into_iter()
        .filter_map(|(key, span)| Some((key, span?)))
        .collect();
        InputField {
            default: default.take(),
            advanced: advanced.copied(),
            hidden: hidden.copied().unwrap_or(false),
            secret: secret.copied().unwrap_or(false),
            placeholder: placeholder.take(),
            title: title.take(),
            depends_on: depends_on.take().unwrap_or_default(),
            format: format.take(),
            min: min.copied(),
            max: max.copied(),
            min_length: min_length.copied(),
            max_length: max_length.copied(),
            min_items: min_items.copied(),
            max_items: max_items.copied(),
            scopes: scopes.take().unwrap_or_default(),
            event_filter: event_filter.copied().unwrap_or(false),
            spans,
        }
    }
}

/// `#[block_output(...)]` of one variant.
#[derive(Default)]
pub struct OutputVariant {
    pub name: Option<LitStr>,
    pub title: Option<LitStr>,
}

impl OutputVariant {
    pub fn from_attrs(cx: &mut Ctxt, attrs: &[Attribute]) -> Self {
        let mut name = Attr::none(NAME);
        let mut title = Attr::none(TITLE);
        for_each_key(cx, attrs, BLOCK_OUTPUT, |cx, meta, key| {
            match key {
                NAME => name.set(cx, meta, lit_str(meta)?),
                TITLE => title.set(cx, meta, lit_str(meta)?),
                _ => {
                    cx.error_spanned_by(&meta.path, text::unknown("`#[block_output]` key", key, OUTPUT_VARIANT_KEYS));
                    return skip_value(meta);
                }
            }
            Ok(())
        });
        OutputVariant { name: name.take(), title: title.take() }
    }
}

/// `#[block_value(rename = "...")]` of a `BlockEnum` variant.
pub fn value_rename(cx: &mut Ctxt, attrs: &[Attribute]) -> Option<LitStr> {
    let mut rename = Attr::none(RENAME);
    for_each_key(cx, attrs, BLOCK_VALUE, |cx, meta, key| {
        if key != RENAME {
            cx.error_spanned_by(&meta.path, text::unknown("`#[block_value]` key", key, VALUE_KEYS));
            return skip_value(meta);
        }
        rename.set(cx, meta, lit_str(meta)?);
        Ok(())
    });
    rename.take()
}

/// `#[<name>(crate = "path")]` on a derive's container; defaults to `::block_core`.
pub fn crate_path(cx: &mut Ctxt, attrs: &[Attribute], name: &str) -> syn::Path {
    let mut path = Attr::none(CRATE);
    for_each_key(cx, attrs, name, |cx, meta, key| {
        if key != CRATE {
            cx.error_spanned_by(
                &meta.path,
                text::unknown(&format!("`#[{name}]` key on the type"), key, CONTAINER_KEYS),
            );
            return skip_value(meta);
        }
        path.set(cx, meta, parse_path_value(meta)?);
        Ok(())
    });
    path.take().unwrap_or_else(default_crate_path)
}

/// `crate = path` or `crate = "path"`.
pub fn parse_path_value(meta: &ParseNestedMeta<'_>) -> syn::Result<syn::Path> {
    let input = meta.value()?;
    if input.peek(LitStr) { input.parse::<LitStr>()?.parse() } else { input.parse() }
}

pub fn default_crate_path() -> syn::Path {
    syn::parse_quote!(::block_core)
}

/// `(a, b, c)` after a key: the idents.
pub fn ident_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

/// `("a", "b")` after a key: the strings.
pub fn str_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<LitStr>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

/// Parses `#[block(...)]`-style arguments given as a bare token stream.
pub fn parse_args(args: TokenStream, each: impl FnMut(ParseNestedMeta<'_>) -> syn::Result<()>) -> syn::Result<()> {
    syn::meta::parser(each).parse2(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> bool {
        is_json_literal(&text.parse().expect("tokens"))
    }

    #[test]
    fn tells_json_literals_from_rust_expressions() {
        for literal in ["false", "null", "3", "-1.5", "\"text\"", "[\"a\", \"b\"]", "{\"k\": 1}"] {
            assert!(json(literal), "{literal} is JSON");
        }
        for expr in ["Mode::Fast", "String::from(\"a\")", "vec![1]", "1 + 2", "(1, 2)"] {
            assert!(!json(expr), "{expr} is Rust");
        }
    }
}
