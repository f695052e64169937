//! JSON pointers in URI fragments (`#/$defs/My%20Type`), the form `$ref` takes.

use std::fmt::Write as _;

/// Appends one reference token to a JSON pointer, escaped as RFC 6901 requires
/// (`~` as `~0`, `/` as `~1`).
pub(super) fn push_token(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    for character in token.chars() {
        match character {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            other => out.push(other),
        }
    }
    out
}

/// A JSON pointer as a `$ref` value: `#` and the pointer, with every byte a URI
/// fragment may not hold percent-encoded (RFC 3986, section 3.5).
pub(super) fn to_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + 1);
    out.push('#');
    for byte in pointer.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&byte);
        if allowed {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The JSON pointer a local `$ref` (`#...`) names, percent-decoded; `None` for a
/// reference that is not a local JSON pointer (another document, an anchor) or
/// does not decode to UTF-8.
pub(super) fn from_fragment(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    if !(fragment.is_empty() || fragment.starts_with('/')) {
        return None;
    }
    let bytes = fragment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = fragment.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_escaped_and_fragments_percent_encoded() {
        let pointer = push_token(&push_token("", "properties"), "a/b~c d");
        assert_eq!(pointer, "/properties/a~1b~0c d");
        assert_eq!(to_fragment(&pointer), "#/properties/a~1b~0c%20d");
        assert_eq!(to_fragment(""), "#");
    }

    #[test]
    fn fragments_decode_back_to_pointers() {
        assert_eq!(from_fragment("#/properties/a~1b~0c%20d").as_deref(), Some("/properties/a~1b~0c d"));
        assert_eq!(from_fragment("#").as_deref(), Some(""));
        assert_eq!(from_fragment("#/$defs/Caf%C3%A9").as_deref(), Some("/$defs/Café"));
    }

    #[test]
    fn other_references_are_not_local_pointers() {
        for reference in ["https://example.com/schema", "#anchor", "other.json#/a", "#/bad%zz", "#/cut%4", "#/%FF"] {
            assert_eq!(from_fragment(reference), None, "{reference}");
        }
    }
}
