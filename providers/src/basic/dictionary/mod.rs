//! Dictionary (JSON object) blocks: looking a key up, adding entries, listing keys.

mod add;
mod find;
mod keys;

pub use add::{AddToDictionaryBlock, AddToDictionaryInput, AddToDictionaryOutput};
pub use find::{FindInDictionaryBlock, FindInDictionaryInput, FindInDictionaryOutput};
pub use keys::{DictionaryKeysBlock, DictionaryKeysInput, DictionaryKeysOutput};
