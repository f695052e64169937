//! `block-server graphs ...`: check, save, list, show and run graphs (agents).
//! `validate` and `run` of a file need no data directory: a file is checked
//! against the linked blocks and run in this process (node events printed as
//! they happen, then the outputs); `create`, `list` and `show` work on the
//! local user's graphs in the data directory, and `run` takes a saved graph's
//! id too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use block_core::graph::{Graph, GraphEvent, GraphExecutor, GraphInputs, GraphRunStatus};
use block_core::provider::platform_credentials;
use block_core::{Executor, InMemoryCredentialStore, Registry, RunOptions, Value};
use clap::Subcommand;

use super::dotenv::Environment;
use super::input::InputSource;
use super::table::Table;
use super::{CLI_USER, CliError, DataArgs};
use crate::app::open_storage;
use crate::domain::Redactor;
use crate::services::accounts as bootstrap;
use crate::services::{ServiceError, graphs};

/// The `graphs` subcommands.
#[derive(Debug, Subcommand)]
pub enum GraphsCommand {
    /// Check a graph file against the linked blocks and print every problem
    /// with where it is.
    Validate {
        /// The graph, in the reference's JSON shape.
        file: PathBuf,
    },
    /// Save a graph file as a new graph of the local user (version 1, active).
    Create {
        /// The graph, in the reference's JSON shape.
        file: PathBuf,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// List the local user's graphs: id, name, active and latest version,
    /// nodes.
    List {
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Print a saved graph as JSON, with its input and output schemas.
    Show {
        /// The graph's id.
        id: String,
        /// The version; the active one when left out.
        #[arg(long)]
        version: Option<u32>,
        /// The data directory.
        #[command(flatten)]
        data: DataArgs,
    },
    /// Run a graph in this process: print each node's start, outputs and end
    /// as they happen, then the graph's outputs as `{name: [values]}`.
    Run {
        /// A graph file, or the id of a saved graph (its active version).
        #[arg(value_name = "FILE|ID")]
        graph: String,
        /// The graph's input values as an object by input name: inline JSON,
        /// `@file.json`, or `-` for stdin. Defaults to `{}`.
        #[arg(long, short, value_name = "JSON|@FILE|-")]
        input: Option<InputSource>,
        /// The data directory (for a saved graph's id).
        #[command(flatten)]
        data: DataArgs,
    },
}

impl GraphsCommand {
    /// Runs the subcommand, writing results to `out`; platform default
    /// credentials come from `env`.
    pub fn run(self, registry: &'static Registry, env: &Environment, out: &mut dyn Write) -> Result<(), CliError> {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
        runtime.block_on(self.run_async(registry, env, out))
    }

    async fn run_async(
        self,
        registry: &'static Registry,
        env: &Environment,
        out: &mut dyn Write,
    ) -> Result<(), CliError> {
        match self {
            GraphsCommand::Validate { file } => {
                let graph = read_graph(&file)?;
                graphs::validate(registry, &graph).map_err(CliError::Refused)?;
                writeln!(
                    out,
                    "{}: the graph is valid ({} nodes, {} links)",
                    file.display(),
                    graph.nodes.len(),
                    graph.links.len()
                )
                .map_err(CliError::Output)
            }
            GraphsCommand::Create { file, data } => {
                let graph = read_graph(&file)?;
                let storage = open_storage(&data.data_dir).map_err(CliError::Serve)?;
                let (user, _) =
                    bootstrap::local_user(&storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
                let stored = graphs::create(&storage, registry, &user.id, graph).await.map_err(CliError::Refused)?;
                writeln!(out, "graph {} saved: {} (version {})", stored.id, stored.name, stored.version)
                    .map_err(CliError::Output)
            }
            GraphsCommand::List { data } => {
                let storage = open_storage(&data.data_dir).map_err(CliError::Serve)?;
                let (user, _) =
                    bootstrap::local_user(&storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
                let all = graphs::list(&storage, &user.id).await.map_err(CliError::Refused)?;
                let mut table = Table::new(vec!["ID", "NAME", "ACTIVE", "LATEST", "NODES"]);
                for stored in &all {
                    table.row(vec![
                        stored.id.clone(),
                        stored.name.clone(),
                        stored.active_version.to_string(),
                        stored.latest_version.to_string(),
                        stored.graph.nodes.len().to_string(),
                    ]);
                }
                table.write(out).map_err(CliError::Output)?;
                writeln!(out, "\n{} graph{}", all.len(), if all.len() == 1 { "" } else { "s" })
                    .map_err(CliError::Output)
            }
            GraphsCommand::Show { id, version, data } => {
                let storage = open_storage(&data.data_dir).map_err(CliError::Serve)?;
                let (user, _) =
                    bootstrap::local_user(&storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
                let stored = graphs::get(&storage, &user.id, &id, version).await.map_err(CliError::Refused)?;
                let mut shown = serde_json::to_value(&stored.graph).map_err(|error| CliError::Output(error.into()))?;
                shown["input_schema"] = stored.graph.input_schema();
                shown["output_schema"] = stored.graph.output_schema();
                shown["credentials_input_schema"] = stored.graph.credentials_input_schema(registry);
                let text = serde_json::to_string_pretty(&shown).map_err(|error| CliError::Output(error.into()))?;
                writeln!(out, "{text}").map_err(CliError::Output)
            }
            GraphsCommand::Run { graph, input, data } => {
                let graph = if Path::new(&graph).is_file() {
                    read_graph(Path::new(&graph))?
                } else {
                    let storage = open_storage(&data.data_dir).map_err(CliError::Serve)?;
                    let (user, _) =
                        bootstrap::local_user(&storage, data.starting_credits).await.map_err(CliError::Bootstrap)?;
                    graphs::get(&storage, &user.id, &graph, None).await.map_err(CliError::Refused)?.graph
                };
                let values = match input {
                    Some(source) => match source.read_json()? {
                        Value::Object(values) => values,
                        _ => return Err(refused("graph_input", "the graph's input is an object by input name")),
                    },
                    None => Default::default(),
                };
                run(registry, env, &graph, GraphInputs { values, ..GraphInputs::default() }, out).await
            }
        }
    }
}

fn refused(code: &'static str, message: impl Into<String>) -> CliError {
    CliError::Refused(ServiceError::bad_request(code, message))
}

/// Reads a graph file: the reference's JSON shape, or `{"graph": {...}}`
/// around it.
fn read_graph(path: &Path) -> Result<Graph, CliError> {
    let mut value = InputSource::File(path.to_owned()).read_json()?;
    if let Some(inner) = value.get_mut("graph").filter(|inner| inner.is_object()) {
        value = inner.take();
    }
    serde_json::from_value(value)
        .map_err(|error| refused("invalid_graph", format!("{} is not a graph: {error}", path.display())))
}

/// Runs `graph` in this process, printing node events as they happen, then
/// the outputs; fails when the run does not complete.
async fn run(
    registry: &'static Registry,
    env: &Environment,
    graph: &Graph,
    inputs: GraphInputs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    graph.validate_run(registry, &inputs).map_err(|error| CliError::Refused(graphs::invalid_graph(graph, &error)))?;
    let mut redactor = Redactor::default();
    let platform = platform_credentials(registry.providers().iter().copied(), |name| env.var(name));
    platform.iter().for_each(|stored| redactor.add(stored));
    let store = InMemoryCredentialStore::new().with_platform(platform);
    let executor = Executor::new().with_credentials(Arc::new(store));
    let mut execution = GraphExecutor::new(registry, executor)
        .start(graph, inputs, RunOptions::for_user(CLI_USER))
        .map_err(|error| refused("graph_not_started", error.to_string()))?;
    let mut outputs = serde_json::Map::new();
    let print =
        |out: &mut dyn Write, line: String| writeln!(out, "{}", redactor.apply(&line)).map_err(CliError::Output);
    while let Some(event) = execution.next_event().await {
        match event {
            GraphEvent::NodeStarted { node_id, .. } => {
                let block = graph.node(&node_id).and_then(|node| registry.find(&node.block_id));
                print(out, format!("node {node_id} ({}) started", block.map_or("?", |block| block.name())))?;
            }
            GraphEvent::NodeOutput { node_id, pin, value, .. } => print(out, format!("node {node_id} {pin}: {value}"))?,
            GraphEvent::NodeEnded { node_id, error: Some(error), .. } => {
                print(out, format!("node {node_id} failed: {error}"))?
            }
            GraphEvent::NodeEnded { node_id, .. } => print(out, format!("node {node_id} completed"))?,
            GraphEvent::Output { name, value } => {
                if let Value::Array(values) = outputs.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
                    values.push(value);
                }
            }
            GraphEvent::RunEnded { status, errors, reason, .. } => {
                let text = serde_json::to_string_pretty(&outputs).map_err(|error| CliError::Output(error.into()))?;
                print(out, format!("outputs: {text}"))?;
                if status != GraphRunStatus::Completed {
                    let mut causes: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    causes.extend(reason);
                    let message = format!("the graph run ended {status:?}: {}", causes.join("; "));
                    return Err(refused("graph_failed", redactor.apply(&message)));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
