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
        .filter(|&(c, d)| d <= (c.len() / 3).max(1) || c.eq_ignore_ascii_case(word))
        .min_by_key(|&(_, d)| d)
        .map(|(c, _)| c)
}

/// "unknown key ...; did you mean `x`? Expected one of: a, b".
pub fn unknown(what: &str, word: &str, candidates: &[&str]) -> String {
    let list = candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
    match suggest(word, candidates) {
        Some(best) => format!("unknown {what} `{word}`; did you mean `{best}`? Expected one of: {list}"),
        None => format!("unknown {what} `{word}`; expected one of: {list}"),
    }
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
