//! Writes a date and time in another format or time zone.

use block_core::prelude::*;

use super::{read_date_time, time_zone, write_date_time};

/// Inputs of `DateTimeFormatBlock`.
#[derive(BlockInput)]
pub struct DateTimeFormatInput {
    /// The date and time: RFC 3339 (`2024-07-15T16:24:59Z`), with a zone
    /// (`...[Europe/Paris]`), RFC 2822, a date, or Unix seconds.
    #[block_input(placeholder = "2024-07-15T16:24:59Z")]
    pub date_time: String,
    /// How to write it, in strftime notation: `%Y-%m-%d`, `%H:%M`, `%A`, `%B`, ...
    #[block_input(default = "%Y-%m-%d %H:%M:%S", advanced = false)]
    pub format: String,
    /// Show it in this time zone (an IANA name or `UTC`). Absent: the offset or
    /// zone the date and time was written with, UTC if it had none.
    #[block_input(placeholder = "Europe/Paris")]
    pub time_zone: Option<String>,
}

/// Outputs of `DateTimeFormatBlock`.
#[derive(BlockOutput)]
pub enum DateTimeFormatOutput {
    /// The date and time, written with `format`.
    Formatted(String),
}

/// Writes a date and time with a strftime format, optionally in another time
/// zone.
#[block(id = "344d3852-a6f3-459e-82b2-e991a706d767", categories(Basic, Text), tests = format_cases)]
pub struct DateTimeFormatBlock;

impl Run for DateTimeFormatBlock {
    type Input = DateTimeFormatInput;
    type Output = DateTimeFormatOutput;

    async fn run(
        &self,
        input: DateTimeFormatInput,
        _ctx: &RunContext,
        out: &Emit<DateTimeFormatOutput>,
    ) -> Result<(), BlockError> {
        let target = input.time_zone.as_deref().map(|name| time_zone("time_zone", name)).transpose()?;
        let zoned = read_date_time("date_time", &input.date_time, target.as_ref().unwrap_or(&jiff::tz::TimeZone::UTC))?;
        let zoned = match target {
            Some(zone) => zoned.with_time_zone(zone),
            None => zoned,
        };
        out.emit(DateTimeFormatOutput::Formatted(write_date_time("format", &input.format, &zoned)?)).await
    }
}

fn format_cases() -> Vec<TestCase<DateTimeFormatBlock>> {
    let formatted = |text: &str| DateTimeFormatOutput::Formatted(text.into());
    vec![
        TestCase::json("writes with the default format", json!({"date_time": "2024-07-15T16:24:59Z"}))
            .output(formatted("2024-07-15 16:24:59")),
        TestCase::json(
            "moves to another time zone",
            json!({"date_time": "2024-07-15T16:24:59Z", "time_zone": "America/New_York", "format": "%H:%M %Z"}),
        )
        .output(formatted("12:24 EDT")),
        TestCase::json(
            "keeps the offset it was written with",
            json!({"date_time": "2024-07-15T09:00:00+09:00", "format": "%-d %B %Y, %H:%M %:z"}),
        )
        .output(formatted("15 July 2024, 09:00 +09:00")),
        TestCase::json("writes names of days", json!({"date_time": "2024-02-29", "format": "%A %j"}))
            .output(formatted("Thursday 060")),
        TestCase::json("reads Unix seconds", json!({"date_time": "1700000000", "format": "%Y-%m-%dT%H:%M:%SZ"}))
            .output(formatted("2023-11-14T22:13:20Z")),
        TestCase::json("a text that is not a date says what it takes", json!({"date_time": "soon"}))
            .error_containing("input `date_time`: `soon` is not a date and time; write it as RFC 3339"),
        TestCase::json(
            "an unknown directive in the format is refused",
            json!({"date_time": "2024-02-29T10:00:00", "format": "%Y %"}),
        )
        .error_containing("input `format`: the format cannot be used"),
    ]
}
