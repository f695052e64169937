//! Reads a date and time from text.

use block_core::prelude::*;
use jiff::fmt::strtime;

use super::{RFC3339, read_date_time, time_zone, write_date_time};

/// Inputs of `DateTimeParseBlock`.
#[derive(BlockInput)]
pub struct DateTimeParseInput {
    /// The text holding a date and time.
    #[block_input(placeholder = "15/07/2024 16:24")]
    pub text: String,
    /// Its strftime format (`%d/%m/%Y %H:%M`). Absent: RFC 3339, ISO 8601 with a
    /// zone, a date, RFC 2822 or Unix seconds are recognised.
    #[block_input(placeholder = "%d/%m/%Y %H:%M")]
    pub format: Option<String>,
    /// The time zone of a text that has no offset or zone of its own.
    #[block_input(default = "UTC")]
    pub time_zone: String,
}

/// Outputs of `DateTimeParseBlock`.
#[derive(BlockOutput)]
pub enum DateTimeParseOutput {
    /// The date and time in RFC 3339.
    DateTime(String),
    /// The same moment in seconds since 1970-01-01 UTC.
    UnixSeconds(i64),
}

/// Reads a date and time from text, with a strftime format or by recognising the
/// usual formats, and writes it as RFC 3339 and as Unix seconds.
#[block(id = "f9ffb342-f2a6-4bc0-bec7-b58dd7631395", categories(Basic, Text), tests = parse_cases)]
pub struct DateTimeParseBlock;

impl Run for DateTimeParseBlock {
    type Input = DateTimeParseInput;
    type Output = DateTimeParseOutput;

    async fn run(
        &self,
        input: DateTimeParseInput,
        _ctx: &RunContext,
        out: &Emit<DateTimeParseOutput>,
    ) -> Result<(), BlockError> {
        let zone = time_zone("time_zone", &input.time_zone)?;
        let zoned = match &input.format {
            None => read_date_time("text", &input.text, &zone)?,
            Some(format) => {
                let unreadable = |error: jiff::Error| {
                    BlockError::new(format!("input `text` does not match the format `{format}`: {error}"))
                };
                let parsed = strtime::parse(format, input.text.trim()).map_err(unreadable)?;
                if parsed.offset().is_some() || parsed.iana_time_zone().is_some() {
                    parsed.to_zoned_datetime().map_err(unreadable)?
                } else {
                    parsed.to_datetime().and_then(|civil| civil.to_zoned_datetime(zone)).map_err(unreadable)?
                }
            }
        };
        out.emit(DateTimeParseOutput::DateTime(write_date_time("format", RFC3339, &zoned)?)).await?;
        out.emit(DateTimeParseOutput::UnixSeconds(zoned.timestamp().as_second())).await
    }
}

fn parse_cases() -> Vec<TestCase<DateTimeParseBlock>> {
    let parsed = |text: &str, seconds: i64| {
        [DateTimeParseOutput::DateTime(text.into()), DateTimeParseOutput::UnixSeconds(seconds)]
    };
    vec![
        TestCase::json("reads RFC 3339", json!({"text": "2023-11-14T22:13:20Z"}))
            .outputs(parsed("2023-11-14T22:13:20+00:00", 1_700_000_000)),
        TestCase::json(
            "reads with a strftime format in the given zone",
            json!({"text": "14/11/2023 23:13", "format": "%d/%m/%Y %H:%M", "time_zone": "Europe/Paris"}),
        )
        .outputs(parsed("2023-11-14T23:13:00+01:00", 1_699_999_980)),
        TestCase::json(
            "an offset in the text wins over the time zone",
            json!({"text": "2023-11-14 22:13:20 +0000", "format": "%Y-%m-%d %H:%M:%S %z", "time_zone": "Asia/Tokyo"}),
        )
        .outputs(parsed("2023-11-14T22:13:20+00:00", 1_700_000_000)),
        TestCase::json("reads RFC 2822", json!({"text": "Tue, 14 Nov 2023 22:13:20 GMT"}))
            .outputs(parsed("2023-11-14T22:13:20+00:00", 1_700_000_000)),
        TestCase::json("reads a bare date as midnight", json!({"text": "2024-02-29", "time_zone": "UTC"}))
            .outputs(parsed("2024-02-29T00:00:00+00:00", 1_709_164_800)),
        TestCase::json("a text not in the format says so", json!({"text": "2023/11/14", "format": "%d.%m.%Y"}))
            .error_containing("input `text` does not match the format `%d.%m.%Y`"),
        TestCase::json("a day that does not exist is refused", json!({"text": "2023-02-30"}))
            .error_containing("input `text`"),
    ]
}
