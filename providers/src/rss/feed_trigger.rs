//! `RssFeedTriggerBlock`: a polling trigger that runs once for every new entry of
//! an RSS or Atom feed.
//!
//! Feeds send no webhooks, so the trigger polls: every 15 minutes it fetches the
//! feed, and each entry whose id it has not seen starts one run with the entry as
//! its payload. Feeds reorder and re-date entries, so new entries are told by id
//! (the last 1,000 ids are remembered), not by position or date. The first poll of
//! a subscription only learns what the feed holds already.

use block_core::http::Exchange;
use block_core::polling::PollCursor;
use block_core::prelude::*;

use super::fixtures::{ATOM, RSS};
use super::read_feed::{entry_json, fetch_feed};

/// Inputs of `RssFeedTriggerBlock`.
#[derive(BlockInput)]
pub struct RssFeedTriggerInput {
    /// The feed's address (RSS 2.0 or Atom 1.0).
    #[block_input(placeholder = "https://blog.rust-lang.org/feed.xml", format = "uri")]
    pub url: String,
    /// The new entry, as the poll found it.
    #[block_input(hidden)]
    pub payload: Value,
}

/// Outputs of `RssFeedTriggerBlock`.
#[derive(BlockOutput)]
pub enum RssFeedTriggerOutput {
    /// The entry: `id`, `title`, `link`, `published` (RFC 3339 or `null`) and
    /// `summary`.
    Entry(Value),
    /// Its title.
    Title(String),
    /// Its link, when it has one.
    Link(String),
}

/// Runs once for every new entry of an RSS or Atom feed, polled every 15 minutes.
#[block(
    id = "0f3b8e52-4c1d-4a7e-9b65-2d8c7a1e5f93",
    categories(Input, Data),
    trigger(poll(every = "15m", dedupe = seen_ids(1000))),
    tests = feed_trigger_cases
)]
pub struct RssFeedTriggerBlock;

impl Poll for RssFeedTriggerBlock {
    async fn poll(&self, input: &RssFeedTriggerInput, ctx: &RunContext) -> Result<Vec<PolledItem>, BlockError> {
        let feed = fetch_feed(ctx.http(), input.url.trim()).await?;
        Ok(feed
            .entries
            .iter()
            .map(|entry| {
                let item = PolledItem::new(entry.id.clone(), entry_json(entry));
                match entry.published {
                    Some(at) => item.at(at.as_millisecond()),
                    None => item,
                }
            })
            .collect())
    }
}

impl Run for RssFeedTriggerBlock {
    type Input = RssFeedTriggerInput;
    type Output = RssFeedTriggerOutput;

    async fn run(
        &self,
        input: RssFeedTriggerInput,
        _ctx: &RunContext,
        out: &Emit<RssFeedTriggerOutput>,
    ) -> Result<(), BlockError> {
        let entry = input.payload;
        let title = entry["title"].as_str().unwrap_or_default().to_owned();
        let link = entry["link"].as_str().map(str::to_owned);
        if entry["id"].as_str().is_none_or(str::is_empty) {
            return Err(BlockError::new("the payload is not a feed entry: it has no `id`"));
        }
        out.emit(RssFeedTriggerOutput::Entry(entry)).await?;
        out.emit(RssFeedTriggerOutput::Title(title)).await?;
        if let Some(link) = link {
            out.emit(RssFeedTriggerOutput::Link(link)).await?;
        }
        Ok(())
    }
}

const ATOM_FIRST: &str = "tag:example.org,2003:3.2397";
const ATOM_SECOND: &str = "tag:example.org,2003:3.2400";
const RSS_FIRST: &str = "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573";

fn seen(ids: &[&str]) -> PollCursor {
    PollCursor::SeenIds { ids: ids.iter().map(|id| (*id).to_owned()).collect() }
}

fn feed_trigger_cases() -> Vec<TestCase<RssFeedTriggerBlock>> {
    let atom = || Exchange::get("https://example.org/feed.atom").respond_body(200, ATOM);
    let entry = json!({"id": ATOM_FIRST, "title": "Atom draft-07 snapshot", "link": "http://example.org/2005/04/02/atom",
        "published": "2003-12-13T12:29:29Z", "summary": "[Update: The Atom draft is finished.]"});
    vec![
        TestCase::poll(
            "the first poll learns the feed and starts nothing",
            subscribed("https://example.org/feed.atom"),
        )
        .http(atom())
        .finds([])
        .cursor(seen(&[ATOM_SECOND, ATOM_FIRST])),
        TestCase::poll("an entry not seen before starts one run", subscribed("https://example.org/feed.atom"))
            .after(seen(&[ATOM_SECOND]))
            .http(atom())
            .finds([ATOM_FIRST])
            .cursor(seen(&[ATOM_SECOND, ATOM_FIRST])),
        TestCase::poll("entries seen before start nothing", subscribed("https://example.org/feed.atom"))
            .after(seen(&[ATOM_FIRST, ATOM_SECOND]))
            .http(atom())
            .finds([]),
        TestCase::poll("new entries run oldest first", subscribed("https://example.com/rss.xml"))
            .after(seen(&["an entry the feed dropped since"]))
            .http(Exchange::get("https://example.com/rss.xml").respond_body(200, RSS))
            .finds(["http://liftoff.msfc.nasa.gov/news/2003/news-sky.asp", RSS_FIRST]),
        TestCase::poll("a feed that cannot be fetched fails the poll", subscribed("https://example.org/feed.atom"))
            .after(seen(&[]))
            .http(Exchange::get("https://example.org/feed.atom").respond(410))
            .error_containing("the feed's server answered 410 Gone"),
        TestCase::poll("a feed on a private address is refused", subscribed("http://192.168.1.4/feed.xml"))
            .error_containing("was blocked"),
        TestCase::new(
            "a run emits the entry it was started for",
            RssFeedTriggerInput { payload: entry.clone(), ..subscribed("https://example.org/feed.atom") },
        )
        .outputs([
            RssFeedTriggerOutput::Entry(entry),
            RssFeedTriggerOutput::Title("Atom draft-07 snapshot".into()),
            RssFeedTriggerOutput::Link("http://example.org/2005/04/02/atom".into()),
        ]),
        TestCase::new(
            "a payload that is no entry fails the run",
            RssFeedTriggerInput { payload: json!({"title": "x"}), ..subscribed("https://example.org/feed.atom") },
        )
        .error_containing("has no `id`"),
    ]
}

fn subscribed(url: &str) -> RssFeedTriggerInput {
    RssFeedTriggerInput { url: url.into(), payload: Value::Null }
}
