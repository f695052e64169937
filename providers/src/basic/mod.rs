//! Blocks that need no third party: values, text, JSON data, arithmetic, regular
//! expressions, iteration and conditions. One file per block.

mod calculator;
mod condition;
mod count_items;
mod json_path;
mod list_iterator;
mod regex_match;
mod store_value;
mod text_case;
mod text_template;

pub use calculator::{CalculatorBlock, CalculatorInput, CalculatorOutput, Operation};
pub use condition::{ConditionBlock, ConditionInput, ConditionOutput, Operator};
pub use count_items::{CountItemsBlock, CountItemsInput, CountItemsOutput};
pub use json_path::{JsonPathBlock, JsonPathInput, JsonPathOutput};
pub use list_iterator::{ListIteratorBlock, ListIteratorInput, ListIteratorOutput};
pub use regex_match::{RegexMatchBlock, RegexMatchInput, RegexMatchOutput};
pub use store_value::{StoreValueBlock, StoreValueInput, StoreValueOutput};
pub use text_case::{TextCase, TextCaseBlock, TextCaseInput, TextCaseOutput};
pub use text_template::{TextTemplateBlock, TextTemplateInput, TextTemplateOutput};
