//! Sub-graphs: a node that runs another graph as one node.
//!
//! An [`AgentExecutorBlock`] node names a graph among the parent's `sub_graphs`
//! (`graph_id`, optionally `graph_version`) and gives its inputs in `inputs` (an
//! object, or one link per input: `inputs_#_<name>`, or, as the reference's exports
//! do, a link into `<name>` itself). The graph executor runs the
//! sub-graph with those inputs and the parent run's credentials; each value of a
//! sub-graph output comes out of the node on the pin named after the output, so
//! links leave the node from `<output name>`. Stopping the parent run stops the
//! sub-graph's run with it. Sub-graphs may nest (their own sub-graphs are looked up
//! among the outermost graph's `sub_graphs`, as the reference exports them) up to
//! [`MAX_DEPTH`] levels.

use serde_json::{Map, Value, json};

use super::{Graph, GraphProblem, Node};
use crate::prelude::*;
use crate::registry::Registry;
use crate::{Block, BlockInput, BlockOutput, OutputEvent, block};

/// How deep sub-graphs may nest.
pub const MAX_DEPTH: usize = 8;

/// Inputs of [`AgentExecutorBlock`].
#[derive(BlockInput)]
#[block_input(crate = crate)]
pub struct AgentExecutorInput {
    /// The id of the graph to run, one of the parent graph's `sub_graphs`.
    pub graph_id: String,
    /// Its version; the highest one present when absent.
    #[block_input(advanced)]
    pub graph_version: Option<u32>,
    /// The sub-graph's input values, by input name.
    #[block_input(default = {})]
    pub inputs: Map<String, Value>,
}

/// Outputs of [`AgentExecutorBlock`]: none declared, since they are the outputs
/// of whichever graph the node runs (the graph executor emits them by name).
pub enum AgentExecutorOutput {}

#[diagnostic::do_not_recommend]
impl BlockOutput for AgentExecutorOutput {
    const PINS: &'static [&'static str] = &[];

    fn pin(&self) -> &'static str {
        match *self {}
    }

    fn into_event(self) -> Result<OutputEvent, BlockError> {
        match self {}
    }

    fn output_schema() -> Value {
        crate::schema::OutputSchemaBuilder::new("AgentExecutorOutput").finish()
    }
}

/// Runs another graph as one node of a graph: its outputs come out of the node
/// under their names. Only the graph executor can run it; executed alone, it fails.
#[block(
    id = "320a7860-e7f8-44b7-851d-9461a6319891",
    categories(Agent),
    tests = agent_executor_cases,
    crate = crate
)]
pub struct AgentExecutorBlock;

#[diagnostic::do_not_recommend]
impl Run for AgentExecutorBlock {
    type Input = AgentExecutorInput;
    type Output = AgentExecutorOutput;

    async fn run(
        &self,
        input: AgentExecutorInput,
        _ctx: &RunContext,
        _out: &Emit<AgentExecutorOutput>,
    ) -> Result<(), BlockError> {
        Err(BlockError::new(format!(
            "AgentExecutorBlock runs the graph `{}` only as a node of a graph run by the graph executor",
            input.graph_id
        )))
    }
}

fn agent_executor_cases() -> Vec<TestCase<AgentExecutorBlock>> {
    vec![
        TestCase::json("fails when executed outside a graph", json!({"graph_id": "g"}))
            .error_containing("only as a node of a graph"),
        TestCase::json("needs a graph id", json!({})).invalid_input([""]),
    ]
}

/// Whether `node` runs a sub-graph.
pub(crate) fn is_sub_graph_node(node: &Node) -> bool {
    node.block_id == AgentExecutorBlock::DESCRIPTOR.id || node.block_id == AgentExecutorBlock::DESCRIPTOR.name
}

/// The graph a sub-graph node runs, with the outermost graph's sub-graphs beside
/// it so that its own sub-graph nodes find theirs.
pub(crate) fn target(root: &Graph, node: &Node) -> Option<Graph> {
    if !is_sub_graph_node(node) {
        return None;
    }
    let id = node.input_default.get("graph_id")?.as_str()?;
    let version = node.input_default.get("graph_version").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok());
    let mut graph = root.sub_graph(id, version)?.clone();
    if graph.sub_graphs.is_empty() {
        graph.sub_graphs = root.sub_graphs.clone();
    }
    Some(graph)
}

/// The output pins of a sub-graph node: the names of its graph's outputs.
pub(crate) fn output_names(root: &Graph, node: &Node) -> Option<Vec<String>> {
    let graph = target(root, node)?;
    Some(graph.output_nodes().filter_map(|node| node.io_name()).map(str::to_owned).collect())
}

/// The names of the inputs of a sub-graph node's graph, which links may fill
/// directly (`<input name>`), as the reference's exports do.
pub(crate) fn input_names(root: &Graph, node: &Node) -> Option<Vec<String>> {
    let graph = target(root, node)?;
    Some(graph.input_nodes().filter_map(|node| node.io_name()).map(str::to_owned).collect())
}

/// Problems of the sub-graph nodes: a graph not among the sub-graphs, or a
/// sub-graph with problems of its own (each named with the node that runs it).
pub(crate) fn problems(root: &Graph, registry: &Registry) -> Vec<GraphProblem> {
    problems_at(root, registry, &mut Vec::new())
}

fn problems_at(root: &Graph, registry: &Registry, path: &mut Vec<(String, u32)>) -> Vec<GraphProblem> {
    let mut problems = Vec::new();
    for node in root.nodes.iter().filter(|node| is_sub_graph_node(node)) {
        let Some(graph_id) = node.input_default.get("graph_id").and_then(Value::as_str) else { continue };
        let Some(graph) = target(root, node) else {
            problems.push(GraphProblem::UnknownSubGraph { node: node.id.clone(), graph_id: graph_id.to_owned() });
            continue;
        };
        let key = (graph.id.clone(), graph.version);
        if path.contains(&key) || path.len() >= MAX_DEPTH {
            problems.push(GraphProblem::SubGraphLoop { node: node.id.clone(), graph_id: graph.id.clone() });
            continue;
        }
        path.push(key);
        let mut inner = graph.own_problems(registry);
        inner.extend(problems_at(&graph, registry, path));
        path.pop();
        problems.extend(
            inner
                .into_iter()
                .map(|problem| GraphProblem::InSubGraph { node: node.id.clone(), problem: Box::new(problem) }),
        );
    }
    problems
}
