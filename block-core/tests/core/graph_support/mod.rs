//! Blocks and helpers shared by the graph tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use block_core::graph::{AgentExecutorBlock, AgentInputBlock, AgentOutputBlock, Graph, Link, Node};
use block_core::prelude::*;
use block_core::{Block, Registry};

/// Input of [`AddBlock`].
#[derive(BlockInput)]
pub struct AddInput {
    /// The first number.
    pub a: i64,
    /// The second number.
    #[block_input(default = 0)]
    pub b: i64,
}

/// Outputs of [`AddBlock`].
#[derive(BlockOutput)]
pub enum AddOutput {
    /// `a + b`.
    Sum(i64),
}

/// Adds two integers; fails on 13, the unlucky number.
#[block(id = "a4f3c6f1-0d7e-4a55-9f0e-1b1c2d3e4f50", categories(Logic), untested = "exercised by the graph tests")]
pub struct AddBlock;

impl Run for AddBlock {
    type Input = AddInput;
    type Output = AddOutput;
    async fn run(&self, input: AddInput, _ctx: &RunContext, out: &Emit<AddOutput>) -> Result<(), BlockError> {
        if input.a == 13 {
            return Err(BlockError::new("13 is unlucky"));
        }
        out.emit(AddOutput::Sum(input.a + input.b)).await
    }
}

/// Input of [`ItemsBlock`].
#[derive(BlockInput)]
pub struct ItemsInput {
    /// The items.
    pub items: Vec<Value>,
}

/// Outputs of [`ItemsBlock`].
#[derive(BlockOutput)]
pub enum ItemsOutput {
    /// One item.
    Item(Value),
}

/// Emits each item.
#[block(id = "b5e4d7a2-1e8f-4b66-8a1f-2c2d3e4f5061", categories(Logic), untested = "exercised by the graph tests")]
pub struct ItemsBlock;

impl Run for ItemsBlock {
    type Input = ItemsInput;
    type Output = ItemsOutput;
    async fn run(&self, input: ItemsInput, _ctx: &RunContext, out: &Emit<ItemsOutput>) -> Result<(), BlockError> {
        for item in input.items {
            out.emit(ItemsOutput::Item(item)).await?;
        }
        Ok(())
    }
}

/// Input of [`TextBlock`].
#[derive(BlockInput)]
pub struct TextInput {
    /// Some text.
    pub text: String,
    /// A map of words.
    #[block_input(default = {})]
    pub words: std::collections::BTreeMap<String, String>,
}

/// Outputs of [`TextBlock`].
#[derive(BlockOutput)]
pub enum TextOutput {
    /// The text.
    Text(String),
    /// The words.
    Words(std::collections::BTreeMap<String, String>),
}

/// Passes text and words on.
#[block(id = "c6f5e8b3-2f90-4c77-9b20-3d3e4f506172", categories(Text), untested = "exercised by the graph tests")]
pub struct TextBlock;

impl Run for TextBlock {
    type Input = TextInput;
    type Output = TextOutput;
    async fn run(&self, input: TextInput, _ctx: &RunContext, out: &Emit<TextOutput>) -> Result<(), BlockError> {
        out.emit(TextOutput::Text(input.text)).await?;
        out.emit(TextOutput::Words(input.words)).await
    }
}

/// What [`SlowBlock`] runs with one tag did: how many run now, the most at once,
/// and how many were stopped before they finished.
#[derive(Debug, Default, Clone, Copy)]
pub struct SlowStats {
    pub running: usize,
    pub most: usize,
    pub stopped: usize,
    pub finished: usize,
}

static SLOW: Mutex<BTreeMap<String, SlowStats>> = Mutex::new(BTreeMap::new());

/// The stats of the [`SlowBlock`] runs tagged `tag`.
pub fn slow_stats(tag: &str) -> SlowStats {
    SLOW.lock().unwrap().get(tag).copied().unwrap_or_default()
}

fn with_stats(tag: &str, change: impl FnOnce(&mut SlowStats)) {
    change(SLOW.lock().unwrap().entry(tag.to_owned()).or_default());
}

/// Input of [`SlowBlock`].
#[derive(BlockInput)]
pub struct SlowInput {
    /// What to pass on.
    pub value: Value,
    /// How long to take.
    pub millis: u64,
    /// Which test's stats to count in.
    pub tag: String,
}

/// Outputs of [`SlowBlock`].
#[derive(BlockOutput)]
pub enum SlowOutput {
    /// The value, late.
    Value(Value),
}

/// Counts a run out when it ends, as stopped unless it finished.
struct Running {
    tag: String,
    finished: bool,
}

impl Drop for Running {
    fn drop(&mut self) {
        let finished = self.finished;
        with_stats(&self.tag, |stats| {
            stats.running -= 1;
            if finished { stats.finished += 1 } else { stats.stopped += 1 }
        });
    }
}

/// Passes its value on after `millis`.
#[block(id = "d7a6f9c4-3a01-4d88-8c31-4e4f50617283", categories(Logic), untested = "exercised by the graph tests")]
pub struct SlowBlock;

impl Run for SlowBlock {
    type Input = SlowInput;
    type Output = SlowOutput;
    async fn run(&self, input: SlowInput, _ctx: &RunContext, out: &Emit<SlowOutput>) -> Result<(), BlockError> {
        with_stats(&input.tag, |stats| {
            stats.running += 1;
            stats.most = stats.most.max(stats.running);
        });
        let mut running = Running { tag: input.tag.clone(), finished: false };
        tokio::time::sleep(Duration::from_millis(input.millis)).await;
        running.finished = true;
        drop(running);
        out.emit(SlowOutput::Value(input.value)).await
    }
}

/// A disabled block.
#[block(id = "e8b7a0d5-4b12-4e99-9d42-5f5061728394", categories(Basic), disabled, untested = "never runs")]
pub struct RetiredBlock;

impl Run for RetiredBlock {
    type Input = ItemsInput;
    type Output = ItemsOutput;
    async fn run(&self, _input: ItemsInput, _ctx: &RunContext, _out: &Emit<ItemsOutput>) -> Result<(), BlockError> {
        Ok(())
    }
}

/// The test provider.
#[provider(name = "acme", display_name = "Acme", api_key(env = "ACME_GRAPH_API_KEY"))]
pub struct Acme;

/// Input of [`KeyedBlock`].
#[derive(BlockInput)]
pub struct KeyedInput {
    /// The Acme key.
    pub credentials: Credentials<Acme, ApiKey>,
    /// A word.
    pub word: String,
}

/// Outputs of [`KeyedBlock`].
#[derive(BlockOutput)]
pub enum KeyedOutput {
    /// The word and the length of the key it was signed with.
    Signed(String),
}

/// Signs a word with the length of an Acme key.
#[block(id = "f9c8b1e6-5c23-4fa0-8e53-60617283a4b5", categories(Basic), untested = "exercised by the graph tests")]
pub struct KeyedBlock;

impl Run for KeyedBlock {
    type Input = KeyedInput;
    type Output = KeyedOutput;
    async fn run(&self, input: KeyedInput, _ctx: &RunContext, out: &Emit<KeyedOutput>) -> Result<(), BlockError> {
        let length = input.credentials.api_key().expose_secret().len();
        out.emit(KeyedOutput::Signed(format!("{}:{length}", input.word))).await
    }
}

/// Every block of these tests, with the graph input, output and sub-graph blocks.
pub fn registry() -> Registry {
    Registry::builder()
        .block::<AddBlock>()
        .block::<ItemsBlock>()
        .block::<TextBlock>()
        .block::<SlowBlock>()
        .block::<RetiredBlock>()
        .block::<KeyedBlock>()
        .block::<AgentInputBlock>()
        .block::<AgentOutputBlock>()
        .block::<AgentExecutorBlock>()
        .build()
        .expect("the test blocks register")
}

/// A node of block `B`.
pub fn node<B: Block>(id: &str) -> Node {
    Node::new(id, B::DESCRIPTOR.id)
}

/// A graph input node named `name`.
pub fn input(id: &str, name: &str) -> Node {
    node::<AgentInputBlock>(id).with_input("name", json!(name))
}

/// A graph output node named `name`.
pub fn output(id: &str, name: &str) -> Node {
    node::<AgentOutputBlock>(id).with_input("name", json!(name))
}

/// A graph of `nodes` and `links`.
pub fn graph(nodes: Vec<Node>, links: Vec<Link>) -> Graph {
    let mut graph = Graph::new("test");
    graph.nodes = nodes;
    graph.links = links;
    graph
}

/// A link.
pub fn link(source: &str, pin: &str, sink: &str, field: &str) -> Link {
    Link::new(source, pin, sink, field)
}
