//! The one place rmcp's types meet the server: [`McpServer`] answers
//! `initialize`, `tools/list` and `tools/call` from the [`Catalogue`] and
//! [`calls`](super::calls). Nothing outside `mcp` names an rmcp type.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, ListToolsResult,
    PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use super::agents;
use super::calls::{self, CallOutcome};
use super::catalogue::{Catalogue, ToolEntry, ToolTarget};
use crate::domain::{Caller, RunEvent};
use crate::services::AppState;

/// The longest text a tool result's summary quotes of one value.
const SUMMARY_VALUE_CHARS: usize = 2000;

/// The MCP server of one door: HTTP (the caller comes with each request) or
/// stdio (one caller for the whole session).
#[derive(Clone)]
pub struct McpServer {
    state: AppState,
    catalogue: Arc<Catalogue>,
    fixed: Option<Arc<Caller>>,
}

impl McpServer {
    /// A server whose caller comes with each HTTP request (see
    /// [`super::http`]).
    pub fn per_request(state: AppState, catalogue: Arc<Catalogue>) -> Self {
        McpServer { state, catalogue, fixed: None }
    }

    /// A server acting for `caller` throughout (stdio).
    pub fn for_caller(state: AppState, catalogue: Arc<Catalogue>, caller: Caller) -> Self {
        McpServer { state, catalogue, fixed: Some(Arc::new(caller)) }
    }

    fn caller(&self, context: &RequestContext<RoleServer>) -> Result<Arc<Caller>, ErrorData> {
        if let Some(caller) = &self.fixed {
            return Ok(caller.clone());
        }
        context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Arc<Caller>>())
            .cloned()
            .ok_or_else(|| ErrorData::internal_error("the request reached the MCP server unauthenticated", None))
    }
}

fn tool(entry: &ToolEntry) -> Tool {
    Tool::new(entry.name.clone(), entry.description.clone(), entry.input_schema.clone())
        .with_title(entry.title.clone())
        .with_raw_output_schema(entry.output_schema.clone())
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        let mut implementation = Implementation::new("block-server", env!("CARGO_PKG_VERSION"));
        implementation.title = Some("Blocks".to_owned());
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(implementation)
            .with_instructions(
                "Each tool runs one block, or (named agent_...) one of the caller's agents. Arguments follow the tool's input schema; credentials are the caller's \
                 stored ones. Results are {pin: [values]}; a failed run is a tool error naming why.",
            )
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = self.caller(&context)?;
        let cursor = request.as_ref().and_then(|request| request.cursor.as_deref());
        let page = self.catalogue.page(&caller, cursor).map_err(|_| {
            ErrorData::invalid_params("the cursor is not one this server handed out; list again without it", None)
        })?;
        // The caller's agents come first, on the first page.
        let agents = match cursor {
            None => agents::tools_of(&self.state, &caller)
                .await
                .map_err(|refusal| ErrorData::internal_error(refusal.message().to_owned(), None))?,
            Some(_) => Vec::new(),
        };
        let tools = agents.iter().chain(page.tools).map(tool).collect();
        let mut result = ListToolsResult::with_all_items(tools);
        result.next_cursor = page.next_cursor;
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = self.caller(&context)?;
        let Some(entry) = self.catalogue.find(&caller, &request.name) else {
            let agent = agents::find(&self.state, &caller, &request.name)
                .await
                .map_err(|refusal| ErrorData::internal_error(refusal.message().to_owned(), None))?;
            return match agent {
                Some(agent) => Ok(self.call_agent(&caller, &agent, request, context).await),
                None => Err(ErrorData::invalid_params(
                    format!("no tool named `{}` (tools/list shows those these credentials may call)", request.name),
                    None,
                )),
            };
        };
        let progress = context.meta.get_progress_token();
        let peer = context.peer.clone();
        let on_output = |seq: u64, event: &block_core::OutputEvent| {
            let notification = progress.clone().map(|token| {
                ProgressNotificationParam::new(token, seq as f64).with_message(format!(
                    "{}: {}",
                    event.name,
                    clip(&event.value.to_string())
                ))
            });
            let peer = peer.clone();
            async move {
                if let Some(notification) = notification {
                    // A client that went away cannot be told; the run goes on to its end.
                    let _ = peer.notify_progress(notification).await;
                }
            }
        };
        let arguments = request.arguments.unwrap_or_default();
        let cancelled = context.ct.clone();
        match calls::call(&self.state, &caller, entry, arguments, on_output, cancelled.cancelled_owned()).await {
            Ok(outcome) => Ok(result(outcome).into()),
            // Refused before the block ran (invalid input, missing credentials, no
            // credits): a tool error the model can act on, not a protocol error.
            Err(refusal) => Ok(CallToolResult::error(vec![ContentBlock::text(refusal.message().to_owned())]).into()),
        }
    }
}

impl McpServer {
    /// Runs an agent tool: its node events as progress, its outputs as the
    /// result.
    async fn call_agent(
        &self,
        caller: &Caller,
        entry: &ToolEntry,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let ToolTarget::Graph { id, version } = &entry.target else {
            return CallToolResult::error(vec![ContentBlock::text("this tool runs a block".to_owned())]).into();
        };
        let progress = context.meta.get_progress_token();
        let peer = context.peer.clone();
        let on_event = |seq: u64, event: &RunEvent| {
            let notification = progress.clone().map(|token| {
                ProgressNotificationParam::new(token, seq as f64).with_message(format!(
                    "{}: {}",
                    event.name,
                    clip(&event.data.to_string())
                ))
            });
            let peer = peer.clone();
            async move {
                if let Some(notification) = notification {
                    let _ = peer.notify_progress(notification).await;
                }
            }
        };
        let arguments = request.arguments.unwrap_or_default();
        let cancelled = context.ct.clone();
        match agents::call(&self.state, caller, (id, *version), arguments, on_event, cancelled.cancelled_owned()).await
        {
            Ok(outcome) => {
                let text = match &outcome.error {
                    Some(error) => format!("{} failed (run {}): {error}", outcome.graph, outcome.run_id),
                    None => format!("{} completed (run {})", outcome.graph, outcome.run_id),
                };
                let text = outcome_lines(text, &outcome.outputs);
                let mut result = match outcome.error {
                    Some(_) => CallToolResult::error(vec![ContentBlock::text(text)]),
                    None => CallToolResult::success(vec![ContentBlock::text(text)]),
                };
                result.structured_content = Some(outcome.outputs);
                result.into()
            }
            Err(refusal) => CallToolResult::error(vec![ContentBlock::text(refusal.message().to_owned())]).into(),
        }
    }
}

fn result(outcome: CallOutcome) -> CallToolResult {
    let summary = summary(&outcome);
    let mut result = match outcome.error {
        Some(_) => CallToolResult::error(vec![ContentBlock::text(summary)]),
        None => CallToolResult::success(vec![ContentBlock::text(summary)]),
    };
    result.structured_content = Some(outcome.outputs);
    result
}

/// `CalculatorBlock completed (run 0190...)` and one line per pin.
fn summary(outcome: &CallOutcome) -> String {
    let mut text = match &outcome.error {
        Some(error) => format!("{} failed (run {}): {error}", outcome.block, outcome.run_id),
        None => format!("{} completed (run {})", outcome.block, outcome.run_id),
    };
    text = outcome_lines(text, &outcome.outputs);
    if !outcome.ignored.is_empty() {
        text.push_str(&format!("\nignored arguments (not in the schema): {}", outcome.ignored.join(", ")));
    }
    text
}

/// `text`, then one line per value of each pin (or graph output) but `error`.
fn outcome_lines(mut text: String, outputs: &Value) -> String {
    if let Value::Object(pins) = outputs {
        for (pin, values) in pins.iter().filter(|(pin, _)| pin.as_str() != "error") {
            for value in values.as_array().into_iter().flatten() {
                let shown = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                text.push_str(&format!("\n{pin}: {}", clip(&shown)));
            }
        }
    }
    text
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_VALUE_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
