//! Tests of the feed parser on the specifications' sample shapes and on what real
//! feeds get wrong.

use super::feed::{FeedError, FeedKind, parse_date, parse_feed};
use super::fixtures::{ATOM, RSS};

#[test]
fn reads_an_rss_feed_with_entities_cdata_and_namespaced_fields() {
    let feed = parse_feed(RSS.as_bytes()).expect("valid RSS");
    assert_eq!(feed.kind, FeedKind::Rss);
    assert_eq!(feed.title, "Liftoff News");
    assert_eq!(feed.link.as_deref(), Some("http://liftoff.msfc.nasa.gov/"));
    assert_eq!(feed.entries.len(), 2);
    let first = &feed.entries[0];
    assert_eq!(first.title, "Star City & the \u{201c}cosmonauts\u{201d}");
    assert_eq!(first.id, "http://liftoff.msfc.nasa.gov/2003/06/03.html#item573");
    assert_eq!(
        first.summary.as_deref(),
        Some("How do Americans get ready to work with <b>Russians</b> aboard the ISS?")
    );
    assert_eq!(first.published.map(|t| t.to_string()).as_deref(), Some("2003-06-03T09:39:21Z"));
    let second = &feed.entries[1];
    assert_eq!(second.id, "http://liftoff.msfc.nasa.gov/news/2003/news-sky.asp", "no guid: the link is the id");
    assert_eq!(second.published.map(|t| t.to_string()).as_deref(), Some("2003-05-30T11:06:42Z"));
    assert!(second.summary.as_deref().is_some_and(|s| s.starts_with("<p>Sky watchers")));
}

#[test]
fn reads_an_atom_feed_taking_the_alternate_link_and_published_time() {
    let feed = parse_feed(ATOM.as_bytes()).expect("valid Atom");
    assert_eq!(feed.kind, FeedKind::Atom);
    assert_eq!(feed.title, "dive into mark");
    assert_eq!(feed.link.as_deref(), Some("http://example.org/"));
    let first = &feed.entries[0];
    assert_eq!(first.id, "tag:example.org,2003:3.2397");
    assert_eq!(first.link.as_deref(), Some("http://example.org/2005/04/02/atom"), "not the enclosure");
    assert_eq!(first.published.map(|t| t.to_string()).as_deref(), Some("2003-12-13T12:29:29Z"));
    assert_eq!(first.summary.as_deref(), Some("[Update: The Atom draft is finished.]"));
    let second = &feed.entries[1];
    assert_eq!(second.link.as_deref(), Some("http://example.org/2005/05/01/second"));
    assert_eq!(second.published.map(|t| t.to_string()).as_deref(), Some("2005-05-01T10:00:00Z"), "updated stands in");
    assert_eq!(second.summary.as_deref(), Some("Short <em>summary</em>"));
}

#[test]
fn entries_without_guid_or_link_get_a_stable_digest_id() {
    let xml = br#"<rss version="2.0"><channel><title>t</title>
        <item><description>Only a description</description></item></channel></rss>"#;
    let once = parse_feed(xml).expect("valid");
    let again = parse_feed(xml).expect("valid");
    assert!(once.entries[0].id.starts_with("sha256:"), "{}", once.entries[0].id);
    assert_eq!(once.entries[0].id, again.entries[0].id);
}

#[test]
fn reads_rss_1_0_items_beside_the_channel() {
    let xml = br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
        <channel><title>Old style</title><link>http://example.com/</link></channel>
        <item rdf:about="http://example.com/a"><title>A</title><link>http://example.com/a</link></item></rdf:RDF>"#;
    let feed = parse_feed(xml).expect("valid");
    assert_eq!((feed.kind, feed.title.as_str(), feed.entries.len()), (FeedKind::Rss, "Old style", 1));
}

#[test]
fn refuses_what_is_not_a_feed_saying_why() {
    assert_eq!(parse_feed(b"<html><body>hi</body></html>"), Err(FeedError::NotAFeed("html".into())));
    assert_eq!(parse_feed(b""), Err(FeedError::Empty));
    let error = parse_feed(b"<rss><channel><title>x</channel></rss>").expect_err("mismatched tags");
    assert!(matches!(error, FeedError::Xml { .. }), "{error:?}");
}

#[test]
fn dates_forgive_a_wrong_weekday_and_unknown_ones_are_left_out() {
    assert_eq!(parse_date("Tue, 14 Nov 2023 22:13:20 GMT").map(|t| t.as_second()), Some(1_700_000_000));
    assert_eq!(parse_date("Mon, 14 Nov 2023 22:13:20 +0000").map(|t| t.as_second()), Some(1_700_000_000));
    assert_eq!(parse_date("2023-11-14T23:13:20+01:00").map(|t| t.as_second()), Some(1_700_000_000));
    assert_eq!(parse_date("yesterday"), None);
}
