//! Google's blocks: Gmail send and list, Sheets read and append. Each asks, on its
//! credentials field, for the narrowest scope it needs.

mod gmail_list;
mod gmail_send;
mod sheets_append;
mod sheets_read;

use block_core::prelude::*;

pub use gmail_list::{GmailListMessagesBlock, GmailListMessagesInput, GmailListMessagesOutput};
pub use gmail_send::{GmailSendBlock, GmailSendInput, GmailSendOutput};
pub use sheets_append::{GoogleSheetsAppendBlock, GoogleSheetsAppendInput, GoogleSheetsAppendOutput, ValueInputOption};
pub use sheets_read::{GoogleSheetsReadBlock, GoogleSheetsReadInput, GoogleSheetsReadOutput};

/// The spreadsheet id in input `spreadsheet` (an id, or a link
/// `https://docs.google.com/spreadsheets/d/<id>/edit...`).
fn spreadsheet_id(text: &str) -> Result<String, BlockError> {
    let text = text.trim();
    let id = match text.split_once("/spreadsheets/d/") {
        Some((_, rest)) => rest.split(['/', '?', '#']).next().unwrap_or_default(),
        None => text,
    };
    let valid = id.len() >= 20 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(id.to_owned())
    } else {
        Err(BlockError::new(format!("input `spreadsheet`: `{text}` is not a spreadsheet id or link")))
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_id;

    #[test]
    fn reads_spreadsheet_ids_from_links() {
        let id = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms";
        assert_eq!(spreadsheet_id(id).expect("id"), id);
        assert_eq!(
            spreadsheet_id(&format!("https://docs.google.com/spreadsheets/d/{id}/edit#gid=0")).expect("link"),
            id
        );
        assert!(spreadsheet_id("../../drive/v3/files").is_err());
        assert!(spreadsheet_id("short").is_err());
    }
}
