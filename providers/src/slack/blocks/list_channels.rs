//! `SlackListChannelsBlock`: the workspace's channels, page by page, through
//! `conversations.list`.

use block_core::prelude::*;

use super::api_mocks::{get, refused};
use crate::slack::{SlackClient, SlackCredentials};

/// Channels asked for per page (Slack suggests no more than 200).
const PAGE_SIZE: &str = "200";

/// Inputs of `SlackListChannelsBlock`.
#[derive(BlockInput)]
pub struct SlackListChannelsInput {
    /// Also list private channels the app is in (needs `groups:read`).
    #[block_input(default = false)]
    pub include_private: bool,
    /// Leave archived channels out.
    #[block_input(default = true)]
    pub exclude_archived: bool,
    /// The most channels to return.
    #[block_input(default = 1000, min = 1, max = 10000)]
    pub max_channels: u64,
    /// A Slack bot token or OAuth login allowed to read channels (`channels:read`).
    #[block_input(scopes = ["channels:read"])]
    pub credentials: SlackCredentials,
}

/// Outputs of `SlackListChannelsBlock`.
#[derive(BlockOutput)]
pub enum SlackListChannelsOutput {
    /// One channel: `id`, `name`, `is_private`, `is_archived`, `num_members`,
    /// `topic`, `purpose`.
    Channel(Value),
    /// Every channel, in Slack's order.
    Channels(Vec<Value>),
}

/// Lists the channels of a Slack workspace: public ones, and private ones the app
/// is in when asked, following Slack's cursor from page to page.
#[block(id = "df440b8b-db9e-4fd9-8417-efff4797c88c", categories(Communication), tests = list_channels_cases)]
pub struct SlackListChannelsBlock;

impl Run for SlackListChannelsBlock {
    type Input = SlackListChannelsInput;
    type Output = SlackListChannelsOutput;

    async fn run(
        &self,
        input: SlackListChannelsInput,
        ctx: &RunContext,
        out: &Emit<SlackListChannelsOutput>,
    ) -> Result<(), BlockError> {
        let slack = SlackClient::from_credentials(ctx.http(), input.credentials.get())?;
        let types = if input.include_private { "public_channel,private_channel" } else { "public_channel" };
        let exclude_archived = if input.exclude_archived { "true" } else { "false" };
        let max = usize::try_from(input.max_channels).unwrap_or(usize::MAX);
        let mut channels = Vec::new();
        let mut cursor = String::new();
        loop {
            let mut query = vec![("types", types), ("exclude_archived", exclude_archived), ("limit", PAGE_SIZE)];
            if !cursor.is_empty() {
                query.push(("cursor", cursor.as_str()));
            }
            let page = slack.get("conversations.list", &query, "channels").await?;
            let listed = page["channels"]
                .as_array()
                .ok_or_else(|| BlockError::new("Slack's answer to conversations.list has no `channels` list"))?;
            channels.extend(listed.iter().map(summary));
            cursor = page["response_metadata"]["next_cursor"].as_str().unwrap_or_default().to_owned();
            if cursor.is_empty() || channels.len() >= max {
                break;
            }
        }
        channels.truncate(max);
        for channel in &channels {
            out.emit(SlackListChannelsOutput::Channel(channel.clone())).await?;
        }
        out.emit(SlackListChannelsOutput::Channels(channels)).await
    }
}

/// The fields of a channel people use.
fn summary(channel: &Value) -> Value {
    json!({
        "id": channel["id"],
        "name": channel["name"],
        "is_private": channel["is_private"],
        "is_archived": channel["is_archived"],
        "num_members": channel["num_members"],
        "topic": channel["topic"]["value"],
        "purpose": channel["purpose"]["value"],
    })
}

fn list_channels_cases() -> Vec<TestCase<SlackListChannelsBlock>> {
    let general = channel("C012AB3CD", "general", false);
    let random = channel("C061EG9T2", "random", false);
    let secret = channel("G0AKFJBEU", "plans", true);
    vec![
        TestCase::new("follows the cursor to the last page", input(false, 1000))
            .http(
                get("conversations.list", "types=public_channel&exclude_archived=true&limit=200")
                    .respond_json(200, page(vec![general.clone()], "dGVhbTpDMDYxRkE1UEI=")),
            )
            .http(
                get(
                    "conversations.list",
                    "types=public_channel&exclude_archived=true&limit=200&cursor=dGVhbTpDMDYxRkE1UEI%3D",
                )
                .respond_json(200, page(vec![random.clone()], "")),
            )
            .outputs([
                SlackListChannelsOutput::Channel(summary(&general)),
                SlackListChannelsOutput::Channel(summary(&random)),
                SlackListChannelsOutput::Channels(vec![summary(&general), summary(&random)]),
            ]),
        TestCase::new("includes private channels and stops at the maximum", input(true, 1))
            .http(
                get("conversations.list", "types=public_channel%2Cprivate_channel&exclude_archived=true&limit=200")
                    .respond_json(200, page(vec![secret.clone(), general], "bmV4dA==")),
            )
            .outputs([
                SlackListChannelsOutput::Channel(summary(&secret)),
                SlackListChannelsOutput::Channels(vec![summary(&secret)]),
            ]),
        TestCase::new("names the missing scope for private channels", input(true, 10))
            .http(
                get("conversations.list", "types=public_channel%2Cprivate_channel&exclude_archived=true&limit=200")
                    .respond_json(
                        200,
                        json!({"ok": false, "error": "missing_scope", "needed": "groups:read",
                               "provided": "channels:read,chat:write"}),
                    ),
            )
            .error_containing("lacks the scope groups:read that conversations.list needs"),
        TestCase::new("explains a token Slack does not accept", input(false, 10))
            .http(refused(
                get("conversations.list", "types=public_channel&exclude_archived=true&limit=200"),
                "invalid_auth",
            ))
            .error_containing("Slack refused the credentials (invalid_auth)"),
        TestCase::new("says how long the rate limit holds", input(false, 10))
            .http(
                get("conversations.list", "types=public_channel&exclude_archived=true&limit=200")
                    .respond_json(429, json!({"ok": false, "error": "ratelimited"}))
                    .response_header("retry-after", "60"),
            )
            .error_containing("Slack rate limited conversations.list until 60 seconds from now"),
    ]
}

fn input(include_private: bool, max_channels: u64) -> SlackListChannelsInput {
    SlackListChannelsInput { include_private, exclude_archived: true, max_channels, credentials: Credentials::test() }
}

/// A channel as `conversations.list` describes it (trimmed, plus noise).
fn channel(id: &str, name: &str, private: bool) -> Value {
    json!({
        "id": id, "name": name, "is_channel": !private, "is_group": private, "is_im": false,
        "created": 1449252889, "is_archived": false, "is_general": name == "general",
        "is_private": private, "is_member": true, "num_members": 4,
        "topic": {"value": format!("All about {name}"), "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
    })
}

fn page(channels: Vec<Value>, next_cursor: &str) -> Value {
    json!({"ok": true, "channels": channels, "response_metadata": {"next_cursor": next_cursor}})
}
