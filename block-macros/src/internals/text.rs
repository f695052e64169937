//! Small text helpers: doc comments, case conversion, suggestions.

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The doc comment of an item, lines joined with spaces where they continue a
/// paragraph and kept apart at blank lines.
pub fn doc_comment(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(nv) = &attr.meta
            && let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value
        {
            lines.push(s.value());
        }
    }
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { " " });
        }
        blank = false;
        out.push_str(line);
    }
    strip_intra_doc_links(&out)
}

/// Turns rustdoc's intra-doc links into plain text for schemas and UIs:
/// ``[`Foo`]`` -> `` `Foo` ``, `[Foo]` -> `Foo`, `[text][Foo]` -> `text`. Only
/// brackets around a code span or a Rust path count as links; Markdown links with a
/// URL, text inside code spans and other brackets (`a[0]`) are kept.
fn strip_intra_doc_links(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            in_code = !in_code;
        }
        if c != '[' || in_code {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(close) = chars[i + 1..].iter().position(|&c| c == ']').map(|p| i + 1 + p) else {
            out.push(c);
            i += 1;
            continue;
        };
        let inner: String = chars[i + 1..close].iter().collect();
        let next = chars.get(close + 1).copied();
        let is_code_span =
            inner.len() > 2 && inner.starts_with('`') && inner.ends_with('`') && inner.matches('`').count() == 2;
        let indexing = i > 0 && (chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '_' | ')' | ']'));
        let is_path = !indexing
            && inner.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && inner.chars().all(|c| c.is_alphanumeric() || c == '_' || c == ':');
        let is_reference_link = !indexing && next == Some('[') && !inner.is_empty();
        if next == Some('(') || !(is_code_span || is_path || is_reference_link) {
            out.push(c);
            i += 1;
            continue;
        }
        out.push_str(&inner);
        i = close + 1;
        if is_reference_link && let Some(end) = chars[i + 1..].iter().position(|&c| c == ']') {
            i += end + 2;
        }
    }
    out
}

/// `GreetingCount` -> `greeting_count`, `HTTPStatus` -> `http_status`.
pub fn snake_case(ident: &str) -> String {
    let chars: Vec<char> = ident.trim_start_matches("r#").chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower = i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `greeting_count` -> `Greeting Count`.
pub fn title_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .iter()
        .map(|&c| (c, distance(&lower, &c.to_lowercase())))
        .filter(|&(c, d)| d <= c.len().div_ceil(3).max(1) || c.eq_ignore_ascii_case(word))
        .min_by_key(|&(_, d)| d)
        .map(|(c, _)| c)
}

/// "unknown key `x`; did you mean `y`? Expected one of: `a`, `b`".
pub fn unknown(what: &str, word: &str, candidates: &[&str]) -> String {
    format!("unknown {what} `{word}`{}", did_you_mean(word, candidates))
}

/// "; did you mean `y`? Expected one of: `a`, `b`", to end a message about `word`.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let list = candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    match (suggest(word, candidates), candidates.is_empty()) {
        (Some(best), _) => format!("; did you mean `{best}`? Expected one of: {list}"),
        (None, false) => format!("; expected one of: {list}"),
        (None, true) => String::new(),
    }
}

/// Edit distance where swapping two neighbouring letters counts as one edit (the
/// optimal string alignment distance): `tset` is one edit from `test`.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>()];
    for i in 1..=a.len() {
        let mut row = vec![i];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j - 1] + cost).min(rows[i - 1][j] + 1).min(row[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            row.push(best);
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}

/// The `SCREAMING_SNAKE_CASE` constant named after a pin or field, if its name
/// makes an identifier (a pin renamed to `"my-pin"` gets no constant).
pub fn constant_ident(name: &str) -> Option<syn::Ident> {
    let upper = name.to_uppercase();
    let valid = upper.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && upper != "_";
    valid.then(|| syn::Ident::new(&upper, proc_macro2::Span::call_site()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_named_in_screaming_snake_case_when_the_name_allows() {
        assert_eq!(constant_ident("greeting_count").unwrap().to_string(), "GREETING_COUNT");
        assert!(constant_ident("my-pin").is_none());
        assert!(constant_ident("2fa").is_none());
    }

    #[test]
    fn intra_doc_links_become_plain_text() {
        assert_eq!(strip_intra_doc_links("Inputs of [`CalculatorBlock`]."), "Inputs of `CalculatorBlock`.");
        assert_eq!(strip_intra_doc_links("See [the docs][docs] now"), "See the docs now");
        assert_eq!(strip_intra_doc_links("A [link](https://x.test) stays"), "A [link](https://x.test) stays");
        assert_eq!(strip_intra_doc_links("See [Registry::global] too"), "See Registry::global too");
        assert_eq!(
            strip_intra_doc_links("Like `items[0]` and a[0], [ ] and [unclosed"),
            "Like `items[0]` and a[0], [ ] and [unclosed"
        );
    }

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("GreetingCount"), "greeting_count");
        assert_eq!(snake_case("Response"), "response");
        assert_eq!(snake_case("HTTPStatus"), "http_status");
        assert_eq!(snake_case("Item2"), "item2");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("defualt", &["default", "hidden"]), Some("default"));
        assert_eq!(suggest("zzz", &["default", "hidden"]), None);
        assert_eq!(suggest("basic", &["Basic", "Text"]), Some("Basic"));
    }

    #[test]
    fn counts_swapped_letters_as_one_typo() {
        assert_eq!(distance("tset", "test"), 1);
        assert_eq!(suggest("tset", &["id", "tests", "untested"]), Some("tests"));
        assert_eq!(suggest("nmae", &["name", "greeting"]), Some("name"));
    }

    #[test]
    fn does_not_suggest_for_short_unrelated_words() {
        assert_eq!(suggest("ab", &["id", "name"]), None);
        assert_eq!(suggest("colour", &["id", "name", "tests"]), None);
    }
}
