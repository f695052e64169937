//! Notion object ids as users paste them: a UUID with or without dashes, or a
//! page or database URL that ends with one.

/// The id in `text`, in the dashed form the API prints (`8-4-4-4-12`): the last 32
/// hexadecimal digits of the text once dashes are removed, when the text ends with
/// them (a URL may add `?v=...`, which is ignored).
pub fn notion_id(text: &str) -> Option<String> {
    let text = text.trim();
    let before_query = text.split(['?', '#']).next().unwrap_or(text);
    let last_segment = before_query.rsplit('/').next().unwrap_or(before_query);
    let compact: String = last_segment.chars().filter(|c| *c != '-').collect();
    if compact.len() < 32 {
        return None;
    }
    let hex = &compact[compact.len() - 32..];
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32]))
}

#[cfg(test)]
mod tests {
    use super::notion_id;

    #[test]
    fn reads_ids_from_uuids_and_urls() {
        let id = Some("59833787-2cf9-4fdf-8782-e53db20768a5".to_owned());
        assert_eq!(notion_id("59833787-2cf9-4fdf-8782-e53db20768a5"), id);
        assert_eq!(notion_id("598337872cf94fdf8782e53db20768a5"), id);
        assert_eq!(notion_id("https://www.notion.so/acme/Tasks-598337872cf94fdf8782e53db20768a5?v=1234"), id);
        assert_eq!(notion_id(" 598337872CF94FDF8782E53DB20768A5 "), id);
        assert_eq!(notion_id("https://www.notion.so/acme/Tasks"), None);
        assert_eq!(notion_id("z98337872cf94fdf8782e53db20768a5"), None);
        assert_eq!(notion_id(""), None);
    }
}
