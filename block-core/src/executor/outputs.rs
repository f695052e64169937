//! A finished run's outputs grouped by pin.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use super::emit::OutputEvent;

/// Outputs grouped by pin, pins in the order they first appeared: the wire shape
/// `{pin: [values]}` of the reference platform's execute endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs {
    pins: Vec<(&'static str, Vec<Value>)>,
}

impl Outputs {
    pub(crate) fn push(&mut self, event: OutputEvent) {
        match self.pins.iter_mut().find(|(pin, _)| *pin == event.name) {
            Some((_, values)) => values.push(event.value),
            None => self.pins.push((event.name, vec![event.value])),
        }
    }

    /// Outputs of a run that could not start: only the `error` pin.
    pub fn from_error(message: impl Into<String>) -> Self {
        Self::from_events([OutputEvent::error(message)])
    }

    /// Groups `events` by pin.
    pub fn from_events(events: impl IntoIterator<Item = OutputEvent>) -> Self {
        let mut outputs = Outputs::default();
        for event in events {
            outputs.push(event);
        }
        outputs
    }

    /// The values emitted on `pin`, in order.
    pub fn get(&self, pin: &str) -> Option<&[Value]> {
        self.pins.iter().find(|(name, _)| *name == pin).map(|(_, values)| values.as_slice())
    }

    /// The failure message, if the run failed.
    pub fn error(&self) -> Option<&str> {
        self.get(OutputEvent::ERROR)?.first()?.as_str()
    }

    /// Whether the run finished without an error.
    pub fn is_success(&self) -> bool {
        self.get(OutputEvent::ERROR).is_none()
    }

    /// Pins and their values, in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[Value])> {
        self.pins.iter().map(|(pin, values)| (*pin, values.as_slice()))
    }

    /// The JSON object `{pin: [values]}`.
    pub fn to_json(&self) -> Value {
        Value::Object(self.pins.iter().map(|(pin, values)| ((*pin).to_owned(), Value::Array(values.clone()))).collect())
    }
}

impl Serialize for Outputs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.pins.len()))?;
        for (pin, values) in &self.pins {
            map.serialize_entry(pin, values)?;
        }
        map.end()
    }
}
