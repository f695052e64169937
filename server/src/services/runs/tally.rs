//! A run's outputs as they come: every value per pin, up to a byte budget (the
//! pins whose later values were dropped are named), and the first error.

use block_core::OutputEvent;
use serde_json::{Map, Value};

/// Outputs per pin, capped.
#[derive(Debug)]
pub struct Tally {
    outputs: Map<String, Value>,
    truncated: Vec<String>,
    error: Option<String>,
    budget: usize,
}

impl Tally {
    /// An empty tally keeping at most `budget` bytes of values (as compact JSON).
    pub fn new(budget: usize) -> Self {
        Tally { outputs: Map::new(), truncated: Vec::new(), error: None, budget }
    }

    /// Counts one output; returns whether its value was kept.
    pub fn observe(&mut self, event: &OutputEvent) -> bool {
        if event.name == OutputEvent::ERROR && self.error.is_none() {
            self.error = Some(event.value.as_str().map_or_else(|| event.value.to_string(), str::to_owned));
        }
        let size = super::billing::json_size(&event.value);
        if size > self.budget {
            self.budget = 0;
            if !self.truncated.iter().any(|pin| pin == event.name) {
                self.truncated.push(event.name.to_owned());
            }
            self.outputs.entry(event.name).or_insert_with(|| Value::Array(Vec::new()));
            return false;
        }
        self.budget -= size;
        match self.outputs.entry(event.name).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(values) => values.push(event.value.clone()),
            other => *other = Value::Array(vec![event.value.clone()]),
        }
        true
    }

    /// The first error, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The outputs, the truncated pins and the error.
    pub fn into_parts(self) -> (Map<String, Value>, Vec<String>, Option<String>) {
        (self.outputs, self.truncated, self.error)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_past_the_budget_are_dropped_and_their_pin_named() {
        let mut tally = Tally::new(10);
        assert!(tally.observe(&OutputEvent { name: "item", value: json!("abc") }));
        assert!(!tally.observe(&OutputEvent { name: "item", value: json!("0123456789") }));
        assert!(!tally.observe(&OutputEvent { name: "other", value: json!(1) }), "the budget is spent for good");
        let (outputs, truncated, error) = tally.into_parts();
        assert_eq!(Value::Object(outputs), json!({"item": ["abc"], "other": []}));
        assert_eq!(truncated, ["item", "other"]);
        assert_eq!(error, None);
    }

    #[test]
    fn the_first_error_is_kept() {
        let mut tally = Tally::new(1 << 20);
        tally.observe(&OutputEvent { name: OutputEvent::ERROR, value: json!("first") });
        tally.observe(&OutputEvent { name: OutputEvent::ERROR, value: json!("second") });
        assert_eq!(tally.error(), Some("first"));
    }
}
