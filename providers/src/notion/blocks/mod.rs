//! Notion's blocks, one file each, and what they share: reading id inputs,
//! turning text into paragraph blocks, and reading pages as plain values.

mod append_blocks;
mod create_page;
mod page_values;
mod query_database;

use block_core::prelude::*;

pub use append_blocks::{NotionAppendBlocksBlock, NotionAppendBlocksInput, NotionAppendBlocksOutput};
pub use create_page::{NotionCreatePageBlock, NotionCreatePageInput, NotionCreatePageOutput, NotionParentType};
pub use page_values::page_summary;
pub use query_database::{NotionQueryDatabaseBlock, NotionQueryDatabaseInput, NotionQueryDatabaseOutput};

use super::ids::notion_id;

/// The most characters Notion takes in one rich text object.
const MAX_TEXT: usize = 2000;
/// The most children Notion takes in one request.
const MAX_CHILDREN: usize = 100;

/// The id in input `field` (a UUID or a Notion URL), or an error naming the input.
fn id_input(field: &str, text: &str) -> Result<String, BlockError> {
    notion_id(text).ok_or_else(|| {
        BlockError::new(format!(
            "input `{field}`: `{text}` holds no Notion id; paste the page's or database's link or its 32-character id"
        ))
    })
}

/// One paragraph block per paragraph of `text` (paragraphs are separated by a
/// blank line), each split into rich text objects of at most 2000 characters.
fn paragraphs(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty())
        .map(|paragraph| {
            let chars: Vec<char> = paragraph.chars().collect();
            let rich_text: Vec<Value> = chars
                .chunks(MAX_TEXT)
                .map(|chunk| json!({"type": "text", "text": {"content": chunk.iter().collect::<String>()}}))
                .collect();
            json!({"object": "block", "type": "paragraph", "paragraph": {"rich_text": rich_text}})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines_and_long_text_splits_at_2000_characters() {
        let blocks = paragraphs("First line\nsame paragraph\n\n\n\nSecond");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0]["paragraph"]["rich_text"][0]["text"]["content"], "First line\nsame paragraph");
        let long = "é".repeat(2500);
        let rich = &paragraphs(&long)[0]["paragraph"]["rich_text"];
        assert_eq!(rich.as_array().map(Vec::len), Some(2));
        assert_eq!(rich[1]["text"]["content"].as_str().map(|s| s.chars().count()), Some(500));
    }
}
