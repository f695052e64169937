//! HTML made by hand: every value that is not a literal of this module goes
//! through [`escape`] (or [`attr`]) on its way into a page, and the page shell
//! every console page shares.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Text made safe inside HTML content and inside quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path segment made safe inside a URL (and then inside an attribute).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The navigation, as (path, label).
const NAV: [(&str, &str); 8] = [
    ("/", "Catalogue"),
    ("/agents", "Agents"),
    ("/runs", "Runs"),
    ("/credentials", "Credentials"),
    ("/schedules", "Schedules"),
    ("/triggers", "Triggers"),
    ("/keys", "API keys"),
    ("/credits", "Credits"),
];

/// Who is looking at a page, as the shell shows them.
pub struct Shell<'a> {
    /// The signed-in user's name; `None` on the sign-in page.
    pub user: Option<&'a str>,
    /// The anti-forgery value of the session (for the sign-out form).
    pub csrf: &'a str,
    /// The navigation entry to mark current.
    pub current: &'a str,
}

/// A whole page: `title` (plain text) and `body` (HTML, already escaped).
pub fn page(status: StatusCode, shell: &Shell<'_>, title: &str, body: &str) -> Response {
    let nav = match shell.user {
        Some(user) => {
            let links: String = NAV
                .iter()
                .map(|(path, label)| {
                    let current = if *path == shell.current { " aria-current=\"page\"" } else { "" };
                    format!("<li><a href=\"{path}\"{current}>{label}</a></li>")
                })
                .collect();
            format!(
                "<nav aria-label=\"Main\"><ul>{links}</ul></nav>\
                 <form class=\"signout\" method=\"post\" action=\"/logout\">{}\
                 <span class=\"who\">{}</span> <button type=\"submit\">Sign out</button></form>",
                csrf_field(shell.csrf),
                escape(user)
            )
        }
        None => String::new(),
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Blocks console</title><link rel=\"stylesheet\" href=\"/assets/console.css\">\
         <script src=\"/assets/console.js\" defer></script></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to content</a>\
         <header class=\"top\"><a class=\"brand\" href=\"/\">Blocks</a>{nav}</header>\
         <main id=\"main\"><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self' https:",
        ),
    );
    response
}

/// The hidden anti-forgery field every state-changing form carries.
pub fn csrf_field(csrf: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(csrf))
}

/// A notice shown above a page's content: `kind` is `ok` or `error`.
pub fn notice(kind: &str, text: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!("<p class=\"notice {kind}\" role=\"{role}\">{}</p>", escape(text))
}

/// A provider's icon as an image: inline SVG as a `data:` URL (an `<img>` never
/// runs what an SVG holds), a URL as it is, with the generic icon for the
/// script to put in its place when the URL cannot be loaded.
pub fn icon(icon: &str, label: &str) -> String {
    use base64::Engine;
    let inline =
        |svg: &str| format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
    let (src, fallback) = if icon.trim_start().starts_with('<') {
        (inline(icon), String::new())
    } else {
        (icon.to_owned(), format!(" data-fallback=\"{}\"", inline(block_core::provider::FALLBACK_ICON)))
    };
    format!(
        "<img class=\"icon\" src=\"{}\" alt=\"{}\" width=\"24\" height=\"24\"{fallback}>",
        escape(&src),
        escape(label)
    )
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM:SS UTC`, in a `<time>` element.
pub fn time_ms(millis: i64) -> String {
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(at) => format!("<time datetime=\"{}\">{}</time>", at, at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        Err(_) => "—".to_owned(),
    }
}

/// A JSON value, pretty-printed in a `<pre>`.
pub fn json_block(value: &serde_json::Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    format!("<pre class=\"json\">{}</pre>", escape(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_character_that_could_open_markup_or_close_an_attribute() {
        assert_eq!(
            escape("<script>\"x\" & 'y'</script>"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn path_segments_keep_only_unreserved_characters() {
        assert_eq!(segment("a b/c?\"<"), "a%20b%2Fc%3F%22%3C");
        assert_eq!(segment("CalculatorBlock-1_2.3~"), "CalculatorBlock-1_2.3~");
    }

    #[test]
    fn inline_svg_icons_become_data_urls() {
        let html = icon("<svg onload=\"alert(1)\"></svg>", "Example");
        assert!(html.contains("src=\"data:image/svg+xml;base64,"));
        assert!(!html.contains("onload"));
    }
}
