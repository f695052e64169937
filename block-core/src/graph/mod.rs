//! Agents: graphs of blocks.
//!
//! A [`Graph`] is the reference platform's agent, in its JSON shape: nodes (each a
//! block with preset inputs) and links (an output pin of one node feeding an input
//! field of another). [`Graph::validate`] checks it against a [`Registry`](crate::Registry),
//! listing every problem with where it is; [`Graph::input_schema`],
//! [`Graph::output_schema`] and [`Graph::credentials_input_schema`] say what a run
//! takes and gives; [`GraphExecutor`] runs it in this process, node executions
//! going through the block [`Executor`](crate::Executor).
//!
//! ```
//! use block_core::graph::{AgentInputBlock, AgentOutputBlock, Graph, GraphExecutor, GraphInputs, Link, Node};
//! use block_core::{Block, Executor, Registry, RunOptions, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut graph = Graph::new("Echo");
//! graph.nodes.push(Node::new("in", AgentInputBlock::DESCRIPTOR.id).with_input("name", json!("text")));
//! graph.nodes.push(Node::new("out", AgentOutputBlock::DESCRIPTOR.id).with_input("name", json!("echo")));
//! graph.links.push(Link::new("in", "result", "out", "value"));
//!
//! let registry = Registry::builder().block::<AgentInputBlock>().block::<AgentOutputBlock>().build()?;
//! graph.validate(&registry)?;
//! let run = GraphExecutor::new(registry, Executor::new())
//!     .start(&graph, GraphInputs::new().value("text", json!("hi")), RunOptions::default())?;
//! let outcome = run.collect().await;
//! assert_eq!(outcome.output("echo"), [json!("hi")]);
//! # Ok(()) }
//! ```
//!
//! This module never runs a block itself: every node execution goes through a
//! [`NodeRunner`].

mod builder;
mod interface;
mod io;
mod model;
mod pins;
mod problem;
mod run;
mod schema_fit;
pub(crate) mod subgraph;
mod validate;

pub use builder::{Field, GraphBuilder, NodeRef, Pin, Sink, Source};
pub use interface::{CredentialsInput, GraphInputs};
pub use io::{
    AgentInputBlock, AgentInputInput, AgentInputOutput, AgentOutputBlock, AgentOutputInput, AgentOutputOutput,
    ValueType,
};
pub use model::{Graph, Link, Node};
pub use pins::{MAX_LIST_INDEX, PinNameError, PinPath, PinStep};
pub use problem::{GraphError, GraphProblem};
pub use run::{
    CancelHandle, GraphEvent, GraphExecutor, GraphOutcome, GraphRun, GraphRunStatus, InProcessRunner, NodeExecution,
    NodeFailure, NodeOutputs, NodeRequest, NodeRunError, NodeRunner, NodeStatus, StartError,
};
pub use schema_fit::JsonTypes;
pub use subgraph::{AgentExecutorBlock, AgentExecutorInput, AgentExecutorOutput, MAX_DEPTH};
