//! RFC 2822 (RFC 5322) messages for Gmail's `messages.send`: headers checked for
//! line breaks (no header injection), non-ASCII words encoded as RFC 2047
//! encoded-words, and the body in base64 so any text travels intact.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use block_core::BlockError;

/// What an e-mail says.
#[derive(Debug, Clone, Default)]
pub struct EmailDraft {
    /// Recipients.
    pub to: Vec<String>,
    /// Copy recipients.
    pub cc: Vec<String>,
    /// Blind copy recipients (Gmail removes the header before delivery).
    pub bcc: Vec<String>,
    /// Where replies go, if not to the sender.
    pub reply_to: Option<String>,
    /// The subject.
    pub subject: String,
    /// The body.
    pub body: String,
    /// Whether the body is HTML rather than plain text.
    pub html: bool,
}

/// Longest raw byte run in one encoded-word: 45 bytes are 60 base64 characters,
/// which with `=?UTF-8?B?` and `?=` stay within RFC 2047's 75.
const WORD_BYTES: usize = 45;

/// `text` as it may stand in a header: as is when it is ASCII, else as
/// encoded-words folded onto continuation lines.
fn header_text(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + WORD_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!("=?UTF-8?B?{}?=", BASE64.encode(&text.as_bytes()[start..end])));
        start = end;
    }
    words.join("\r\n ")
}

/// One address (`ada@example.com` or `Ada Lovelace <ada@example.com>`) checked and
/// written for a header; `field` names the input in errors.
fn address(field: &str, text: &str) -> Result<String, BlockError> {
    let text = text.trim();
    let invalid = |why: &str| BlockError::new(format!("input `{field}`: `{text}` is not an e-mail address ({why})"));
    if text.contains(['\r', '\n']) {
        return Err(invalid("it holds a line break"));
    }
    let (name, mailbox) = match text.rsplit_once('<') {
        Some((name, rest)) => {
            (name.trim().trim_matches('"'), rest.strip_suffix('>').ok_or_else(|| invalid("no closing `>`"))?)
        }
        None => ("", text),
    };
    let mailbox = mailbox.trim();
    let well_formed = mailbox.is_ascii()
        && !mailbox.contains([' ', ',', '<', '>', '"'])
        && mailbox
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.contains('@'));
    if !well_formed {
        return Err(invalid("write it as name@example.com"));
    }
    Ok(if name.is_empty() {
        mailbox.to_owned()
    } else if name.is_ascii() {
        format!("\"{}\" <{mailbox}>", name.replace(['"', '\\'], ""))
    } else {
        format!("{} <{mailbox}>", header_text(name))
    })
}

fn address_list(field: &str, list: &[String]) -> Result<Option<String>, BlockError> {
    let addresses: Vec<String> =
        list.iter().filter(|a| !a.trim().is_empty()).map(|a| address(field, a)).collect::<Result<_, _>>()?;
    Ok((!addresses.is_empty()).then(|| addresses.join(", ")))
}

/// The message as RFC 2822 text with CRLF line ends, ready for base64url.
pub fn rfc2822_message(draft: &EmailDraft) -> Result<String, BlockError> {
    if draft.subject.contains(['\r', '\n']) {
        return Err(BlockError::new("input `subject` may not hold a line break"));
    }
    let to = address_list("to", &draft.to)?.ok_or_else(|| BlockError::new("input `to` names no recipient"))?;
    let mut headers = vec![format!("To: {to}")];
    if let Some(cc) = address_list("cc", &draft.cc)? {
        headers.push(format!("Cc: {cc}"));
    }
    if let Some(bcc) = address_list("bcc", &draft.bcc)? {
        headers.push(format!("Bcc: {bcc}"));
    }
    if let Some(reply_to) = draft.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
        headers.push(format!("Reply-To: {}", address("reply_to", reply_to)?));
    }
    headers.push(format!("Subject: {}", header_text(&draft.subject)));
    headers.push("MIME-Version: 1.0".to_owned());
    let kind = if draft.html { "text/html" } else { "text/plain" };
    headers.push(format!("Content-Type: {kind}; charset=\"UTF-8\""));
    headers.push("Content-Transfer-Encoding: base64".to_owned());
    let encoded = BASE64.encode(draft.body.as_bytes());
    let body_lines: Vec<&str> =
        encoded.as_bytes().chunks(76).map(|line| std::str::from_utf8(line).unwrap_or_default()).collect();
    Ok(format!("{}\r\n\r\n{}\r\n", headers.join("\r\n"), body_lines.join("\r\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> EmailDraft {
        EmailDraft {
            to: vec!["ada@example.com".into()],
            subject: "Hello".into(),
            body: "Hi Ada".into(),
            ..EmailDraft::default()
        }
    }

    #[test]
    fn writes_headers_and_a_base64_body_with_crlf() {
        let message = rfc2822_message(&EmailDraft {
            cc: vec!["Bob Smith <bob@example.com>".into()],
            reply_to: Some("team@example.com".into()),
            ..draft()
        })
        .expect("valid");
        assert_eq!(
            message,
            "To: ada@example.com\r\nCc: \"Bob Smith\" <bob@example.com>\r\nReply-To: team@example.com\r\nSubject: Hello\r\n\
             MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
             SGkgQWRh\r\n"
        );
    }

    #[test]
    fn encodes_non_ascii_subjects_and_names_as_encoded_words() {
        let message = rfc2822_message(&EmailDraft {
            to: vec!["Zoë <zoe@example.com>".into()],
            subject: "Café ☕".into(),
            ..draft()
        })
        .expect("valid");
        assert!(message.starts_with("To: =?UTF-8?B?Wm/Dqw==?= <zoe@example.com>\r\n"), "{message}");
        assert!(message.contains("Subject: =?UTF-8?B?Q2Fmw6kg4piV?=\r\n"), "{message}");
        let long = header_text(&"é".repeat(40));
        assert!(long.split("\r\n ").all(|word| word.len() <= 75), "{long}");
    }

    #[test]
    fn refuses_header_injection_and_malformed_addresses() {
        let injected = EmailDraft { subject: "Hi\r\nBcc: victim@example.com".into(), ..draft() };
        assert!(
            rfc2822_message(&injected)
                .expect_err("injection")
                .to_string()
                .contains("`subject` may not hold a line break")
        );
        for bad in
            ["ada", "ada@localhost", "a b@example.com", "ada@example.com\r\nBcc: x@example.com", "Ada <ada@example.com"]
        {
            let error = rfc2822_message(&EmailDraft { to: vec![bad.into()], ..draft() }).expect_err(bad);
            assert!(error.to_string().starts_with("input `to`"), "{error}");
        }
        let error = rfc2822_message(&EmailDraft { to: vec![], ..draft() }).expect_err("nobody");
        assert!(error.to_string().contains("names no recipient"));
    }

    #[test]
    fn long_bodies_wrap_at_76_characters() {
        let message = rfc2822_message(&EmailDraft { body: "x".repeat(200), html: true, ..draft() }).expect("valid");
        assert!(message.contains("Content-Type: text/html;"));
        let body = message.split("\r\n\r\n").nth(1).expect("body");
        assert!(body.trim_end().split("\r\n").all(|line| line.len() <= 76), "{body}");
    }
}
