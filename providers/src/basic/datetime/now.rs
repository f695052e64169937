//! The current date and time in a time zone.

use block_core::prelude::*;
use jiff::{Timestamp, Unit};

use super::{time_zone, write_date_time};

/// Inputs of `CurrentDateTimeBlock`.
#[derive(BlockInput)]
pub struct CurrentDateTimeInput {
    /// The time zone: an IANA name such as `Europe/Paris`, or `UTC`.
    #[block_input(default = "UTC", advanced = false)]
    pub time_zone: String,
    /// How to write it, in strftime notation (`%Y-%m-%d %H:%M`, `%A %-d %B`, ...).
    /// The default is RFC 3339.
    #[block_input(default = "%Y-%m-%dT%H:%M:%S%:z")]
    pub format: String,
}

/// Outputs of `CurrentDateTimeBlock`.
#[derive(BlockOutput)]
pub enum CurrentDateTimeOutput {
    /// The current date and time, written with `format`.
    DateTime(String),
    /// The same moment in seconds since 1970-01-01 UTC.
    UnixSeconds(i64),
}

/// Gives the current date and time in a time zone, written with a strftime format,
/// and as Unix seconds. Seconds are whole.
#[block(id = "4cebe7fb-420c-4725-97b0-ab48214abcc1", categories(Basic), tests = now_cases)]
pub struct CurrentDateTimeBlock;

impl Run for CurrentDateTimeBlock {
    type Input = CurrentDateTimeInput;
    type Output = CurrentDateTimeOutput;

    async fn run(
        &self,
        input: CurrentDateTimeInput,
        _ctx: &RunContext,
        out: &Emit<CurrentDateTimeOutput>,
    ) -> Result<(), BlockError> {
        let zone = time_zone("time_zone", &input.time_zone)?;
        let now = Timestamp::now().round(Unit::Second).unwrap_or_else(|_| Timestamp::now());
        let zoned = now.to_zoned_datetime(zone);
        out.emit(CurrentDateTimeOutput::DateTime(write_date_time("format", &input.format, &zoned)?)).await?;
        out.emit(CurrentDateTimeOutput::UnixSeconds(now.as_second())).await
    }
}

/// Whether `value` is a Unix time within a day of now (the case runs now).
fn is_now(value: &Value) -> bool {
    value.as_i64().is_some_and(|seconds| (seconds - Timestamp::now().as_second()).abs() < 86_400)
}

fn now_cases() -> Vec<TestCase<CurrentDateTimeBlock>> {
    vec![
        TestCase::json("gives now in UTC as RFC 3339 by default", json!({}))
            .output_where("date_time", "an RFC 3339 time in UTC", |value| {
                value.as_str().is_some_and(|text| text.len() == 25 && text.ends_with("+00:00"))
            })
            .output_where("unix_seconds", "now", is_now),
        TestCase::json("uses the time zone's offset", json!({"time_zone": "Asia/Kolkata"}))
            .output_where("date_time", "a time at +05:30", |value| {
                value.as_str().is_some_and(|text| text.ends_with("+05:30"))
            })
            .output_where("unix_seconds", "now", is_now),
        TestCase::json("writes with a strftime format", json!({"time_zone": "UTC", "format": "%Y|%Z"}))
            .output_where("date_time", "the year and UTC", |value| {
                value.as_str().is_some_and(|text| text.len() == 8 && text.ends_with("|UTC"))
            })
            .output_where("unix_seconds", "now", is_now),
        TestCase::json("an unknown time zone says so", json!({"time_zone": "Europe/Atlantis"}))
            .error_containing("input `time_zone`: `Europe/Atlantis` is not a time zone"),
        TestCase::json("a broken format says so", json!({"format": "%Y %"}))
            .error_containing("input `format`: the format cannot be used"),
    ]
}
