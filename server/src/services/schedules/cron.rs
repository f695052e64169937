//! A cron pattern read on the wall clock of an IANA time zone: croner parses
//! and searches the pattern, jiff knows the zone (its own bundled copy of the
//! time zone database, so every machine computes the same fire times).
//!
//! Croner searches through a backend trait; [`ZonedInstant`] is that backend
//! over jiff, so no second date library is linked.
//!
//! Daylight saving time, as Vixie cron handles it:
//! - a wall clock time skipped when the clock goes forward fires once, at the
//!   first instant after the jump (a daily `30 2 * * *` in Europe/Paris fires
//!   at 03:00 on the last Sunday of March);
//! - a wall clock time repeated when the clock goes back fires once, at its
//!   first occurrence, for a pattern with fixed hours and minutes (a daily
//!   `30 1 * * *` in America/New_York fires at 01:30 EDT on the first Sunday
//!   of November); a pattern with a wildcard or a step in its time fields runs
//!   through both passes (`*/15 * * * *` keeps firing every quarter of an hour
//!   of elapsed time).

use std::cmp::Ordering;

use croner::errors::CronError;
use croner::parser::{CronParser, Seconds, Year};
use croner::{CivilDate, CivilDateTime, CivilTime, Cron, CronDateTime, Resolution, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};

/// What is wrong with a schedule's pattern or time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingProblem {
    /// The field at fault: `cron` or `timezone`.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// One fire time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FireTime {
    /// Unix milliseconds.
    pub unix_ms: i64,
    /// RFC 3339, with the schedule's time zone's offset at that instant.
    pub local: String,
}

/// A parsed cron pattern and the time zone it is read in.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    zone: TimeZone,
}

impl CronSchedule {
    /// Parses `pattern` (five fields, or six with seconds first; `@daily` and
    /// the other nicknames; names for months and weekdays) and `timezone` (an
    /// IANA name), listing what is wrong with each. A pattern that matches no
    /// date at all (`0 0 30 2 *`) is refused too.
    pub fn parse(pattern: &str, timezone: &str) -> Result<CronSchedule, Vec<TimingProblem>> {
        let mut problems = Vec::new();
        let parser = CronParser::builder().seconds(Seconds::Optional).year(Year::Disallowed).build();
        let cron = parser
            .parse(pattern)
            .map_err(|error| {
                // croner's messages end with a full stop; ours go on.
                let reason = error.to_string();
                let reason = reason.trim_end_matches('.');
                problems.push(TimingProblem {
                    field: "cron",
                    message: format!(
                        "`{pattern}` is not a cron pattern ({reason}); a pattern has five fields (minute hour \
                         day-of-month month day-of-week), or six with seconds first, e.g. `0 9 * * MON-FRI`"
                    ),
                });
            })
            .ok();
        let zone = TimeZone::get(timezone.trim())
            .map_err(|_| {
                problems.push(TimingProblem {
                    field: "timezone",
                    message: format!(
                        "`{timezone}` is not an IANA time zone name (such as `Europe/Paris`, `America/New_York` or \
                         `UTC`)"
                    ),
                });
            })
            .ok();
        let (Some(cron), Some(zone)) = (cron, zone) else { return Err(problems) };
        let schedule = CronSchedule { cron, zone };
        // A pattern can parse and still name no real date (the 30th of
        // February); it would never fire, which is surely not what was meant.
        if let Err(error) = schedule.next_after(Timestamp::now().as_millisecond()) {
            return Err(vec![TimingProblem { field: "cron", message: format!("`{pattern}` {error}") }]);
        }
        Ok(schedule)
    }

    /// The time zone's canonical IANA name (`europe/paris` is
    /// `Europe/Paris`).
    pub fn timezone(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    /// The first fire time strictly after `after` (Unix milliseconds).
    pub fn next_after(&self, after: i64) -> Result<i64, NoFireTime> {
        let start = Timestamp::from_millisecond(after).map_err(|_| NoFireTime::OutOfRange)?;
        let start = ZonedInstant(start.to_zoned_datetime(self.zone.clone()));
        match self.cron.find_next_occurrence(&start, false) {
            Ok(next) => Ok(next.0.timestamp().as_millisecond()),
            Err(CronError::TimeSearchLimitExceeded) => Err(NoFireTime::NeverMatches),
            Err(_) => Err(NoFireTime::OutOfRange),
        }
    }

    /// Up to `count` fire times from `first` on (`first` included), each as
    /// Unix milliseconds and as RFC 3339 in the time zone.
    pub fn upcoming(&self, first: i64, count: usize) -> Vec<FireTime> {
        let mut times = Vec::with_capacity(count);
        let mut at = Some(first);
        while let Some(unix_ms) = at.filter(|_| times.len() < count) {
            times.push(self.fire_time(unix_ms));
            at = self.next_after(unix_ms).ok();
        }
        times
    }

    /// `unix_ms` as a [`FireTime`] in this time zone.
    pub fn fire_time(&self, unix_ms: i64) -> FireTime {
        let local = Timestamp::from_millisecond(unix_ms)
            .map(|at| at.display_with_offset(self.zone.to_offset(at)).to_string())
            .unwrap_or_default();
        FireTime { unix_ms, local }
    }
}

/// Why a pattern has no next fire time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoFireTime {
    /// It matches no date at all.
    #[error("matches no date (a day that no month has?)")]
    NeverMatches,
    /// Its next match lies past the years the calendar supports.
    #[error("has no fire time within the supported years")]
    OutOfRange,
}

/// An instant in a time zone, as croner's search sees it.
#[derive(Debug, Clone)]
struct ZonedInstant(ZonedDateTime);

fn civil_of(datetime: jiff::civil::DateTime) -> CivilDateTime {
    // jiff keeps every part in range, so croner's unchecked constructors hold.
    let (month, day) = (u32::try_from(datetime.month()).unwrap_or(1), u32::try_from(datetime.day()).unwrap_or(1));
    let hour = u32::try_from(datetime.hour()).unwrap_or(0);
    let (minute, second) =
        (u32::try_from(datetime.minute()).unwrap_or(0), u32::try_from(datetime.second()).unwrap_or(0));
    CivilDateTime::new(
        CivilDate::from_parts_unchecked(i32::from(datetime.year()), month, day),
        CivilTime::from_parts_unchecked(hour, minute, second),
    )
}

fn jiff_of(civil: CivilDateTime) -> Result<jiff::civil::DateTime, CronError> {
    let part = |value: u32| i8::try_from(value).map_err(|_| CronError::InvalidDate);
    let year = i16::try_from(civil.year()).map_err(|_| CronError::InvalidDate)?;
    jiff::civil::DateTime::new(
        year,
        part(civil.month())?,
        part(civil.day())?,
        part(civil.hour())?,
        part(civil.minute())?,
        part(civil.second())?,
        0,
    )
    .map_err(|_| CronError::InvalidDate)
}

impl CronDateTime for ZonedInstant {
    fn to_civil(&self) -> CivilDateTime {
        civil_of(self.0.datetime())
    }

    fn civil_weekday(&self) -> Weekday {
        Weekday::from_days_from_sunday(u32::try_from(self.0.weekday().to_sunday_zero_offset()).unwrap_or(0))
    }

    fn resolve_civil(&self, civil: CivilDateTime) -> Result<Resolution<Self>, CronError> {
        let ambiguous = self.0.time_zone().to_ambiguous_zoned_datetime(jiff_of(civil)?);
        let resolved = |result: Result<ZonedDateTime, jiff::Error>| result.map(ZonedInstant);
        Ok(match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { .. } => {
                Resolution::Single(resolved(ambiguous.unambiguous()).map_err(|_| CronError::InvalidTime)?)
            }
            AmbiguousOffset::Fold { .. } => {
                let earlier = resolved(ambiguous.clone().earlier()).map_err(|_| CronError::InvalidTime)?;
                let later = resolved(ambiguous.later()).map_err(|_| CronError::InvalidTime)?;
                Resolution::Ambiguous(earlier, later)
            }
            AmbiguousOffset::Gap { .. } => Resolution::Gap,
        })
    }

    fn checked_add_seconds(&self, seconds: i64) -> Option<Self> {
        self.0.checked_add(SignedDuration::from_secs(seconds)).ok().map(ZonedInstant)
    }

    fn cmp_instant(&self, other: &Self) -> Ordering {
        self.0.timestamp().cmp(&other.0.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().map(Timestamp::as_millisecond).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn schedule(pattern: &str, timezone: &str) -> CronSchedule {
        CronSchedule::parse(pattern, timezone).unwrap_or_else(|problems| panic!("{problems:?}"))
    }

    fn locals(schedule: &CronSchedule, from: &str, count: usize) -> Vec<String> {
        let first = schedule.next_after(at(from)).expect("a fire time");
        schedule.upcoming(first, count).into_iter().map(|time| time.local).collect()
    }

    #[test]
    fn a_time_skipped_by_spring_forward_fires_once_right_after_the_jump() {
        // Paris goes from 02:00 to 03:00 on 2025-03-30: 02:30 does not exist.
        let daily = schedule("30 2 * * *", "Europe/Paris");
        assert_eq!(
            locals(&daily, "2025-03-28T12:00:00Z", 4),
            [
                "2025-03-29T02:30:00+01:00",
                "2025-03-30T03:00:00+02:00",
                "2025-03-31T02:30:00+02:00",
                "2025-04-01T02:30:00+02:00",
            ]
        );
    }

    #[test]
    fn a_time_repeated_by_fall_back_fires_once_at_its_first_occurrence() {
        // New York goes from 02:00 EDT back to 01:00 EST on 2025-11-02: 01:30
        // happens twice.
        let daily = schedule("30 1 * * *", "America/New_York");
        assert_eq!(
            locals(&daily, "2025-11-01T12:00:00Z", 3),
            ["2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00", "2025-11-04T01:30:00-05:00"]
        );
    }

    #[test]
    fn an_interval_pattern_keeps_its_pace_through_the_repeated_hour() {
        let quarterly = schedule("*/30 * * * *", "America/New_York");
        assert_eq!(
            locals(&quarterly, "2025-11-02T04:45:00Z", 5),
            [
                "2025-11-02T01:00:00-04:00",
                "2025-11-02T01:30:00-04:00",
                "2025-11-02T01:00:00-05:00",
                "2025-11-02T01:30:00-05:00",
                "2025-11-02T02:00:00-05:00",
            ]
        );
    }

    #[test]
    fn seconds_may_lead_the_pattern() {
        let every_second = schedule("* * * * * *", "UTC");
        let next = every_second.next_after(at("2025-01-01T00:00:00.250Z")).expect("a fire time");
        assert_eq!(next, at("2025-01-01T00:00:01Z"));
        let weekdays = schedule("0 9 * * MON-FRI", "Asia/Tokyo");
        assert_eq!(
            locals(&weekdays, "2025-01-03T01:00:00Z", 2),
            ["2025-01-06T09:00:00+09:00", "2025-01-07T09:00:00+09:00"]
        );
    }

    #[test]
    fn names_the_field_at_fault_and_what_is_wrong() {
        let problems = CronSchedule::parse("61 * * * *", "Mars/Olympus_Mons").expect_err("both are wrong");
        assert_eq!(problems.iter().map(|problem| problem.field).collect::<Vec<_>>(), ["cron", "timezone"]);
        assert!(problems[0].message.contains("`61 * * * *` is not a cron pattern"), "{}", problems[0].message);
        assert!(
            problems[1].message.contains("`Mars/Olympus_Mons` is not an IANA time zone"),
            "{}",
            problems[1].message
        );
        let problems = CronSchedule::parse("* * *", "UTC").expect_err("too few fields");
        assert_eq!(problems[0].field, "cron");
    }

    #[test]
    fn refuses_a_pattern_that_matches_no_date() {
        let problems = CronSchedule::parse("0 0 30 2 *", "UTC").expect_err("February has no 30th");
        assert_eq!(problems[0].field, "cron");
        assert!(problems[0].message.contains("matches no date"), "{}", problems[0].message);
    }

    #[test]
    fn time_zone_names_are_canonical() {
        assert_eq!(schedule("@daily", "europe/paris").timezone(), "Europe/Paris");
    }
}
