//! JSON as text and JSON objects: parsing, serializing and merging.

mod merge;
mod parse;
mod serialize;

pub use merge::{JsonMergeBlock, JsonMergeInput, JsonMergeOutput};
pub use parse::{JsonParseBlock, JsonParseInput, JsonParseOutput};
pub use serialize::{JsonSerializeBlock, JsonSerializeInput, JsonSerializeOutput};
