//! Agents: the user's graphs listed, and imported from their JSON (pasted, or
//! read from a file by the script); a refused import lists every problem in
//! words at its place (the node, the link, the field) and marks those nodes on
//! the diagram of what was sent.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use block_core::graph::Graph;
use serde::Deserialize;
use serde_json::Value;

use super::diagram;
use super::html::{csrf_field, escape, notice, page, segment, time_ms};
use super::{Viewer, error_page, forbidden, shell};
use crate::services::{AppState, graphs};

/// The list's query: what the last action did.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    deleted: Option<String>,
}

/// The import form.
#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    csrf: Option<String>,
    #[serde(default)]
    json: String,
}

/// `GET /agents`.
pub async fn index(State(state): State<AppState>, viewer: Viewer, Query(query): Query<PageQuery>) -> Response {
    let top = if query.deleted.is_some() { notice("ok", "Deleted the agent; its runs stay.") } else { String::new() };
    render(&state, &viewer, &top, "", &Refused::default(), StatusCode::OK).await
}

/// What was wrong with an import.
#[derive(Debug, Default)]
struct Refused {
    /// Problems of the JSON as a whole (it is not JSON, or not an agent).
    json: Option<String>,
    /// The graph as sent, with its problems.
    graph: Option<(Graph, Located)>,
}

/// A graph's problems, located.
#[derive(Debug, Default)]
pub struct Located {
    /// Each problem's place in words, with its message.
    pub places: Vec<(String, String)>,
    /// The messages by node id, for the diagram.
    pub by_node: BTreeMap<String, Vec<String>>,
}

async fn render(
    state: &AppState,
    viewer: &Viewer,
    top: &str,
    sent: &str,
    refused: &Refused,
    status: StatusCode,
) -> Response {
    let listed = match graphs::list(state.storage().as_ref(), &viewer.user.id).await {
        Ok(listed) => listed,
        Err(error) => return error_page(viewer, "/agents", &error),
    };
    let rows: String = listed
        .iter()
        .map(|graph| {
            format!(
                "<tr><td data-label=\"Name\"><a href=\"/agents/{id}\">{name}</a></td>\
                 <td data-label=\"Description\">{description}</td><td data-label=\"Version\">{version} of {latest}</td>\
                 <td data-label=\"Nodes\" class=\"num\">{nodes}</td><td data-label=\"Saved\">{saved}</td>\
                 <td data-label=\"Export\"><a href=\"/agents/{id}/export\" download>JSON<span class=\"sr\"> of {name}</span></a></td></tr>",
                id = segment(&graph.id),
                name = escape(&graph.name),
                description = escape(&graph.description),
                version = graph.version,
                latest = graph.latest_version,
                nodes = graph.graph.nodes.len(),
                saved = time_ms(graph.updated_at),
            )
        })
        .collect();
    let table = if listed.is_empty() {
        "<p class=\"empty\">No agents yet. Import one below: the examples in <code>examples/graphs/</code> are a start.</p>"
            .to_owned()
    } else {
        format!(
            "<div class=\"scroll\"><table class=\"stack\"><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Description</th>\
             <th scope=\"col\">Version</th><th scope=\"col\">Nodes</th><th scope=\"col\">Saved</th><th scope=\"col\">Export</th>\
             </tr></thead><tbody>{rows}</tbody></table></div>"
        )
    };
    let json_error = refused.json.as_deref().map(escape).map(|text| format!("<span>{text}</span>")).unwrap_or_default();
    let hidden = if json_error.is_empty() { " hidden" } else { "" };
    let invalid = if refused.json.is_some() || refused.graph.is_some() { " aria-invalid=\"true\"" } else { "" };
    let problems = match &refused.graph {
        Some((graph, Located { places, by_node })) => {
            let items: String = places
                .iter()
                .map(|(place, message)| format!("<li><strong>{}</strong>: {}</li>", escape(place), escape(message)))
                .collect();
            format!(
                "<section class=\"notice error\" role=\"alert\" aria-labelledby=\"import-problems\">\
                 <h3 id=\"import-problems\">“{}” was not imported: {} problem(s)</h3><ul class=\"problems\">{items}</ul>\
                 <p>The nodes with problems are marked on the diagram below.</p></section>\
                 <div class=\"scroll diagram-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Diagram of the agent sent\">{}</div>",
                escape(&graph.name),
                places.len(),
                diagram::render(graph, state.registry(), by_node)
            )
        }
        None => String::new(),
    };
    let body = format!(
        "{top}<section aria-labelledby=\"yours\"><h2 id=\"yours\">Your agents</h2>{table}</section>\
         <section aria-labelledby=\"import\" class=\"card\" id=\"import-card\"><h2 id=\"import\">Import an agent</h2>{problems}\
         <form method=\"post\" action=\"/agents\" data-import>{csrf}\
         <label for=\"a-file\">From a file</label><input id=\"a-file\" type=\"file\" accept=\".json,application/json\" \
         data-json-into=\"a-json\" aria-describedby=\"a-file-help\">\
         <p class=\"help\" id=\"a-file-help\">An agent exported from this console or from the reference platform; \
         its JSON shows below.</p>\
         <label for=\"a-json\">Agent JSON</label><textarea id=\"a-json\" name=\"json\" rows=\"10\" class=\"code\" \
         spellcheck=\"false\" required aria-describedby=\"a-json-error\"{invalid}>{sent}</textarea>\
         <p class=\"field-error\" id=\"a-json-error\" role=\"alert\"{hidden}>{json_error}</p>\
         <button type=\"submit\">Import</button></form></section>",
        csrf = csrf_field(&viewer.csrf),
        sent = escape(sent),
    );
    page(status, &shell(viewer, "/agents"), "Agents", &body)
}

/// `POST /agents`: imports an agent from its JSON.
pub async fn import(State(state): State<AppState>, viewer: Viewer, Form(form): Form<ImportForm>) -> Response {
    if !viewer.csrf_ok(form.csrf.as_deref()) {
        return forbidden(&viewer);
    }
    let refuse = async |refused: Refused| {
        render(&state, &viewer, "", &form.json, &refused, StatusCode::UNPROCESSABLE_ENTITY).await
    };
    let text = form.json.trim();
    if text.is_empty() {
        return refuse(Refused { json: Some("Paste an agent's JSON, or choose its file.".into()), graph: None }).await;
    }
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => {
            let json = format!("This is not valid JSON: {error}.");
            return refuse(Refused { json: Some(json), graph: None }).await;
        }
    };
    let graph: Graph = match serde_json::from_value(value) {
        Ok(graph) => graph,
        Err(error) => {
            let json = format!("This JSON is not an agent (a graph with nodes and links): {error}.");
            return refuse(Refused { json: Some(json), graph: None }).await;
        }
    };
    match graphs::create(state.storage().as_ref(), state.registry(), &viewer.user.id, graph.clone()).await {
        Ok(stored) => Redirect::to(&format!("/agents/{}?imported=1", segment(&stored.id))).into_response(),
        Err(error) => {
            let located = places_of(&state, &graph, error.details());
            if located.places.is_empty() {
                return refuse(Refused { json: Some(error.message().to_owned()), graph: None }).await;
            }
            refuse(Refused { json: None, graph: Some((graph, located)) }).await
        }
    }
}

/// Each problem's place in words with its message, and the messages by node.
pub fn places_of(state: &AppState, graph: &Graph, details: &Value) -> Located {
    let mut places = Vec::new();
    let mut by_node: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for problem in details["problems"].as_array().into_iter().flatten() {
        let path = problem["path"].as_str().unwrap_or_default();
        let message = problem["message"].as_str().unwrap_or("is not valid").to_owned();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let node_named = |id: &str| -> String {
            match graph.node(id) {
                Some(node) => {
                    let (block, role) = diagram::title_of(node, state.registry());
                    let role = role.map(|role| format!(", {role}")).unwrap_or_default();
                    format!("Node {block}{role} (id {id})")
                }
                None => format!("Node {id}"),
            }
        };
        let place = match parts.as_slice() {
            ["nodes", at, rest @ ..] => {
                let node = at.parse::<usize>().ok().and_then(|at| graph.nodes.get(at));
                let id = problem["node_id"].as_str().or(node.map(|node| node.id.as_str())).unwrap_or(at);
                let field = match rest {
                    ["input_default", field, ..] => {
                        format!(", input “{}”", field.replace("~1", "/").replace("~0", "~"))
                    }
                    _ => String::new(),
                };
                format!("{}{field}", node_named(id))
            }
            ["links", at, ..] => match at.parse::<usize>().ok().and_then(|at| graph.links.get(at)) {
                Some(link) => format!("Link {} → {}", link_end(state, graph, &link.source_id, &link.source_name), {
                    link_end(state, graph, &link.sink_id, &link.sink_name)
                }),
                None => "A link".to_owned(),
            },
            ["name"] => "The agent's name".to_owned(),
            _ => "The agent".to_owned(),
        };
        if let Some(node) = problem["node_id"].as_str() {
            by_node.entry(node.to_owned()).or_default().push(message.clone());
        } else if let ["nodes", at, ..] = parts.as_slice()
            && let Some(node) = at.parse::<usize>().ok().and_then(|at| graph.nodes.get(at))
        {
            by_node.entry(node.id.clone()).or_default().push(message.clone());
        }
        // The place names the node or link already: the message need not repeat it.
        let message = match message.split_once(": ") {
            Some((head, rest)) if head.starts_with("node ") || head.starts_with("link ") => rest.to_owned(),
            _ => message,
        };
        places.push((place, message));
    }
    Located { places, by_node }
}

/// One end of a link in words: its node's block and the pin.
fn link_end(state: &AppState, graph: &Graph, node: &str, pin: &str) -> String {
    match graph.node(node) {
        Some(found) => format!("{}.{pin}", diagram::title_of(found, state.registry()).0),
        None => format!("(no node {node}).{pin}"),
    }
}
