//! The path syntax of [`JsonPathBlock`](super::JsonPathBlock): parsing and lookup.
//!
//! Two notations are accepted:
//!
//! - **Dotted**: keys separated by `.`, list indexes in brackets: `a.b[2].c`. A
//!   leading `$` or `$.` is allowed (`$.a.b`). An index may be negative to count from
//!   the end (`items[-1]`). Keys with dots, brackets or spaces are written quoted in
//!   brackets: `a["x.y"]` or `a['x y']`. A purely numeric key applied to a list
//!   indexes it (`a.0`).
//! - **JSON pointer** (RFC 6901), recognised by its leading `/`: `/a/b/2/c`, with
//!   `~1` for `/` and `~0` for `~` inside a key.
//!
//! The empty path and `$` select the whole document.

use std::fmt;

use block_core::Value;

/// One step of a path, with the text it was written as (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    step: Step,
    written: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// An object key; also a list index when it is a number.
    Key(String),
    /// A list index; negative counts from the end.
    Index(i64),
}

/// Why a path could not be parsed or followed.
#[derive(Debug, Clone, PartialEq)]
pub struct PathError(String);

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PathError {}

/// Parses `path` in either notation.
pub fn parse(path: &str) -> Result<Vec<Segment>, PathError> {
    let path = path.trim();
    if path.starts_with('/') { parse_pointer(path) } else { parse_dotted(path) }
}

fn parse_pointer(path: &str) -> Result<Vec<Segment>, PathError> {
    path.split('/')
        .skip(1)
        .map(|raw| {
            let mut key = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c != '~' {
                    key.push(c);
                    continue;
                }
                match chars.next() {
                    Some('0') => key.push('~'),
                    Some('1') => key.push('/'),
                    _ => {
                        return Err(PathError(format!(
                            "the pointer segment `/{raw}` has a `~` not followed by 0 or 1; \
                             write `~0` for `~` and `~1` for `/`"
                        )));
                    }
                }
            }
            Ok(Segment { step: Step::Key(key), written: format!("/{raw}") })
        })
        .collect()
}

fn parse_dotted(path: &str) -> Result<Vec<Segment>, PathError> {
    let rest = path.strip_prefix('$').unwrap_or(path);
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let mut segments = Vec::new();
    let mut i = 0;
    // A key may start right away (`a.b`) or after `$.` (`$.a`); after `$` alone only
    // a bracket or a dot may follow.
    let mut expect_key = !path.starts_with('$') && !rest.is_empty() && !rest.starts_with('[');
    let at = |i: usize| chars.get(i).map_or(rest.len(), |&(byte, _)| byte);
    while i < chars.len() || expect_key {
        if expect_key {
            let start = i;
            while i < chars.len() && !matches!(chars[i].1, '.' | '[') {
                if chars[i].1 == ']' {
                    return Err(PathError(format!(
                        "unexpected `]` at character {} of `{path}`",
                        column(path, rest, at(i))
                    )));
                }
                i += 1;
            }
            let key = &rest[at(start)..at(i)];
            if key.is_empty() {
                return Err(PathError(format!("empty key at character {} of `{path}`", column(path, rest, at(start)))));
            }
            let written = if segments.is_empty() { key.to_owned() } else { format!(".{key}") };
            segments.push(Segment { step: Step::Key(key.to_owned()), written });
            expect_key = false;
            continue;
        }
        match chars[i].1 {
            '.' => {
                i += 1;
                expect_key = true;
            }
            '[' => {
                let open = i;
                let close = (i + 1..chars.len()).find(|&j| chars[j].1 == ']').ok_or_else(|| {
                    PathError(format!(
                        "the `[` at character {} of `{path}` is never closed",
                        column(path, rest, at(open))
                    ))
                })?;
                let inner = &rest[at(open + 1)..at(close)];
                let written = rest[at(open)..at(close + 1)].to_owned();
                segments.push(Segment { step: bracket_step(inner, &written)?, written });
                i = close + 1;
            }
            other => {
                return Err(PathError(format!(
                    "expected `.` or `[` at character {} of `{path}`, found `{other}`",
                    column(path, rest, at(i))
                )));
            }
        }
    }
    Ok(segments)
}

/// The step written inside `[...]`: a quoted key or an integer index.
fn bracket_step(inner: &str, written: &str) -> Result<Step, PathError> {
    let inner = inner.trim();
    for quote in ['"', '\''] {
        if let Some(key) = inner.strip_prefix(quote).and_then(|s| s.strip_suffix(quote)) {
            return Ok(Step::Key(key.to_owned()));
        }
    }
    inner.parse::<i64>().map(Step::Index).map_err(|_| {
        PathError(format!("`{written}` is neither an index like `[2]` nor a quoted key like `[\"name\"]`"))
    })
}

/// The 1-based character position of byte `offset` of `rest` within `path`.
fn column(path: &str, rest: &str, offset: usize) -> usize {
    let base = path.len() - rest.len();
    path[..base + offset].chars().count() + 1
}

/// Follows `segments` into `data`, naming the first segment that fails.
pub fn lookup<'a>(data: &'a Value, segments: &[Segment]) -> Result<&'a Value, PathError> {
    let mut current = data;
    for (position, segment) in segments.iter().enumerate() {
        let walked: String = segments[..position].iter().map(|s| s.written.as_str()).collect();
        let here = if walked.is_empty() { "the document".to_owned() } else { format!("`{walked}`") };
        let fail = |why: String| PathError(format!("the path fails at `{}`: {why}", segment.written));
        current = match (&segment.step, current) {
            (Step::Key(key), Value::Object(map)) => map.get(key).ok_or_else(|| {
                let mut keys: Vec<String> = map.keys().take(10).map(|k| format!("`{k}`")).collect();
                if map.len() > keys.len() {
                    keys.push("...".into());
                }
                let known =
                    if keys.is_empty() { "it is empty".to_owned() } else { format!("it has {}", keys.join(", ")) };
                fail(format!("{here} has no key `{key}` ({known})"))
            })?,
            (Step::Key(key), Value::Array(items)) => match key.parse::<i64>() {
                Ok(index) => index_into(items, index).ok_or_else(|| fail(out_of_range(&here, index, items.len())))?,
                Err(_) => return Err(fail(format!("{here} is a list, not an object; index it with `[n]`"))),
            },
            (Step::Index(index), Value::Array(items)) => {
                index_into(items, *index).ok_or_else(|| fail(out_of_range(&here, *index, items.len())))?
            }
            (Step::Index(_), Value::Object(_)) => {
                return Err(fail(format!("{here} is an object, not a list; select a key with `.name`")));
            }
            (_, other) => return Err(fail(format!("{here} is {}, which has no keys or items", kind(other)))),
        };
    }
    Ok(current)
}

fn index_into(items: &[Value], index: i64) -> Option<&Value> {
    let resolved = if index < 0 {
        items.len().checked_sub(usize::try_from(index.unsigned_abs()).ok()?)?
    } else {
        usize::try_from(index).ok()?
    };
    items.get(resolved)
}

fn out_of_range(here: &str, index: i64, len: usize) -> String {
    format!("index {index} is out of range; {here} has {len} item{}", if len == 1 { "" } else { "s" })
}

/// `a string`, `null`, ...: the JSON type of `value` with its article.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use block_core::json;

    fn steps(path: &str) -> Vec<Step> {
        parse(path).map(|segments| segments.into_iter().map(|s| s.step).collect()).unwrap_or_default()
    }

    fn key(k: &str) -> Step {
        Step::Key(k.to_owned())
    }

    #[test]
    fn parses_dotted_paths_with_indexes_and_quoted_keys() {
        assert_eq!(steps("a.b[2].c"), vec![key("a"), key("b"), Step::Index(2), key("c")]);
        assert_eq!(steps("$.a[-1]"), vec![key("a"), Step::Index(-1)]);
        assert_eq!(steps("$[0]"), vec![Step::Index(0)]);
        assert_eq!(steps(r#"a["x.y"]['z w']"#), vec![key("a"), key("x.y"), key("z w")]);
        assert_eq!(steps("[1][2]"), vec![Step::Index(1), Step::Index(2)]);
    }

    #[test]
    fn the_empty_path_and_dollar_select_the_document() {
        assert_eq!(parse("").ok(), Some(vec![]));
        assert_eq!(parse("$").ok(), Some(vec![]));
    }

    #[test]
    fn parses_json_pointers_with_escapes() {
        assert_eq!(steps("/a/b~1c/m~0n/0"), vec![key("a"), key("b/c"), key("m~n"), key("0")]);
        assert_eq!(steps("/"), vec![key("")]);
    }

    #[test]
    fn rejects_malformed_paths_saying_where() {
        let message = |path: &str| parse(path).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message("a..b").contains("empty key at character 3"));
        assert!(message("a[2").contains("`[` at character 2 of `a[2` is never closed"));
        assert!(message("a[x]").contains("`[x]` is neither an index"));
        assert!(message("a]").contains("unexpected `]`"));
        assert!(message("$x").contains("expected `.` or `[` at character 2"));
        assert!(message("a.").contains("empty key"));
        assert!(message("/a~2").contains("`~` not followed by 0 or 1"));
    }

    #[test]
    fn looks_up_negative_indexes_from_the_end() {
        let data = json!({"a": [1, 2, 3]});
        let found = parse("a[-1]").ok().and_then(|segments| lookup(&data, &segments).ok().cloned());
        assert_eq!(found, Some(json!(3)));
        let too_far = parse("a[-4]").ok().and_then(|segments| lookup(&data, &segments).err());
        assert!(too_far.is_some_and(|e| e.to_string().contains("index -4 is out of range")));
    }
}
