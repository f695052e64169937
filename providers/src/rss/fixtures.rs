//! Sample feeds in the shapes the specifications give, for the tests and the
//! block's cases.

/// An RSS 2.0 feed with namespaced fields, CDATA, entities, and an item without a
/// guid.
pub(crate) const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Liftoff News</title>
    <link>http://liftoff.msfc.nasa.gov/</link>
    <atom:link href="https://example.com/rss.xml" rel="self" type="application/rss+xml"/>
    <description>Liftoff to Space Exploration.</description>
    <image><title>Logo</title><url>https://example.com/logo.png</url><link>https://example.com/</link></image>
    <item>
      <title>Star City &amp; the &#8220;cosmonauts&#8221;</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp</link>
      <description><![CDATA[How do Americans get ready to work with <b>Russians</b> aboard the ISS?]]></description>
      <pubDate>Tue, 03 Jun 2003 09:39:21 GMT</pubDate>
      <guid isPermaLink="false">http://liftoff.msfc.nasa.gov/2003/06/03.html#item573</guid>
    </item>
    <item>
      <title>Sky watchers</title>
      <link>http://liftoff.msfc.nasa.gov/news/2003/news-sky.asp</link>
      <content:encoded><![CDATA[<p>Sky watchers in Europe, Asia, and parts of Alaska and Canada...</p>]]></content:encoded>
      <dc:date>2003-05-30T11:06:42Z</dc:date>
    </item>
  </channel>
</rss>"#;

/// An Atom 1.0 feed with xhtml content, several links and an entry with only
/// `updated`.
pub(crate) const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">dive into mark</title>
  <link rel="alternate" type="text/html" href="http://example.org/"/>
  <link rel="self" type="application/atom+xml" href="http://example.org/feed.atom"/>
  <id>tag:example.org,2003:3</id>
  <updated>2005-07-31T12:29:29Z</updated>
  <entry>
    <title>Atom draft-07 snapshot</title>
    <link rel="enclosure" type="audio/mpeg" length="1337" href="http://example.org/audio/ph34r_my_podcast.mp3"/>
    <link rel="alternate" type="text/html" href="http://example.org/2005/04/02/atom"/>
    <id>tag:example.org,2003:3.2397</id>
    <updated>2005-07-31T12:29:29Z</updated>
    <published>2003-12-13T08:29:29-04:00</published>
    <author><name>Mark Pilgrim</name><uri>http://example.org/</uri></author>
    <content type="xhtml" xml:lang="en"><div xmlns="http://www.w3.org/1999/xhtml"><p><i>[Update: The Atom draft is finished.]</i></p></div></content>
  </entry>
  <entry>
    <title>Second</title>
    <link href="http://example.org/2005/05/01/second"/>
    <id>tag:example.org,2003:3.2400</id>
    <updated>2005-05-01T10:00:00Z</updated>
    <summary>Short &lt;em&gt;summary&lt;/em&gt;</summary>
  </entry>
</feed>"#;
