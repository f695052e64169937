//! Graphs built in Rust, with pins and fields checked by the compiler.
//!
//! `#[derive(BlockOutput)]` gives each output enum a constant per pin
//! (`CalculatorOutput::RESULT`) and `#[derive(BlockInput)]` each input struct a
//! constant per field (`CalculatorInput::A`), typed by the block they belong to and
//! the value they carry. A [`NodeRef`] of block `B` only takes `B`'s pins and
//! fields, and a preset value must be of the field's type, so linking a pin of one
//! block as if it were another's does not compile. What only the schemas know
//! (whether a pin's values fit a field) is checked by [`Graph::validate`], as for
//! a graph read from JSON: the builder makes the same [`Graph`].

use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

use super::{AgentInputBlock, AgentInputInput, AgentOutputBlock, AgentOutputInput, Graph, Link, Node};
use crate::Block;

/// Output pin `name` of the blocks whose output type is `O`, carrying `T`.
pub struct Pin<O, T> {
    name: &'static str,
    _types: PhantomData<fn() -> (O, T)>,
}

/// Input field `name` of the blocks whose input type is `I`, taking `T`.
pub struct Field<I, T> {
    name: &'static str,
    _types: PhantomData<fn() -> (I, T)>,
}

impl<O, T> Pin<O, T> {
    /// The pin named `name` (what the derive generates).
    pub const fn new(name: &'static str) -> Self {
        Pin { name, _types: PhantomData }
    }

    /// The pin's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<I, T> Field<I, T> {
    /// The field named `name` (what the derive generates).
    pub const fn new(name: &'static str) -> Self {
        Field { name, _types: PhantomData }
    }

    /// The field's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<O, T> Clone for Pin<O, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<O, T> Copy for Pin<O, T> {}
impl<I, T> Clone for Field<I, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I, T> Copy for Field<I, T> {}

impl<O, T> std::fmt::Debug for Pin<O, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pin({})", self.name)
    }
}
impl<I, T> std::fmt::Debug for Field<I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Field({})", self.name)
    }
}

/// A node of block `B` in a [`GraphBuilder`].
pub struct NodeRef<B> {
    id: String,
    _block: PhantomData<fn() -> B>,
}

impl<B> Clone for NodeRef<B> {
    fn clone(&self) -> Self {
        NodeRef { id: self.id.clone(), _block: PhantomData }
    }
}

impl<B> std::fmt::Debug for NodeRef<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeRef({})", self.id)
    }
}

/// Where a link starts: a pin of a node, or a part of its value.
#[derive(Debug, Clone)]
pub struct Source<T> {
    node: String,
    name: String,
    _value: PhantomData<fn() -> T>,
}

/// Where a link ends: a field of a node, or a part of its value.
#[derive(Debug, Clone)]
pub struct Sink<T> {
    node: String,
    name: String,
    _value: PhantomData<fn() -> T>,
}

impl<B: Block> NodeRef<B> {
    /// The node's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Output pin `pin` of this node; only the block's own pins are accepted.
    pub fn pin<T>(&self, pin: Pin<B::Output, T>) -> Source<T> {
        Source { node: self.id.clone(), name: pin.name.to_owned(), _value: PhantomData }
    }

    /// Input field `field` of this node; only the block's own fields are accepted.
    pub fn field<T>(&self, field: Field<B::Input, T>) -> Sink<T> {
        Sink { node: self.id.clone(), name: field.name.to_owned(), _value: PhantomData }
    }
}

impl<T> Source<T> {
    /// The value under `key` of the pin's object (`<pin>_#_<key>`).
    pub fn key(self, key: &str) -> Source<Value> {
        Source { node: self.node, name: format!("{}_#_{key}", self.name), _value: PhantomData }
    }

    /// The item at `index` of the pin's list (`<pin>_$_<index>`).
    pub fn index(self, index: usize) -> Source<Value> {
        Source { node: self.node, name: format!("{}_$_{index}", self.name), _value: PhantomData }
    }
}

impl<T> Sink<T> {
    /// The value under `key` of the field's object (`<field>_#_<key>`).
    pub fn key(self, key: &str) -> Sink<Value> {
        Sink { node: self.node, name: format!("{}_#_{key}", self.name), _value: PhantomData }
    }

    /// The item at `index` of the field's list (`<field>_$_<index>`).
    pub fn index(self, index: usize) -> Sink<Value> {
        Sink { node: self.node, name: format!("{}_$_{index}", self.name), _value: PhantomData }
    }
}

/// Builds a [`Graph`] in Rust.
///
/// A pin of another block than the node's does not compile:
///
/// ```compile_fail
/// use block_core::graph::{AgentInputOutput, AgentOutputOutput, GraphBuilder};
///
/// let mut builder = GraphBuilder::new("Wrong");
/// let text = builder.input("in", "text");
/// let _ = text.pin(AgentOutputOutput::OUTPUT); // an output block's pin, on an input node
/// ```
///
/// Nor does a preset value of another type than the field's:
///
/// ```compile_fail
/// use block_core::graph::{AgentInputInput, GraphBuilder};
///
/// let mut builder = GraphBuilder::new("Wrong");
/// let text = builder.input("in", "text");
/// builder.set(&text, AgentInputInput::SECRET, "yes"); // `secret` is a bool
/// ```
///
/// ```
/// use block_core::graph::{AgentInputOutput, AgentOutputInput, GraphBuilder};
///
/// let mut builder = GraphBuilder::new("Echo");
/// let text = builder.input("in", "text");
/// let echo = builder.output("out", "echo");
/// builder.link(text.pin(AgentInputOutput::RESULT), echo.field(AgentOutputInput::VALUE));
/// let graph = builder.build();
/// assert_eq!(graph.links[0].source_name, "result");
/// assert_eq!(graph.input_schema()["required"], block_core::json!(["text"]));
/// ```
#[derive(Debug, Clone)]
pub struct GraphBuilder {
    graph: Graph,
}

impl GraphBuilder {
    /// A graph named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        GraphBuilder { graph: Graph::new(name) }
    }

    /// Adds a node of block `B` with id `id`.
    pub fn node<B: Block>(&mut self, id: impl Into<String>) -> NodeRef<B> {
        let id = id.into();
        self.graph.nodes.push(Node::new(id.clone(), B::DESCRIPTOR.id));
        NodeRef { id, _block: PhantomData }
    }

    /// Adds a graph input named `name`.
    pub fn input(&mut self, id: impl Into<String>, name: &str) -> NodeRef<AgentInputBlock> {
        let node = self.node::<AgentInputBlock>(id);
        self.set(&node, AgentInputInput::NAME, name.to_owned());
        node
    }

    /// Adds a graph output named `name`.
    pub fn output(&mut self, id: impl Into<String>, name: &str) -> NodeRef<AgentOutputBlock> {
        let node = self.node::<AgentOutputBlock>(id);
        self.set(&node, AgentOutputInput::NAME, name.to_owned());
        node
    }

    /// Presets `field` of `node` to `value`, which must be of the field's type.
    pub fn set<B: Block, T: Serialize>(&mut self, node: &NodeRef<B>, field: Field<B::Input, T>, value: T) -> &mut Self {
        // A value of the field's own type serializes; a failure would be a broken
        // `Serialize` impl, so the preset is left unset and validation names the field.
        if let Ok(value) = serde_json::to_value(&value)
            && let Some(target) = self.graph.nodes.iter_mut().find(|candidate| candidate.id == node.id)
        {
            target.input_default.insert(field.name.to_owned(), value);
        }
        self
    }

    /// Links `source` to `sink`: each value of the pin feeds one execution of the
    /// sink's node.
    pub fn link<T, U>(&mut self, source: Source<T>, sink: Sink<U>) -> &mut Self {
        self.graph.links.push(Link::new(source.node, source.name, sink.node, sink.name));
        self
    }

    /// Links `source` to `sink` statically: the last value is kept for every later
    /// execution of the sink's node.
    pub fn link_static<T, U>(&mut self, source: Source<T>, sink: Sink<U>) -> &mut Self {
        self.graph.links.push(Link::new(source.node, source.name, sink.node, sink.name).static_link());
        self
    }

    /// The graph.
    pub fn build(self) -> Graph {
        self.graph
    }
}
