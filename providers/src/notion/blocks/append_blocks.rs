//! `NotionAppendBlocksBlock`: content added to the end of a page
//! (`PATCH /v1/blocks/{id}/children`, 100 blocks per request).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;

use super::{MAX_CHILDREN, id_input, paragraphs};
use crate::notion::{NotionClient, NotionCredentials};

/// Inputs of `NotionAppendBlocksBlock`.
#[derive(BlockInput)]
pub struct NotionAppendBlocksInput {
    /// The page (or block) to add to: its link or id.
    #[block_input(placeholder = "https://www.notion.so/acme/Notes-b55c9c91384d452b81dbd1ef79372b75")]
    pub block_id: String,
    /// Text to add; a blank line starts a new paragraph.
    #[block_input(default = "")]
    pub text: String,
    /// Notion block objects to add after the text (headings, to-dos, code, ...),
    /// e.g. `{"type": "to_do", "to_do": {"rich_text": [{"text": {"content": "Call Ada"}}]}}`.
    #[block_input(default = [], advanced)]
    pub blocks: Vec<Value>,
    /// An integration token or a Notion OAuth login.
    pub credentials: NotionCredentials,
}

/// Outputs of `NotionAppendBlocksBlock`.
#[derive(BlockOutput)]
pub enum NotionAppendBlocksOutput {
    /// The ids of the blocks added, in order.
    BlockIds(Vec<String>),
}

/// Adds paragraphs of text and Notion blocks to the end of a page.
#[block(id = "ca8c5854-3fe1-43f3-ae4b-e6fb7834b1b2", categories(Productivity), tests = append_blocks_cases)]
pub struct NotionAppendBlocksBlock;

impl Run for NotionAppendBlocksBlock {
    type Input = NotionAppendBlocksInput;
    type Output = NotionAppendBlocksOutput;

    async fn run(
        &self,
        input: NotionAppendBlocksInput,
        ctx: &RunContext,
        out: &Emit<NotionAppendBlocksOutput>,
    ) -> Result<(), BlockError> {
        let target = id_input("block_id", &input.block_id)?;
        let mut children = paragraphs(&input.text);
        for (index, block) in input.blocks.into_iter().enumerate() {
            if block.get("type").and_then(Value::as_str).is_none() {
                return Err(BlockError::new(format!(
                    "input `blocks`: item {index} is not a Notion block (it has no `type`)"
                )));
            }
            children.push(block);
        }
        if children.is_empty() {
            return Err(BlockError::new("nothing to add: give `text` or `blocks`"));
        }
        let client = NotionClient::from_credentials(ctx.http(), input.credentials.get())?;
        let mut ids = Vec::with_capacity(children.len());
        for batch in children.chunks(MAX_CHILDREN) {
            let body = json!({"children": batch});
            let answer = client
                .send(
                    Method::PATCH,
                    &format!("/blocks/{target}/children"),
                    Some(&body),
                    &format!("page or block {target}"),
                )
                .await?;
            // The answer lists the parent's children; the new ones are its last.
            let results = answer["results"].as_array().map(Vec::as_slice).unwrap_or_default();
            let added = &results[results.len().saturating_sub(batch.len())..];
            ids.extend(added.iter().filter_map(|block| block["id"].as_str().map(str::to_owned)));
        }
        out.emit(NotionAppendBlocksOutput::BlockIds(ids)).await
    }
}

const PAGE: &str = "b55c9c91-384d-452b-81db-d1ef79372b75";

fn patch(body: Value) -> Exchange {
    Exchange::patch(&format!("https://api.notion.com/v1/blocks/{PAGE}/children"))
        .header("authorization", "Bearer mock-notion-api-key")
        .header("notion-version", "2022-06-28")
        .json_body(body)
}

fn appended(ids: &[&str]) -> Value {
    let results: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({"object": "block", "id": id, "parent": {"type": "page_id", "page_id": PAGE}, "type": "paragraph",
                         "has_children": false, "archived": false, "paragraph": {"rich_text": [], "color": "default"}})
        })
        .collect();
    json!({"object": "list", "results": results, "next_cursor": null, "has_more": false, "type": "block", "block": {}})
}

fn append_blocks_cases() -> Vec<TestCase<NotionAppendBlocksBlock>> {
    let todo = json!({"object": "block", "type": "to_do", "to_do": {"rich_text": [{"type": "text", "text": {"content": "Call Ada"}}], "checked": false}});
    vec![
        TestCase::new("adds paragraphs then blocks and gives their ids", NotionAppendBlocksInput {
            text: "Met with the team.\n\nNext steps:".into(),
            blocks: vec![todo.clone()],
            ..input()
        })
        .http(patch(json!({"children": [
            {"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Met with the team."}}]}},
            {"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Next steps:"}}]}},
            todo,
        ]})).respond_json(200, appended(&["c1", "c2", "c3"])))
        .output(NotionAppendBlocksOutput::BlockIds(vec!["c1".into(), "c2".into(), "c3".into()])),
        TestCase::new("explains a page not shared with the integration", NotionAppendBlocksInput { text: "x".into(), ..input() })
            .http(patch(json!({"children": [{"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "x"}}]}}]}))
                .respond_json(404, json!({"object": "error", "status": 404, "code": "object_not_found", "message": format!("Could not find block with ID: {PAGE}.")})))
            .error_containing(format!("Notion found no page or block {PAGE} (404")),
        TestCase::new("refuses a block without a type", NotionAppendBlocksInput { blocks: vec![json!({"paragraph": {}})], ..input() })
            .error_containing("input `blocks`: item 0 is not a Notion block"),
        TestCase::new("needs something to add", input()).error_containing("nothing to add"),
    ]
}

fn input() -> NotionAppendBlocksInput {
    NotionAppendBlocksInput {
        block_id: PAGE.into(),
        text: String::new(),
        blocks: vec![],
        credentials: Credentials::test(),
    }
}
