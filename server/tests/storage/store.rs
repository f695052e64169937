//! The store: profiles, listings and their versions, ratings, library copies,
//! and the lists with their figures.

use block_server::domain::{ListingVersion, Profile, RunKind, RunStatus, User};
use block_server::storage::{
    AgentOrder, AgentQuery, CreatorOrder, CreatorQuery, LibraryCopy, Publication, Published, Storage,
};

use crate::backends::Db;
use crate::fixtures::{run, user};

pub(crate) fn version(id: &str, name: &str, categories: &[&str], at: i64) -> ListingVersion {
    ListingVersion {
        id: id.to_owned(),
        version: 0,
        graph_version: 1,
        name: name.to_owned(),
        sub_heading: format!("{name} in one line"),
        description: format!("{name}, described at length"),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        image_urls: vec!["https://example.com/a.png".to_owned()],
        video_url: None,
        created_at: at,
    }
}

pub(crate) fn publication(owner: &User, slug: &str, graph_id: &str, version: ListingVersion) -> Publication {
    Publication {
        owner_id: owner.id.clone(),
        slug: slug.to_owned(),
        graph_id: graph_id.to_owned(),
        listing_id: format!("listing-{slug}-{}", version.id),
        version,
    }
}

pub(crate) async fn profile(storage: &dyn Storage, user: &User, username: &str) -> Profile {
    storage
        .ensure_profile(&user.id, &user.name, vec![username.to_owned()], 1)
        .await
        .expect("answered")
        .expect("the username is free")
}

pub(crate) async fn listed(storage: &dyn Storage, publication: Publication) -> block_server::domain::Listing {
    match storage.publish(publication).await.expect("published") {
        Published::Listed(listing) => *listing,
        other => panic!("not listed: {other:?}"),
    }
}

/// Stores `count` graph runs of `graph_id` by `user`, numbered from `from`.
pub(crate) async fn graph_runs(storage: &dyn Storage, user: &User, graph_id: &str, from: usize, count: usize) {
    let runs = (from..from + count)
        .map(|n| {
            let mut run = run(n, user, RunStatus::Queued);
            run.kind = RunKind::Graph;
            run.block_id = graph_id.to_owned();
            run
        })
        .collect();
    storage.create_runs(runs).await.expect("the runs are stored");
    storage.flush().await.expect("flushed");
}

pub async fn profiles_keep_usernames_unique_and_publishing_versions_listings(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let first = profile(storage, &ada, "ada").await;
    assert_eq!((first.username.as_str(), first.links.len()), ("ada", 0));
    let again = storage.ensure_profile(&ada.id, "Ada", vec!["other".to_owned()], 2).await.expect("answered");
    assert_eq!(again, Some(first.clone()), "an existing profile is kept");
    let taken = storage.ensure_profile(&bob.id, "Bob", vec!["ada".to_owned()], 2).await.expect("answered");
    assert_eq!(taken, None, "every username offered is taken");
    let bobs = storage
        .ensure_profile(&bob.id, "Bob", vec!["ada".to_owned(), "bob".to_owned()], 2)
        .await
        .expect("answered")
        .expect("the second username is free");
    assert_eq!(bobs.username, "bob");
    let stolen = Profile { username: "ada".to_owned(), ..bobs.clone() };
    assert!(!storage.update_profile(stolen).await.expect("answered"), "ada's username stays ada's");
    let changed = Profile {
        name: "Bob B".to_owned(),
        links: vec!["https://bob.example".to_owned()],
        avatar_url: Some("https://bob.example/me.png".to_owned()),
        updated_at: 5,
        ..bobs
    };
    assert!(storage.update_profile(changed.clone()).await.expect("updated"));
    assert_eq!(storage.profile_by_username("bob").await.expect("read"), Some(changed));
    assert_eq!(storage.profile_by_username("nobody").await.expect("read"), None);

    let listing = listed(storage, publication(&ada, "adder", "g1", version("v1", "Adder", &["math"], 10))).await;
    assert_eq!((listing.latest.version, listing.slug.as_str(), listing.featured), (1, "adder", false));
    assert_eq!(listing.latest.categories, vec!["math".to_owned()]);
    let taken = storage.publish(publication(&ada, "adder", "g2", version("v2", "Other", &[], 11))).await;
    assert_eq!(taken.expect("answered"), Published::SlugTaken { graph_id: "g1".to_owned() });
    let listed_elsewhere = storage.publish(publication(&ada, "sum", "g1", version("v3", "Sum", &[], 12))).await;
    assert_eq!(listed_elsewhere.expect("answered"), Published::GraphListed { slug: "adder".to_owned() });

    // Versions published at once from two processes get consecutive numbers.
    let other = db.again().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..6_i64 {
        let storage = if n % 2 == 0 { db.storage.clone() } else { other.clone() };
        let publication = publication(&ada, "adder", "g1", version(&format!("w{n}"), "Adder", &["math"], 20 + n));
        tasks.spawn(async move { storage.publish(publication).await });
    }
    while let Some(published) = tasks.join_next().await {
        assert!(matches!(published.expect("the task").expect("published"), Published::Listed(_)));
    }
    let versions = storage.listing_versions(&listing.id).await.expect("read");
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), (1..=7).collect::<Vec<u32>>());
    assert_eq!(versions[0], listing.latest, "the first version is kept as published");
    let agent = storage.store_agent("ada", "adder").await.expect("read").expect("found");
    assert_eq!(agent.listing.latest.version, 7, "the listing shows its latest version");
    assert_eq!(agent.creator.username, "ada");

    assert!(storage.set_featured(&listing.id, true).await.expect("set"));
    assert!(!storage.set_featured("no-such-listing", true).await.expect("answered"));
    assert!(storage.store_agent("ada", "adder").await.expect("read").expect("found").listing.featured);
    assert!(storage.store_agent("bob", "adder").await.expect("read").is_none(), "not bob's");
}

pub async fn store_lists_filter_order_and_count_runs_and_ratings(db: &Db) {
    let storage = db.storage.as_ref();
    let ada = user(storage, "ada", 0).await;
    let bob = user(storage, "bob", 0).await;
    let cy = user(storage, "cy", 0).await;
    profile(storage, &ada, "ada").await;
    profile(storage, &bob, "bob").await;
    profile(storage, &cy, "cy").await;
    let adder =
        listed(storage, publication(&ada, "adder", "ga1", version("a1", "Adder", &["math", "tools"], 10))).await;
    let poet = listed(storage, publication(&ada, "poet", "ga2", version("a2", "Poet", &["writing"], 20))).await;
    let zebra = listed(storage, publication(&bob, "zebra", "gb1", version("b1", "Zebra counter", &["math"], 30))).await;
    storage.set_featured(&poet.id, true).await.expect("featured");

    assert!(!storage.rate(&adder.id, &bob.id, 2, None, 40).await.expect("rated"), "a first rating");
    assert!(storage.rate(&adder.id, &bob.id, 4, Some("better".to_owned()), 41).await.expect("rated"), "replaced");
    assert!(!storage.rate(&adder.id, &cy.id, 5, None, 42).await.expect("rated"));
    assert!(!storage.rate(&zebra.id, &cy.id, 3, None, 43).await.expect("rated"));

    graph_runs(storage, &ada, "gb1", 0, 3).await;
    graph_runs(storage, &ada, "ga1", 10, 1).await;
    // cy's copy of the adder: its runs count as the adder's.
    let copy = LibraryCopy { graph_id: "gc1".to_owned(), graph_version: 2, listing_version_id: "a1".to_owned() };
    storage.put_library_copy(&cy.id, &adder.id, copy.clone(), 50).await.expect("copied");
    assert_eq!(storage.library_copy(&cy.id, &adder.id).await.expect("read"), Some(copy));
    assert_eq!(storage.library_copy(&bob.id, &adder.id).await.expect("read"), None);
    graph_runs(storage, &cy, "gc1", 20, 1).await;

    let query = AgentQuery { limit: 10, ..AgentQuery::default() };
    let slugs = |page: &block_server::storage::Page<block_server::storage::StoreAgent>| {
        page.items.iter().map(|a| a.listing.slug.clone()).collect::<Vec<_>>()
    };
    let latest = storage.store_agents(query.clone()).await.expect("listed");
    assert_eq!((slugs(&latest), latest.total), (vec!["zebra".into(), "poet".into(), "adder".into()], 3));
    let adder_figures = latest.items.iter().find(|a| a.listing.slug == "adder").expect("listed");
    assert_eq!((adder_figures.runs, adder_figures.rating, adder_figures.ratings), (2, 4.5, 2));
    let by_rating = storage.store_agents(AgentQuery { order: AgentOrder::Rating, ..query.clone() }).await;
    assert_eq!(slugs(&by_rating.expect("listed")), ["adder", "zebra", "poet"]);
    let by_runs = storage.store_agents(AgentQuery { order: AgentOrder::Runs, ..query.clone() }).await;
    assert_eq!(slugs(&by_runs.expect("listed")), ["zebra", "adder", "poet"]);
    let by_name = storage.store_agents(AgentQuery { order: AgentOrder::Name, ..query.clone() }).await;
    assert_eq!(slugs(&by_name.expect("listed")), ["adder", "poet", "zebra"]);
    let paged = storage.store_agents(AgentQuery { order: AgentOrder::Name, offset: 1, limit: 1, ..query.clone() });
    let paged = paged.await.expect("listed");
    assert_eq!((slugs(&paged), paged.total), (vec!["poet".to_owned()], 3));
    let featured = storage.store_agents(AgentQuery { featured: true, ..query.clone() }).await.expect("listed");
    assert_eq!((slugs(&featured), featured.total), (vec!["poet".to_owned()], 1));
    let of_bob = storage.store_agents(AgentQuery { creator: Some("bob".into()), ..query.clone() }).await;
    assert_eq!(slugs(&of_bob.expect("listed")), ["zebra"]);
    let math = storage.store_agents(AgentQuery { category: Some("MATH".into()), ..query.clone() }).await;
    assert_eq!(slugs(&math.expect("listed")), ["zebra", "adder"]);
    let words = AgentQuery { words: vec!["COUNTER".into(), "zebra".into()], ..query.clone() };
    assert_eq!(slugs(&storage.store_agents(words).await.expect("listed")), ["zebra"]);
    let none = AgentQuery { words: vec!["zebra".into(), "poet".into()], ..query.clone() };
    let none = storage.store_agents(none).await.expect("listed");
    assert_eq!((none.items.len(), none.total), (0, 0), "every word must match");
    let quote = AgentQuery { words: vec!["'; drop table runs; --".into()], ..query };
    assert_eq!(storage.store_agents(quote).await.expect("listed").total, 0, "words are bound, not spliced");

    let creators = CreatorQuery { limit: 10, ..CreatorQuery::default() };
    let names = |page: &block_server::storage::Page<block_server::storage::Creator>| {
        page.items.iter().map(|c| c.profile.username.clone()).collect::<Vec<_>>()
    };
    let by_agents = storage.creators(creators.clone()).await.expect("listed");
    assert_eq!((names(&by_agents), by_agents.total), (vec!["ada".into(), "bob".into()], 2), "cy lists nothing");
    let by_runs = storage.creators(CreatorQuery { order: CreatorOrder::AgentRuns, ..creators.clone() }).await;
    assert_eq!(names(&by_runs.expect("listed")), ["bob", "ada"]);
    let by_rating = storage.creators(CreatorQuery { order: CreatorOrder::AgentRating, ..creators.clone() }).await;
    assert_eq!(names(&by_rating.expect("listed")), ["ada", "bob"]);
    let featured = storage.creators(CreatorQuery { featured: true, ..creators.clone() }).await.expect("listed");
    assert_eq!((names(&featured), featured.total), (vec!["ada".to_owned()], 1));
    let words = storage.creators(CreatorQuery { words: vec!["BO".into()], ..creators }).await.expect("listed");
    assert_eq!(names(&words), ["bob"]);

    let ada_figures = storage.creator("ada").await.expect("read").expect("found");
    assert_eq!((ada_figures.num_agents, ada_figures.agent_rating, ada_figures.agent_runs), (2, 4.5, 2));
    assert_eq!(ada_figures.top_categories, ["math", "tools", "writing"]);
    let cy_figures = storage.creator("cy").await.expect("read").expect("a profile without listings");
    assert_eq!((cy_figures.num_agents, cy_figures.agent_runs, cy_figures.top_categories.len()), (0, 0, 0));
    assert!(storage.creator("nobody").await.expect("read").is_none());
}
