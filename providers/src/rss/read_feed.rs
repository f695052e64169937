//! `ReadRssFeedBlock`: the entries of an RSS or Atom feed at a URL.

use block_core::http::{Exchange, HttpClient};
use block_core::prelude::*;
use jiff::Timestamp;

use super::feed::{Feed, FeedEntry, parse_feed};
use super::fixtures::{ATOM, RSS};

/// Inputs of `ReadRssFeedBlock`.
#[derive(BlockInput)]
pub struct ReadRssFeedInput {
    /// The feed's address (RSS 2.0 or Atom 1.0).
    #[block_input(placeholder = "https://blog.rust-lang.org/feed.xml", format = "uri")]
    pub url: String,
    /// The most entries to emit, from the top of the feed.
    #[block_input(default = 20, min = 1, max = 500)]
    pub max_entries: u32,
    /// Only entries published within this many minutes before now (entries
    /// without a date are kept). Absent: every entry.
    #[block_input(min = 1, advanced)]
    pub published_within_minutes: Option<u32>,
}

/// Outputs of `ReadRssFeedBlock`.
#[derive(BlockOutput)]
pub enum ReadRssFeedOutput {
    /// One entry: `id`, `title`, `link`, `published` (RFC 3339 or `null`) and
    /// `summary`; in the feed's order.
    Entry(Value),
    /// Every entry emitted.
    Entries(Vec<Value>),
    /// The feed's own title.
    FeedTitle(String),
}

/// Reads an RSS or Atom feed and emits its entries with their ids, titles, links,
/// publication times and summaries.
#[block(id = "1c50ecf7-97a1-4acb-8b13-686ad7518b0e", categories(Data, Input), tests = read_feed_cases)]
pub struct ReadRssFeedBlock;

impl Run for ReadRssFeedBlock {
    type Input = ReadRssFeedInput;
    type Output = ReadRssFeedOutput;

    async fn run(
        &self,
        input: ReadRssFeedInput,
        ctx: &RunContext,
        out: &Emit<ReadRssFeedOutput>,
    ) -> Result<(), BlockError> {
        let feed = fetch_feed(ctx.http(), input.url.trim()).await?;
        let cutoff =
            input.published_within_minutes.map(|minutes| Timestamp::now().as_second() - i64::from(minutes) * 60);
        let entries: Vec<Value> = feed
            .entries
            .iter()
            .filter(|entry| match (cutoff, entry.published) {
                (Some(cutoff), Some(published)) => published.as_second() >= cutoff,
                _ => true,
            })
            .take(input.max_entries as usize)
            .map(entry_json)
            .collect();
        for entry in &entries {
            out.emit(ReadRssFeedOutput::Entry(entry.clone())).await?;
        }
        out.emit(ReadRssFeedOutput::Entries(entries)).await?;
        out.emit(ReadRssFeedOutput::FeedTitle(feed.title)).await
    }
}

/// Fetches and parses the feed at `url` through `http` (the run's `ctx.http()`,
/// so private addresses are refused), saying what went wrong in a user's terms.
pub async fn fetch_feed(http: &HttpClient, url: &str) -> Result<Feed, BlockError> {
    let response = http
        .get(url)
        .header("accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8")
        .send()
        .await
        .map_err(|error| BlockError::new(format!("the feed could not be fetched: {error}")))?;
    let status = response.status();
    if !status.is_success() {
        return Err(BlockError::new(format!("the feed's server answered {status}")));
    }
    parse_feed(&response.bytes()).map_err(|error| BlockError::new(format!("{url}: {error}")))
}

/// An entry as the block emits it.
pub fn entry_json(entry: &FeedEntry) -> Value {
    json!({
        "id": entry.id,
        "title": entry.title,
        "link": entry.link,
        "published": entry.published.map(|t| t.to_string()),
        "summary": entry.summary,
    })
}

fn read_feed_cases() -> Vec<TestCase<ReadRssFeedBlock>> {
    let first_rss = json!({"id": "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573", "title": "Star City & the \u{201c}cosmonauts\u{201d}",
        "link": "http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp", "published": "2003-06-03T09:39:21Z",
        "summary": "How do Americans get ready to work with <b>Russians</b> aboard the ISS?"});
    let first_atom = json!({"id": "tag:example.org,2003:3.2397", "title": "Atom draft-07 snapshot", "link": "http://example.org/2005/04/02/atom",
        "published": "2003-12-13T12:29:29Z", "summary": "[Update: The Atom draft is finished.]"});
    vec![
        TestCase::new("reads an RSS feed's first entries", input("https://example.com/rss.xml", 1))
            .http(
                Exchange::get("https://example.com/rss.xml")
                    .respond_body(200, RSS)
                    .response_header("content-type", "application/rss+xml"),
            )
            .outputs([
                ReadRssFeedOutput::Entry(first_rss.clone()),
                ReadRssFeedOutput::Entries(vec![first_rss]),
                ReadRssFeedOutput::FeedTitle("Liftoff News".into()),
            ]),
        TestCase::new("reads an Atom feed", input("https://example.org/feed.atom", 1))
            .http(Exchange::get("https://example.org/feed.atom").respond_body(200, ATOM))
            .outputs([
                ReadRssFeedOutput::Entry(first_atom.clone()),
                ReadRssFeedOutput::Entries(vec![first_atom]),
                ReadRssFeedOutput::FeedTitle("dive into mark".into()),
            ]),
        TestCase::new(
            "keeps only recent entries when asked",
            ReadRssFeedInput { published_within_minutes: Some(60), ..input("https://example.com/rss.xml", 20) },
        )
        .http(Exchange::get("https://example.com/rss.xml").respond_body(200, RSS))
        .outputs([ReadRssFeedOutput::Entries(vec![]), ReadRssFeedOutput::FeedTitle("Liftoff News".into())]),
        TestCase::new("says when the page is not a feed", input("https://example.com/", 20))
            .http(Exchange::get("https://example.com/").respond_body(200, "<html><body>Welcome</body></html>"))
            .error_containing(
                "https://example.com/: the document is not an RSS or Atom feed: its root element is <html>",
            ),
        TestCase::new("says what the server answered", input("https://example.com/gone.xml", 20))
            .http(Exchange::get("https://example.com/gone.xml").respond(410))
            .error_containing("the feed's server answered 410 Gone"),
        TestCase::new("a feed on a private address is refused", input("http://10.0.0.8/feed.xml", 20))
            .error_containing("was blocked"),
    ]
}

fn input(url: &str, max_entries: u32) -> ReadRssFeedInput {
    ReadRssFeedInput { url: url.into(), max_entries, published_within_minutes: None }
}
