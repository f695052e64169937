//! Arithmetic on two numbers.

use block_core::prelude::*;

/// The arithmetic operation of `CalculatorBlock`.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `a + b`
    Add,
    /// `a - b`
    Subtract,
    /// `a * b`
    Multiply,
    /// `a / b`; fails when `b` is zero.
    Divide,
    /// `a` raised to the power `b`.
    Power,
    /// The remainder of `a / b`, with the sign of `a`; fails when `b` is zero.
    Modulo,
}

/// Inputs of `CalculatorBlock`.
#[derive(BlockInput)]
pub struct CalculatorInput {
    /// What to compute.
    #[block_input(default = "add", advanced = false)]
    pub operation: Operation,
    /// The first operand.
    #[block_input(placeholder = "1")]
    pub a: f64,
    /// The second operand.
    #[block_input(placeholder = "2")]
    pub b: f64,
    /// Round the result to the nearest whole number (halves away from zero).
    #[block_input(default = false)]
    pub round_result: bool,
}

/// Outputs of `CalculatorBlock`.
#[derive(BlockOutput)]
pub enum CalculatorOutput {
    /// The result of the operation.
    Result(f64),
}

/// Adds, subtracts, multiplies, divides, raises to a power or takes the remainder of
/// two numbers. Division by zero and results too large for a number fail the run.
#[block(id = "470bd006-adb0-48de-a0d9-b3a7de19568b", categories(Logic), tests = calculator_cases)]
pub struct CalculatorBlock;

impl Run for CalculatorBlock {
    type Input = CalculatorInput;
    type Output = CalculatorOutput;

    async fn run(
        &self,
        input: CalculatorInput,
        _ctx: &RunContext,
        out: &Emit<CalculatorOutput>,
    ) -> Result<(), BlockError> {
        let result = calculate(input.operation, input.a, input.b)?;
        let result = if input.round_result { result.round() } else { result };
        out.emit(CalculatorOutput::Result(result)).await
    }
}

fn calculate(operation: Operation, a: f64, b: f64) -> Result<f64, BlockError> {
    let result = match operation {
        Operation::Add => a + b,
        Operation::Subtract => a - b,
        Operation::Multiply => a * b,
        Operation::Divide if b == 0.0 => return Err(BlockError::new(format!("cannot divide {a} by zero"))),
        Operation::Divide => a / b,
        Operation::Power => a.powf(b),
        Operation::Modulo if b == 0.0 => {
            return Err(BlockError::new(format!("cannot take the remainder of {a} divided by zero")));
        }
        Operation::Modulo => a % b,
    };
    if result.is_finite() {
        Ok(result)
    } else if result.is_nan() {
        Err(BlockError::new(format!("{operation:?} of {a} and {b} has no real-number result")))
    } else {
        Err(BlockError::new(format!("{operation:?} of {a} and {b} is too large to represent")))
    }
}

fn calculator_cases() -> Vec<TestCase<CalculatorBlock>> {
    let calc = |name: &str, operation: Operation, a: f64, b: f64| {
        TestCase::new(name, CalculatorInput { operation, a, b, round_result: false })
    };
    vec![
        calc("adds", Operation::Add, 1.5, 2.0).output(CalculatorOutput::Result(3.5)),
        calc("subtracts", Operation::Subtract, 1.0, 3.0).output(CalculatorOutput::Result(-2.0)),
        calc("multiplies", Operation::Multiply, -4.0, 2.5).output(CalculatorOutput::Result(-10.0)),
        calc("divides", Operation::Divide, 7.0, 2.0).output(CalculatorOutput::Result(3.5)),
        calc("raises to a power", Operation::Power, 2.0, 10.0).output(CalculatorOutput::Result(1024.0)),
        calc("the remainder keeps the sign of a", Operation::Modulo, -7.0, 3.0).output(CalculatorOutput::Result(-1.0)),
        TestCase::new(
            "rounds when asked",
            CalculatorInput { operation: Operation::Divide, a: 5.0, b: 2.0, round_result: true },
        )
        .output(CalculatorOutput::Result(3.0)),
        TestCase::json("the operation defaults to add", json!({"a": 2, "b": 40}))
            .output(CalculatorOutput::Result(42.0)),
        calc("division by zero fails", Operation::Divide, 1.0, 0.0).error_containing("cannot divide 1 by zero"),
        calc("modulo by zero fails", Operation::Modulo, 1.0, 0.0).error_containing("divided by zero"),
        calc("an overflowing result fails", Operation::Power, 10.0, 400.0).error_containing("too large to represent"),
        calc("a root of a negative number fails", Operation::Power, -8.0, 0.5)
            .error_containing("no real-number result"),
        TestCase::json("an unknown operation is rejected", json!({"operation": "sqrt", "a": 1, "b": 2}))
            .invalid_input(["/operation"]),
        TestCase::json("operands must be numbers", json!({"a": "1", "b": true})).invalid_input(["/a", "/b"]),
        TestCase::json("round_result must be a boolean", json!({"a": 1, "b": 2, "round_result": "yes"}))
            .invalid_input(["/round_result"]),
    ]
}
