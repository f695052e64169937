//! CSV (RFC 4180): reading rows out of a text and writing rows into one.

mod format;
mod read;

pub use format::{CsvFormatBlock, CsvFormatInput, CsvFormatOutput};
pub use read::{ReadCsvBlock, ReadCsvInput, ReadCsvOutput};

use block_core::BlockError;

/// The single byte a one-character input such as `delimiter` stands for.
fn single_byte(field: &str, text: &str) -> Result<u8, BlockError> {
    match text.as_bytes() {
        [byte] if byte.is_ascii() => Ok(*byte),
        _ if text == "\\t" => Ok(b'\t'),
        _ => Err(BlockError::new(format!(
            "input `{field}` must be one ASCII character (or `\\t` for a tab), not `{text}`"
        ))),
    }
}
