//! What can be wrong with a graph, each problem naming where it is.

use std::fmt;

use super::PinNameError;

/// One thing wrong with a graph, with where it is: the node id, the link (its id
/// and ends), the pin or the field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphProblem {
    /// Two nodes share an id.
    DuplicateNode {
        /// The shared id.
        node: String,
    },
    /// Two links share an id.
    DuplicateLink {
        /// The shared id.
        link: String,
    },
    /// A node's block is not in the registry.
    UnknownBlock {
        /// The node.
        node: String,
        /// The block id it names.
        block_id: String,
    },
    /// A node's block is disabled.
    DisabledBlock {
        /// The node.
        node: String,
        /// The block's name.
        block: &'static str,
    },
    /// A link names a node the graph does not have.
    UnknownNode {
        /// The link.
        link: String,
        /// `source` or `sink`.
        end: &'static str,
        /// The node id it names.
        node: String,
    },
    /// A link's pin or field name cannot be read.
    BadPinName {
        /// The link.
        link: String,
        /// What is wrong with the name.
        error: PinNameError,
    },
    /// A link starts at an output pin the source's block does not have.
    UnknownOutputPin {
        /// The link.
        link: String,
        /// The source node.
        node: String,
        /// Its block's name.
        block: &'static str,
        /// The pin named.
        pin: String,
        /// The pins the node has.
        known: Vec<String>,
    },
    /// A link starts at the `error` pin, which never carries a value on: a node's
    /// error fails its execution and the run.
    ErrorPinLinked {
        /// The link.
        link: String,
    },
    /// A link ends at an input field the sink's block does not have.
    UnknownInputField {
        /// The link.
        link: String,
        /// The sink node.
        node: String,
        /// Its block's name.
        block: &'static str,
        /// The field named.
        field: String,
    },
    /// No value the link's source can send is of a type its sink field accepts.
    IncompatibleLink {
        /// The link.
        link: String,
        /// The types the source sends.
        source_types: String,
        /// The types the sink accepts.
        sink_types: String,
    },
    /// A dynamic name steps into a value that cannot have that part (a key of a
    /// string field, an index of an object pin).
    BadStep {
        /// The link.
        link: String,
        /// Which end: `source` or `sink`.
        end: &'static str,
        /// Why.
        reason: String,
    },
    /// A required input field has no link into it, no preset value and no default.
    MissingInput {
        /// The node.
        node: String,
        /// Its block's name.
        block: &'static str,
        /// The field.
        field: String,
    },
    /// A preset value is of a type its field never accepts.
    DefaultDoesNotFit {
        /// The node.
        node: String,
        /// The field.
        field: String,
        /// The types the field accepts.
        expected: String,
        /// The type of the preset value.
        found: String,
    },
    /// Two input (or output) nodes share a name.
    DuplicateName {
        /// `input` or `output`.
        kind: &'static str,
        /// The shared name.
        name: String,
        /// The nodes that share it.
        nodes: Vec<String>,
    },
    /// A run gives no value for a graph input that has no default.
    MissingGraphInput {
        /// The input's name.
        name: String,
        /// Its node.
        node: String,
    },
    /// A run gives a value for an input the graph does not have.
    UnknownGraphInput {
        /// The name given.
        name: String,
    },
    /// A required credentials field has no preset credentials, and the run gives
    /// none for the graph credentials input that fills it.
    MissingCredentials {
        /// The node.
        node: String,
        /// The credentials field.
        field: String,
        /// The graph credentials input that fills it.
        input: String,
    },
    /// A sub-graph node names a graph that is not among the sub-graphs.
    UnknownSubGraph {
        /// The node.
        node: String,
        /// The graph id named.
        graph_id: String,
    },
    /// A sub-graph runs itself, directly or through others, or sub-graphs nest
    /// deeper than [`MAX_DEPTH`](super::subgraph::MAX_DEPTH).
    SubGraphLoop {
        /// The node.
        node: String,
        /// The graph id named.
        graph_id: String,
    },
    /// A run gives values to a node the graph does not have.
    ValuesForUnknownNode {
        /// The node id named.
        node: String,
    },
    /// A graph has more than one webhook trigger node; a delivery starts one.
    SeveralTriggers {
        /// The trigger nodes.
        nodes: Vec<String>,
    },
    /// A graph with a webhook trigger node is run without the delivery that
    /// gives that node its `payload`.
    TriggerWithoutPayload {
        /// The trigger node.
        node: String,
        /// Its block's name.
        block: &'static str,
    },
    /// A problem of the sub-graph a node runs.
    InSubGraph {
        /// The node running the sub-graph.
        node: String,
        /// The sub-graph's problem.
        problem: Box<GraphProblem>,
    },
}

impl fmt::Display for GraphProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphProblem::DuplicateNode { node } => write!(f, "node {node}: another node has the same id"),
            GraphProblem::DuplicateLink { link } => write!(f, "link {link}: another link has the same id"),
            GraphProblem::UnknownBlock { node, block_id } => write!(f, "node {node}: unknown block `{block_id}`"),
            GraphProblem::DisabledBlock { node, block } => write!(f, "node {node}: block {block} is disabled"),
            GraphProblem::UnknownNode { link, end, node } => {
                write!(f, "{link}: the {end} node `{node}` does not exist")
            }
            GraphProblem::BadPinName { link, error } => write!(f, "{link}: {error}"),
            GraphProblem::UnknownOutputPin { link, node, block, pin, known } => {
                write!(f, "{link}: node {node} ({block}) has no output pin `{pin}` (its pins: {})", known.join(", "))
            }
            GraphProblem::ErrorPinLinked { link } => {
                write!(f, "{link}: the `error` pin cannot be linked; a node's error fails its execution")
            }
            GraphProblem::UnknownInputField { link, node, block, field } => {
                write!(f, "{link}: node {node} ({block}) has no input field `{field}`")
            }
            GraphProblem::IncompatibleLink { link, source_types, sink_types } => write!(
                f,
                "{link}: the source sends {source_types}, which the sink field (taking {sink_types}) never accepts"
            ),
            GraphProblem::BadStep { link, end, reason } => write!(f, "{link}: at the {end}, {reason}"),
            GraphProblem::MissingInput { node, block, field } => write!(
                f,
                "node {node} ({block}): the required input `{field}` has no link, no preset value and no default"
            ),
            GraphProblem::DefaultDoesNotFit { node, field, expected, found } => {
                write!(f, "node {node}: the preset value of `{field}` is {found}, but the field takes {expected}")
            }
            GraphProblem::DuplicateName { kind, name, nodes } => {
                write!(f, "nodes {}: each is the graph {kind} `{name}`", nodes.join(", "))
            }
            GraphProblem::MissingGraphInput { name, node } => {
                write!(f, "input `{name}` (node {node}): no value given and no default")
            }
            GraphProblem::UnknownGraphInput { name } => write!(f, "input `{name}`: the graph has no such input"),
            GraphProblem::MissingCredentials { node, field, input } => write!(
                f,
                "node {node}: the credentials field `{field}` has no preset credentials and the run gives none \
                 for the graph credentials input `{input}`"
            ),
            GraphProblem::UnknownSubGraph { node, graph_id } => {
                write!(f, "node {node}: the sub-graph `{graph_id}` is not among the graph's sub_graphs")
            }
            GraphProblem::SubGraphLoop { node, graph_id } => write!(
                f,
                "node {node}: the sub-graph `{graph_id}` runs itself, or sub-graphs nest deeper than {}",
                super::subgraph::MAX_DEPTH
            ),
            GraphProblem::ValuesForUnknownNode { node } => {
                write!(f, "node {node}: the run gives it values, but the graph has no such node")
            }
            GraphProblem::SeveralTriggers { nodes } => write!(
                f,
                "nodes {}: each is a webhook trigger, and a graph has one at most (the one a delivery starts)",
                nodes.join(", ")
            ),
            GraphProblem::TriggerWithoutPayload { node, block } => write!(
                f,
                "node {node} ({block}) is a webhook trigger: the graph runs on its webhook's deliveries, which give \
                 it its `payload`, not on its own"
            ),
            GraphProblem::InSubGraph { node, problem } => write!(f, "node {node} (sub-graph): {problem}"),
        }
    }
}

/// Every problem found in a graph; `Display` lists them one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GraphError {
    /// The problems, in the order the graph's parts were checked.
    pub problems: Vec<GraphProblem>,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        write!(f, "the graph has {count} problem{}:", if count == 1 { "" } else { "s" })?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}
