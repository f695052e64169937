//! Graph validation and what a graph takes and gives: every problem at once, each
//! saying where it is.

use crate::graph_support;

use block_core::graph::{Graph, GraphInputs, GraphProblem, Node};
use block_core::json;
use graph_support::*;

fn problems(graph: &Graph) -> Vec<GraphProblem> {
    graph.validate(&registry()).err().map(|error| error.problems).unwrap_or_default()
}

#[test]
fn a_well_formed_graph_passes() {
    let graph = graph(
        vec![input("in", "n"), node::<AddBlock>("add").with_input("b", json!(1)), output("out", "sum")],
        vec![link("in", "result", "add", "a"), link("add", "sum", "out", "value")],
    );
    graph.validate(&registry()).unwrap();
}

#[test]
fn lists_every_problem_at_once_with_where_it_is() {
    let mut graph = graph(
        vec![
            node::<AddBlock>("add").with_input("a", json!(1)),
            Node::new("ghost", "00000000-0000-4000-8000-000000000000"),
            node::<TextBlock>("text").with_input("text", json!("hi")),
            node::<AddBlock>("lonely"),
            node::<AddBlock>("typed").with_input("a", json!("one")),
            node::<RetiredBlock>("old").with_input("items", json!([])),
            node::<AddBlock>("add"),
        ],
        vec![
            link("add", "total", "text", "text"),
            link("add", "sum", "text", "colour"),
            link("nowhere", "sum", "add", "b"),
            link("text", "text", "typed", "b"),
            link("add", "sum_$_x", "text", "text"),
            link("add", "error", "text", "text"),
        ],
    );
    graph.links.push(graph.links[0].clone());
    let found = problems(&graph);
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    let expected = [
        "node add: another node has the same id",
        "node ghost: unknown block `00000000-0000-4000-8000-000000000000`",
        "node old: block RetiredBlock is disabled",
        "link add.total->text.text: another link has the same id",
        "link add.total->text.text (add.total -> text.text): node add (AddBlock) has no output pin `total` (its pins: sum)",
        "link add.sum->text.colour (add.sum -> text.colour): node text (TextBlock) has no input field `colour`",
        "link nowhere.sum->add.b (nowhere.sum -> add.b): the source node `nowhere` does not exist",
        "link text.text->typed.b (text.text -> typed.b): the source sends string, which the sink field (taking integer) never accepts",
        "link add.sum_$_x->text.text (add.sum_$_x -> text.text): `sum_$_x`: the list index `x` after `_$_` is not a number",
        "link add.error->text.text (add.error -> text.text): the `error` pin cannot be linked; a node's error fails its execution",
        "node lonely (AddBlock): the required input `a` has no link, no preset value and no default",
        "node typed: the preset value of `a` is string, but the field takes integer",
    ];
    for line in expected {
        assert!(text.iter().any(|found| found == line), "missing `{line}` in:\n{}", text.join("\n"));
    }
    let error = graph.validate(&registry()).unwrap_err().to_string();
    assert!(error.starts_with(&format!("the graph has {} problems:\n  - ", found.len())), "{error}");
}

#[test]
fn dynamic_names_step_into_values_that_can_have_the_part() {
    let graph = graph(
        vec![
            node::<TextBlock>("words").with_input("text", json!("x")),
            node::<TextBlock>("sink").with_input("text", json!("y")),
        ],
        vec![
            link("words", "words_#_hello", "sink", "text"),
            link("words", "text", "sink", "words_#_greeting"),
            link("words", "text_#_a", "sink", "text"),
            link("words", "text", "sink", "text_$_0"),
        ],
    );
    let text: Vec<String> = problems(&graph).iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "link words.text_#_a->sink.text (words.text_#_a -> sink.text): at the source, `text` addresses a key of an object in a value of type string",
            "link words.text->sink.text_$_0 (words.text -> sink.text_$_0): at the sink, `text` addresses an index of a list in a value of type string",
        ]
    );
}

#[test]
fn a_field_filled_through_a_dynamic_name_counts_as_linked() {
    let graph = graph(
        vec![node::<TextBlock>("a").with_input("text", json!("x")), node::<AddBlock>("add").with_input("b", json!(1))],
        vec![link("a", "words_#_n", "add", "a")],
    );
    // `words_#_n` is a string into an integer field: refused by type, not as missing.
    let text: Vec<String> = problems(&graph).iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 1, "{text:?}");
    assert!(text[0].contains("the source sends string"), "{text:?}");
}

#[test]
fn graph_inputs_and_outputs_make_its_schemas() {
    let graph = graph(
        vec![
            input("topic", "topic")
                .with_input("value_type", json!("string"))
                .with_input("description", json!("What to write about")),
            input("count", "count")
                .with_input("value", json!(3))
                .with_input("value_type", json!("integer"))
                .with_input("advanced", json!(true))
                .with_input("title", json!("How many")),
            input("key", "key").with_input("secret", json!(true)),
            output("out", "post").with_input("value_type", json!("string")),
        ],
        vec![link("topic", "result", "out", "value")],
    );
    assert_eq!(
        graph.input_schema(),
        json!({
            "type": "object",
            "properties": {
                "topic": {"type": "string", "title": "topic", "description": "What to write about", "secret": false, "advanced": false},
                "count": {"type": "integer", "title": "How many", "secret": false, "advanced": true, "default": 3},
                "key": {"title": "key", "secret": true, "advanced": false}
            },
            "required": ["topic", "key"]
        })
    );
    assert_eq!(
        graph.output_schema(),
        json!({"type": "object", "properties": {"post": {"type": "string", "title": "post"}}, "required": ["post"]})
    );
}

#[test]
fn two_inputs_with_one_name_are_refused() {
    let graph = graph(vec![input("a", "x"), input("b", "x")], vec![]);
    let text: Vec<String> = problems(&graph).iter().map(ToString::to_string).collect();
    assert_eq!(text, ["nodes a, b: each is the graph input `x`"]);
}

#[test]
fn a_run_must_give_every_input_without_a_default_and_no_unknown_one() {
    let graph = graph(vec![input("a", "x"), input("b", "y").with_input("value", json!(1))], vec![]);
    let error = graph.validate_run(&registry(), &GraphInputs::new().value("z", json!(1))).unwrap_err();
    let text: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(text, ["input `x` (node a): no value given and no default", "input `z`: the graph has no such input"]);
    graph.validate_run(&registry(), &GraphInputs::new().value("x", json!(1))).unwrap();
}

#[test]
fn credentials_fields_without_preset_credentials_are_graph_credentials_inputs() {
    let meta = json!({"id": "c1", "provider": "acme", "type": "api_key", "title": "Mine"});
    let graph = graph(
        vec![
            node::<KeyedBlock>("one").with_input("word", json!("a")),
            node::<KeyedBlock>("two").with_input("word", json!("b")),
            node::<KeyedBlock>("preset").with_input("word", json!("c")).with_input("credentials", meta.clone()),
        ],
        vec![],
    );
    let registry = registry();
    graph.validate(&registry).unwrap();
    let schema = graph.credentials_input_schema(&registry);
    assert_eq!(schema["required"], json!(["acme_api_key_credentials"]));
    let field = &schema["properties"]["acme_api_key_credentials"];
    assert_eq!(field["credentials_provider"], json!(["acme"]));
    assert_eq!(field["credentials_types"], json!(["api_key"]));
    let inputs = graph.credentials_inputs(&registry);
    assert_eq!(inputs[0].fields, [("one".to_owned(), "credentials".to_owned()), ("two".into(), "credentials".into())]);

    let error = graph.validate_run(&registry, &GraphInputs::new()).unwrap_err();
    let text: Vec<String> = error.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "node one: the credentials field `credentials` has no preset credentials and the run gives none for the graph credentials input `acme_api_key_credentials`",
            "node two: the credentials field `credentials` has no preset credentials and the run gives none for the graph credentials input `acme_api_key_credentials`",
        ]
    );
    graph.validate_run(&registry, &GraphInputs::new().credentials("acme_api_key_credentials", meta)).unwrap();
}

#[test]
fn sub_graph_nodes_name_graphs_that_exist_and_their_problems_are_reported() {
    let mut child = graph(
        vec![input("in", "n"), node::<AddBlock>("add"), output("out", "sum")],
        vec![link("in", "result", "add", "a"), link("add", "total", "out", "value")],
    );
    child.id = "child".into();
    let mut parent = graph(
        vec![
            node::<block_core::graph::AgentExecutorBlock>("run").with_input("graph_id", json!("child")),
            node::<block_core::graph::AgentExecutorBlock>("lost").with_input("graph_id", json!("nope")),
            output("out", "result"),
        ],
        vec![link("run", "total", "out", "value")],
    );
    parent.sub_graphs.push(child);
    let text: Vec<String> = problems(&parent).iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "link run.total->out.value (run.total -> out.value): node run (AgentExecutorBlock) has no output pin `total` (its pins: sum)",
            "node run (sub-graph): link add.total->out.value (add.total -> out.value): node add (AddBlock) has no output pin `total` (its pins: sum)",
            "node lost: the sub-graph `nope` is not among the graph's sub_graphs",
        ]
    );
}

#[test]
fn a_sub_graph_that_runs_itself_is_refused() {
    let mut looping = graph(
        vec![node::<block_core::graph::AgentExecutorBlock>("again").with_input("graph_id", json!("loop"))],
        vec![],
    );
    looping.id = "loop".into();
    let mut parent = looping.clone();
    parent.sub_graphs.push(looping);
    let text: Vec<String> = problems(&parent).iter().map(ToString::to_string).collect();
    assert!(text.iter().any(|line| line.contains("the sub-graph `loop` runs itself")), "{text:?}");
}

#[test]
fn a_large_graph_validates_in_linear_time() {
    let count = 20_000;
    let mut nodes = vec![node::<AddBlock>("n0").with_input("a", json!(1))];
    let mut links = Vec::new();
    for n in 1..count {
        nodes.push(node::<AddBlock>(&format!("n{n}")));
        links.push(link(&format!("n{}", n - 1), "sum", &format!("n{n}"), "a"));
    }
    let graph = graph(nodes, links);
    let registry = registry();
    let started = std::time::Instant::now();
    graph.validate(&registry).unwrap();
    // Quadratic work (each node scanning every link) takes tens of seconds here.
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
}
