//! Compares two values and routes the outcome to `yes` or `no`.

use std::cmp::Ordering;

use block_core::prelude::*;

/// How `ConditionBlock` compares `value1` with `value2`. The wire values are the
/// reference platform's symbols.
#[derive(BlockEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Equal: same type and same value (numbers compared numerically).
    #[block_value(rename = "==")]
    Equal,
    /// Not equal.
    #[block_value(rename = "!=")]
    NotEqual,
    /// Greater than.
    #[block_value(rename = ">")]
    GreaterThan,
    /// Less than.
    #[block_value(rename = "<")]
    LessThan,
    /// Greater than or equal.
    #[block_value(rename = ">=")]
    GreaterOrEqual,
    /// Less than or equal.
    #[block_value(rename = "<=")]
    LessOrEqual,
}

/// Inputs of `ConditionBlock`.
#[derive(BlockInput)]
pub struct ConditionInput {
    /// The left-hand value.
    pub value1: Value,
    /// The comparison.
    #[block_input(default = "==", advanced = false)]
    pub operator: Operator,
    /// The right-hand value.
    pub value2: Value,
    /// Emitted on `yes` when the condition holds; `value1` when absent.
    #[block_input(advanced, title = "Value If True")]
    pub yes_value: Option<Value>,
    /// Emitted on `no` when the condition does not hold; `value2` when absent.
    #[block_input(advanced, title = "Value If False")]
    pub no_value: Option<Value>,
}

/// Outputs of `ConditionBlock`.
#[derive(BlockOutput)]
pub enum ConditionOutput {
    /// Whether the condition holds.
    Result(bool),
    /// `yes_value` (or `value1`), when the condition holds.
    Yes(Value),
    /// `no_value` (or `value2`), when it does not.
    No(Value),
}

/// Compares two values and emits the outcome on `result`, then a value on `yes` or
/// on `no`. Numbers compare numerically and strings lexically (by Unicode code
/// point); `==` and `!=` also work on booleans, lists, objects and `null`. Comparing
/// values of different types fails the run, except that anything may be compared
/// with `null` for (in)equality.
#[block(id = "5cbb1382-c0a0-4057-ab2d-079d0309931a", categories(Logic), tests = condition_cases)]
pub struct ConditionBlock;

impl Run for ConditionBlock {
    type Input = ConditionInput;
    type Output = ConditionOutput;

    async fn run(
        &self,
        input: ConditionInput,
        _ctx: &RunContext,
        out: &Emit<ConditionOutput>,
    ) -> Result<(), BlockError> {
        let holds = evaluate(&input.value1, input.operator, &input.value2)?;
        out.emit(ConditionOutput::Result(holds)).await?;
        if holds {
            out.emit(ConditionOutput::Yes(input.yes_value.unwrap_or(input.value1))).await
        } else {
            out.emit(ConditionOutput::No(input.no_value.unwrap_or(input.value2))).await
        }
    }
}

fn evaluate(left: &Value, operator: Operator, right: &Value) -> Result<bool, BlockError> {
    let symbol = symbol(operator);
    match operator {
        Operator::Equal | Operator::NotEqual => {
            let equal = equals(left, right).ok_or_else(|| mismatch(left, symbol, right))?;
            Ok(equal == (operator == Operator::Equal))
        }
        _ => {
            let ordering = match (left, right) {
                (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => order(left, right),
                _ if same_type(left, right) => {
                    return Err(BlockError::new(format!(
                        "`{symbol}` compares numbers or strings, not {}s",
                        type_name(left)
                    )));
                }
                _ => return Err(mismatch(left, symbol, right)),
            };
            Ok(match operator {
                Operator::GreaterThan => ordering == Ordering::Greater,
                Operator::LessThan => ordering == Ordering::Less,
                Operator::GreaterOrEqual => ordering != Ordering::Less,
                _ => ordering != Ordering::Greater,
            })
        }
    }
}

/// Equality of two values of the same type (numbers numerically); `None` when the
/// types differ and neither is `null`.
fn equals(left: &Value, right: &Value) -> Option<bool> {
    match (left, right) {
        (Value::Number(_), Value::Number(_)) => Some(order(left, right) == Ordering::Equal),
        (Value::Null, _) | (_, Value::Null) => Some(left == right),
        _ if same_type(left, right) => Some(left == right),
        _ => None,
    }
}

/// The order of two numbers or two strings. Integers compare exactly; other numbers
/// as `f64` (JSON numbers are always finite).
fn order(left: &Value, right: &Value) -> Ordering {
    match (left, right) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => match (integer(a), integer(b)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => a.as_f64().partial_cmp(&b.as_f64()).unwrap_or(Ordering::Equal),
        },
        _ => Ordering::Equal,
    }
}

fn integer(number: &serde_json::Number) -> Option<i128> {
    number.as_i64().map(i128::from).or_else(|| number.as_u64().map(i128::from))
}

fn same_type(left: &Value, right: &Value) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

fn mismatch(left: &Value, symbol: &str, right: &Value) -> BlockError {
    BlockError::new(format!(
        "cannot compare {} with {} using `{symbol}`; make both values the same type",
        describe(left),
        describe(right)
    ))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    let shown: String = text.chars().take(40).collect();
    let ellipsis = if shown.len() < text.len() { "..." } else { "" };
    format!("the {} {shown}{ellipsis}", type_name(value))
}

fn symbol(operator: Operator) -> &'static str {
    match operator {
        Operator::Equal => "==",
        Operator::NotEqual => "!=",
        Operator::GreaterThan => ">",
        Operator::LessThan => "<",
        Operator::GreaterOrEqual => ">=",
        Operator::LessOrEqual => "<=",
    }
}

fn condition_cases() -> Vec<TestCase<ConditionBlock>> {
    let compare = |name: &str, value1: Value, operator: Operator, value2: Value| {
        TestCase::new(name, ConditionInput { value1, operator, value2, yes_value: None, no_value: None })
    };
    vec![
        compare("a true condition emits value1 on yes", json!(10), Operator::GreaterThan, json!(5))
            .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!(10))]),
        compare("a false condition emits value2 on no", json!(3), Operator::GreaterOrEqual, json!(5))
            .outputs([ConditionOutput::Result(false), ConditionOutput::No(json!(5))]),
        TestCase::new(
            "emits the chosen yes and no values",
            ConditionInput {
                value1: json!(1),
                operator: Operator::LessThan,
                value2: json!(2),
                yes_value: Some(json!("small")),
                no_value: Some(json!("big")),
            },
        )
        .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!("small"))]),
        compare("integers and floats compare numerically", json!(2), Operator::Equal, json!(2.0))
            .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!(2))]),
        compare(
            "large integers compare exactly",
            json!(9_007_199_254_740_993_u64),
            Operator::GreaterThan,
            json!(9_007_199_254_740_992_u64),
        )
        .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!(9_007_199_254_740_993_u64))]),
        compare("strings compare lexically", json!("apple"), Operator::LessThan, json!("banana"))
            .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!("apple"))]),
        compare("lexical order is not numeric order", json!("10"), Operator::LessOrEqual, json!("9"))
            .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!("10"))]),
        compare("objects compare for equality", json!({"a": [1]}), Operator::NotEqual, json!({"a": [1]}))
            .outputs([ConditionOutput::Result(false), ConditionOutput::No(json!({"a": [1]}))]),
        compare("anything can be checked against null", json!("x"), Operator::Equal, Value::Null)
            .outputs([ConditionOutput::Result(false), ConditionOutput::No(Value::Null)]),
        TestCase::json("the operator defaults to ==", json!({"value1": "a", "value2": "a"}))
            .outputs([ConditionOutput::Result(true), ConditionOutput::Yes(json!("a"))]),
        compare("comparing a number with a string fails", json!(1), Operator::Equal, json!("1"))
            .error_containing("cannot compare the number 1 with the string \"1\" using `==`"),
        compare("ordering booleans fails", json!(true), Operator::GreaterThan, json!(false))
            .error_containing("`>` compares numbers or strings, not booleans"),
        TestCase::json("operators use the reference symbols", json!({"value1": 1, "operator": "equal", "value2": 1}))
            .invalid_input(["/operator"]),
        TestCase::json("both values are required", json!({"operator": "<"})).invalid_input([""]),
    ]
}
