//! The tools: one per enabled block a caller may run, named, described and
//! schema'd once when the door opens, then filtered by each caller's scopes and
//! paged.
//!
//! Trigger blocks are not tools: their input is a provider's webhook delivery,
//! which no client has to give. The caller's agents (graphs) are tools too
//! ([`super::agents`]), listed per caller on the first page: each [`ToolEntry`]
//! says what it runs ([`ToolTarget`]) and which scope that needs.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use block_core::{RegisteredBlock, Registry};
use serde_json::{Map, Value, json};

use super::schema;
use crate::domain::{Caller, Scope};

/// How many tools one `tools/list` page holds.
pub const PAGE_SIZE: usize = 50;

/// The longest tool name clients accept.
const MAX_NAME: usize = 64;

/// What a tool runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolTarget {
    /// A block, by id.
    Block(&'static str),
    /// A graph (an agent) of the caller, at a version (see [`super::agents`]).
    Graph {
        /// The graph's id.
        id: String,
        /// The version a call runs (the active one when the tools were listed).
        version: u32,
    },
}

/// One tool, transport-free.
#[derive(Debug, Clone)]
pub struct ToolEntry {
    /// Unique, stable, `[a-z0-9_]`: the snake_case of the block's name without
    /// its `Block` suffix (`CalculatorBlock` -> `calculator`).
    pub name: String,
    /// The block's name, as a title.
    pub title: String,
    /// The block's description.
    pub description: String,
    /// The input schema, strict, without credentials fields (shared: every
    /// `tools/list` hands it out).
    pub input_schema: Arc<Map<String, Value>>,
    /// `{pin: [values]}`: an array per output pin, `error` included.
    pub output_schema: Arc<Map<String, Value>>,
    /// What it runs.
    pub target: ToolTarget,
    /// The scope a caller needs to see and call it.
    pub scope: Scope,
}

/// Every tool, in name order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    tools: Vec<ToolEntry>,
    by_name: HashMap<String, usize>,
}

/// A page of tools, and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct ToolPage<'c> {
    /// The tools of this page.
    pub tools: Vec<&'c ToolEntry>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

/// A cursor this server did not hand out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCursor;

impl Catalogue {
    /// The tools of `registry`'s enabled blocks, but for triggers (webhook or
    /// polling: their input is what a delivery or a poll brings) and the
    /// sub-graph block (it runs only as a node of a graph).
    pub fn of(registry: &Registry) -> Catalogue {
        let mut tools: Vec<ToolEntry> = Vec::new();
        let sub_graph = <block_core::graph::AgentExecutorBlock as block_core::Block>::DESCRIPTOR.id;
        let mut blocks: Vec<&RegisteredBlock> = registry
            .blocks()
            .filter(|block| {
                let descriptor = block.descriptor();
                !descriptor.disabled
                    && descriptor.trigger.is_none()
                    && descriptor.poll.is_none()
                    && descriptor.id != sub_graph
            })
            .collect();
        blocks.sort_by_key(|block| block.name());
        let mut taken: HashMap<String, usize> = HashMap::new();
        for block in blocks {
            let mut name = tool_name(block.name());
            if taken.contains_key(&name) {
                // Two blocks whose names differ only in case or punctuation: the
                // later one (by name) carries the start of its id, which never changes.
                let suffix = format!("_{}", &block.id().replace('-', "")[..8]);
                name.truncate(MAX_NAME - suffix.len());
                name.push_str(&suffix);
            }
            taken.insert(name.clone(), tools.len());
            tools.push(block_tool(block, name));
        }
        tools.sort_by(|a, b| a.name.cmp(&b.name));
        let by_name = tools.iter().enumerate().map(|(index, tool)| (tool.name.clone(), index)).collect();
        Catalogue { tools, by_name }
    }

    /// Every tool.
    pub fn all(&self) -> &[ToolEntry] {
        &self.tools
    }

    /// The tool named `name`, if `caller` may use it.
    pub fn find(&self, caller: &Caller, name: &str) -> Option<&ToolEntry> {
        self.by_name.get(name).map(|index| &self.tools[*index]).filter(|tool| caller.may(tool.scope))
    }

    /// The page of `caller`'s tools that `cursor` starts (the first without one).
    pub fn page(&self, caller: &Caller, cursor: Option<&str>) -> Result<ToolPage<'_>, BadCursor> {
        let start = match cursor {
            None => 0,
            Some(cursor) => decode_cursor(cursor).ok_or(BadCursor)?,
        };
        let visible: Vec<&ToolEntry> = self.tools.iter().filter(|tool| caller.may(tool.scope)).collect();
        if start > visible.len() {
            return Err(BadCursor);
        }
        let end = (start + PAGE_SIZE).min(visible.len());
        let next_cursor = (end < visible.len()).then(|| encode_cursor(end));
        Ok(ToolPage { tools: visible[start..end].to_vec(), next_cursor })
    }
}

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("tools:{offset}"))
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    std::str::from_utf8(&bytes).ok()?.strip_prefix("tools:")?.parse().ok()
}

/// `GithubCreateIssueBlock` -> `github_create_issue`; only `[a-z0-9_]`, at most
/// 64 characters.
pub fn tool_name(block_name: &str) -> String {
    let stem = match block_name.strip_suffix("Block") {
        Some(stem) if !stem.is_empty() => stem,
        _ => block_name,
    };
    let mut name = String::with_capacity(stem.len() + 4);
    let mut previous: Option<char> = None;
    let chars: Vec<char> = stem.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let next_is_lower = chars.get(index + 1).is_some_and(char::is_ascii_lowercase);
            let boundary = c.is_ascii_uppercase()
                && previous.is_some_and(|p| {
                    p.is_ascii_lowercase() || p.is_ascii_digit() || (p.is_ascii_uppercase() && next_is_lower)
                });
            if boundary && !name.ends_with('_') {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
        previous = Some(c);
    }
    let mut name = name.trim_matches('_').to_owned();
    if name.is_empty() {
        name.push_str("block");
    }
    name.truncate(MAX_NAME);
    name
}

fn block_tool(block: &RegisteredBlock, name: String) -> ToolEntry {
    let credentials: Vec<&str> = block.credential_fields().iter().map(|field| field.name.as_str()).collect();
    let input_schema = schema::strict(block.wire_input_schema(), &credentials);
    let mut pins = Map::new();
    if let Some(properties) = block.wire_output_schema().get("properties").and_then(Value::as_object) {
        for (pin, pin_schema) in properties {
            let items = Value::Object(schema::strict_sub(pin_schema));
            let mut array = json!({"type": "array", "items": items});
            if let Some(description) = pin_schema.get("description") {
                array["description"] = description.clone();
            }
            pins.insert(pin.clone(), array);
        }
    }
    let output_schema = json!({
        "type": "object",
        "description": "Every value each output pin emitted, in order: {pin: [values]}; `error` when the run failed.",
        "properties": pins,
        "additionalProperties": false,
    });
    let output_schema = match output_schema {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    let description = block.descriptor().description;
    ToolEntry {
        name,
        title: block.name().to_owned(),
        description: if description.is_empty() { format!("Runs {}.", block.name()) } else { description.to_owned() },
        input_schema: Arc::new(input_schema),
        output_schema: Arc::new(output_schema),
        target: ToolTarget::Block(block.id()),
        scope: Scope::ExecuteBlock,
    }
}

#[cfg(test)]
mod tests {
    use super::tool_name;

    #[test]
    fn tool_names_are_snake_case_without_the_block_suffix() {
        assert_eq!(tool_name("CalculatorBlock"), "calculator");
        assert_eq!(tool_name("GithubCreateIssueBlock"), "github_create_issue");
        assert_eq!(tool_name("OpenAiChatBlock"), "open_ai_chat");
        assert_eq!(tool_name("Base64Block"), "base64");
        assert_eq!(tool_name("HTTPRequestBlock"), "http_request");
        assert_eq!(tool_name("Block"), "block");
        assert_eq!(tool_name("Weird Name!Block"), "weird_name");
        assert_eq!(tool_name(&"A".repeat(100)).len(), 64);
    }
}
