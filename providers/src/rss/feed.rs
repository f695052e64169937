//! Reading RSS 2.0 (and 0.9x, 1.0) and Atom 1.0 feeds into typed entries, with a
//! pull parser: no DOM is built, entities and CDATA are resolved, namespaced
//! elements (`dc:date`, `content:encoded`, `atom:link`) are read by local name.

use std::borrow::Cow;

use jiff::Timestamp;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use ring::digest;

/// Which family a feed belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// RSS (2.0, 0.9x or the RDF-based 1.0).
    Rss,
    /// Atom 1.0.
    Atom,
}

/// A feed and its entries, in the feed's order.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// RSS or Atom.
    pub kind: FeedKind,
    /// The feed's title.
    pub title: String,
    /// The site the feed belongs to.
    pub link: Option<String>,
    /// The entries.
    pub entries: Vec<FeedEntry>,
}

/// One item (RSS) or entry (Atom).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// A stable id: the `guid` (RSS) or `id` (Atom); else the link; else a digest
    /// of the title and summary, so a poller can tell new entries from seen ones.
    pub id: String,
    /// The title (may be empty: RSS items need only a title or a description).
    pub title: String,
    /// The entry's page.
    pub link: Option<String>,
    /// When it was published (`pubDate`, `dc:date`, Atom `published`, else `updated`).
    pub published: Option<Timestamp>,
    /// The summary or content, as the feed wrote it (often HTML).
    pub summary: Option<String>,
}

/// Why a text is not a feed this parser reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// The XML is malformed.
    #[error("the feed is not well-formed XML (at byte {position}): {reason}")]
    Xml {
        /// Where the parser stopped.
        position: u64,
        /// What it found wrong.
        reason: String,
    },
    /// The document is XML but neither RSS nor Atom.
    #[error("the document is not an RSS or Atom feed: its root element is <{0}>")]
    NotAFeed(String),
    /// The document has no root element.
    #[error("the document is empty")]
    Empty,
}

/// The entry fields being filled.
#[derive(Default)]
struct Draft {
    id: Option<String>,
    title: Option<String>,
    link: Option<String>,
    published: Option<String>,
    updated: Option<String>,
    description: Option<String>,
    content: Option<String>,
}

impl Draft {
    fn finish(self) -> FeedEntry {
        let summary = self.description.or(self.content).filter(|s| !s.is_empty());
        let title = self.title.unwrap_or_default();
        let link = self.link.filter(|l| !l.is_empty());
        let id = self.id.filter(|id| !id.is_empty()).or_else(|| link.clone()).unwrap_or_else(|| {
            let seed = format!("{title}\u{0}{}", summary.as_deref().unwrap_or_default());
            let hash = digest::digest(&digest::SHA256, seed.as_bytes());
            let hex: String = hash.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        });
        let published =
            self.published.as_deref().and_then(parse_date).or_else(|| self.updated.as_deref().and_then(parse_date));
        FeedEntry { id, title, link, published, summary }
    }
}

/// Reads a date as feeds write it: RFC 3339 (Atom, `dc:date`) or RFC 2822 (RSS),
/// forgiving a weekday that does not match the date.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Some(instant);
    }
    if let Ok(zoned) = jiff::fmt::rfc2822::parse(text) {
        return Some(zoned.timestamp());
    }
    let without_weekday = text.split_once(',').map(|(_, rest)| rest.trim())?;
    jiff::fmt::rfc2822::parse(without_weekday).ok().map(|zoned| zoned.timestamp())
}

fn local_name(element: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(element.local_name().as_ref()).into_owned()
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(Cow::into_owned))
}

/// The text an entity reference stands for.
fn entity(name: &str, character: Option<char>) -> String {
    if let Some(character) = character {
        return character.to_string();
    }
    match quick_xml::escape::resolve_xml_entity(name) {
        Some(text) => text.to_owned(),
        // Feeds often carry HTML's `&nbsp;` undeclared; other unknown names stay as written.
        None if name == "nbsp" => "\u{a0}".to_owned(),
        None => format!("&{name};"),
    }
}

/// Parses `xml` (UTF-8) as an RSS or Atom feed.
///
/// ```
/// use block_providers::rss::{FeedKind, parse_feed};
/// let feed = parse_feed(br#"<rss version="2.0"><channel><title>News</title>
///   <item><title>Hello</title><link>https://example.com/1</link>
///   <pubDate>Tue, 14 Nov 2023 22:13:20 GMT</pubDate></item></channel></rss>"#)?;
/// assert_eq!(feed.kind, FeedKind::Rss);
/// assert_eq!(feed.entries[0].id, "https://example.com/1");
/// assert_eq!(feed.entries[0].published.map(|t| t.as_second()), Some(1_700_000_000));
/// # Ok::<(), block_providers::rss::FeedError>(())
/// ```
pub fn parse_feed(xml: &[u8]) -> Result<Feed, FeedError> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut kind = None;
    let mut depth = 0usize;
    let mut title = None;
    let mut link = None;
    let mut entries = Vec::new();
    // The entry being read and the depth of its element.
    let mut entry: Option<(Draft, usize)> = None;
    // The field element whose text is being gathered, its depth and the text.
    let mut field: Option<(String, usize, String)> = None;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|error| FeedError::Xml { position: reader.error_position(), reason: error.to_string() })?;
        match event {
            Event::Start(element) | Event::Empty(element) if kind.is_none() => {
                let root = local_name(&element);
                kind = Some(match root.as_str() {
                    "rss" | "RDF" => FeedKind::Rss,
                    "feed" => FeedKind::Atom,
                    _ => return Err(FeedError::NotAFeed(root)),
                });
                depth += 1;
            }
            Event::Start(element) => {
                depth += 1;
                let name = local_name(&element);
                if field.is_some() {
                    continue; // markup inside a field (Atom xhtml content): only its text counts
                }
                if matches!(name.as_str(), "item" | "entry") && entry.is_none() {
                    entry = Some((Draft::default(), depth));
                } else if name == "link"
                    && let Some(href) = attribute(&element, "href")
                {
                    set_link(&element, href, entry.as_mut().map(|(draft, _)| &mut draft.link).unwrap_or(&mut link));
                } else {
                    // Containers (`channel`, `author`, `image`, ...) are walked
                    // through; only the fields read are gathered as text.
                    let gather = match &entry {
                        Some((_, entry_depth)) => depth == entry_depth + 1 && ENTRY_FIELDS.contains(&name.as_str()),
                        None => matches!(name.as_str(), "title" | "link"),
                    };
                    if gather {
                        field = Some((name, depth, String::new()));
                    }
                }
            }
            Event::Empty(element) => {
                if local_name(&element) == "link"
                    && field.is_none()
                    && let Some(href) = attribute(&element, "href")
                {
                    set_link(&element, href, entry.as_mut().map(|(draft, _)| &mut draft.link).unwrap_or(&mut link));
                }
            }
            Event::Text(text) => {
                if let Some((_, _, gathered)) = &mut field {
                    gathered.push_str(
                        &text.decode().map_err(|e| FeedError::Xml {
                            position: reader.buffer_position(),
                            reason: e.to_string(),
                        })?,
                    );
                }
            }
            Event::CData(data) => {
                if let Some((_, _, gathered)) = &mut field {
                    gathered.push_str(&String::from_utf8_lossy(&data.into_inner()));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some((_, _, gathered)) = &mut field {
                    let character = reference.resolve_char_ref().ok().flatten();
                    let name = reference.decode().map(Cow::into_owned).unwrap_or_default();
                    gathered.push_str(&entity(&name, character));
                }
            }
            Event::End(_) => {
                if let Some((name, field_depth, _)) = &field
                    && *field_depth == depth
                {
                    let name = name.clone();
                    let text = field.take().map(|(_, _, text)| text.trim().to_owned()).unwrap_or_default();
                    match &mut entry {
                        Some((draft, entry_depth)) if depth == *entry_depth + 1 => assign(draft, &name, text),
                        Some(_) => {}
                        None => match name.as_str() {
                            "title" if title.is_none() => title = Some(text),
                            "link" if link.is_none() => link = Some(text),
                            _ => {}
                        },
                    }
                } else if let Some((_, entry_depth)) = &entry
                    && *entry_depth == depth
                    && let Some((draft, _)) = entry.take()
                {
                    entries.push(draft.finish());
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    let kind = kind.ok_or(FeedError::Empty)?;
    Ok(Feed { kind, title: title.unwrap_or_default(), link: link.filter(|l| !l.is_empty()), entries })
}

/// Keeps an Atom link if it is the page itself (`rel` absent or `alternate`) and
/// none was kept yet.
fn set_link(element: &BytesStart<'_>, href: String, slot: &mut Option<String>) {
    let rel = attribute(element, "rel");
    if slot.is_none() && rel.as_deref().is_none_or(|rel| rel == "alternate") {
        *slot = Some(href);
    }
}

/// The elements of an entry read as its fields.
const ENTRY_FIELDS: &[&str] = &[
    "title",
    "link",
    "guid",
    "id",
    "pubDate",
    "published",
    "date",
    "issued",
    "updated",
    "modified",
    "description",
    "summary",
    "encoded",
    "content",
];

/// Puts a field element's text into the entry.
fn assign(draft: &mut Draft, name: &str, text: String) {
    let slot = match name {
        "title" => &mut draft.title,
        "link" => &mut draft.link,
        "guid" | "id" => &mut draft.id,
        "pubDate" | "published" | "date" | "issued" => &mut draft.published,
        "updated" | "modified" => &mut draft.updated,
        "description" | "summary" => &mut draft.description,
        "encoded" | "content" => &mut draft.content,
        _ => return,
    };
    if slot.is_none() {
        *slot = Some(text);
    }
}
