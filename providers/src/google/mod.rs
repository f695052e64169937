//! Google, as one module: the provider, its OAuth handler (offline access, so
//! logins refresh), the REST client, an RFC 2822 message writer, and the Gmail and
//! Sheets blocks.
//!
//! Documentation followed (endpoints, bodies, scopes, errors):
//! - OAuth 2 for web servers: <https://developers.google.com/identity/protocols/oauth2/web-server>
//! - Gmail `users.messages.send`: <https://developers.google.com/gmail/api/reference/rest/v1/users.messages/send>
//!   and sending mail (`raw` is a base64url RFC 2822 message):
//!   <https://developers.google.com/gmail/api/guides/sending>
//! - Gmail `users.messages.list` and `.get` (`format=metadata`):
//!   <https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list>,
//!   <https://developers.google.com/gmail/api/reference/rest/v1/users.messages/get>
//! - Sheets `spreadsheets.values.get` and `.append`:
//!   <https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get>,
//!   <https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append>
//! - Errors: <https://cloud.google.com/apis/design/errors>
//!
//! - [`Google`], the provider: OAuth 2 only (`GOOGLE_CLIENT_ID`,
//!   `GOOGLE_CLIENT_SECRET`), trusted origins the Gmail and Sheets APIs.
//! - Blocks, each asking on its credentials field for the one scope it needs:
//!   [`GmailSendBlock`] (`gmail.send`), [`GmailListMessagesBlock`]
//!   (`gmail.readonly`), [`GoogleSheetsReadBlock`] (`spreadsheets.readonly`),
//!   [`GoogleSheetsAppendBlock`] (`spreadsheets`).
//!
//! Nothing here prints a token or the OAuth client's secret.

mod blocks;
mod client;
mod error;
mod mime;
mod oauth;

use block_core::prelude::*;

pub use blocks::{
    GmailListMessagesBlock, GmailListMessagesInput, GmailListMessagesOutput, GmailSendBlock, GmailSendInput,
    GmailSendOutput, GoogleSheetsAppendBlock, GoogleSheetsAppendInput, GoogleSheetsAppendOutput, GoogleSheetsReadBlock,
    GoogleSheetsReadInput, GoogleSheetsReadOutput, ValueInputOption,
};
pub use client::GoogleClient;
pub use error::GoogleError;
pub use mime::{EmailDraft, rfc2822_message};
pub use oauth::{AUTHORIZE_URL, GoogleOAuth, REVOKE_URL, TOKEN_URL, google_oauth_handler};

/// Google (Gmail and Sheets), reached with a user's OAuth login.
///
/// Setting `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET` (an OAuth client of type
/// "Web application") lets users connect their accounts; each block asks for
/// the scope it needs.
#[provider(
    name = "google",
    display_name = "Google",
    icon = "https://www.google.com/favicon.ico",
    oauth2(
        client_id_env = "GOOGLE_CLIENT_ID",
        client_secret_env = "GOOGLE_CLIENT_SECRET",
        scopes = ["openid", "email"],
        handler = google_oauth_handler,
    ),
    trusted_origins = ["https://gmail.googleapis.com", "https://sheets.googleapis.com"],
)]
pub struct Google;

#[cfg(test)]
mod tests {
    use block_core::{Provider, Registry, json};

    use super::*;

    #[test]
    fn each_block_asks_for_the_one_scope_it_needs() {
        let registry = Registry::builder()
            .block::<GmailSendBlock>()
            .block::<GmailListMessagesBlock>()
            .block::<GoogleSheetsReadBlock>()
            .block::<GoogleSheetsAppendBlock>()
            .build()
            .expect("valid");
        for (name, scope) in [
            ("GmailSendBlock", "https://www.googleapis.com/auth/gmail.send"),
            ("GmailListMessagesBlock", "https://www.googleapis.com/auth/gmail.readonly"),
            ("GoogleSheetsReadBlock", "https://www.googleapis.com/auth/spreadsheets.readonly"),
            ("GoogleSheetsAppendBlock", "https://www.googleapis.com/auth/spreadsheets"),
        ] {
            let credentials = &registry.by_name(name).expect("registered").input_schema()["properties"]["credentials"];
            assert_eq!(credentials["credentials_types"], json!(["oauth2"]), "{name}");
            assert_eq!(credentials["credentials_scopes"], json!([scope]), "{name}");
        }
        assert_eq!(
            Google::DESCRIPTOR.trusted_origins,
            ["https://gmail.googleapis.com", "https://sheets.googleapis.com"]
        );
    }
}
