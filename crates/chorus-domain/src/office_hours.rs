//! When a client's team is at work. Later features use it to hold notifications and send auto-replies.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::TimeZone;
use crate::validation::Invalid;

/// A span of one day in minutes since midnight; `end` may be 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawRange", into = "RawRange")]
pub struct TimeRange {
    start: u16,
    end: u16,
}

/// A span of a day from `start` to `end`, both HH:MM; `end` may be 24:00.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = TimeRange)]
struct RawRange {
    #[schema(example = "09:00", pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    start: String,
    #[schema(example = "17:30", pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
    end: String,
}

fn parse_clock(field: &str, raw: &str) -> Result<u16, Invalid> {
    if raw == "24:00" {
        return Ok(24 * 60);
    }
    NaiveTime::parse_from_str(raw, "%H:%M")
        .map(|t| (t.hour() * 60 + t.minute()) as u16)
        .map_err(|_| Invalid::field(field, format!("'{raw}' is not a time of day written as HH:MM, e.g. 09:30")))
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl TimeRange {
    pub fn parse(start: &str, end: &str) -> Result<Self, Invalid> {
        let start_m = parse_clock("start", start.trim())?;
        let end_m = parse_clock("end", end.trim())?;
        if start_m >= 24 * 60 {
            return Err(Invalid::field("start", "must be before 24:00"));
        }
        if end_m <= start_m {
            return Err(Invalid::field("end", format!("must be after the start ({})", clock(start_m))));
        }
        Ok(Self { start: start_m, end: end_m })
    }
    fn contains(&self, minute: u16) -> bool {
        self.start <= minute && minute < self.end
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}–{}", clock(self.start), clock(self.end))
    }
}

impl TryFrom<RawRange> for TimeRange {
    type Error = Invalid;
    fn try_from(raw: RawRange) -> Result<Self, Self::Error> {
        Self::parse(&raw.start, &raw.end)
    }
}

impl From<TimeRange> for RawRange {
    fn from(r: TimeRange) -> Self {
        RawRange { start: clock(r.start), end: clock(r.end) }
    }
}

/// The weekly hours, in the client's own time zone. A day with no ranges is a day off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWeek", into = "RawWeek")]
pub struct OfficeHours {
    /// Monday first, as ISO 8601 counts.
    days: [Vec<TimeRange>; 7],
}

/// Weekly office hours in the client's time zone; a day left out or empty is a day off.
#[derive(Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = OfficeHours)]
struct RawWeek {
    #[serde(default)]
    mon: Vec<TimeRange>,
    #[serde(default)]
    tue: Vec<TimeRange>,
    #[serde(default)]
    wed: Vec<TimeRange>,
    #[serde(default)]
    thu: Vec<TimeRange>,
    #[serde(default)]
    fri: Vec<TimeRange>,
    #[serde(default)]
    sat: Vec<TimeRange>,
    #[serde(default)]
    sun: Vec<TimeRange>,
}

pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MAX_RANGES_PER_DAY: usize = 4;

impl OfficeHours {
    /// Checks that each day's ranges are few, ordered and do not overlap, then keeps them sorted.
    pub fn new(mut days: [Vec<TimeRange>; 7]) -> Result<Self, Invalid> {
        for (key, ranges) in DAY_KEYS.iter().zip(days.iter_mut()) {
            if ranges.len() > MAX_RANGES_PER_DAY {
                return Err(Invalid::field(
                    format!("office_hours.{key}"),
                    format!("at most {MAX_RANGES_PER_DAY} ranges a day"),
                ));
            }
            ranges.sort();
            for pair in ranges.windows(2) {
                if pair[1].start < pair[0].end {
                    return Err(Invalid::field(
                        format!("office_hours.{key}"),
                        format!("{} overlaps {}", pair[0], pair[1]),
                    ));
                }
            }
        }
        Ok(Self { days })
    }

    /// No hours at all: the team is never "in the office".
    pub fn closed() -> Self {
        Self { days: Default::default() }
    }

    pub fn day(&self, weekday: Weekday) -> &[TimeRange] {
        &self.days[weekday.num_days_from_monday() as usize]
    }

    /// Whether the team is at work at this instant, read on the wall clock of `zone`, so a daylight-saving
    /// change moves the hours with the local clock as people expect.
    pub fn is_open_at(&self, at: DateTime<Utc>, zone: TimeZone) -> bool {
        let local = at.with_timezone(&zone.tz());
        let minute = (local.hour() * 60 + local.minute()) as u16;
        self.day(local.weekday()).iter().any(|r| r.contains(minute))
    }

    /// A one-line summary such as "Mon 09:00–17:00 · Sat closed".
    pub fn summary(&self) -> String {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        names
            .iter()
            .zip(self.days.iter())
            .map(|(n, ranges)| {
                if ranges.is_empty() {
                    format!("{n} closed")
                } else {
                    format!("{n} {}", ranges.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
                }
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl Default for OfficeHours {
    /// Monday to Friday, 09:00 to 17:00: what most teams start from.
    fn default() -> Self {
        let nine_to_five = vec![TimeRange { start: 9 * 60, end: 17 * 60 }];
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            *day = nine_to_five.clone();
        }
        Self { days }
    }
}

// The API describes office hours by their JSON form, which the private raw types spell out.
impl utoipa::PartialSchema for OfficeHours {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RawWeek as utoipa::PartialSchema>::schema()
    }
}
impl utoipa::ToSchema for OfficeHours {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <RawWeek as utoipa::ToSchema>::schemas(schemas);
        schemas.push(("TimeRange".to_string(), <RawRange as utoipa::PartialSchema>::schema()));
    }
}
impl utoipa::PartialSchema for TimeRange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RawRange as utoipa::PartialSchema>::schema()
    }
}
impl utoipa::ToSchema for TimeRange {}

impl TryFrom<RawWeek> for OfficeHours {
    type Error = Invalid;
    fn try_from(w: RawWeek) -> Result<Self, Self::Error> {
        Self::new([w.mon, w.tue, w.wed, w.thu, w.fri, w.sat, w.sun])
    }
}

impl From<OfficeHours> for RawWeek {
    fn from(h: OfficeHours) -> Self {
        let [mon, tue, wed, thu, fri, sat, sun] = h.days;
        RawWeek { mon, tue, wed, thu, fri, sat, sun }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap_or(TimeZone::UTC)
    }

    #[test]
    fn default_is_weekdays_nine_to_five() {
        let h = OfficeHours::default();
        let berlin = zone("Europe/Berlin");
        // Wednesday 2026-11-18 10:00 in Berlin is 09:00 UTC (CET, +1).
        assert!(h.is_open_at(Utc.with_ymd_and_hms(2026, 11, 18, 9, 0, 0).unwrap(), berlin));
        assert!(!h.is_open_at(Utc.with_ymd_and_hms(2026, 11, 18, 16, 0, 0).unwrap(), berlin));
        // Saturday.
        assert!(!h.is_open_at(Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap(), berlin));
    }

    #[test]
    fn hours_follow_the_local_clock_across_daylight_saving() {
        let h = OfficeHours::default();
        let ny = zone("America/New_York");
        // 13:30 UTC is 09:30 local in summer (EDT, -4) but 08:30 in winter (EST, -5).
        assert!(h.is_open_at(Utc.with_ymd_and_hms(2026, 10, 30, 13, 30, 0).unwrap(), ny));
        assert!(!h.is_open_at(Utc.with_ymd_and_hms(2026, 11, 2, 13, 30, 0).unwrap(), ny));
    }

    #[test]
    fn midnight_end_is_allowed_and_overlaps_are_refused() {
        assert!(TimeRange::parse("18:00", "24:00").is_ok());
        assert!(TimeRange::parse("18:00", "18:00").is_err());
        let raw = r#"{"mon":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"15:00"}]}"#;
        let err = serde_json::from_str::<OfficeHours>(raw).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("office_hours.mon: 09:00–12:00 overlaps 11:00–15:00"), "{err}");
    }

    #[test]
    fn bad_clock_is_named() {
        let err = TimeRange::parse("9am", "17:00").err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "start: '9am' is not a time of day written as HH:MM, e.g. 09:30");
    }

    #[test]
    fn round_trips_through_json() {
        let h = OfficeHours::default();
        let json = serde_json::to_string(&h).unwrap_or_default();
        assert!(json.starts_with(r#"{"mon":[{"start":"09:00","end":"17:00"}]"#), "{json}");
        assert_eq!(serde_json::from_str::<OfficeHours>(&json).ok(), Some(h));
    }
}
