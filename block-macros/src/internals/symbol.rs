//! Every attribute key, named once.

pub const BLOCK_INPUT: &str = "block_input";
pub const BLOCK_OUTPUT: &str = "block_output";
pub const BLOCK_VALUE: &str = "block_value";
/// The derives' former attribute names, each `(former, current)`: still read, with a
/// deprecation warning (they collide with other derives' attributes).
pub const FORMER_SPELLINGS: &[(&str, &str)] =
    &[("input", BLOCK_INPUT), ("output", BLOCK_OUTPUT), ("value", BLOCK_VALUE)];

pub const CRATE: &str = "crate";
pub const DEFAULT: &str = "default";
pub const ADVANCED: &str = "advanced";
pub const HIDDEN: &str = "hidden";
pub const SECRET: &str = "secret";
pub const PLACEHOLDER: &str = "placeholder";
pub const TITLE: &str = "title";
pub const DEPENDS_ON: &str = "depends_on";
pub const FORMAT: &str = "format";
pub const MIN: &str = "min";
pub const MAX: &str = "max";
pub const MIN_LENGTH: &str = "min_length";
pub const MAX_LENGTH: &str = "max_length";
pub const MIN_ITEMS: &str = "min_items";
pub const MAX_ITEMS: &str = "max_items";
pub const SCOPES: &str = "scopes";
pub const EVENT_FILTER: &str = "event_filter";

/// Keys of `#[block_input(...)]` on a field.
pub const INPUT_FIELD_KEYS: &[&str] = &[
    DEFAULT,
    ADVANCED,
    HIDDEN,
    SECRET,
    PLACEHOLDER,
    TITLE,
    DEPENDS_ON,
    FORMAT,
    MIN,
    MAX,
    MIN_LENGTH,
    MAX_LENGTH,
    MIN_ITEMS,
    MAX_ITEMS,
    SCOPES,
    EVENT_FILTER,
];

pub const NAME: &str = "name";
pub const RENAME: &str = "rename";

/// Keys of `#[block_output(...)]` on a variant.
pub const OUTPUT_VARIANT_KEYS: &[&str] = &[NAME, TITLE];
/// Keys of `#[block_value(...)]` on an enum variant.
pub const VALUE_KEYS: &[&str] = &[RENAME];
/// Keys of a container attribute of the derives.
pub const CONTAINER_KEYS: &[&str] = &[CRATE];

pub const ID: &str = "id";
pub const CATEGORIES: &str = "categories";
pub const CONTRIBUTORS: &str = "contributors";
pub const DISABLED: &str = "disabled";
pub const STATIC_OUTPUT: &str = "static_output";
pub const TESTS: &str = "tests";
pub const UNTESTED: &str = "untested";
pub const COST: &str = "cost";
pub const TRIGGER: &str = "trigger";
pub const PROVIDER: &str = "provider";
pub const EVENTS: &str = "events";
pub const EVENT: &str = "event";
pub const POLL: &str = "poll";
/// Keys of `trigger(...)`.
pub const TRIGGER_KEYS: &[&str] = &[PROVIDER, EVENTS, EVENT, POLL];
pub const EVERY: &str = "every";
pub const DEDUPE: &str = "dedupe";
pub const FIRE_ON_FIRST: &str = "fire_on_first";
/// Keys of `poll(...)`.
pub const POLL_KEYS: &[&str] = &[EVERY, DEDUPE, FIRE_ON_FIRST];
/// Values of `dedupe = ...`.
pub const DEDUPE_KINDS: &[&str] = &["newest_id", "timestamp", "seen_ids"];
pub const WEBHOOKS: &str = "webhooks";
pub const MANAGER: &str = "manager";
pub const MANUAL: &str = "manual";
pub const AUTO: &str = "auto";
/// Keys of `webhooks(...)`.
pub const WEBHOOKS_KEYS: &[&str] = &[MANUAL, AUTO, MANAGER];

/// Keys of `#[block(...)]`.
pub const BLOCK_KEYS: &[&str] =
    &[ID, NAME, CATEGORIES, CONTRIBUTORS, DISABLED, STATIC_OUTPUT, TESTS, UNTESTED, COST, TRIGGER, CRATE];

pub const PLATFORM_ONLY: &str = "platform_only";
/// Keys of `cost(...)`: units, and the filter.
pub const COST_KEYS: &[&str] = &["run", "byte", "second", PLATFORM_ONLY];

pub const DISPLAY_NAME: &str = "display_name";
pub const ICON: &str = "icon";
pub const API_KEY: &str = "api_key";
pub const OAUTH2: &str = "oauth2";
pub const USER_PASSWORD: &str = "user_password";
pub const HOST_SCOPED: &str = "host_scoped";
pub const TRUSTED_ORIGINS: &str = "trusted_origins";
pub const BASE_COST: &str = "base_cost";

/// Keys of `#[provider(...)]`.
pub const PROVIDER_KEYS: &[&str] = &[
    NAME,
    DISPLAY_NAME,
    ICON,
    API_KEY,
    OAUTH2,
    USER_PASSWORD,
    HOST_SCOPED,
    TRUSTED_ORIGINS,
    BASE_COST,
    WEBHOOKS,
    CRATE,
];

pub const ENV: &str = "env";
pub const CLIENT_ID_ENV: &str = "client_id_env";
pub const CLIENT_SECRET_ENV: &str = "client_secret_env";
pub const USERNAME_ENV: &str = "username_env";
pub const PASSWORD_ENV: &str = "password_env";
pub const AUTHORIZE_URL: &str = "authorize_url";
pub const TOKEN_URL: &str = "token_url";
pub const REVOKE_URL: &str = "revoke_url";
pub const HANDLER: &str = "handler";

/// Keys of `api_key(...)`.
pub const API_KEY_KEYS: &[&str] = &[ENV];
/// Keys of `oauth2(...)`.
pub const OAUTH2_KEYS: &[&str] =
    &[CLIENT_ID_ENV, CLIENT_SECRET_ENV, SCOPES, AUTHORIZE_URL, TOKEN_URL, REVOKE_URL, HANDLER];
/// Keys of `user_password(...)`.
pub const USER_PASSWORD_KEYS: &[&str] = &[USERNAME_ENV, PASSWORD_ENV];

/// The category variants of `block_core::Category`, in its order (a test ties the
/// two lists).
pub const CATEGORIES_LIST: &[&str] = &[
    "Ai",
    "Social",
    "Text",
    "Search",
    "Basic",
    "Input",
    "Output",
    "Logic",
    "Communication",
    "DeveloperTools",
    "Data",
    "Hardware",
    "Agent",
    "Crm",
    "Safety",
    "Productivity",
    "IssueTracking",
    "Multimedia",
    "Marketing",
];

#[cfg(test)]
mod tests {
    use super::CATEGORIES_LIST;

    /// The macro cannot depend on block-core (block-core depends on it), so the
    /// two lists are tied here: a category added to one and not the other fails.
    #[test]
    fn the_categories_the_macro_accepts_are_block_cores() {
        let core: Vec<String> = block_core::Category::ALL.iter().map(|category| format!("{category:?}")).collect();
        assert_eq!(CATEGORIES_LIST, core.as_slice());
    }
}
