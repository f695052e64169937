//! The store's run figures against many runs: every run of a listed graph, or
//! of a user's current copy of a listing, counts once, whichever process stored
//! it and however it was stored. Then a measurement (ignored by default) of the
//! store's lists over 100,000 runs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use block_server::domain::{RunKind, RunStatus, User};
use block_server::storage::{AgentOrder, AgentQuery, CreatorOrder, CreatorQuery, LibraryCopy, Storage};

use crate::backends::Db;
use crate::fixtures::{LEASE, run, user};
use crate::store::{listed, profile, publication, version};

/// Graph runs (`kind` graph) of `graph_id` by `user`, numbered from `from`.
fn graph_run_records(user: &User, graph_id: &str, from: usize, count: usize) -> Vec<block_server::domain::Run> {
    (from..from + count)
        .map(|n| {
            let mut run = run(n, user, RunStatus::Queued);
            run.kind = RunKind::Graph;
            run.block_id = graph_id.to_owned();
            run
        })
        .collect()
}

fn copy(graph_id: &str) -> LibraryCopy {
    LibraryCopy { graph_id: graph_id.to_owned(), graph_version: 1, listing_version_id: "any".to_owned() }
}

/// The graphs runs are stored for in the test below.
const GRAPHS: [&str; 7] = ["fa-add", "fa-poet", "fb-zebra", "fc-add", "fb-add-old", "fb-add-new", "unlisted"];

pub async fn run_figures_count_every_run_stored_from_two_processes(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let cy = user(storage, "cy", 0).await;
    profile(storage, &ada, "ada").await;
    profile(storage, &bob, "bob").await;
    let adder = listed(storage, publication(&ada, "adder", "fa-add", version("a1", "Adder", &["math"], 10))).await;
    listed(storage, publication(&ada, "poet", "fa-poet", version("a2", "Poet", &["writing"], 20))).await;
    listed(storage, publication(&bob, "zebra", "fb-zebra", version("b1", "Zebra", &["math"], 30))).await;
    storage.put_library_copy(&cy.id, &adder.id, copy("fc-add"), 40).await.expect("copied");
    storage.put_library_copy(&bob.id, &adder.id, copy("fb-add-old"), 41).await.expect("copied");

    // Eight writers on two processes, each storing graph runs of every graph
    // in batches, and runs of other kinds under a listed graph's id.
    let other = db.again().await;
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..8_usize {
        let storage = if writer % 2 == 0 { db.storage.clone() } else { other.clone() };
        let runner = cy.clone();
        writers.spawn(async move {
            let mut stored: HashMap<&'static str, u64> = HashMap::new();
            for batch in 0..5_usize {
                let from = 100_000 + writer * 10_000 + batch * 1_000;
                let graph = GRAPHS[(writer + batch) % GRAPHS.len()];
                let count = 20 + writer + batch;
                storage.create_runs(graph_run_records(&runner, graph, from, count)).await.expect("stored");
                *stored.entry(graph).or_default() += count as u64;
                let mut node = run(from + 500, &runner, RunStatus::Queued);
                (node.kind, node.block_id) = (RunKind::GraphNode, "fa-add".to_owned());
                let mut block = run(from + 501, &runner, RunStatus::Queued);
                (block.kind, block.block_id) = (RunKind::Block, "fb-zebra".to_owned());
                storage.create_runs(vec![node, block]).await.expect("stored");
            }
            stored
        });
    }
    let mut expected: HashMap<&str, u64> = HashMap::new();
    while let Some(stored) = writers.join_next().await {
        for (graph, count) in stored.expect("the writer") {
            *expected.entry(graph).or_default() += count;
        }
    }
    // Graph runs answered inline go through the write queue: they count too.
    for (n, graph) in ["fa-poet", "fb-add-new", "fa-poet"].into_iter().enumerate() {
        let mut inline = graph_run_records(&cy, graph, 900_000 + n, 1).remove(0);
        (inline.status, inline.started_at) = (RunStatus::Running, Some(inline.created_at));
        storage.begin_inline(inline, "worker-1", LEASE, 0, "inline").await.expect("stored");
        *expected.entry(graph).or_default() += 1;
    }
    storage.flush().await.expect("flushed");
    // Bob's copy moves on to a new graph: the runs of the old one stop counting.
    storage.put_library_copy(&bob.id, &adder.id, copy("fb-add-new"), 50).await.expect("moved");

    let of = |graph: &str| expected.get(graph).copied().unwrap_or(0);
    let adder_runs = of("fa-add") + of("fc-add") + of("fb-add-new");
    let figures = HashMap::from([("adder", adder_runs), ("poet", of("fa-poet")), ("zebra", of("fb-zebra"))]);
    assert!(figures.values().all(|runs| *runs > 0), "every listing has runs: {figures:?}");
    let detail = storage.store_agent("ada", "adder").await.expect("read").expect("found");
    assert_eq!(detail.runs, adder_runs, "the adder's runs and its copies' runs, {expected:?}");
    let listed = storage.store_agents(AgentQuery { order: AgentOrder::Runs, limit: 10, ..AgentQuery::default() });
    let listed = listed.await.expect("listed");
    let shown: HashMap<&str, u64> = listed.items.iter().map(|a| (a.listing.slug.as_str(), a.runs)).collect();
    assert_eq!(shown, figures, "{expected:?}");
    let order: Vec<u64> = listed.items.iter().map(|a| a.runs).collect();
    assert!(order.windows(2).all(|pair| pair[0] >= pair[1]), "most runs first: {order:?}");

    let creators =
        storage.creators(CreatorQuery { order: CreatorOrder::AgentRuns, limit: 10, ..CreatorQuery::default() });
    let creators = creators.await.expect("listed");
    let shown: HashMap<&str, u64> =
        creators.items.iter().map(|c| (c.profile.username.as_str(), c.agent_runs)).collect();
    let ada_runs = adder_runs + of("fa-poet");
    assert_eq!(shown, HashMap::from([("ada", ada_runs), ("bob", of("fb-zebra"))]));
    let ada_figures = storage.creator("ada").await.expect("read").expect("found");
    assert_eq!(ada_figures.agent_runs, ada_runs);
    let again = other.store_agent("ada", "adder").await.expect("read").expect("found");
    assert_eq!(again.runs, adder_runs, "another process reads the same figure");
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// The median and the mean of `REPEAT` calls of `call`, in milliseconds.
async fn timed<F, Fut, T>(repeat: usize, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times: Vec<Duration> = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let started = Instant::now();
        std::hint::black_box(call().await);
        times.push(started.elapsed());
    }
    times.sort();
    let millis = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = times.iter().copied().map(millis).sum::<f64>() / times.len().max(1) as f64;
    (millis(times[times.len() / 2]), mean)
}

/// A measurement, not a check: `STORE_RUNS` (default 100,000) graph runs over
/// 50 listings of 10 creators (a fifth of them runs of 25 users' copies), in
/// batches of 2,000 a transaction, then `SINGLE_RUNS` (default 2,000) one per
/// transaction, then each store list and detail `REPEAT` (default 20) times;
/// printed.
///
/// `cargo test -p block-server --test storage store_lists_over_many_runs -- --ignored --nocapture`
pub async fn store_lists_over_many_runs_are_measured(db: &Db) {
    let storage: &dyn Storage = db.storage.as_ref();
    let total = env_number("STORE_RUNS", 100_000);
    let repeat = env_number("REPEAT", 20).max(1);
    let mut listings = Vec::new();
    for creator in 0..10_usize {
        let owner = user(storage, &format!("creator{creator}"), 0).await;
        profile(storage, &owner, &format!("creator{creator}")).await;
        for n in 0..5 {
            let k = creator * 5 + n;
            let at = 1_000 + i64::try_from(k).expect("small");
            let version = version(&format!("bench-v{k}"), &format!("Agent {k}"), &["bench"], at);
            listings.push(
                listed(storage, publication(&owner, &format!("agent-{k}"), &format!("bench-g{k}"), version)).await,
            );
        }
    }
    let runner = user(storage, "runner", 0).await;
    for j in 0..25 {
        let holder = user(storage, &format!("holder{j}"), 0).await;
        storage
            .put_library_copy(&holder.id, &listings[j * 2].id, copy(&format!("bench-copy{j}")), 2_000)
            .await
            .expect("copied");
    }
    let started = Instant::now();
    let batch = 2_000;
    for from in (0..total).step_by(batch) {
        let runs = (from..(from + batch).min(total))
            .flat_map(|n| {
                let graph =
                    if n % 5 == 4 { format!("bench-copy{}", (n / 5) % 25) } else { format!("bench-g{}", n % 50) };
                graph_run_records(&runner, &graph, n, 1)
            })
            .collect();
        storage.create_runs(runs).await.expect("stored");
    }
    let inserted = started.elapsed();
    // What a run-agent call stores: one graph run, in a transaction of its own.
    let single = env_number("SINGLE_RUNS", 2_000);
    let started = Instant::now();
    for n in total..total + single {
        storage.create_runs(graph_run_records(&runner, &format!("bench-g{}", n % 50), n, 1)).await.expect("stored");
    }
    let one_by_one = started.elapsed();
    let page = AgentQuery { limit: 20, ..AgentQuery::default() };
    let by_runs = AgentQuery { order: AgentOrder::Runs, ..page.clone() };
    let creators = CreatorQuery { limit: 20, ..CreatorQuery::default() };
    let creators_by_runs = CreatorQuery { order: CreatorOrder::AgentRuns, ..creators.clone() };
    let figures = [
        ("agents, latest first (20 of 50)", timed(repeat, || storage.store_agents(page.clone())).await),
        ("agents by runs (20 of 50)", timed(repeat, || storage.store_agents(by_runs.clone())).await),
        ("agent detail", timed(repeat, || storage.store_agent("creator0", "agent-0")).await),
        ("creators by agents (10)", timed(repeat, || storage.creators(creators.clone())).await),
        ("creators by runs (10)", timed(repeat, || storage.creators(creators_by_runs.clone())).await),
        ("creator detail", timed(repeat, || storage.creator("creator0")).await),
    ];
    let check = storage.store_agent("creator0", "agent-0").await.expect("read").expect("found");
    println!(
        "\n{}: {total} graph runs stored in {:.2} s ({:.0} runs/s); agent-0 shows {} runs",
        db.backend(),
        inserted.as_secs_f64(),
        total as f64 / inserted.as_secs_f64(),
        check.runs
    );
    println!(
        "{}: then {single} graph runs stored one per transaction in {:.2} s ({:.0} runs/s)",
        db.backend(),
        one_by_one.as_secs_f64(),
        single as f64 / one_by_one.as_secs_f64()
    );
    for (what, (median, mean)) in figures {
        println!("{}: {what}: median {median:.2} ms, mean {mean:.2} ms over {repeat}", db.backend());
    }
}
