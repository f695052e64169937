//! `block-server store ...`: the operator features and unfeatures store agents
//! on the data directory, as a user would run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use block_server::domain::{ListingVersion, User};
use block_server::storage::{AccountStore, AgentQuery, MarketplaceStore, Publication, Published};

struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-store").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the scratch directory is created");
    dir
}

fn block_server_in(dir: &Path, args: &[&str]) -> Finished {
    let output = Command::new(env!("CARGO_BIN_EXE_block-server"))
        .args(args)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    Finished {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A data directory where Ada published `ada/adder`.
async fn directory_with_a_store_agent(dir: &Path) {
    let storage = block_server::app::open_storage_async(&dir.join("data")).await.expect("the storage opens");
    let ada = User {
        id: "ada-id".to_owned(),
        name: "Ada".to_owned(),
        email: "ada@example.com".to_owned(),
        timezone: "UTC".to_owned(),
    };
    storage.create_user(ada.clone(), 0).await.expect("a user");
    storage.ensure_profile(&ada.id, &ada.name, vec!["ada".to_owned()], 1).await.expect("answered").expect("a profile");
    let version = ListingVersion {
        id: "adder-v1".to_owned(),
        version: 0,
        graph_version: 1,
        name: "Adder".to_owned(),
        sub_heading: "Adds".to_owned(),
        description: "Adds numbers".to_owned(),
        categories: vec!["math".to_owned()],
        image_urls: Vec::new(),
        video_url: None,
        created_at: 10,
    };
    let publication = Publication {
        owner_id: ada.id.clone(),
        slug: "adder".to_owned(),
        graph_id: "adder-graph".to_owned(),
        listing_id: "adder-listing".to_owned(),
        version,
    };
    assert!(matches!(storage.publish(publication).await.expect("published"), Published::Listed(_)));
}

/// The slugs of the featured store agents, read from the data directory.
async fn featured(dir: &Path) -> Vec<String> {
    let storage = block_server::app::open_storage_async(&dir.join("data")).await.expect("the storage opens");
    let page = storage.store_agents(AgentQuery { featured: true, limit: 10, ..AgentQuery::default() }).await;
    page.expect("listed").items.into_iter().map(|agent| agent.listing.slug).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_features_and_unfeatures_a_store_agent() {
    let dir = scratch_dir("feature");
    directory_with_a_store_agent(&dir).await;
    assert!(featured(&dir).await.is_empty());

    let done = block_server_in(&dir, &["store", "feature", "ada/adder"]);
    done.assert_code(0);
    assert_eq!(done.stdout, "ada/adder is featured\n");
    assert_eq!(featured(&dir).await, ["adder"]);
    block_server_in(&dir, &["store", "feature", "ada/adder"]).assert_code(0);
    assert_eq!(featured(&dir).await, ["adder"], "featuring again changes nothing");

    let undone = block_server_in(&dir, &["store", "unfeature", " Ada/Adder "]);
    undone.assert_code(0);
    assert_eq!(undone.stdout, "ada/adder is no longer featured\n", "addresses are read as the store reads them");
    assert!(featured(&dir).await.is_empty());

    let unknown = block_server_in(&dir, &["store", "feature", "ada/nothing"]);
    unknown.assert_code(1);
    assert!(unknown.stderr.contains("no store agent `ada/nothing`"), "{}", unknown.stderr);
    let malformed = block_server_in(&dir, &["store", "feature", "adder"]);
    malformed.assert_code(2);
    assert!(malformed.stderr.contains("<username>/<slug>"), "{}", malformed.stderr);
    assert!(featured(&dir).await.is_empty(), "nothing else was featured");
}
