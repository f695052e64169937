//! `NotionCreatePageBlock`: a new page under a page or in a database
//! (`POST /v1/pages`, then `PATCH /v1/blocks/{id}/children` for content past the
//! first 100 paragraphs).

use block_core::http::{Exchange, Method};
use block_core::prelude::*;
use serde_json::Map;

use super::{MAX_CHILDREN, id_input, paragraphs};
use crate::notion::{NotionClient, NotionCredentials};

/// Where the new page goes.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotionParentType {
    /// Under another page.
    Page,
    /// As a row of a database.
    Database,
}

/// Inputs of `NotionCreatePageBlock`.
#[derive(BlockInput)]
pub struct NotionCreatePageInput {
    /// The parent page or database: its link or id. It must be shared with the
    /// integration.
    #[block_input(placeholder = "https://www.notion.so/acme/Projects-598337872cf94fdf8782e53db20768a5")]
    pub parent_id: String,
    /// Whether the parent is a page or a database.
    #[block_input(default = "page", advanced = false)]
    pub parent_type: NotionParentType,
    /// The new page's title.
    #[block_input(min_length = 1, max_length = 2000)]
    pub title: String,
    /// In a database, the name of its title column.
    #[block_input(default = "Name", depends_on = [parent_type])]
    pub title_property: String,
    /// In a database, more column values, as Notion's property values
    /// (e.g. `{"Status": {"status": {"name": "Done"}}}`).
    #[block_input(default = {}, advanced, depends_on = [parent_type])]
    pub properties: Map<String, Value>,
    /// The page's text; a blank line starts a new paragraph.
    #[block_input(default = "")]
    pub content: String,
    /// An integration token or a Notion OAuth login.
    pub credentials: NotionCredentials,
}

/// Outputs of `NotionCreatePageBlock`.
#[derive(BlockOutput)]
pub enum NotionCreatePageOutput {
    /// The new page's id.
    PageId(String),
    /// The new page's link.
    Url(String),
}

/// Creates a Notion page with a title and text, under a page or as a row of a
/// database (with more column values if given).
#[block(id = "01694115-5bf1-4c0a-ac12-433acb943fe2", categories(Productivity), tests = create_page_cases)]
pub struct NotionCreatePageBlock;

impl Run for NotionCreatePageBlock {
    type Input = NotionCreatePageInput;
    type Output = NotionCreatePageOutput;

    async fn run(
        &self,
        input: NotionCreatePageInput,
        ctx: &RunContext,
        out: &Emit<NotionCreatePageOutput>,
    ) -> Result<(), BlockError> {
        let parent_id = id_input("parent_id", &input.parent_id)?;
        let client = NotionClient::from_credentials(ctx.http(), input.credentials.get())?;
        let title = json!([{"type": "text", "text": {"content": input.title}}]);
        let (parent, properties, what) = match input.parent_type {
            NotionParentType::Page => {
                if !input.properties.is_empty() {
                    return Err(BlockError::new(
                        "input `properties` is for database rows; a page under a page has only a title",
                    ));
                }
                (json!({"page_id": parent_id}), json!({"title": title}), format!("page {parent_id}"))
            }
            NotionParentType::Database => {
                let mut properties = input.properties;
                properties.insert(input.title_property.clone(), json!({"title": title}));
                (json!({"database_id": parent_id}), Value::Object(properties), format!("database {parent_id}"))
            }
        };
        let mut children = paragraphs(&input.content);
        let rest = children.split_off(children.len().min(MAX_CHILDREN));
        let mut body = json!({"parent": parent, "properties": properties});
        if !children.is_empty() {
            body["children"] = Value::Array(children);
        }
        let page = client.send(Method::POST, "/pages", Some(&body), &what).await?;
        let page_id =
            page["id"].as_str().ok_or_else(|| BlockError::new("Notion's answer has no page `id`"))?.to_owned();
        for batch in rest.chunks(MAX_CHILDREN) {
            let body = json!({"children": batch});
            client.send(Method::PATCH, &format!("/blocks/{page_id}/children"), Some(&body), "new page").await?;
        }
        out.emit(NotionCreatePageOutput::PageId(page_id)).await?;
        out.emit(NotionCreatePageOutput::Url(page["url"].as_str().unwrap_or_default().to_owned())).await
    }
}

const PARENT: &str = "59833787-2cf9-4fdf-8782-e53db20768a5";
const PAGE: &str = "b55c9c91-384d-452b-81db-d1ef79372b75";

fn notion(method: Exchange) -> Exchange {
    method.header("authorization", "Bearer mock-notion-api-key").header("notion-version", "2022-06-28")
}

fn created() -> Value {
    json!({
        "object": "page", "id": PAGE, "created_time": "2024-03-01T12:00:00.000Z",
        "last_edited_time": "2024-03-01T12:00:00.000Z", "archived": false, "in_trash": false,
        "parent": {"type": "page_id", "page_id": PARENT},
        "url": "https://www.notion.so/Weekly-notes-b55c9c91384d452b81dbd1ef79372b75",
        "public_url": null, "properties": {},
    })
}

fn paragraph(text: &str) -> Value {
    json!({"object": "block", "type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}})
}

fn title(text: &str) -> Value {
    json!({"title": [{"type": "text", "text": {"content": text}}]})
}

fn create_page_cases() -> Vec<TestCase<NotionCreatePageBlock>> {
    let outputs = || {
        [
            NotionCreatePageOutput::PageId(PAGE.into()),
            NotionCreatePageOutput::Url("https://www.notion.so/Weekly-notes-b55c9c91384d452b81dbd1ef79372b75".into()),
        ]
    };
    let many: String = (1..=101).map(|n| format!("p{n}")).collect::<Vec<_>>().join("\n\n");
    vec![
        TestCase::new("creates a page under a page from its link, with paragraphs", NotionCreatePageInput {
            content: "First.\n\nSecond.".into(),
            ..input("https://www.notion.so/acme/Projects-598337872cf94fdf8782e53db20768a5", NotionParentType::Page)
        })
        .http(notion(Exchange::post("https://api.notion.com/v1/pages")).json_body(json!({
            "parent": {"page_id": PARENT},
            "properties": {"title": title("Weekly notes")["title"]},
            "children": [paragraph("First."), paragraph("Second.")],
        })).respond_json(200, created()))
        .outputs(outputs()),
        TestCase::new("adds a database row with its title column and other values", NotionCreatePageInput {
            title_property: "Task".into(),
            properties: json!({"Status": {"status": {"name": "Done"}}}).as_object().cloned().unwrap_or_default(),
            ..input(PARENT, NotionParentType::Database)
        })
        .http(notion(Exchange::post("https://api.notion.com/v1/pages")).json_body(json!({
            "parent": {"database_id": PARENT},
            "properties": {"Status": {"status": {"name": "Done"}}, "Task": title("Weekly notes")},
        })).respond_json(200, created()))
        .outputs(outputs()),
        TestCase::new("appends paragraphs past the first hundred", NotionCreatePageInput { content: many, ..input(PARENT, NotionParentType::Page) })
            .http(notion(Exchange::post("https://api.notion.com/v1/pages"))
                .body_matches(|body| serde_json::from_slice::<Value>(body).is_ok_and(|b| b["children"].as_array().map(Vec::len) == Some(100)))
                .respond_json(200, created()))
            .http(notion(Exchange::patch(&format!("https://api.notion.com/v1/blocks/{PAGE}/children")))
                .json_body(json!({"children": [paragraph("p101")]}))
                .respond_json(200, json!({"object": "list", "results": [], "next_cursor": null, "has_more": false})))
            .outputs(outputs()),
        TestCase::new("explains a parent not shared with the integration", input(PARENT, NotionParentType::Database))
            .http(notion(Exchange::post("https://api.notion.com/v1/pages")).respond_json(404, json!({
                "object": "error", "status": 404, "code": "object_not_found",
                "message": format!("Could not find database with ID: {PARENT}. Make sure the relevant pages and databases are shared with your integration."),
            })))
            .error_containing(format!("Notion found no database {PARENT} (404: Could not find database")),
        TestCase::new("names the property Notion refused", input(PARENT, NotionParentType::Database))
            .http(notion(Exchange::post("https://api.notion.com/v1/pages")).respond_json(400, json!({
                "object": "error", "status": 400, "code": "validation_error",
                "message": "Name is not a property that exists.",
            })))
            .error_containing("Notion rejected the request (400 validation_error: Name is not a property that exists.)"),
        TestCase::new("says until when the rate limit holds", input(PARENT, NotionParentType::Page))
            .http(notion(Exchange::post("https://api.notion.com/v1/pages"))
                .respond_json(429, json!({"object": "error", "status": 429, "code": "rate_limited", "message": "You have been rate limited. Please try again in a few minutes."}))
                .response_header("retry-after", "3"))
            .error_containing("Notion rate limited these credentials until 3 seconds from now"),
        TestCase::new("explains a refused token", input(PARENT, NotionParentType::Page))
            .http(notion(Exchange::post("https://api.notion.com/v1/pages"))
                .respond_json(401, json!({"object": "error", "status": 401, "code": "unauthorized", "message": "API token is invalid."})))
            .error_containing("Notion refused the credentials (401: API token is invalid.)"),
        TestCase::new("refuses a parent that holds no id", input("https://www.notion.so/acme/Projects", NotionParentType::Page))
            .error_containing("input `parent_id`: `https://www.notion.so/acme/Projects` holds no Notion id"),
        TestCase::new("a page under a page takes no column values", NotionCreatePageInput {
            properties: json!({"Status": {}}).as_object().cloned().unwrap_or_default(),
            ..input(PARENT, NotionParentType::Page)
        })
        .error_containing("input `properties` is for database rows"),
    ]
}

fn input(parent: &str, parent_type: NotionParentType) -> NotionCreatePageInput {
    NotionCreatePageInput {
        parent_id: parent.into(),
        parent_type,
        title: "Weekly notes".into(),
        title_property: "Name".into(),
        properties: Map::new(),
        content: String::new(),
        credentials: Credentials::test(),
    }
}
