//! Block categories and UI types, spelled as the reference platform spells them.

use serde::Serialize;

macro_rules! categories {
    ($($variant:ident => $wire:literal, $description:literal;)*) => {
        /// The category a block is listed under. `#[block(categories(...))]` takes the
        /// variant names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum Category {
            $(
                #[doc = $description]
                #[serde(rename = $wire)]
                $variant,
            )*
        }

        impl Category {
            /// Every category, in the reference platform's order.
            pub const ALL: &'static [Category] = &[$(Category::$variant),*];

            /// The wire name, e.g. `"DEVELOPER_TOOLS"`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $wire),* }
            }

            /// A one-line description, as shown next to the category in block info.
            pub const fn description(self) -> &'static str {
                match self { $(Category::$variant => $description),* }
            }
        }
    };
}

categories! {
    Ai => "AI", "Block that leverages AI to perform a task.";
    Social => "SOCIAL", "Block that interacts with social media platforms.";
    Text => "TEXT", "Block that processes text data.";
    Search => "SEARCH", "Block that searches or extracts information from the internet.";
    Basic => "BASIC", "Block that performs basic operations.";
    Input => "INPUT", "Block that interacts with input of the graph.";
    Output => "OUTPUT", "Block that interacts with output of the graph.";
    Logic => "LOGIC", "Programming logic to control the flow of your agent.";
    Communication => "COMMUNICATION", "Block that interacts with communication platforms.";
    DeveloperTools => "DEVELOPER_TOOLS", "Developer tools such as GitHub blocks.";
    Data => "DATA", "Block that interacts with structured data.";
    Hardware => "HARDWARE", "Block that interacts with hardware.";
    Agent => "AGENT", "Block that interacts with other agents.";
    Crm => "CRM", "Block that interacts with CRM services.";
    Safety => "SAFETY", "Block that provides AI safety mechanisms such as detecting harmful content.";
    Productivity => "PRODUCTIVITY", "Block that helps with productivity.";
    IssueTracking => "ISSUE_TRACKING", "Block that helps with issue tracking.";
    Multimedia => "MULTIMEDIA", "Block that interacts with multimedia content.";
    Marketing => "MARKETING", "Block that helps with marketing.";
}

/// How a UI should present a block (`uiType` in block info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BlockType {
    /// An ordinary block that runs when executed.
    Standard,
    /// A trigger fed by an automatically registered webhook.
    Webhook,
    /// A trigger fed by a webhook whose URL the user registers by hand.
    #[serde(rename = "Webhook (manual)")]
    WebhookManual,
}

impl BlockType {
    /// The type of a trigger block fed by `provider`'s webhooks.
    pub const fn for_trigger(provider: &crate::ProviderDescriptor) -> BlockType {
        match provider.webhooks {
            Some(crate::webhooks::WebhookSpec { kind: crate::webhooks::WebhookKind::Manual, .. }) => {
                BlockType::WebhookManual
            }
            _ => BlockType::Webhook,
        }
    }

    /// The wire name, e.g. `"Webhook (manual)"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BlockType::Standard => "Standard",
            BlockType::Webhook => "Webhook",
            BlockType::WebhookManual => "Webhook (manual)",
        }
    }
}
