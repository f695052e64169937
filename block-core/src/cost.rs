//! What running a block costs, in credits.

use serde_json::{Value, json};

/// What a cost is counted per.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CostUnit {
    /// Per execution, charged before it runs.
    Run,
    /// Per byte of input.
    Byte,
    /// Per second of run time.
    Second,
}

impl CostUnit {
    /// The wire name: `run`, `byte` or `second`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CostUnit::Run => "run",
            CostUnit::Byte => "byte",
            CostUnit::Second => "second",
        }
    }
}

/// When a cost applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CostFilter {
    /// Every run.
    Always,
    /// Only runs on platform default credentials; bring-your-own keys are free.
    PlatformCredentials,
}

/// One cost of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cost {
    /// Credits per unit.
    pub amount: u64,
    /// The unit.
    pub unit: CostUnit,
    /// When it applies.
    pub filter: CostFilter,
}

impl Cost {
    /// `amount` credits per run, always.
    pub const fn per_run(amount: u64) -> Self {
        Cost { amount, unit: CostUnit::Run, filter: CostFilter::Always }
    }

    /// The same cost, charged only on platform default credentials.
    pub const fn platform_only(self) -> Self {
        Cost { filter: CostFilter::PlatformCredentials, ..self }
    }

    /// The reference's `{cost_amount, cost_type, cost_filter}`; `platform` lists the
    /// platform credentials a filtered cost applies to.
    pub fn info(&self, platform: &[Value]) -> Vec<Value> {
        match self.filter {
            CostFilter::Always => {
                vec![json!({"cost_amount": self.amount, "cost_type": self.unit.as_str(), "cost_filter": {}})]
            }
            CostFilter::PlatformCredentials => platform
                .iter()
                .map(|credentials| {
                    json!({
                        "cost_amount": self.amount,
                        "cost_type": self.unit.as_str(),
                        "cost_filter": {"credentials": credentials},
                    })
                })
                .collect(),
        }
    }

    /// What this cost charges for a run.
    pub fn charge(&self, usage: &Usage) -> u64 {
        if self.filter == CostFilter::PlatformCredentials && !usage.platform_credentials {
            return 0;
        }
        let units = match self.unit {
            CostUnit::Run => 1,
            CostUnit::Byte => usage.input_bytes,
            CostUnit::Second => usage.seconds,
        };
        self.amount.saturating_mul(units)
    }
}

/// What a run used, to price it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Whether any credentials were platform defaults.
    pub platform_credentials: bool,
    /// Size of the input JSON.
    pub input_bytes: u64,
    /// Run time, rounded up to whole seconds.
    pub seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_only_costs_are_free_with_your_own_keys() {
        let cost = Cost::per_run(5).platform_only();
        assert_eq!(cost.charge(&Usage { platform_credentials: true, ..Usage::default() }), 5);
        assert_eq!(cost.charge(&Usage::default()), 0);
    }

    #[test]
    fn unit_costs_multiply_by_usage() {
        let per_byte = Cost { amount: 2, unit: CostUnit::Byte, filter: CostFilter::Always };
        assert_eq!(per_byte.charge(&Usage { input_bytes: 10, ..Usage::default() }), 20);
        let per_second = Cost { amount: 3, unit: CostUnit::Second, filter: CostFilter::Always };
        assert_eq!(per_second.charge(&Usage { seconds: 4, ..Usage::default() }), 12);
    }
}
