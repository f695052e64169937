//! Slack's standard blocks, one file each, and the mocked exchanges their cases
//! share.

mod api_mocks;
mod list_channels;
mod lookup_user;
mod post_message;

pub use list_channels::{SlackListChannelsBlock, SlackListChannelsInput, SlackListChannelsOutput};
pub use lookup_user::{SlackLookupUserBlock, SlackLookupUserInput, SlackLookupUserOutput};
pub use post_message::{SlackPostMessageBlock, SlackPostMessageInput, SlackPostMessageOutput};
