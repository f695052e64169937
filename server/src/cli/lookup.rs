//! Finding a block by id or name, with suggestions for a near miss.

use block_core::{RegisteredBlock, Registry};

use super::CliError;

/// The most suggestions shown for an unknown block.
const MAX_SUGGESTIONS: usize = 3;

/// The block with this id or name; otherwise an error listing close names.
///
/// An exact match wins; then a name that differs only in case (`calculatorblock`) or
/// lacks the `Block` suffix (`Calculator`) is accepted when it is unambiguous.
pub fn find<'r>(registry: &'r Registry, query: &str) -> Result<&'r RegisteredBlock, CliError> {
    let query = query.trim();
    if let Some(block) = registry.find(query) {
        return Ok(block);
    }
    let wanted = normalize(query);
    let mut loose = registry.blocks().filter(|block| normalize(block.name()) == wanted || block.id() == wanted);
    if let (Some(block), None) = (loose.next(), loose.next()) {
        return Ok(block);
    }
    Err(CliError::UnknownBlock { query: query.to_owned(), suggestions: suggestions(registry, query) })
}

/// Lower case, without a trailing `block`: the part of a name people remember.
fn normalize(name: &str) -> String {
    let lower = name.to_lowercase();
    match lower.strip_suffix("block") {
        Some(stem) if !stem.is_empty() => stem.to_owned(),
        _ => lower,
    }
}

/// Names close to `query` by edit distance, or containing it, best first.
fn suggestions(registry: &Registry, query: &str) -> Vec<&'static str> {
    let (wanted, wanted_full) = (normalize(query), query.to_lowercase());
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &'static str)> = registry
        .blocks()
        .filter_map(|block| {
            let (name, full) = (normalize(block.name()), block.name().to_lowercase());
            // Compare stems (`calculater` with `calculator`) and whole names
            // (`calculatorblok` with `calculatorblock`), whichever is closer.
            let distance = edit_distance(&wanted, &name).min(edit_distance(&wanted_full, &full));
            let close = distance <= (name.chars().count() / 3).max(2);
            let contains = wanted.chars().count() >= 3 && name.contains(&wanted);
            (close || contains).then_some((distance, block.name()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(MAX_SUGGESTIONS).map(|(_, name)| name).collect()
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        current.push(i + 1);
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("héllo", "hello"), 1);
    }

    #[test]
    fn normalize_drops_case_and_the_block_suffix() {
        assert_eq!(normalize("CalculatorBlock"), "calculator");
        assert_eq!(normalize("calculator"), "calculator");
        assert_eq!(normalize("Block"), "block");
    }
}
