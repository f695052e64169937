//! A graph's problems as a refusal: every problem, each with the JSON pointer
//! of where it is in the saved graph (`/nodes/2`, `/links/0`) or in the run's
//! request (`/node_input/topic`, `/credentials_inputs/github_api_key_credentials`).

use block_core::graph::{Graph, GraphError, GraphProblem};
use serde_json::{Value, json};

use crate::services::{Refusal, ServiceError};

/// 422 `invalid_graph` listing every problem of `error` in `graph`, each with
/// `path`, `message` and the node or link it names.
pub fn invalid_graph(graph: &Graph, error: &GraphError) -> ServiceError {
    let list: Vec<Value> = error.problems.iter().map(|problem| described(graph, problem)).collect();
    let summary: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    ServiceError::new(Refusal::Invalid, "invalid_graph", format!("the graph has problems: {}", summary.join("; ")))
        .with_details(json!({"problems": list}))
}

fn described(graph: &Graph, problem: &GraphProblem) -> Value {
    let (path, node, link) = location(graph, problem);
    json!({"path": path, "message": problem.to_string(), "node_id": node, "link_id": link})
}

fn node_path(graph: &Graph, id: &str) -> String {
    graph.nodes.iter().position(|node| node.id == id).map_or_else(|| "/nodes".to_owned(), |at| format!("/nodes/{at}"))
}

/// The position of the link a problem names: by its id, or by the
/// description problems give it (`link <id> (<source> -> <sink>)`).
fn link_at(graph: &Graph, named: &str) -> Option<usize> {
    graph.links.iter().position(|link| link.id == named).or_else(|| {
        graph.links.iter().position(|link| {
            named.strip_prefix("link ").is_some_and(|rest| rest.starts_with(&format!("{} (", link.id)))
        })
    })
}

/// A JSON pointer token: `~` and `/` escaped.
fn token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// Where `problem` is: its path, and the node or link it names.
fn location(graph: &Graph, problem: &GraphProblem) -> (String, Option<String>, Option<String>) {
    let at_node = |node: &str| (node_path(graph, node), Some(node.to_owned()), None);
    let at_field = |node: &str, field: &str| {
        (format!("{}/input_default/{}", node_path(graph, node), token(field)), Some(node.to_owned()), None)
    };
    let at_link = |link: &str| match link_at(graph, link) {
        Some(at) => (format!("/links/{at}"), None, Some(graph.links[at].id.clone())),
        None => ("/links".to_owned(), None, None),
    };
    match problem {
        GraphProblem::DuplicateNode { node }
        | GraphProblem::UnknownBlock { node, .. }
        | GraphProblem::DisabledBlock { node, .. }
        | GraphProblem::UnknownSubGraph { node, .. }
        | GraphProblem::SubGraphLoop { node, .. }
        | GraphProblem::InSubGraph { node, .. }
        | GraphProblem::TriggerWithoutPayload { node, .. } => at_node(node),
        GraphProblem::MissingInput { node, field, .. } | GraphProblem::DefaultDoesNotFit { node, field, .. } => {
            at_field(node, field)
        }
        GraphProblem::DuplicateLink { link }
        | GraphProblem::UnknownNode { link, .. }
        | GraphProblem::BadPinName { link, .. }
        | GraphProblem::UnknownOutputPin { link, .. }
        | GraphProblem::ErrorPinLinked { link }
        | GraphProblem::UnknownInputField { link, .. }
        | GraphProblem::IncompatibleLink { link, .. }
        | GraphProblem::BadStep { link, .. } => at_link(link),
        GraphProblem::DuplicateName { nodes, .. } | GraphProblem::SeveralTriggers { nodes } => match nodes.first() {
            Some(node) => at_node(node),
            None => ("/nodes".to_owned(), None, None),
        },
        GraphProblem::MissingGraphInput { name, node } => {
            (format!("/node_input/{}", token(name)), Some(node.clone()), None)
        }
        GraphProblem::UnknownGraphInput { name } => (format!("/node_input/{}", token(name)), None, None),
        GraphProblem::MissingCredentials { node, input, .. } => {
            (format!("/credentials_inputs/{}", token(input)), Some(node.clone()), None)
        }
        GraphProblem::ValuesForUnknownNode { node } => ("/nodes".to_owned(), Some(node.clone()), None),
        _ => (String::new(), None, None),
    }
}
