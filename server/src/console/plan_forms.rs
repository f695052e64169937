//! The forms on a block's page that plan its runs: a schedule (a cron pattern
//! in a time zone, with the input generated from the block's schema) for a
//! block a person starts, and a subscription for a trigger (webhook or
//! polling), which shows its ingress URL once made.

use block_core::RegisteredBlock;
use block_core::webhooks::{SecretSource, WebhookKind, manager_of};
use serde_json::Value;

use super::Viewer;
use super::form::{self, FormOf, Problems};
use super::html::{csrf_field, escape, segment};
use crate::services::AppState;
use crate::services::credentials::ListedCredentials;

/// The prefix of the ids of a plan form's generated input fields (the try-it
/// form on the same page has `field-`).
pub const INPUT_IDS: &str = "plan-input-";

/// What a cron pattern is, under its field.
const CRON_HELP: &str = "Minute, hour, day of month, month, day of week: <code>*/15 * * * *</code> is every \
                         quarter hour, <code>0 9 * * 1</code> Mondays at 9.";

/// What a webhook's resource is, under its field.
const RESOURCE_HELP: &str = "The repository, team or account whose events the webhook receives; this server \
                             registers the webhook there with your credentials.";

/// A trigger's input leaves out what each delivery fills.
pub const TRIGGER_SKIPS: &[&str] = &["payload"];

/// A plan form as sent, with what was wrong with it.
#[derive(Debug, Default, Clone)]
pub struct PlanSent {
    /// The input fields' values.
    pub input: Value,
    /// Problems of the input fields, by field (`""` for the input as a whole).
    pub problems: Problems,
    /// The plan's own fields as sent (`name`, `cron`, `timezone`, `missed`,
    /// `resource`; never a secret).
    pub settings: Vec<(String, String)>,
    /// Problems of the plan's own fields, by field name.
    pub setting_problems: Problems,
}

impl PlanSent {
    fn setting(&self, name: &str) -> Option<&str> {
        self.settings.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Sorts a service's problems (JSON pointers: `/cron`, `/input/a`) into the
    /// plan's fields and the input's; a problem of no field goes to the input
    /// as a whole.
    pub fn sort_problems(&mut self, form: FormOf<'_>, details: &Value, settings: &[&str]) {
        let mut input_problems = Vec::new();
        for problem in details["problems"].as_array().into_iter().flatten() {
            let path = problem["path"].as_str().unwrap_or_default();
            let message = problem["message"].as_str().unwrap_or("is not valid").to_owned();
            let key = path.trim_start_matches('/');
            if let Some(rest) = path.strip_prefix("/input") {
                let mut moved = problem.clone();
                moved["path"] = Value::String(rest.to_owned());
                input_problems.push(moved);
            } else if settings.contains(&key) {
                self.setting_problems.entry(key.to_owned()).or_default().push(message);
            } else {
                input_problems.push(problem.clone());
            }
        }
        let found = form::by_field(form, &serde_json::json!({ "problems": input_problems }));
        for (field, messages) in found {
            self.problems.entry(field).or_default().extend(messages);
        }
    }
}

/// The plan form of `block`'s page: a schedule, or a trigger subscription.
pub fn render(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    credentials: &[ListedCredentials],
    sent: Option<&PlanSent>,
) -> String {
    let empty = PlanSent::default();
    let sent = sent.unwrap_or(&empty);
    let general: String = sent
        .problems
        .get("")
        .into_iter()
        .flatten()
        .map(|text| format!("<p class=\"notice error\">{}</p>", escape(text)))
        .collect();
    let seg = segment(block.name());
    let csrf = csrf_field(&viewer.csrf);
    let trigger = block.descriptor().trigger;
    if trigger.is_some() || block.descriptor().poll.is_some() {
        let fields = form::render(
            FormOf::block(block).without(TRIGGER_SKIPS).ids(INPUT_IDS),
            credentials,
            &sent.input,
            &sent.problems,
        );
        let how = match (trigger, block.descriptor().poll) {
            (_, Some(poll)) => format!(
                "<p class=\"help\">This trigger polls its service every {} s and runs once per new item.</p>",
                poll.every_secs
            ),
            (Some(trigger), None) => webhook_fields(state, trigger.provider, sent),
            (None, None) => String::new(),
        };
        return format!(
            "<section aria-labelledby=\"plan\" class=\"card\" id=\"subscribe\"><h2 id=\"plan\">Subscribe</h2>\
             <p class=\"meta\">A trigger runs when its provider delivers an event, not from a form. Subscribing \
             gives it a webhook whose ingress URL shows on the <a href=\"/triggers\">Triggers</a> page.</p>\
             <form method=\"post\" action=\"/blocks/{seg}/subscribe\" novalidate data-fields>{csrf}\
             <div class=\"general-errors\" role=\"alert\">{general}</div>{fields}{how}\
             <button type=\"submit\">Subscribe</button></form></section>"
        );
    }
    let fields = form::render(FormOf::block(block).ids(INPUT_IDS), credentials, &sent.input, &sent.problems);
    let general: Vec<String> = sent.problems.get("").cloned().unwrap_or_default();
    schedule_form(
        viewer,
        sent,
        &general,
        ScheduleOf { what: "block", action: &format!("/blocks/{seg}/schedule"), name: block.name() },
        &fields,
    )
}

/// What a schedule form plans.
#[derive(Debug, Clone, Copy)]
pub struct ScheduleOf<'a> {
    /// `block` or `agent`, in its title.
    pub what: &'a str,
    /// Where it is sent.
    pub action: &'a str,
    /// The name a schedule gets when none is given.
    pub name: &'a str,
}

/// A folded schedule form (open when `sent` has problems): its own fields
/// (name, cron pattern, time zone, missed fire times), then `fields`, the input
/// of each run, already rendered; `general` problems above.
pub fn schedule_form(viewer: &Viewer, sent: &PlanSent, general: &[String], of: ScheduleOf<'_>, fields: &str) -> String {
    let general: String =
        general.iter().map(|text| format!("<p class=\"notice error\">{}</p>", escape(text))).collect();
    let open =
        if sent.problems.is_empty() && sent.setting_problems.is_empty() && general.is_empty() { "" } else { " open" };
    let missed = sent.setting("missed").unwrap_or("skip");
    let option = |value: &str, label: &str| {
        let selected = if missed == value { " selected" } else { "" };
        format!("<option value=\"{value}\"{selected}>{label}</option>")
    };
    format!(
        "<details class=\"card plan\" id=\"schedule\"{open}><summary><h2>Schedule this {what}</h2></summary>\
         <form method=\"post\" action=\"{action}\" novalidate data-fields>{csrf}\
         <div class=\"general-errors\" role=\"alert\">{general}</div>\
         {name}{cron}{timezone}\
         <label for=\"plan-missed\">Fire times missed while the server was down</label>\
         <select id=\"plan-missed\" name=\"missed\">{skip}{once}</select>\
         <fieldset><legend>Input of each run</legend>{fields}</fieldset>\
         <button type=\"submit\">Create schedule</button></form></details>",
        what = escape(of.what),
        action = escape(of.action),
        csrf = csrf_field(&viewer.csrf),
        name = text_field(
            sent,
            TextField { name: "name", label: "Schedule name", placeholder: of.name, ..TextField::default() }
        ),
        cron = text_field(
            sent,
            TextField {
                name: "cron",
                label: "Cron pattern",
                placeholder: "*/15 * * * *",
                required: true,
                help: CRON_HELP,
                ..TextField::default()
            }
        ),
        timezone = text_field(
            sent,
            TextField {
                name: "timezone",
                label: "Time zone",
                placeholder: "Europe/Paris",
                default: &viewer.user.timezone,
                ..TextField::default()
            }
        ),
        skip = option("skip", "Skip them"),
        once = option("run_once", "Run once for all of them"),
    )
}

/// The fields of a webhook subscription: what it watches (for a webhook this
/// server registers at the provider), and the signing secret when the provider
/// issues its own.
fn webhook_fields(state: &AppState, provider: &str, sent: &PlanSent) -> String {
    let manager = manager_of(state.registry(), provider).ok();
    let mut html = match manager.as_ref().map(|manager| manager.kind()) {
        Some(WebhookKind::Auto) => text_field(
            sent,
            TextField {
                name: "resource",
                label: "What the webhook watches",
                placeholder: "owner/repo",
                help: RESOURCE_HELP,
                ..TextField::default()
            },
        ),
        _ => "<p class=\"help\">You enter the webhook's URL in the provider's settings by hand: it shows once \
              subscribed.</p>"
            .to_owned(),
    };
    let source = manager.map(|manager| manager.secret_source());
    if let Some(source) = source.filter(SecretSource::is_provider_issued) {
        let errors = problems_html(sent, "webhook_secret");
        html.push_str(&format!(
            "<label for=\"plan-webhook_secret\">Signing secret</label>\
             <input id=\"plan-webhook_secret\" name=\"webhook_secret\" type=\"password\" autocomplete=\"off\" \
             aria-describedby=\"plan-webhook_secret-help plan-webhook_secret-error\">\
             <p class=\"help\" id=\"plan-webhook_secret-help\">The provider issues it: {}. Deliveries are refused \
             until the webhook has it.</p>{errors}",
            escape(source.describe())
        ));
    }
    html
}

/// One of a plan's own text fields.
#[derive(Debug, Default)]
struct TextField<'a> {
    name: &'a str,
    label: &'a str,
    placeholder: &'a str,
    /// The value before anything was sent.
    default: &'a str,
    required: bool,
    /// Help shown under it (HTML, already escaped), if any.
    help: &'a str,
}

/// A plan's own text field, filled with what was sent, with its problems.
fn text_field(sent: &PlanSent, field: TextField<'_>) -> String {
    let TextField { name, label, placeholder, default, required, help } = field;
    let id = format!("plan-{name}");
    let problems = sent.setting_problems.get(name);
    let invalid = if problems.is_some() { " aria-invalid=\"true\"" } else { "" };
    let required = if required { " required" } else { "" };
    let (described, help) = if help.is_empty() {
        (format!("{id}-error"), String::new())
    } else {
        (format!("{id}-help {id}-error"), format!("<p class=\"help\" id=\"{id}-help\">{help}</p>"))
    };
    format!(
        "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{name}\" type=\"text\" value=\"{value}\" \
         placeholder=\"{placeholder}\" aria-describedby=\"{described}\"{required}{invalid}>{help}{errors}",
        label = escape(label),
        value = escape(sent.setting(name).unwrap_or(default)),
        placeholder = escape(placeholder),
        errors = problems_html(sent, name),
    )
}

fn problems_html(sent: &PlanSent, name: &str) -> String {
    let found: String = sent
        .setting_problems
        .get(name)
        .into_iter()
        .flatten()
        .map(|text| format!("<span>{}</span>", escape(text)))
        .collect();
    let hidden = if found.is_empty() { " hidden" } else { "" };
    format!("<p class=\"field-error\" id=\"plan-{name}-error\" role=\"alert\"{hidden}>{found}</p>")
}
