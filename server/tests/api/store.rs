//! The store: publishing graph versions under slugs, profiles with unique
//! usernames, browsing agents and creators with the reference's filters,
//! orders and pages, and ratings (one per user and agent).

use block_core::ExposeSecret;
use block_core::graph::Graph;
use block_server::domain::{Scope, User};
use block_server::services::accounts as bootstrap;
use block_server::services::graphs;
use block_server::services::store::publishing;
use serde_json::{Value, json};

use crate::support::{Client, TestServer};

/// An example agent with one number input (`n`), from `examples/graphs`.
pub const IS_IT_BIG: &str = include_str!("../../../examples/graphs/is_it_big.json");

/// An example agent whose block needs Example API credentials.
pub const GREET_EXAMPLE_API: &str = include_str!("../../../examples/graphs/greet_example_api.json");

/// A second user named `name` with a key holding every scope, and a client
/// sending it.
pub async fn other_user(server: &TestServer, name: &str) -> (String, Client) {
    let user = User {
        id: block_server::domain::new_id(),
        name: name.to_owned(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        timezone: "UTC".to_owned(),
    };
    server.storage().create_user(user.clone(), 1000).await.expect("another user");
    let (key, _) = bootstrap::create_api_key(server.storage().as_ref(), &user.id, "other", Scope::ALL.to_vec())
        .await
        .expect("key");
    (user.id, server.client().with_key(Some(key.key.expose_secret())))
}

/// Saves `graph` (JSON text) as a new graph of `user_id`, renamed `name`; its
/// id and version.
pub async fn create_graph(server: &TestServer, user_id: &str, graph: &str, name: &str) -> (String, u64) {
    let mut graph: Graph = serde_json::from_str(graph).expect("the example is a graph");
    graph.name = name.to_owned();
    let stored = graphs::create(server.storage().as_ref(), server.state.registry(), user_id, graph)
        .await
        .expect("the graph is saved");
    (stored.id, u64::from(stored.version))
}

/// Publishes the client's graph under `slug` with `extra` fields.
pub async fn publish(client: &Client, graph: &(String, u64), slug: &str, extra: Value) -> Value {
    let mut body = json!({"agent_id": graph.0, "agent_version": graph.1, "slug": slug, "name": slug.replace('-', " ")});
    for (key, value) in extra.as_object().cloned().unwrap_or_default() {
        body[key] = value;
    }
    client.post("/external-api/v1/store/submissions", &body).await.expect(201).json()
}

fn slugs(page: &Value) -> Vec<String> {
    page["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|agent| agent["slug"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_graph_is_listed_in_the_reference_shape_and_republishing_adds_a_version() {
    let server = TestServer::start("store-publish").await;
    let client = server.client();
    let graph = create_graph(&server, &server.user_id, IS_IT_BIG, "Is it big?").await;
    let submitted = publish(
        &client,
        &graph,
        "is-it-big",
        json!({"name": "Is it big?", "sub_heading": "Compares with ten", "description": "Says big or small.",
               "categories": ["Math", "Demo", "math"], "image_urls": ["https://example.com/big.png"],
               "video_url": "https://example.com/big.mp4"}),
    )
    .await;
    assert_eq!(submitted["status"], "APPROVED");
    assert_eq!(submitted["version"], 1);
    assert_eq!(submitted["agent_id"], json!(graph.0));
    assert_eq!(submitted["categories"], json!(["math", "demo"]), "lowercased, once each");

    let listed = client.get("/external-api/v1/store/agents").await.expect(200).json();
    assert_eq!(
        listed["agents"][0],
        json!({"slug": "is-it-big", "agent_name": "Is it big?", "agent_image": "https://example.com/big.png",
               "creator": "local-user", "creator_avatar": "", "sub_heading": "Compares with ten",
               "description": "Says big or small.", "runs": 0, "rating": 0.0})
    );
    assert_eq!(listed["pagination"], json!({"total_items": 1, "total_pages": 1, "current_page": 1, "page_size": 20}));

    let details = client.get("/external-api/v1/store/agents/Local-User/IS-IT-BIG").await.expect(200).json();
    assert_eq!(details["agent_video"], "https://example.com/big.mp4");
    assert_eq!(details["agent_image"], json!(["https://example.com/big.png"]));
    assert_eq!(details["categories"], json!(["math", "demo"]));
    assert_eq!(details["versions"], json!(["1"]));
    assert!(details["last_updated"].as_str().is_some_and(|at| at.ends_with('Z')), "{details}");

    let again = publish(&client, &graph, "is-it-big", json!({"name": "Is it big, really?"})).await;
    assert_eq!(again["version"], 2);
    let details = client.get("/external-api/v1/store/agents/local-user/is-it-big").await.expect(200).json();
    assert_eq!(details["versions"], json!(["1", "2"]));
    assert_eq!(details["agent_name"], "Is it big, really?", "the latest version is what the store shows");
    assert_ne!(details["store_listing_version_id"], submitted["store_listing_version_id"]);
    let listed = client.get("/external-api/v1/store/agents").await.expect(200).json();
    assert_eq!(listed["pagination"]["total_items"], 1, "one listing, two versions");

    let missing = client.get("/external-api/v1/store/agents/local-user/nothing").await;
    assert_eq!(missing.expect(404).code(), "store_agent_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_refuses_bad_fields_foreign_graphs_and_a_second_slug_for_one_graph() {
    let server = TestServer::start("store-publish-refusals").await;
    let client = server.client();
    let graph = create_graph(&server, &server.user_id, IS_IT_BIG, "Is it big?").await;
    let other_graph = create_graph(&server, &server.user_id, IS_IT_BIG, "Is it big too?").await;
    let answer = client
        .post(
            "/external-api/v1/store/submissions",
            &json!({"agent_id": graph.0, "agent_version": graph.1, "slug": "Not A Slug", "name": "",
                    "image_urls": ["ftp://example.com/x.png"]}),
        )
        .await;
    answer.expect(422);
    assert_eq!(answer.code(), "invalid_submission");
    let body = answer.json();
    let paths: Vec<&str> = body["error"]["details"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|problem| problem["path"].as_str())
        .collect();
    assert_eq!(paths, ["/slug", "/name", "/image_urls/0"], "every problem at once");

    let unknown = client
        .post(
            "/external-api/v1/store/submissions",
            &json!({"agent_id": "no-such-graph", "agent_version": 1, "slug": "x", "name": "X"}),
        )
        .await;
    assert_eq!(unknown.expect(404).code(), "graph_not_found");

    publish(&client, &graph, "is-it-big", json!({})).await;
    let taken = client
        .post(
            "/external-api/v1/store/submissions",
            &json!({"agent_id": other_graph.0, "agent_version": 1, "slug": "is-it-big", "name": "X"}),
        )
        .await;
    assert_eq!(taken.expect(409).code(), "slug_taken");
    let listed = client
        .post(
            "/external-api/v1/store/submissions",
            &json!({"agent_id": graph.0, "agent_version": 1, "slug": "another-slug", "name": "X"}),
        )
        .await;
    assert_eq!(listed.expect(409).code(), "graph_listed");

    let (_, stranger) = other_user(&server, "Stranger").await;
    let foreign = stranger
        .post(
            "/external-api/v1/store/submissions",
            &json!({"agent_id": graph.0, "agent_version": 1, "slug": "stolen", "name": "Stolen"}),
        )
        .await;
    assert_eq!(foreign.expect(404).code(), "graph_not_found", "only one's own graphs are published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_user_gets_a_unique_username_and_edits_their_profile() {
    let server = TestServer::start("store-profiles").await;
    let client = server.client();
    let mine = client.get("/external-api/v1/store/profile").await.expect(200).json();
    assert_eq!(
        mine,
        json!({"name": "Local user", "username": "local-user", "description": "", "links": [],
                            "avatar_url": null})
    );
    let (_, twin) = other_user(&server, "Local User").await;
    let theirs = twin.get("/external-api/v1/store/profile").await.expect(200).json();
    assert_eq!(theirs["username"], "local-user-2", "the derived username is made unique");

    let taken = twin.post("/external-api/v1/store/profile", &json!({"name": "Twin", "username": "local-user"})).await;
    assert_eq!(taken.expect(409).code(), "username_taken");
    let invalid = twin
        .post(
            "/external-api/v1/store/profile",
            &json!({"name": "", "username": "Bad Name", "links": ["javascript:alert(1)"]}),
        )
        .await;
    invalid.expect(422);
    assert_eq!(invalid.json()["error"]["details"]["problems"].as_array().map(Vec::len), Some(3));
    let changed = twin
        .post(
            "/external-api/v1/store/profile",
            &json!({"name": "Twin", "username": "twin", "description": "Makes agents.",
                    "links": ["https://twin.example.com"], "avatar_url": "https://twin.example.com/me.png"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["username"], "twin");
    let creator = twin.get("/external-api/v1/store/creators/twin").await.expect(200).json();
    assert_eq!(
        creator,
        json!({"name": "Twin", "username": "twin", "description": "Makes agents.",
               "links": ["https://twin.example.com"], "avatar_url": "https://twin.example.com/me.png",
               "agent_rating": 0.0, "agent_runs": 0, "top_categories": []})
    );
    assert_eq!(
        client.get("/external-api/v1/store/creators/local-user-2").await.expect(404).code(),
        "creator_not_found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_are_filtered_ordered_and_paged_as_the_reference_does() {
    let server = TestServer::start("store-filters").await;
    let client = server.client();
    let (ada_id, ada) = other_user(&server, "Ada").await;
    let first = create_graph(&server, &server.user_id, IS_IT_BIG, "Weather report").await;
    let second = create_graph(&server, &server.user_id, IS_IT_BIG, "News digest").await;
    let third = create_graph(&server, &ada_id, IS_IT_BIG, "Weather alerts").await;
    publish(
        &client,
        &first,
        "weather-report",
        json!({"name": "Weather report", "description": "Daily weather.",
                                                       "categories": ["weather"]}),
    )
    .await;
    publish(
        &client,
        &second,
        "news-digest",
        json!({"name": "News digest", "sub_heading": "The news, short",
                                                     "categories": ["news"]}),
    )
    .await;
    publish(
        &ada,
        &third,
        "weather-alerts",
        json!({"name": "Alerts", "description": "Storm WEATHER warnings.",
                                                   "categories": ["Weather", "alerts"]}),
    )
    .await;
    let list = |query: &'static str| {
        let client = client.clone();
        async move { client.get(&format!("/external-api/v1/store/agents{query}")).await.expect(200).json() }
    };
    assert_eq!(slugs(&list("").await), ["weather-alerts", "news-digest", "weather-report"], "latest first");
    assert_eq!(slugs(&list("?sorted_by=name").await), ["weather-alerts", "news-digest", "weather-report"]);
    assert_eq!(slugs(&list("?creator=ada").await), ["weather-alerts"]);
    assert_eq!(slugs(&list("?search_query=weather").await), ["weather-alerts", "weather-report"]);
    assert_eq!(slugs(&list("?search_query=storm%20weather").await), ["weather-alerts"], "every word");
    assert_eq!(slugs(&list("?search_query=short").await), ["news-digest"], "the sub-heading is searched");
    assert_eq!(slugs(&list("?category=WEATHER").await), ["weather-alerts", "weather-report"]);
    assert!(slugs(&list("?featured=true").await).is_empty());
    publishing::feature(server.storage().as_ref(), "local-user", "news-digest", true).await.expect("featured");
    assert_eq!(slugs(&list("?featured=true").await), ["news-digest"]);

    let page = list("?page=2&page_size=2").await;
    assert_eq!(slugs(&page), ["weather-report"]);
    assert_eq!(page["pagination"], json!({"total_items": 3, "total_pages": 2, "current_page": 2, "page_size": 2}));
    assert!(slugs(&list("?page=9").await).is_empty(), "past the last page: no agents");

    for query in ["?page=0", "?page=-1", "?page_size=0", "?page_size=101", "?sorted_by=popularity", "?page=x"] {
        let answer = client.get(&format!("/external-api/v1/store/agents{query}")).await;
        assert!(["invalid_page", "invalid_query"].contains(&answer.expect(422).code().as_str()), "{query}");
    }
    for query in ["?page=0", "?page_size=500", "?sorted_by=name"] {
        client.get(&format!("/external-api/v1/store/creators{query}")).await.expect(422);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_rates_an_agent_once_and_rating_again_replaces_it() {
    let server = TestServer::start("store-ratings").await;
    let client = server.client();
    let graph = create_graph(&server, &server.user_id, IS_IT_BIG, "Is it big?").await;
    publish(&client, &graph, "is-it-big", json!({"categories": ["math"]})).await;
    let (_, ada) = other_user(&server, "Ada").await;
    let (_, bob) = other_user(&server, "Bob").await;
    let review = "/external-api/v1/store/agents/local-user/is-it-big/review";

    let first = ada.post(review, &json!({"score": 2, "comments": "meh"})).await.expect(201).json();
    assert_eq!(first, json!({"score": 2, "comments": "meh", "replaced": false}));
    let again = ada.post(review, &json!({"score": 4})).await.expect(200).json();
    assert_eq!(again, json!({"score": 4, "comments": null, "replaced": true}));
    bob.post(review, &json!({"score": 5})).await.expect(201);
    let details = client.get("/external-api/v1/store/agents/local-user/is-it-big").await.expect(200).json();
    assert_eq!(details["rating"], 4.5, "Ada's second rating replaced her first: (4 + 5) / 2");

    assert_eq!(client.post(review, &json!({"score": 5})).await.expect(403).code(), "own_agent");
    for score in [0, 6] {
        assert_eq!(ada.post(review, &json!({"score": score})).await.expect(422).code(), "invalid_rating");
    }
    let unknown = ada.post("/external-api/v1/store/agents/local-user/nothing/review", &json!({"score": 3})).await;
    assert_eq!(unknown.expect(404).code(), "store_agent_not_found");

    let creators = client.get("/external-api/v1/store/creators").await.expect(200).json();
    assert_eq!(
        creators,
        json!({"creators": [{"name": "Local user", "username": "local-user", "description": "", "avatar_url": "",
                             "num_agents": 1}],
               "pagination": {"total_items": 1, "total_pages": 1, "current_page": 1, "page_size": 20}}),
        "only users who published are creators"
    );
    let creator = client.get("/external-api/v1/store/creators/local-user").await.expect(200).json();
    assert_eq!(creator["agent_rating"], 4.5);
    assert_eq!(creator["top_categories"], json!(["math"]));

    let later = create_graph(&server, &server.user_id, IS_IT_BIG, "Later").await;
    publish(&client, &later, "later", json!({})).await;
    ada.post("/external-api/v1/store/agents/local-user/later/review", &json!({"score": 3})).await.expect(201);
    let latest = client.get("/external-api/v1/store/agents").await.expect(200).json();
    assert_eq!(slugs(&latest), ["later", "is-it-big"]);
    let sorted = client.get("/external-api/v1/store/agents?sorted_by=rating").await.expect(200).json();
    assert_eq!(slugs(&sorted), ["is-it-big", "later"], "4.5 before 3");
    assert_eq!(sorted["agents"][1]["rating"], 3.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creators_are_filtered_ordered_and_paged() {
    let server = TestServer::start("store-creators").await;
    let client = server.client();
    let (ada_id, ada) = other_user(&server, "Ada").await;
    let mine = server.user_id.clone();
    for (owner, owner_id, name) in [(&client, &mine, "One"), (&client, &mine, "Two"), (&ada, &ada_id, "Three")] {
        let graph = create_graph(&server, owner_id, IS_IT_BIG, name).await;
        publish(owner, &graph, &name.to_lowercase(), json!({})).await;
    }
    let names = |page: &Value| -> Vec<String> {
        page["creators"]
            .as_array()
            .expect("creators")
            .iter()
            .map(|c| c["username"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let all = client.get("/external-api/v1/store/creators").await.expect(200).json();
    assert_eq!(names(&all), ["local-user", "ada"], "most agents first");
    assert_eq!(all["creators"][0]["num_agents"], 2);
    let found = client.get("/external-api/v1/store/creators?search_query=ADA").await.expect(200).json();
    assert_eq!(names(&found), ["ada"]);
    let paged = client.get("/external-api/v1/store/creators?page=2&page_size=1").await.expect(200).json();
    assert_eq!(names(&paged), ["ada"]);
    assert_eq!(paged["pagination"]["total_pages"], 2);
    publishing::feature(server.storage().as_ref(), "ada", "three", true).await.expect("featured");
    let featured = client.get("/external-api/v1/store/creators?featured=true").await.expect(200).json();
    assert_eq!(names(&featured), ["ada"]);
    assert_eq!(client.get("/external-api/v1/store/creators/nobody").await.expect(404).code(), "creator_not_found");
}
