//! Adds a duration to a date and time.

use block_core::prelude::*;
use jiff::Span;

use super::{RFC3339, read_date_time, time_zone, write_date_time};

/// Inputs of `DateTimeAddBlock`.
#[derive(BlockInput)]
pub struct DateTimeAddInput {
    /// The date and time: RFC 3339, with a zone (`...[Europe/Paris]`), RFC 2822, a
    /// date, or Unix seconds.
    #[block_input(placeholder = "2024-07-15T16:24:59Z")]
    pub date_time: String,
    /// What to add: `1 day 2 hours`, `3mo`, `-30 minutes`, `2 weeks ago`, or ISO
    /// 8601 (`P1DT2H`). Negative durations go back in time.
    #[block_input(placeholder = "1 day 2 hours")]
    pub duration: String,
    /// Count days and months in this time zone (an IANA name or `UTC`), so that
    /// "1 day" across a daylight saving change stays the same hour. Absent: the
    /// zone or offset the date and time was written with.
    #[block_input(placeholder = "Europe/Paris")]
    pub time_zone: Option<String>,
}

/// Outputs of `DateTimeAddBlock`.
#[derive(BlockOutput)]
pub enum DateTimeAddOutput {
    /// The new date and time, in RFC 3339.
    DateTime(String),
    /// The same moment in seconds since 1970-01-01 UTC.
    UnixSeconds(i64),
}

/// Adds a duration (years, months, weeks, days, hours, minutes, seconds) to a
/// date and time, calendar-aware: adding a month to 31 January gives the last day
/// of February.
#[block(id = "0a3a843b-6481-4df5-95ce-6c556804add1", categories(Basic), tests = add_cases)]
pub struct DateTimeAddBlock;

impl Run for DateTimeAddBlock {
    type Input = DateTimeAddInput;
    type Output = DateTimeAddOutput;

    async fn run(
        &self,
        input: DateTimeAddInput,
        _ctx: &RunContext,
        out: &Emit<DateTimeAddOutput>,
    ) -> Result<(), BlockError> {
        let target = input.time_zone.as_deref().map(|name| time_zone("time_zone", name)).transpose()?;
        let start = read_date_time("date_time", &input.date_time, target.as_ref().unwrap_or(&jiff::tz::TimeZone::UTC))?;
        let start = match target {
            Some(zone) => start.with_time_zone(zone),
            None => start,
        };
        let span: Span = input.duration.trim().parse().map_err(|error| {
            BlockError::new(format!(
                "input `duration`: `{}` is not a duration ({error}); write e.g. `1 day 2 hours`, `-30m` or `P1DT2H`",
                input.duration
            ))
        })?;
        let end = start.checked_add(span).map_err(|error| {
            BlockError::new(format!("adding `{}` leaves the supported range of dates: {error}", input.duration))
        })?;
        out.emit(DateTimeAddOutput::DateTime(write_date_time("format", RFC3339, &end)?)).await?;
        out.emit(DateTimeAddOutput::UnixSeconds(end.timestamp().as_second())).await
    }
}

fn add_cases() -> Vec<TestCase<DateTimeAddBlock>> {
    let added =
        |text: &str, seconds: i64| [DateTimeAddOutput::DateTime(text.into()), DateTimeAddOutput::UnixSeconds(seconds)];
    vec![
        TestCase::json(
            "adds days and hours",
            json!({"date_time": "2023-11-14T22:13:20Z", "duration": "1 day 2 hours"}),
        )
        .outputs(added("2023-11-16T00:13:20+00:00", 1_700_093_600)),
        TestCase::json("reads ISO 8601 durations", json!({"date_time": "2023-11-14T22:13:20Z", "duration": "PT30M"}))
            .outputs(added("2023-11-14T22:43:20+00:00", 1_700_001_800)),
        TestCase::json(
            "goes back with a negative duration",
            json!({"date_time": "2023-11-14T22:13:20Z", "duration": "-20s"}),
        )
        .outputs(added("2023-11-14T22:13:00+00:00", 1_699_999_980)),
        TestCase::json(
            "a month after 31 January is the end of February",
            json!({"date_time": "2024-01-31", "duration": "1 month"}),
        )
        .outputs(added("2024-02-29T00:00:00+00:00", 1_709_164_800)),
        TestCase::json(
            "a day across a daylight saving change keeps the hour in the zone",
            json!({"date_time": "2024-03-30T12:00:00Z", "duration": "1 day", "time_zone": "Europe/Paris"}),
        )
        .outputs(added("2024-03-31T13:00:00+02:00", 1_711_882_800)),
        TestCase::json(
            "a duration that cannot be read says how to write one",
            json!({"date_time": "2024-01-01", "duration": "a while"}),
        )
        .error_containing("input `duration`: `a while` is not a duration"),
    ]
}
