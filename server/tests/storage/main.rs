//! One storage suite, two backends: every test here runs against the SQLite
//! storage and against the PostgreSQL one (a fresh database per test, dropped
//! after it). The PostgreSQL half needs `BLOCKS_TEST_DATABASE_URL` (a database
//! the tests may create databases from, e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`); without it those tests say
//! so on stderr and pass, unless `BLOCKS_REQUIRE_POSTGRES=1` (CI) makes the
//! missing URL a failure.
//!
//! Where a test says "another process", it opens a second storage on the same
//! database: its own connections, caches and listeners, as a second server
//! process has.

mod backends;
mod fixtures;

mod accounts;
mod credits;
mod graphs;
mod oauth;
mod queue;
mod records;
mod requests;
mod schedules;
mod store;
mod store_figures;
mod webhooks;

/// Declares each `module::test` (an `async fn(&Db)`) once per backend, with
/// the attributes written before it (`#[ignore = "..."]` for a measurement).
macro_rules! on_both_backends {
    ($($(#[$attr:meta])* $module:ident :: $test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attr])*
                async fn $test() {
                    let db = crate::backends::Db::sqlite(stringify!($test)).await;
                    crate::$module::$test(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                $(#[$attr])*
                async fn $test() {
                    let Some(db) = crate::backends::Db::postgres().await else { return };
                    crate::$module::$test(&db).await;
                }
            )*
        }
    };
}

on_both_backends! {
    accounts::users_and_keys_round_trip_and_the_first_user_stays_first,
    accounts::a_key_changed_by_another_process_moves_its_counter_within_a_second,
    accounts::settings_keep_the_first_value_written,
    accounts::credentials_are_kept_sealed_per_user,
    accounts::a_credentials_lock_holds_off_other_processes_until_dropped,
    credits::concurrent_charges_from_two_processes_never_overdraw,
    credits::charges_grants_and_the_ledger_agree,
    graphs::graph_versions_from_two_processes_get_consecutive_numbers,
    oauth::an_authorization_code_is_consumed_once_across_processes,
    oauth::a_provider_login_is_taken_once_and_only_by_its_user,
    oauth::clients_and_token_families_revoke,
    requests::idempotency_keys_hold_then_replay_then_expire,
    requests::concurrent_requests_with_one_new_key_see_one_new,
    requests::a_due_callback_is_claimed_by_one_process_until_it_is_recorded,
    queue::claims_take_turns_between_users_and_respect_the_per_user_limit,
    queue::two_processes_claiming_at_once_never_take_the_same_run,
    queue::leases_renew_and_report_stops_and_releases_queue_again,
    queue::expired_leases_are_recovered_once_with_refunds,
    queue::a_paid_start_charges_once_and_an_insufficient_one_writes_nothing,
    queue::a_worker_that_lost_its_lease_cannot_start_the_run_its_new_holder_runs,
    queue::graph_runs_take_no_place_under_the_limit_and_a_dead_workers_is_resumed_where_shared,
    records::run_writes_queued_without_waiting_are_stored_in_their_last_state,
    records::lists_filter_page_and_count_and_events_come_in_order,
    records::an_inline_runs_events_read_the_same_whether_its_end_was_written_with_it_or_later,
    records::stopping_a_queued_run_ends_it_and_a_running_one_asks_its_worker,
    schedules::a_due_fire_is_claimed_by_exactly_one_of_many_schedulers,
    schedules::a_poll_is_claimed_once_and_its_runs_and_cursor_commit_together,
    webhooks::a_redelivery_seen_by_any_process_queues_nothing,
    webhooks::webhooks_and_subscriptions_round_trip,
    webhooks::a_graph_subscription_keeps_its_graph_target,
    store::profiles_keep_usernames_unique_and_publishing_versions_listings,
    store::store_lists_filter_order_and_count_runs_and_ratings,
    store_figures::run_figures_count_every_run_stored_from_two_processes,
    #[ignore = "a measurement: run with --ignored --nocapture"]
    store_figures::store_lists_over_many_runs_are_measured,
}
