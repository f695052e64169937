//! RSS and Atom feeds: a parser returning typed entries with stable ids and
//! timestamps (reusable by a polling trigger), and a block that reads a feed from
//! a URL through `ctx.http()`, and a polling trigger that runs once for every
//! new entry of a feed.
//!
//! Specifications followed:
//! - RSS 2.0: <https://www.rssboard.org/rss-specification> (`item`, `guid`,
//!   `pubDate` in RFC 822 form), with the Dublin Core `dc:date` and
//!   `content:encoded` modules; RSS 1.0 items are read too.
//! - Atom 1.0, RFC 4287: <https://www.rfc-editor.org/rfc/rfc4287> (`entry`, `id`,
//!   `link rel="alternate"`, `published`, `updated`, `summary`, `content`).
//!
//! The feed is an ordinary URL: it passes the SSRF guard like any other.

mod feed;
#[cfg(test)]
mod feed_tests;
mod feed_trigger;
mod fixtures;
mod read_feed;

pub use feed::{Feed, FeedEntry, FeedError, FeedKind, parse_date, parse_feed};
pub use feed_trigger::{RssFeedTriggerBlock, RssFeedTriggerInput, RssFeedTriggerOutput};
pub use read_feed::{ReadRssFeedBlock, ReadRssFeedInput, ReadRssFeedOutput, entry_json, fetch_feed};
