//! The permissions an API key (or, later, an OAuth token) carries.

use serde::{Deserialize, Serialize};

/// One permission, named as in the reference platform's scope table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scope {
    /// Read user id, e-mail and time zone.
    Identity,
    /// Run agents.
    ExecuteGraph,
    /// Read agent run results.
    ReadGraph,
    /// Create and change agents.
    WriteGraph,
    /// Run individual blocks.
    ExecuteBlock,
    /// Read block definitions.
    ReadBlock,
    /// Access the agent store.
    ReadStore,
    /// Add agents to the library.
    WriteLibrary,
    /// Use platform tools.
    UseTools,
    /// Create and update integrations (credentials, trigger subscriptions).
    ManageIntegrations,
    /// Read integrations.
    ReadIntegrations,
    /// Remove integrations.
    DeleteIntegrations,
    /// Read runs, their outputs and events (the reference v2's name).
    ReadRun,
    /// Stop runs, and manage what they call back (the reference v2's name).
    WriteRun,
}

impl Scope {
    /// Every scope, in the reference's order.
    pub const ALL: [Scope; 14] = [
        Scope::Identity,
        Scope::ExecuteGraph,
        Scope::ReadGraph,
        Scope::WriteGraph,
        Scope::ExecuteBlock,
        Scope::ReadBlock,
        Scope::ReadStore,
        Scope::WriteLibrary,
        Scope::UseTools,
        Scope::ManageIntegrations,
        Scope::ReadIntegrations,
        Scope::DeleteIntegrations,
        Scope::ReadRun,
        Scope::WriteRun,
    ];

    /// The wire name, e.g. `EXECUTE_BLOCK`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Identity => "IDENTITY",
            Scope::ExecuteGraph => "EXECUTE_GRAPH",
            Scope::ReadGraph => "READ_GRAPH",
            Scope::WriteGraph => "WRITE_GRAPH",
            Scope::ExecuteBlock => "EXECUTE_BLOCK",
            Scope::ReadBlock => "READ_BLOCK",
            Scope::ReadStore => "READ_STORE",
            Scope::WriteLibrary => "WRITE_LIBRARY",
            Scope::UseTools => "USE_TOOLS",
            Scope::ManageIntegrations => "MANAGE_INTEGRATIONS",
            Scope::ReadIntegrations => "READ_INTEGRATIONS",
            Scope::DeleteIntegrations => "DELETE_INTEGRATIONS",
            Scope::ReadRun => "READ_RUN",
            Scope::WriteRun => "WRITE_RUN",
        }
    }

    /// What the scope allows, for docs and lists.
    pub const fn description(self) -> &'static str {
        match self {
            Scope::Identity => "Read user ID, e-mail, and timezone",
            Scope::ExecuteGraph => "Run agents",
            Scope::ReadGraph => "Read agent run results",
            Scope::WriteGraph => "Create and update agents",
            Scope::ExecuteBlock => "Run individual blocks",
            Scope::ReadBlock => "Read block definitions",
            Scope::ReadStore => "Access the agent store",
            Scope::WriteLibrary => "Add agents to the library",
            Scope::UseTools => "Use platform tools",
            Scope::ManageIntegrations => "Create and update user integrations",
            Scope::ReadIntegrations => "Read user integration status",
            Scope::DeleteIntegrations => "Remove user integrations",
            Scope::ReadRun => "Read runs and their results",
            Scope::WriteRun => "Stop runs and manage their callbacks",
        }
    }

    /// The scope named `name` (case-insensitive, `-` accepted for `_`).
    pub fn parse(name: &str) -> Option<Scope> {
        let name = name.trim().to_ascii_uppercase().replace('-', "_");
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    /// Parses a comma-separated list; `all` or `*` means every scope. On error, the
    /// unknown name.
    pub fn parse_list(list: &str) -> Result<Vec<Scope>, String> {
        let mut scopes = Vec::new();
        for name in list.split(',').map(str::trim).filter(|name| !name.is_empty()) {
            if name == "*" || name.eq_ignore_ascii_case("all") {
                scopes.extend(Scope::ALL);
                continue;
            }
            scopes.push(Scope::parse(name).ok_or_else(|| name.to_owned())?);
        }
        scopes.sort();
        scopes.dedup();
        Ok(scopes)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn names_round_trip_and_lists_accept_all() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(serde_json::to_value(scope).ok(), Some(serde_json::Value::from(scope.as_str())));
        }
        assert_eq!(Scope::parse_list("read_block, EXECUTE-BLOCK"), Ok(vec![Scope::ExecuteBlock, Scope::ReadBlock]));
        assert_eq!(Scope::parse_list("all").map(|s| s.len()), Ok(14));
        assert_eq!(Scope::parse_list("READ_BLOCK,FLY"), Err("FLY".to_owned()));
    }
}
