//! Date and time blocks: the current time in a time zone, formatting, parsing and
//! adding durations. Time zones come from the tz database bundled into the
//! binary, so every machine gives the same answers whatever its system files.

mod add;
mod format;
mod now;
mod parse;

pub use add::{DateTimeAddBlock, DateTimeAddInput, DateTimeAddOutput};
pub use format::{DateTimeFormatBlock, DateTimeFormatInput, DateTimeFormatOutput};
pub use now::{CurrentDateTimeBlock, CurrentDateTimeInput, CurrentDateTimeOutput};
pub use parse::{DateTimeParseBlock, DateTimeParseInput, DateTimeParseOutput};

use block_core::BlockError;
use jiff::fmt::temporal::Pieces;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// How the blocks write a date and time: RFC 3339, fractions of a second only when
/// there are some.
const RFC3339: &str = "%Y-%m-%dT%H:%M:%S%.f%:z";

/// What the errors say a date and time may look like.
const ACCEPTED: &str = "write it as RFC 3339 (`2024-07-15T16:24:59Z`), with a time zone \
                        (`2024-07-15T16:24:59[Europe/Paris]`), as a date and time without offset \
                        (`2024-07-15 16:24`) or a date (`2024-07-15`), as RFC 2822 \
                        (`Mon, 15 Jul 2024 16:24:59 +0000`), or as Unix seconds";

/// The time zone named in input `field`: an IANA name (`Europe/Paris`) or `UTC`.
fn time_zone(field: &str, name: &str) -> Result<TimeZone, BlockError> {
    let name = name.trim();
    if name.is_empty() || name.eq_ignore_ascii_case("utc") || name == "Z" {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name).map_err(|_| {
        BlockError::new(format!(
            "input `{field}`: `{name}` is not a time zone; use an IANA name such as `Europe/Paris` or `UTC`"
        ))
    })
}

/// Reads input `field` as a date and time. Texts with an offset or a zone keep it;
/// a date and time without one (or a bare date, at midnight) is read in `zone`.
fn read_date_time(field: &str, text: &str, zone: &TimeZone) -> Result<ZonedDateTime, BlockError> {
    let text = text.trim();
    let invalid = || BlockError::new(format!("input `{field}`: `{text}` is not a date and time; {ACCEPTED}"));
    if let Ok(pieces) = Pieces::parse(text) {
        if pieces.time_zone_annotation().is_some() {
            return text
                .parse::<ZonedDateTime>()
                .map_err(|error| BlockError::new(format!("input `{field}`: `{text}` cannot be read: {error}")));
        }
        if let Some(offset) = pieces.to_numeric_offset() {
            let instant = text.parse::<Timestamp>().map_err(|_| invalid())?;
            return Ok(instant.to_zoned_datetime(TimeZone::fixed(offset)));
        }
        let civil = pieces.date().to_datetime(pieces.time().unwrap_or_default());
        return civil.to_zoned_datetime(zone.clone()).map_err(|error| {
            BlockError::new(format!("input `{field}`: `{text}` does not exist in that time zone: {error}"))
        });
    }
    if let Ok(zoned) = jiff::fmt::rfc2822::parse(text) {
        return Ok(zoned);
    }
    if let Ok(seconds) = text.parse::<i64>() {
        let instant = Timestamp::from_second(seconds).map_err(|_| {
            BlockError::new(format!("input `{field}`: {seconds} seconds is outside the supported years"))
        })?;
        return Ok(instant.to_zoned_datetime(zone.clone()));
    }
    Err(invalid())
}

/// `zoned` written with the strftime `format`; the error names input `field`.
fn write_date_time(field: &str, format: &str, zoned: &ZonedDateTime) -> Result<String, BlockError> {
    jiff::fmt::strtime::format(format, zoned)
        .map_err(|error| BlockError::new(format!("input `{field}`: the format cannot be used: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        let zoned = read_date_time("t", text, &TimeZone::get("Europe/Paris").expect("bundled")).expect(text);
        write_date_time("f", RFC3339, &zoned).expect("format")
    }

    #[test]
    fn reads_every_accepted_shape() {
        assert_eq!(read("2024-07-15T16:24:59Z"), "2024-07-15T16:24:59+00:00");
        assert_eq!(read("2024-07-15T16:24:59.5-04:00"), "2024-07-15T16:24:59.5-04:00");
        assert_eq!(read("2024-01-15T08:00:00[America/New_York]"), "2024-01-15T08:00:00-05:00");
        assert_eq!(read("2024-07-15 16:24"), "2024-07-15T16:24:00+02:00", "read in the given zone");
        assert_eq!(read("2024-12-25"), "2024-12-25T00:00:00+01:00", "midnight in the given zone");
        assert_eq!(read("Mon, 15 Jul 2024 16:24:59 +0000"), "2024-07-15T16:24:59+00:00");
        assert_eq!(read("0"), "1970-01-01T01:00:00+01:00");
    }

    #[test]
    fn names_the_field_and_the_shapes_it_takes() {
        let error = read_date_time("date_time", "next tuesday", &TimeZone::UTC).expect_err("not a date");
        assert!(error.to_string().starts_with("input `date_time`: `next tuesday` is not a date and time; write"));
        let error = time_zone("time_zone", "Mars/Olympus").expect_err("no such zone");
        assert!(error.to_string().contains("`Mars/Olympus` is not a time zone"), "{error}");
    }
}
