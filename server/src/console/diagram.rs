//! An agent drawn as a diagram, laid out on the server as SVG: each node in the
//! layer of its longest path from a source (a node no link feeds), nodes of a
//! layer ordered by where their feeders sit; each node a box with its block's
//! name, its input pins on the left and output pins on the right; each link a
//! curve from its output pin to its input pin. Links that close a loop are
//! left out of the layering, so a loop still lays out.
//!
//! The script marks nodes as a run goes, through their `data-node` and
//! `data-status` attributes.

use std::collections::{BTreeMap, BTreeSet};

use block_core::Registry;
use block_core::graph::{Graph, Node};
use serde_json::Value;

use super::html::escape;

/// A node's width.
const WIDTH: i64 = 220;
/// Horizontal room between layers, for the links.
const GAP_X: i64 = 90;
/// Vertical room between nodes of a layer.
const GAP_Y: i64 = 28;
/// The height of a node's title bar.
const HEAD: i64 = 44;
/// The height of one pin row.
const ROW: i64 = 20;
/// The margin around the drawing.
const MARGIN: i64 = 20;
/// Characters of a pin name shown (the rest in its tooltip).
const PIN_CHARS: usize = 14;
/// Characters of a node's title shown.
const TITLE_CHARS: usize = 28;

/// Each node's layer: the length of the longest path reaching it from a node
/// no link feeds, with links that close a loop left out. Indices follow
/// `graph.nodes`.
pub fn layers(graph: &Graph) -> Vec<usize> {
    let index: BTreeMap<&str, usize> =
        graph.nodes.iter().enumerate().map(|(at, node)| (node.id.as_str(), at)).collect();
    let edges: BTreeSet<(usize, usize)> = graph
        .links
        .iter()
        .filter_map(|link| Some((*index.get(link.source_id.as_str())?, *index.get(link.sink_id.as_str())?)))
        .filter(|(from, to)| from != to)
        .collect();
    let count = graph.nodes.len();
    let mut waiting = vec![0usize; count];
    for (_, to) in &edges {
        waiting[*to] += 1;
    }
    let mut layer = vec![0usize; count];
    let mut placed = vec![false; count];
    let mut ready: Vec<usize> = (0..count).filter(|at| waiting[*at] == 0).rev().collect();
    loop {
        // A loop leaves every remaining node waiting: the first of them goes
        // next, its links from the loop ignored.
        let next = match ready.pop() {
            Some(next) if placed[next] => continue,
            Some(next) => next,
            None => match (0..count).find(|at| !placed[*at]) {
                Some(next) => next,
                None => break,
            },
        };
        placed[next] = true;
        for (_, to) in edges.iter().filter(|(from, _)| *from == next) {
            if placed[*to] {
                continue;
            }
            layer[*to] = layer[*to].max(layer[next] + 1);
            waiting[*to] = waiting[*to].saturating_sub(1);
            if waiting[*to] == 0 {
                ready.push(*to);
            }
        }
    }
    layer
}

/// The pins of one node, as drawn.
struct Pins {
    inputs: Vec<String>,
    outputs: Vec<String>,
}

/// A node's pins: the input fields links fill, its block's required and
/// everyday (not advanced, not hidden) fields; every output pin, `error`
/// only when linked (every block has it).
fn pins_of(graph: &Graph, node: &Node, registry: &Registry) -> Pins {
    let linked_in: Vec<&str> = graph.links_into(&node.id).map(|link| link.sink_name.as_str()).collect();
    let linked_out: Vec<&str> =
        graph.links.iter().filter(|link| link.source_id == node.id).map(|link| link.source_name.as_str()).collect();
    let mut inputs: Vec<String> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    if let Some(block) = registry.find(&node.block_id) {
        let schema = block.wire_input_schema();
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        for (name, field) in schema["properties"].as_object().into_iter().flatten() {
            let everyday = !field["hidden"].as_bool().unwrap_or(false) && !field["advanced"].as_bool().unwrap_or(false);
            if everyday || required.contains(&name.as_str()) || linked_in.contains(&name.as_str()) {
                inputs.push(name.clone());
            }
        }
        for name in block.wire_output_schema()["properties"].as_object().into_iter().flatten().map(|(name, _)| name) {
            if name != "error" || linked_out.contains(&"error") {
                outputs.push(name.clone());
            }
        }
    }
    // Links may name a part of a pin (`values_#_name`): drawn as pins of their own.
    for name in linked_in {
        if !inputs.iter().any(|known| known == name) {
            inputs.push(name.to_owned());
        }
    }
    for name in linked_out {
        if !outputs.iter().any(|known| known == name) {
            outputs.push(name.to_owned());
        }
    }
    Pins { inputs, outputs }
}

/// What a node is called on the diagram: its block's name, and the name of the
/// graph input or output it is.
pub fn title_of(node: &Node, registry: &Registry) -> (String, Option<String>) {
    let block = registry
        .find(&node.block_id)
        .map_or_else(|| format!("unknown block {}", node.block_id), |b| b.name().to_owned());
    let role = if node.is_graph_input() {
        node.io_name().map(|name| format!("input “{name}”"))
    } else if node.is_graph_output() {
        node.io_name().map(|name| format!("output “{name}”"))
    } else {
        node.metadata["label"].as_str().filter(|label| !label.is_empty()).map(str::to_owned)
    };
    (block, role)
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Where a node sits and its pins.
struct Placed {
    x: i64,
    y: i64,
    height: i64,
    pins: Pins,
}

/// The graph as an SVG diagram. `problems` holds messages by node id: those
/// nodes are marked, their messages in their tooltips.
pub fn render(graph: &Graph, registry: &Registry, problems: &BTreeMap<String, Vec<String>>) -> String {
    let layer = layers(graph);
    let depth = layer.iter().copied().max().map_or(0, |deepest| deepest + 1);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (at, on) in layer.iter().enumerate() {
        columns[*on].push(at);
    }
    let index: BTreeMap<&str, usize> =
        graph.nodes.iter().enumerate().map(|(at, node)| (node.id.as_str(), at)).collect();
    let mut rank = vec![0f64; graph.nodes.len()];
    let mut placed: Vec<Option<Placed>> = (0..graph.nodes.len()).map(|_| None).collect();
    let mut tallest = 0;
    for (column, members) in columns.iter_mut().enumerate() {
        // Fewer crossings: a node sits near the mean rank of the nodes feeding it.
        let feeders = |at: usize| -> Option<f64> {
            let ranks: Vec<f64> = graph
                .links_into(&graph.nodes[at].id)
                .filter_map(|link| index.get(link.source_id.as_str()))
                .filter(|source| layer[**source] < column)
                .map(|source| rank[*source])
                .collect();
            (!ranks.is_empty()).then(|| ranks.iter().sum::<f64>() / ranks.len() as f64)
        };
        let mut keyed: Vec<(f64, usize)> =
            members.iter().map(|at| (feeders(*at).unwrap_or(*at as f64 / 1000.0), *at)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        *members = keyed.into_iter().map(|(_, at)| at).collect();
        let mut y = MARGIN;
        for (position, at) in members.iter().enumerate() {
            rank[*at] = position as f64;
            let pins = pins_of(graph, &graph.nodes[*at], registry);
            let height = HEAD + ROW * pins.inputs.len().max(pins.outputs.len()).max(1) as i64 + 8;
            let x = MARGIN + column as i64 * (WIDTH + GAP_X);
            placed[*at] = Some(Placed { x, y, height, pins });
            y += height + GAP_Y;
        }
        tallest = tallest.max(y - GAP_Y + MARGIN);
    }
    let width = MARGIN * 2 + depth as i64 * WIDTH + depth.saturating_sub(1) as i64 * GAP_X;
    let links: String = graph.links.iter().filter_map(|link| link_path(link, &index, &placed)).collect();
    let nodes: String = graph
        .nodes
        .iter()
        .zip(&placed)
        .filter_map(|(node, placed)| {
            placed.as_ref().map(|placed| node_box(node, placed, registry, problems.get(&node.id)))
        })
        .collect();
    format!(
        "<svg class=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"diagram-title\">\
         <title id=\"diagram-title\">{title}: {count} nodes, {links_count} links</title>\
         <g class=\"links\">{links}</g><g class=\"nodes\">{nodes}</g></svg>",
        height = tallest.max(MARGIN * 2 + HEAD),
        title = escape(&graph.name),
        count = graph.nodes.len(),
        links_count = graph.links.len(),
    )
}

fn pin_y(placed: &Placed, row: usize) -> i64 {
    placed.y + HEAD + ROW * row as i64 + ROW / 2
}

fn link_path(
    link: &block_core::graph::Link,
    index: &BTreeMap<&str, usize>,
    placed: &[Option<Placed>],
) -> Option<String> {
    let source = placed[*index.get(link.source_id.as_str())?].as_ref()?;
    let sink = placed[*index.get(link.sink_id.as_str())?].as_ref()?;
    let out_row = source.pins.outputs.iter().position(|pin| *pin == link.source_name)?;
    let in_row = sink.pins.inputs.iter().position(|pin| *pin == link.sink_name)?;
    let (x1, y1) = (source.x + WIDTH, pin_y(source, out_row));
    let (x2, y2) = (sink.x, pin_y(sink, in_row));
    // A link running backwards (a loop) swings wide, so it does not hide under its nodes.
    let bend = if x2 > x1 { (x2 - x1) / 2 } else { GAP_X + (x1 - x2) / 4 };
    let kind = if link.is_static { "link static" } else { "link" };
    Some(format!(
        "<path class=\"{kind}\" data-from=\"{}\" data-to=\"{}\" d=\"M{x1} {y1} C{} {y1} {} {y2} {x2} {y2}\"><title>{}</title></path>",
        escape(&link.source_id),
        escape(&link.sink_id),
        x1 + bend,
        x2 - bend,
        escape(&format!("{} → {}", link.source_name, link.sink_name))
    ))
}

fn node_box(node: &Node, placed: &Placed, registry: &Registry, problems: Option<&Vec<String>>) -> String {
    let (block, role) = title_of(node, registry);
    let mut tooltip = match &role {
        Some(role) => format!("{block} · {role}"),
        None => block.clone(),
    };
    for problem in problems.into_iter().flatten() {
        tooltip.push('\n');
        tooltip.push_str(problem);
    }
    let class = if problems.is_some() { "node problem" } else { "node" };
    let pin = |name: &str, row: usize, output: bool| {
        let y = HEAD + ROW * row as i64 + ROW / 2;
        let (cx, tx, anchor) = if output { (WIDTH, WIDTH - 10, "end") } else { (0, 10, "start") };
        format!(
            "<circle class=\"pin\" cx=\"{cx}\" cy=\"{y}\" r=\"4\"/><text class=\"pin-label\" x=\"{tx}\" y=\"{}\" \
             text-anchor=\"{anchor}\"><title>{}</title>{}</text>",
            y + 4,
            escape(name),
            escape(&clip(name, PIN_CHARS))
        )
    };
    let pins: String = placed
        .pins
        .inputs
        .iter()
        .enumerate()
        .map(|(row, name)| pin(name, row, false))
        .chain(placed.pins.outputs.iter().enumerate().map(|(row, name)| pin(name, row, true)))
        .collect();
    let role = role.map_or_else(String::new, |role| {
        format!("<text class=\"node-role\" x=\"10\" y=\"36\">{}</text>", escape(&clip(&role, TITLE_CHARS + 4)))
    });
    format!(
        "<g class=\"{class}\" data-node=\"{id}\" data-status=\"idle\" transform=\"translate({x} {y})\"><title>{tooltip}</title>\
         <rect class=\"box\" width=\"{WIDTH}\" height=\"{height}\" rx=\"6\"/><rect class=\"head\" width=\"{WIDTH}\" height=\"{HEAD}\" rx=\"6\"/>\
         <rect class=\"frame\" width=\"{WIDTH}\" height=\"{height}\" rx=\"6\"/>\
         <text class=\"node-name\" x=\"10\" y=\"18\">{name}</text>{role}\
         <circle class=\"state\" cx=\"{dot}\" cy=\"14\" r=\"6\"/>{pins}</g>",
        id = escape(&node.id),
        x = placed.x,
        y = placed.y,
        height = placed.height,
        tooltip = escape(&tooltip),
        name = escape(&clip(&block, TITLE_CHARS - 4)),
        dot = WIDTH - 14,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use block_core::graph::Link;

    fn chain(nodes: &[&str], links: &[(&str, &str)]) -> Graph {
        let mut graph = Graph::new("test");
        graph.nodes = nodes.iter().map(|id| Node::new(*id, "unknown")).collect();
        graph.links = links.iter().map(|(from, to)| Link::new(*from, "out", *to, "in")).collect();
        graph
    }

    #[test]
    fn a_node_sits_one_layer_past_the_longest_path_reaching_it() {
        // a -> b -> c, and a -> c directly: c is on layer 2, not 1.
        let graph = chain(&["c", "b", "a", "lone"], &[("a", "b"), ("b", "c"), ("a", "c")]);
        assert_eq!(layers(&graph), vec![2, 1, 0, 0]);
    }

    #[test]
    fn a_loop_still_lays_out_with_its_closing_link_left_out() {
        let graph = chain(&["a", "b", "c"], &[("a", "b"), ("b", "c"), ("c", "b")]);
        assert_eq!(layers(&graph), vec![0, 1, 2]);
        let cycle = chain(&["x", "y"], &[("x", "y"), ("y", "x")]);
        assert_eq!(layers(&cycle), vec![0, 1]);
    }

    #[test]
    fn links_naming_unknown_nodes_are_ignored_and_every_node_is_drawn() {
        let graph = chain(&["a", "b"], &[("a", "b"), ("a", "ghost")]);
        let registry = Registry::builder().build().expect("an empty registry");
        let svg = render(&graph, &registry, &BTreeMap::new());
        assert_eq!(svg.matches("<g class=\"node\"").count(), 2);
        assert_eq!(svg.matches("<path class=\"link\"").count(), 1, "{svg}");
        assert!(svg.contains("unknown block unknown"));
    }

    #[test]
    fn nodes_with_problems_are_marked_with_their_messages() {
        let graph = chain(&["a"], &[]);
        let registry = Registry::builder().build().expect("an empty registry");
        let problems = BTreeMap::from([("a".to_owned(), vec!["<is> wrong".to_owned()])]);
        let svg = render(&graph, &registry, &problems);
        assert!(svg.contains("<g class=\"node problem\" data-node=\"a\""));
        assert!(svg.contains("&lt;is&gt; wrong"), "messages are escaped");
    }
}
