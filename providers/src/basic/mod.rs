//! Blocks that need no third party: values, text, JSON data, lists, dictionaries,
//! dates and times, random values, hashes, base64, CSV, arithmetic, regular
//! expressions, iteration, conditions and a delay. One file per block; the themed
//! folders hold a few blocks each.

mod base64_codec;
mod calculator;
mod condition;
mod count_items;
mod csv_data;
mod datetime;
mod delay;
mod dictionary;
mod hash;
mod json_data;
mod json_path;
mod list;
mod list_iterator;
mod random;
mod regex_match;
mod store_value;
mod text;
mod text_case;
mod text_template;

pub use base64_codec::{Base64Block, Base64Input, Base64Operation, Base64Output};
pub use csv_data::{CsvFormatBlock, CsvFormatInput, CsvFormatOutput, ReadCsvBlock, ReadCsvInput, ReadCsvOutput};
pub use datetime::{
    CurrentDateTimeBlock, CurrentDateTimeInput, CurrentDateTimeOutput, DateTimeAddBlock, DateTimeAddInput,
    DateTimeAddOutput, DateTimeFormatBlock, DateTimeFormatInput, DateTimeFormatOutput, DateTimeParseBlock,
    DateTimeParseInput, DateTimeParseOutput,
};
pub use delay::{DelayBlock, DelayInput, DelayOutput};
pub use dictionary::{
    AddToDictionaryBlock, AddToDictionaryInput, AddToDictionaryOutput, DictionaryKeysBlock, DictionaryKeysInput,
    DictionaryKeysOutput, FindInDictionaryBlock, FindInDictionaryInput, FindInDictionaryOutput,
};
pub use hash::{DigestEncoding, HashAlgorithm, HashBlock, HashInput, HashOutput};
pub use json_data::{
    JsonMergeBlock, JsonMergeInput, JsonMergeOutput, JsonParseBlock, JsonParseInput, JsonParseOutput,
    JsonSerializeBlock, JsonSerializeInput, JsonSerializeOutput,
};
pub use list::{
    AddToListBlock, AddToListInput, AddToListOutput, ListSliceBlock, ListSliceInput, ListSliceOutput, ListSortBlock,
    ListSortInput, ListSortOutput, ListUniqueBlock, ListUniqueInput, ListUniqueOutput, ListZipBlock, ListZipInput,
    ListZipOutput,
};
pub use random::{
    RandomNumberBlock, RandomNumberInput, RandomNumberOutput, RandomUuidBlock, RandomUuidInput, RandomUuidOutput,
};
pub use text::{
    CombineTextsBlock, CombineTextsInput, CombineTextsOutput, ExtractTextInformationBlock, ExtractTextInformationInput,
    ExtractTextInformationOutput, TextReplaceBlock, TextReplaceInput, TextReplaceOutput, TextSplitBlock,
    TextSplitInput, TextSplitOutput,
};

pub use calculator::{CalculatorBlock, CalculatorInput, CalculatorOutput, Operation};
pub use condition::{ConditionBlock, ConditionInput, ConditionOutput, Operator};
pub use count_items::{CountItemsBlock, CountItemsInput, CountItemsOutput};
pub use json_path::{JsonPathBlock, JsonPathInput, JsonPathOutput};
pub use list_iterator::{ListIteratorBlock, ListIteratorInput, ListIteratorOutput};
pub use regex_match::{RegexMatchBlock, RegexMatchInput, RegexMatchOutput};
pub use store_value::{StoreValueBlock, StoreValueInput, StoreValueOutput};
pub use text_case::{TextCase, TextCaseBlock, TextCaseInput, TextCaseOutput};
pub use text_template::{TextTemplateBlock, TextTemplateInput, TextTemplateOutput};
