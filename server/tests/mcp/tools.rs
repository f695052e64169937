//! `tools/list`: one tool per enabled block the caller may run, paged, with
//! schemas a strict client accepts.

use block_server::domain::Scope;
use block_server::mcp::schema::strictness_problems;
use rmcp::model::PaginatedRequestParams;
use serde_json::Value;

use crate::support::TestServer;

#[tokio::test]
async fn lists_one_tool_per_enabled_block_paged_with_cursors() {
    let server = TestServer::start("list").await;
    let connected = server.connect(&server.key).await;
    let client = &connected.client;
    let mut names = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor.clone())))
            .await
            .expect("a page of tools");
        pages += 1;
        names.extend(page.tools.iter().map(|tool| tool.name.to_string()));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let registry = server.state.registry();
    let expected =
        registry.blocks().filter(|block| !block.descriptor().disabled && block.descriptor().trigger.is_none()).count()
            - registry.blocks().filter(|block| block.descriptor().poll.is_some()).count()
            - 1; // the sub-graph block runs only in a graph
    assert_eq!(names.len(), expected, "one tool per enabled, non-trigger block");
    assert!(!names.iter().any(|name| name == "agent_executor"), "{names:?}");
    assert!(pages >= 2, "{expected} tools take more than one page of 50");
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, names, "names are unique and in order across pages");
    for name in ["ticker", "refusing", "keyed_echo", "greet", "github_create_issue"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    assert!(!names.iter().any(|name| name.contains("trigger")), "trigger blocks are not tools: {names:?}");
    assert!(names.iter().all(
        |name| name.len() <= 64 && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    ));

    let all = client.list_all_tools().await.expect("every tool");
    let keyed = all.iter().find(|tool| tool.name == "keyed_echo").expect("keyed_echo");
    assert_eq!(keyed.title.as_deref(), Some("KeyedEchoBlock"));
    assert_eq!(keyed.description.as_deref(), Some("Echoes its text and names the credentials it ran with."));
    let properties = keyed.input_schema["properties"].as_object().expect("properties");
    assert!(properties.contains_key("text") && !properties.contains_key("credentials"), "{properties:?}");
    assert_eq!(keyed.input_schema["required"], serde_json::json!(["text"]));
    let output = keyed.output_schema.as_ref().expect("an output schema");
    assert_eq!(output["properties"]["echo"]["type"], "array");
    assert_eq!(output["properties"]["echo"]["items"]["type"], "string");
    assert_eq!(output["properties"]["error"]["items"]["type"], "string");

    let bad = client.list_tools(Some(PaginatedRequestParams::default().with_cursor(Some("nonsense".into())))).await;
    assert!(bad.expect_err("a cursor never handed out").to_string().contains("cursor"));
    server.stop().await;
}

#[tokio::test]
async fn every_tool_schema_is_inlined_with_an_object_root() {
    let server = TestServer::start("schemas").await;
    let connected = server.connect(&server.key).await;
    let tools = connected.client.list_all_tools().await.expect("every tool");
    assert!(tools.len() > 50);
    for tool in &tools {
        let input = tool.input_schema.as_ref();
        let output = tool.output_schema.as_deref().expect("every tool has an output schema");
        for (which, schema) in [("input", input), ("output", output)] {
            let problems = strictness_problems(schema);
            assert!(problems.is_empty(), "{} {which} schema: {problems:?}", tool.name);
            let text = serde_json::to_string(schema).expect("JSON");
            for forbidden in ["\"$ref\"", "\"$defs\"", "\"$schema\"", "\"definitions\""] {
                assert!(!text.contains(forbidden), "{} {which} schema holds {forbidden}", tool.name);
            }
            assert!(
                jsonschema::meta::is_valid(&Value::Object(schema.clone())),
                "{} {which} schema is not a valid JSON Schema",
                tool.name
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn tools_list_shows_only_what_the_scopes_allow() {
    let server = TestServer::start("scopes").await;
    let reader = server.key_with(&[Scope::ReadBlock, Scope::Identity]).await;
    let connected = server.connect(&reader).await;
    let page = connected.client.list_tools(None).await.expect("a page");
    assert!(page.tools.is_empty() && page.next_cursor.is_none(), "no EXECUTE_BLOCK, no block tools");
    let call = connected
        .client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("ticker")
                .with_arguments(serde_json::json!({"ticks": 1}).as_object().cloned().expect("an object")),
        )
        .await;
    let error = call.expect_err("a tool the scopes do not allow cannot be called").to_string();
    assert!(error.contains("no tool named `ticker`"), "{error}");
    assert!(block_server::mcp::resource(&server.url).ends_with("/mcp"));

    let runner = server.key_with(&[Scope::ExecuteBlock]).await;
    let connected = server.connect(&runner).await;
    assert_eq!(connected.client.list_tools(None).await.expect("a page").tools.len(), 50);
    server.stop().await;
}
