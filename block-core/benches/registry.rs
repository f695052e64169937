//! Registry build and `GET /blocks` listing render for 1,000 blocks registered
//! through the builder path, and input validation of a 50-field input.
//!
//! Run with `cargo bench -p block-core --bench registry`.

use std::hint::black_box;
use std::time::Duration;

use block_core::prelude::*;
use block_core::{BlockDescriptor, BlockTests, Registry};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// How many synthetic blocks the listing holds.
const BLOCKS: usize = 1_000;

/// The operation of the template block.
#[derive(BlockInput)]
pub struct TemplateInput {
    /// The text to work on.
    #[block_input(placeholder = "hello", min_length = 1)]
    pub text: String,
    /// How many times.
    #[block_input(default = 1, min = 1, max = 10)]
    pub times: u32,
    /// A separator between repetitions.
    #[block_input(default = " ", advanced)]
    pub separator: String,
    /// Whether to shout.
    #[block_input(default = false)]
    pub upper: bool,
}

/// Outputs of the template block.
#[derive(BlockOutput)]
pub enum TemplateOutput {
    /// The result.
    Result(String),
    /// Its length.
    Length(u64),
}

/// The block every synthetic block copies: four inputs, two outputs.
#[block(id = "6a1e2b3c-4d5e-4f60-8a71-9b8c7d6e5f40", categories(Basic, Text), untested = "benchmark fixture")]
pub struct TemplateBlock;

impl Run for TemplateBlock {
    type Input = TemplateInput;
    type Output = TemplateOutput;
    async fn run(&self, input: TemplateInput, _ctx: &RunContext, out: &Emit<TemplateOutput>) -> Result<(), BlockError> {
        let text = vec![input.text; input.times as usize].join(&input.separator);
        let text = if input.upper { text.to_uppercase() } else { text };
        let length = text.len() as u64;
        out.emit(TemplateOutput::Result(text)).await?;
        out.emit(TemplateOutput::Length(length)).await
    }
}

/// `count` descriptors with distinct names and UUID v4 ids, leaked as the builder
/// path requires `&'static` data (a service does this once at start).
fn synthetic_descriptors(count: usize) -> Vec<&'static BlockDescriptor> {
    (0..count)
        .map(|index| {
            let name: &'static str = Box::leak(format!("Synthetic{index:04}Block").into_boxed_str());
            let id: &'static str = Box::leak(format!("00000000-0000-4000-8000-{index:012x}").into_boxed_str());
            let descriptor = BlockDescriptor { name, id, tests: BlockTests::Missing, ..*TemplateBlock::DESCRIPTOR };
            &*Box::leak(Box::new(descriptor))
        })
        .collect()
}

fn build(descriptors: &[&'static BlockDescriptor]) -> Registry {
    descriptors
        .iter()
        .fold(Registry::builder(), |builder, &descriptor| builder.descriptor(descriptor))
        .build()
        .expect("valid registry")
}

fn listing(c: &mut Criterion) {
    let descriptors = synthetic_descriptors(BLOCKS);
    let mut group = c.benchmark_group("registry_1000_blocks");
    group.sample_size(10).measurement_time(Duration::from_secs(3));
    group.bench_function("build", |b| b.iter(|| black_box(build(black_box(&descriptors)))));
    // The listing is rendered once per registry and then cached; each sample
    // renders it into a fresh registry.
    group.bench_function("render_listing", |b| {
        b.iter_batched(
            || build(&descriptors),
            // The registry is handed back so that dropping it is not timed.
            |registry| {
                black_box(registry.listing_json().len());
                registry
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("cached_listing", |b| {
        let registry = build(&descriptors);
        b.iter(|| black_box(registry.listing_json().len()))
    });
    group.finish();
    let registry = build(&descriptors);
    println!("listing body for {BLOCKS} blocks: {} bytes", registry.listing_json().len());
}

/// Fifty inputs of five kinds: bounded strings and integers, defaulted floats and
/// booleans, optional lists.
#[derive(BlockInput)]
pub struct WideInput {
    /// Text field 0.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_0: String,
    /// Count field 1.
    #[block_input(min = 0, max = 1000)]
    pub count_1: u32,
    /// Ratio field 2.
    #[block_input(default = 0.5)]
    pub ratio_2: f64,
    /// Flag field 3.
    #[block_input(default = false)]
    pub flag_3: bool,
    /// Optional tags field 4.
    pub tags_4: Option<Vec<String>>,
    /// Text field 5.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_5: String,
    /// Count field 6.
    #[block_input(min = 0, max = 1000)]
    pub count_6: u32,
    /// Ratio field 7.
    #[block_input(default = 0.5)]
    pub ratio_7: f64,
    /// Flag field 8.
    #[block_input(default = false)]
    pub flag_8: bool,
    /// Optional tags field 9.
    pub tags_9: Option<Vec<String>>,
    /// Text field 10.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_10: String,
    /// Count field 11.
    #[block_input(min = 0, max = 1000)]
    pub count_11: u32,
    /// Ratio field 12.
    #[block_input(default = 0.5)]
    pub ratio_12: f64,
    /// Flag field 13.
    #[block_input(default = false)]
    pub flag_13: bool,
    /// Optional tags field 14.
    pub tags_14: Option<Vec<String>>,
    /// Text field 15.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_15: String,
    /// Count field 16.
    #[block_input(min = 0, max = 1000)]
    pub count_16: u32,
    /// Ratio field 17.
    #[block_input(default = 0.5)]
    pub ratio_17: f64,
    /// Flag field 18.
    #[block_input(default = false)]
    pub flag_18: bool,
    /// Optional tags field 19.
    pub tags_19: Option<Vec<String>>,
    /// Text field 20.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_20: String,
    /// Count field 21.
    #[block_input(min = 0, max = 1000)]
    pub count_21: u32,
    /// Ratio field 22.
    #[block_input(default = 0.5)]
    pub ratio_22: f64,
    /// Flag field 23.
    #[block_input(default = false)]
    pub flag_23: bool,
    /// Optional tags field 24.
    pub tags_24: Option<Vec<String>>,
    /// Text field 25.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_25: String,
    /// Count field 26.
    #[block_input(min = 0, max = 1000)]
    pub count_26: u32,
    /// Ratio field 27.
    #[block_input(default = 0.5)]
    pub ratio_27: f64,
    /// Flag field 28.
    #[block_input(default = false)]
    pub flag_28: bool,
    /// Optional tags field 29.
    pub tags_29: Option<Vec<String>>,
    /// Text field 30.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_30: String,
    /// Count field 31.
    #[block_input(min = 0, max = 1000)]
    pub count_31: u32,
    /// Ratio field 32.
    #[block_input(default = 0.5)]
    pub ratio_32: f64,
    /// Flag field 33.
    #[block_input(default = false)]
    pub flag_33: bool,
    /// Optional tags field 34.
    pub tags_34: Option<Vec<String>>,
    /// Text field 35.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_35: String,
    /// Count field 36.
    #[block_input(min = 0, max = 1000)]
    pub count_36: u32,
    /// Ratio field 37.
    #[block_input(default = 0.5)]
    pub ratio_37: f64,
    /// Flag field 38.
    #[block_input(default = false)]
    pub flag_38: bool,
    /// Optional tags field 39.
    pub tags_39: Option<Vec<String>>,
    /// Text field 40.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_40: String,
    /// Count field 41.
    #[block_input(min = 0, max = 1000)]
    pub count_41: u32,
    /// Ratio field 42.
    #[block_input(default = 0.5)]
    pub ratio_42: f64,
    /// Flag field 43.
    #[block_input(default = false)]
    pub flag_43: bool,
    /// Optional tags field 44.
    pub tags_44: Option<Vec<String>>,
    /// Text field 45.
    #[block_input(min_length = 1, max_length = 64)]
    pub text_45: String,
    /// Count field 46.
    #[block_input(min = 0, max = 1000)]
    pub count_46: u32,
    /// Ratio field 47.
    #[block_input(default = 0.5)]
    pub ratio_47: f64,
    /// Flag field 48.
    #[block_input(default = false)]
    pub flag_48: bool,
    /// Optional tags field 49.
    pub tags_49: Option<Vec<String>>,
}

/// Outputs of the wide block.
#[derive(BlockOutput)]
pub enum WideOutput {
    /// How many inputs were set.
    Fields(u64),
}

/// A block with fifty inputs.
#[block(id = "7b2f3c4d-5e6f-4a71-9b82-0c9d8e7f6a51", categories(Basic), untested = "benchmark fixture")]
pub struct WideBlock;

impl Run for WideBlock {
    type Input = WideInput;
    type Output = WideOutput;
    async fn run(&self, _input: WideInput, _ctx: &RunContext, out: &Emit<WideOutput>) -> Result<(), BlockError> {
        out.emit(WideOutput::Fields(50)).await
    }
}

/// A valid input setting all fifty fields.
fn wide_input() -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for index in 0..50 {
        let value = match index % 5 {
            0 => json!(format!("value {index}")),
            1 => json!(index * 7),
            2 => json!(f64::from(index) / 100.0),
            3 => json!(index % 2 == 0),
            _ => json!(["a", "b", index.to_string()]),
        };
        let name = ["text", "count", "ratio", "flag", "tags"][index as usize % 5];
        fields.insert(format!("{name}_{index}"), value);
    }
    serde_json::Value::Object(fields)
}

fn validation(c: &mut Criterion) {
    let registry = Registry::builder().block::<WideBlock>().build().expect("valid registry");
    let block = registry.by_name("WideBlock").expect("registered");
    let valid = wide_input();
    assert!(block.validate(&valid).is_ok(), "the valid input validates");
    // Every fifth field wrong: ten problems, all of which are listed.
    let mut invalid = valid.clone();
    for index in (0..50).step_by(5) {
        invalid[format!("text_{index}")] = json!("");
    }
    assert!(block.validate(&invalid).is_err(), "the invalid input is refused");

    let mut group = c.benchmark_group("validate_50_fields");
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("valid", |b| b.iter(|| black_box(block.validate(black_box(&valid)).is_ok())));
    group.bench_function("invalid_10_problems", |b| b.iter(|| black_box(block.validate(black_box(&invalid)).is_err())));
    group.finish();
}

criterion_group!(benches, listing, validation);
criterion_main!(benches);
