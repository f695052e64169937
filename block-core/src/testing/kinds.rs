//! What a case does besides running its input: deliver a payload to a trigger
//! (and how it spoils it, for a refusal case), or poll a polling trigger. The
//! case holds these; `delivery` and `poll` run them.

use serde_json::Value;

use crate::polling::PollCursor;
use crate::webhooks::WebhookReply;

/// What a trigger case delivers.
pub(crate) struct DeliveryCase {
    pub(super) event: String,
    pub(super) payload: Value,
    pub(super) reply: Option<WebhookReply>,
}

/// How a refusal case spoils its delivery; each must be refused as badly signed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Refusal {
    /// The body changed after signing.
    Tampered,
    /// No signature at all.
    Unsigned,
    /// Signed longer ago than the manager's tolerance.
    Replayed,
    /// Signed with a secret other than the webhook's.
    WrongSecret,
}

impl Refusal {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Refusal::Tampered => "the tampered delivery",
            Refusal::Unsigned => "the unsigned delivery",
            Refusal::Replayed => "the replayed delivery",
            Refusal::WrongSecret => "the delivery signed with another secret",
        }
    }

    /// The call that asked for it.
    pub(super) fn call(self) -> &'static str {
        match self {
            Refusal::Tampered => "tampered()",
            Refusal::Unsigned => "unsigned()",
            Refusal::Replayed => "replayed()",
            Refusal::WrongSecret => "signed_with_another_secret()",
        }
    }
}

/// What a poll case expects.
#[derive(Debug, Default)]
pub(crate) struct PollCase {
    pub(super) prior: Option<PollCursor>,
    pub(super) new_items: Option<Vec<String>>,
    pub(super) cursor: Option<PollCursor>,
}
