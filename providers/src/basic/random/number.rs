//! A random whole number in a range.

use block_core::prelude::*;

use super::uniform_up_to;

/// Inputs of `RandomNumberBlock`.
#[derive(BlockInput)]
pub struct RandomNumberInput {
    /// The smallest number that can come out.
    #[block_input(default = 1)]
    pub min: i64,
    /// The largest number that can come out.
    #[block_input(default = 100)]
    pub max: i64,
    /// How many numbers to draw, each on its own.
    #[block_input(default = 1, min = 1, max = 1000)]
    pub count: u32,
}

/// Outputs of `RandomNumberBlock`.
#[derive(BlockOutput)]
pub enum RandomNumberOutput {
    /// A number from `min` to `max`, both included; once per draw.
    Number(i64),
}

/// Draws whole numbers uniformly at random between two bounds (both included),
/// from the system's secure random source.
#[block(id = "b1b019c9-b5d2-4551-a84f-00251ae1beed", categories(Basic), tests = random_number_cases)]
pub struct RandomNumberBlock;

impl Run for RandomNumberBlock {
    type Input = RandomNumberInput;
    type Output = RandomNumberOutput;

    async fn run(
        &self,
        input: RandomNumberInput,
        _ctx: &RunContext,
        out: &Emit<RandomNumberOutput>,
    ) -> Result<(), BlockError> {
        if input.min > input.max {
            return Err(BlockError::new(format!(
                "input `min` ({}) is larger than `max` ({}); swap them",
                input.min, input.max
            )));
        }
        // The distance fits in u64 even from i64::MIN to i64::MAX.
        let span = input.max.abs_diff(input.min);
        for _ in 0..input.count {
            let offset = uniform_up_to(span)?;
            out.emit(RandomNumberOutput::Number(input.min.wrapping_add_unsigned(offset))).await?;
        }
        Ok(())
    }
}

fn random_number_cases() -> Vec<TestCase<RandomNumberBlock>> {
    let within = |min: i64, max: i64| move |value: &Value| value.as_i64().is_some_and(|n| (min..=max).contains(&n));
    vec![
        TestCase::json("draws between the default bounds", json!({})).output_where(
            "number",
            "from 1 to 100",
            within(1, 100),
        ),
        TestCase::json("draws as many numbers as asked", json!({"min": -3, "max": 3, "count": 3}))
            .output_where("number", "from -3 to 3", within(-3, 3))
            .output_where("number", "from -3 to 3", within(-3, 3))
            .output_where("number", "from -3 to 3", within(-3, 3)),
        TestCase::json("equal bounds give that number", json!({"min": 7, "max": 7}))
            .output(RandomNumberOutput::Number(7)),
        TestCase::json("works across the whole range", json!({"min": i64::MIN, "max": i64::MAX})).output_where(
            "number",
            "any whole number",
            |value| value.is_i64(),
        ),
        TestCase::json("min above max is refused", json!({"min": 5, "max": 1}))
            .error_containing("input `min` (5) is larger than `max` (1)"),
        TestCase::json("at most 1000 draws", json!({"count": 1001})).invalid_input(["/count"]),
    ]
}
