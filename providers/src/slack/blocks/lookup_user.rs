//! `SlackLookupUserBlock`: a member of the workspace, by ID (`users.info`) or
//! e-mail address (`users.lookupByEmail`).

use block_core::prelude::*;

use super::api_mocks::{get, refused};
use crate::slack::{SlackClient, SlackCredentials};

/// Inputs of `SlackLookupUserBlock`.
#[derive(BlockInput)]
pub struct SlackLookupUserInput {
    /// The member's ID, e.g. `U0123456789`.
    #[block_input(placeholder = "U0123456789")]
    pub user_id: Option<String>,
    /// The member's e-mail address (needs `users:read.email`). With an ID as well,
    /// the address must belong to that member.
    #[block_input(placeholder = "ada@example.com")]
    pub email: Option<String>,
    /// A Slack bot token or OAuth login allowed to read members (`users:read`).
    #[block_input(scopes = ["users:read", "users:read.email"])]
    pub credentials: SlackCredentials,
}

/// Outputs of `SlackLookupUserBlock`.
#[derive(BlockOutput)]
pub enum SlackLookupUserOutput {
    /// The member: `id`, `name`, `real_name`, `display_name`, `email`, `title`,
    /// `is_bot`, `deleted`, `tz`, `team_id`.
    User(Value),
    /// The member's ID.
    UserId(String),
}

/// Looks up a member of a Slack workspace by ID or e-mail address.
#[block(id = "94176c29-3a11-40d9-8dc3-e2ca6425d77d", categories(Communication, Search), tests = lookup_user_cases)]
pub struct SlackLookupUserBlock;

impl Run for SlackLookupUserBlock {
    type Input = SlackLookupUserInput;
    type Output = SlackLookupUserOutput;

    async fn run(
        &self,
        input: SlackLookupUserInput,
        ctx: &RunContext,
        out: &Emit<SlackLookupUserOutput>,
    ) -> Result<(), BlockError> {
        let slack = SlackClient::from_credentials(ctx.http(), input.credentials.get())?;
        let given = |text: Option<String>| text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        let (user_id, email) = (given(input.user_id), given(input.email));
        let answer = match (&user_id, &email) {
            (_, Some(email)) => {
                slack
                    .get("users.lookupByEmail", &[("email", email.as_str())], &format!("user with e-mail `{email}`"))
                    .await?
            }
            (Some(id), None) => slack.get("users.info", &[("user", id.as_str())], &format!("user `{id}`")).await?,
            (None, None) => return Err(BlockError::new("give the member's `user_id` or `email` to look up")),
        };
        let user = &answer["user"];
        let found = user["id"].as_str().ok_or_else(|| BlockError::new("Slack's answer has no user `id`"))?.to_owned();
        if let (Some(id), Some(email)) = (&user_id, &email)
            && *id != found
        {
            return Err(BlockError::new(format!("the e-mail `{email}` belongs to Slack user `{found}`, not `{id}`")));
        }
        out.emit(SlackLookupUserOutput::User(summary(user))).await?;
        out.emit(SlackLookupUserOutput::UserId(found)).await
    }
}

/// The fields of a member people use; `email` is null without `users:read.email`.
fn summary(user: &Value) -> Value {
    json!({
        "id": user["id"],
        "name": user["name"],
        "real_name": user["real_name"],
        "display_name": user["profile"]["display_name"],
        "email": user["profile"]["email"],
        "title": user["profile"]["title"],
        "is_bot": user["is_bot"],
        "deleted": user["deleted"],
        "tz": user["tz"],
        "team_id": user["team_id"],
    })
}

fn lookup_user_cases() -> Vec<TestCase<SlackLookupUserBlock>> {
    let spengler = user();
    let found = json!({"ok": true, "user": spengler});
    vec![
        TestCase::new("looks a member up by id", input(Some("W012A3CDE"), None))
            .http(get("users.info", "user=W012A3CDE").respond_json(200, found.clone()))
            .outputs([
                SlackLookupUserOutput::User(summary(&spengler)),
                SlackLookupUserOutput::UserId("W012A3CDE".into()),
            ]),
        TestCase::new("looks a member up by e-mail", input(None, Some("spengler@ghostbusters.example.com")))
            .http(
                get("users.lookupByEmail", "email=spengler%40ghostbusters.example.com")
                    .respond_json(200, found.clone()),
            )
            .outputs([
                SlackLookupUserOutput::User(summary(&spengler)),
                SlackLookupUserOutput::UserId("W012A3CDE".into()),
            ]),
        TestCase::new(
            "checks that the e-mail belongs to the member named",
            input(Some("U999"), Some("spengler@ghostbusters.example.com")),
        )
        .http(get("users.lookupByEmail", "email=spengler%40ghostbusters.example.com").respond_json(200, found))
        .error_containing("belongs to Slack user `W012A3CDE`, not `U999`"),
        TestCase::new("names the e-mail no member has", input(None, Some("nobody@example.com")))
            .http(refused(get("users.lookupByEmail", "email=nobody%40example.com"), "users_not_found"))
            .error_containing("Slack found no user with e-mail `nobody@example.com` (users_not_found)"),
        TestCase::new("names the id no member has", input(Some("U404"), None))
            .http(refused(get("users.info", "user=U404"), "user_not_found"))
            .error_containing("Slack found no user `U404` (user_not_found)"),
        TestCase::new("needs an id or an e-mail", input(None, Some("  ")))
            .error_containing("give the member's `user_id` or `email`"),
    ]
}

fn input(user_id: Option<&str>, email: Option<&str>) -> SlackLookupUserInput {
    SlackLookupUserInput {
        user_id: user_id.map(Into::into),
        email: email.map(Into::into),
        credentials: Credentials::test(),
    }
}

/// A member as `users.info` describes it (Slack's documented example, trimmed).
fn user() -> Value {
    json!({
        "id": "W012A3CDE", "team_id": "T012AB3C4", "name": "spengler", "deleted": false,
        "color": "9f69e7", "real_name": "Egon Spengler", "tz": "America/Los_Angeles",
        "tz_label": "Pacific Daylight Time", "tz_offset": -25200,
        "profile": {
            "avatar_hash": "ge3b51ca72de", "status_text": "Print is dead", "status_emoji": ":books:",
            "real_name": "Egon Spengler", "display_name": "spengler", "real_name_normalized": "Egon Spengler",
            "display_name_normalized": "spengler", "email": "spengler@ghostbusters.example.com",
            "title": "Ghostbuster", "team": "T012AB3C4",
        },
        "is_admin": true, "is_owner": false, "is_primary_owner": false, "is_restricted": false,
        "is_ultra_restricted": false, "is_bot": false, "updated": 1502138686, "is_app_user": false,
        "has_2fa": false,
    })
}
