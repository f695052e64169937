//! What the ingress answers a verified delivery with, when the provider expects
//! more than "received".

use http::StatusCode;

/// An answer a manager asks the ingress to send to the provider in place of the
/// server's own `200 {"received": true, ...}`: Slack's `url_verification`
/// handshake wants its challenge back, Twilio wants TwiML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReply {
    /// The status.
    pub status: StatusCode,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

impl WebhookReply {
    /// A reply with this status, content type and body.
    pub fn new(status: StatusCode, content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        WebhookReply { status, content_type: content_type.into(), body: body.into() }
    }

    /// `200 OK` with a `text/plain` body.
    ///
    /// ```
    /// use block_core::webhooks::WebhookReply;
    /// let reply = WebhookReply::text("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    /// assert_eq!(reply.status, 200);
    /// assert_eq!(reply.content_type, "text/plain; charset=utf-8");
    /// ```
    pub fn text(body: impl Into<String>) -> Self {
        Self::new(StatusCode::OK, "text/plain; charset=utf-8", body.into().into_bytes())
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the ingress does with a verified, parsed delivery
/// ([`WebhookManager::answer`](super::WebhookManager::answer)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    reply: Option<WebhookReply>,
    runs_triggers: bool,
}

impl Answer {
    /// Run the subscribed triggers; the server answers as it always does. The
    /// default.
    pub fn run_triggers() -> Self {
        Answer { reply: None, runs_triggers: true }
    }

    /// Send `reply` and run nothing: the delivery is a handshake, not an event.
    pub fn reply_instead(reply: WebhookReply) -> Self {
        Answer { reply: Some(reply), runs_triggers: false }
    }

    /// Run the subscribed triggers and send `reply`.
    pub fn reply_and_run(reply: WebhookReply) -> Self {
        Answer { reply: Some(reply), runs_triggers: true }
    }

    /// The reply to send, if any.
    pub fn reply(&self) -> Option<&WebhookReply> {
        self.reply.as_ref()
    }

    /// Whether the subscribed triggers run.
    pub fn runs_triggers(&self) -> bool {
        self.runs_triggers
    }

    pub(crate) fn into_reply(self) -> Option<WebhookReply> {
        self.reply
    }
}

impl Default for Answer {
    fn default() -> Self {
        Self::run_triggers()
    }
}
