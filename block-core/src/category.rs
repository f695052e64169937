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

            /// A one-line description, as shown next to the category in block info:
            /// the reference platform's exact text (`BlockCategory` in its
            /// `backend/data/block.py`), so six of them end without a period.
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
    Logic => "LOGIC", "Programming logic to control the flow of your agent";
    Communication => "COMMUNICATION", "Block that interacts with communication platforms.";
    DeveloperTools => "DEVELOPER_TOOLS", "Developer tools such as GitHub blocks.";
    Data => "DATA", "Block that interacts with structured data.";
    Hardware => "HARDWARE", "Block that interacts with hardware.";
    Agent => "AGENT", "Block that interacts with other agents.";
    Crm => "CRM", "Block that interacts with CRM services.";
    Safety => "SAFETY", "Block that provides AI safety mechanisms such as detecting harmful content";
    Productivity => "PRODUCTIVITY", "Block that helps with productivity";
    IssueTracking => "ISSUE_TRACKING", "Block that helps with issue tracking";
    Multimedia => "MULTIMEDIA", "Block that interacts with multimedia content";
    Marketing => "MARKETING", "Block that helps with marketing";
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference's `BlockCategory` values, copied by hand from its
    /// `backend/data/block.py`, so a change on either side shows here.
    const REFERENCE: &[(&str, &str)] = &[
        ("AI", "Block that leverages AI to perform a task."),
        ("SOCIAL", "Block that interacts with social media platforms."),
        ("TEXT", "Block that processes text data."),
        ("SEARCH", "Block that searches or extracts information from the internet."),
        ("BASIC", "Block that performs basic operations."),
        ("INPUT", "Block that interacts with input of the graph."),
        ("OUTPUT", "Block that interacts with output of the graph."),
        ("LOGIC", "Programming logic to control the flow of your agent"),
        ("COMMUNICATION", "Block that interacts with communication platforms."),
        ("DEVELOPER_TOOLS", "Developer tools such as GitHub blocks."),
        ("DATA", "Block that interacts with structured data."),
        ("HARDWARE", "Block that interacts with hardware."),
        ("AGENT", "Block that interacts with other agents."),
        ("CRM", "Block that interacts with CRM services."),
        ("SAFETY", "Block that provides AI safety mechanisms such as detecting harmful content"),
        ("PRODUCTIVITY", "Block that helps with productivity"),
        ("ISSUE_TRACKING", "Block that helps with issue tracking"),
        ("MULTIMEDIA", "Block that interacts with multimedia content"),
        ("MARKETING", "Block that helps with marketing"),
    ];

    #[test]
    fn categories_are_the_references_in_its_order_with_its_exact_descriptions() {
        let ours: Vec<(&str, &str)> = Category::ALL.iter().map(|c| (c.as_str(), c.description())).collect();
        assert_eq!(ours, REFERENCE);
    }
}
