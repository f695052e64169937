//! `POST /blocks/{id}/schedule` and `POST /blocks/{id}/subscribe`: the plan
//! forms of a block's page, through the schedules, triggers and polls
//! services. A refused form comes back on the block's page with every problem
//! at its field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use block_core::webhooks::WebhookKind;
use block_core::{ExposeSecret, RegisteredBlock, SecretString};
use serde_json::{Map, Value};

use super::block_page::{self, Filled};
use super::form::{self, FormOf};
use super::plan_forms::{INPUT_IDS, PlanSent, TRIGGER_SKIPS};
use super::{Viewer, error_page, forbidden, triggers};
use crate::domain::MissedFires;
use crate::services::schedules::{self, NewSchedule};
use crate::services::triggers::TriggerOptions;
use crate::services::{AppState, ServiceError, credentials, polls, runs};

/// The schedule form's own fields.
const SCHEDULE_SETTINGS: &[&str] = &["name", "cron", "timezone", "missed"];

/// The subscribe form's own fields (the secret is never sent back).
const TRIGGER_SETTINGS: &[&str] = &["resource", "webhook_secret"];

/// What a plan form sent: its own fields, and the input read from the
/// generated ones.
struct Read {
    sent: PlanSent,
    pairs: Vec<(String, String)>,
}

impl Read {
    fn value(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    fn text(&self, name: &str) -> Option<String> {
        self.value(name).map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned)
    }
}

async fn read(state: &AppState, viewer: &Viewer, form: FormOf<'_>, pairs: Vec<(String, String)>, own: &[&str]) -> Read {
    let listed = credentials::list(state, &viewer.user.id).await.unwrap_or_default();
    let (input, problems) = form::read(form, &listed, &pairs);
    let settings = pairs
        .iter()
        .filter(|(key, _)| own.contains(&key.as_str()) && key != "webhook_secret")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    Read { sent: PlanSent { input, problems, settings, setting_problems: Default::default() }, pairs }
}

async fn refused(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    sent: PlanSent,
    status: StatusCode,
) -> Response {
    let filled = Filled { plan: Some(sent), ..Filled::default() };
    block_page::render(state, viewer, block, &filled, status).await
}

/// `POST /blocks/{id}/schedule`: creates a schedule of the block.
pub async fn schedule(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let block = match runs::runnable_block(&state, &id) {
        Ok(block) => block,
        Err(error) => return error_page(&viewer, "/", &error),
    };
    let form = FormOf::block(block).ids(INPUT_IDS);
    let mut read = read(&state, &viewer, form, pairs, SCHEDULE_SETTINGS).await;
    if !viewer.csrf_ok(read.value("csrf")) {
        return forbidden(&viewer);
    }
    let Some(missed) = MissedFires::parse(read.value("missed").unwrap_or("skip")) else {
        read.sent.setting_problems.entry("missed".into()).or_default().push("Choose skip or run once.".into());
        return refused(&state, &viewer, block, read.sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    if !read.sent.problems.is_empty() {
        // Every problem at once: the timing is checked too before the form goes back.
        let timezone = read.text("timezone").unwrap_or_else(|| viewer.user.timezone.clone());
        if let Err(found) = schedules::CronSchedule::parse(read.value("cron").unwrap_or_default(), &timezone) {
            for problem in found {
                read.sent.setting_problems.entry(problem.field.to_owned()).or_default().push(problem.message);
            }
        }
        return refused(&state, &viewer, block, read.sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let new = NewSchedule {
        block: block.id().to_owned(),
        input: read.sent.input.clone(),
        cron: read.value("cron").unwrap_or_default().to_owned(),
        timezone: read.text("timezone"),
        missed,
        name: read.text("name"),
    };
    match schedules::create(state.storage().as_ref(), state.registry(), state.cipher(), &viewer.user, new).await {
        Ok(view) => {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("created", &view.schedule.name)
                .finish();
            Redirect::to(&format!("/schedules?{query}")).into_response()
        }
        Err(error) => refuse(&state, &viewer, block, form, read.sent, &error, SCHEDULE_SETTINGS).await,
    }
}

async fn refuse(
    state: &AppState,
    viewer: &Viewer,
    block: &RegisteredBlock,
    form: FormOf<'_>,
    mut sent: PlanSent,
    error: &ServiceError,
    settings: &[&str],
) -> Response {
    sent.sort_problems(form, error.details(), settings);
    if sent.problems.is_empty() && sent.setting_problems.is_empty() {
        sent.problems.entry(String::new()).or_default().push(error.message().to_owned());
    }
    refused(state, viewer, block, sent, super::status_of(error.refusal())).await
}

/// `POST /blocks/{id}/subscribe`: subscribes a trigger block (to a webhook, or
/// to polls) and shows the triggers page with its ingress URL.
pub async fn subscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let block = match runs::runnable_block(&state, &id) {
        Ok(block) => block,
        Err(error) => return error_page(&viewer, "/", &error),
    };
    let form = FormOf::block(block).without(TRIGGER_SKIPS).ids(INPUT_IDS);
    let read = read(&state, &viewer, form, pairs, TRIGGER_SETTINGS).await;
    if !viewer.csrf_ok(read.value("csrf")) {
        return forbidden(&viewer);
    }
    if !read.sent.problems.is_empty() {
        return refused(&state, &viewer, block, read.sent, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let input = match &read.sent.input {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    if block.descriptor().poll.is_some() {
        return match polls::subscribe(&state, &viewer.user.id, block.id(), input).await {
            Ok(_) => Redirect::to("/triggers?polling=1").into_response(),
            Err(error) => refuse(&state, &viewer, block, form, read.sent, &error, TRIGGER_SETTINGS).await,
        };
    }
    let how = TriggerOptions {
        resource: read.text("resource").unwrap_or_default(),
        credentials_id: None,
        webhook_secret: read.text("webhook_secret").map(SecretString::from),
    };
    match crate::services::triggers::subscribe(&state, &viewer.user.id, block.id(), input, how).await {
        Ok(subscribed) => {
            let webhook = &subscribed.webhook;
            let made_here = crate::services::triggers::secret_source(&state, webhook)
                .is_none_or(|source| !source.is_provider_issued());
            // A manual webhook's secret, made here, goes into the provider's
            // settings: shown this once, as the API's answer shows it.
            let secret = (webhook.kind == WebhookKind::Manual && made_here)
                .then(|| webhook.secret.expose_secret().to_owned())
                .filter(|secret| !secret.is_empty());
            let made =
                triggers::Made { block: block.name(), ingress_url: state.webhooks().ingress_url(webhook), secret };
            triggers::render(&state, &viewer, Some(&made), StatusCode::CREATED).await
        }
        Err(error) => refuse(&state, &viewer, block, form, read.sent, &error, TRIGGER_SETTINGS).await,
    }
}
