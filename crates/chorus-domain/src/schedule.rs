//! When a post goes out, and what has become of it on each network.
//!
//! Three rules live here, free of storage and networks so they can be tested on their own:
//! - [`LocalTime::resolve`]: a wall-clock time in the client's time zone becomes one instant. A time the clocks
//!   skip (a spring-forward gap) is refused with the first valid time offered; a time that happens twice (the
//!   autumn fall-back) is the first of the two, and says so.
//! - [`next_free_slot`]: "add to queue" takes the account's next weekly slot that is in the future and not
//!   taken, counted in the client's time zone, so a 09:00 slot stays at 09:00 local across a daylight-saving
//!   change.
//! - [`Publication`]: one variant's way to its network, as a state machine. Every change is a method that
//!   either returns the new state or says in words why it cannot happen, so the API, the pages and the
//!   publishing job cannot disagree about what is allowed.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::client::TimeZone;
use crate::validation::Invalid;

/// The least time between scheduling a post and its publication: a post scheduled for "now" must still reach
/// its job before the minute turns.
pub const MIN_LEAD: Duration = Duration::seconds(30);

/// A date and time on the client's clocks, before the time zone makes it an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub at: NaiveDateTime,
}

/// An instant a local time resolved to, and what a person should know about the resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub at: DateTime<Utc>,
    /// Set when the local time happens twice (clocks turned back) and the first was taken.
    pub note: Option<String>,
}

impl LocalTime {
    /// Parses `2026-11-22T09:30` (seconds optional), as a `datetime-local` form field sends it.
    pub fn parse(field: &str, raw: &str) -> Result<Self, Invalid> {
        let raw = raw.trim();
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
            .map(|at| LocalTime { at })
            .ok_or_else(|| Invalid::field(field, format!("'{raw}' is not a date and time such as 2026-11-22T09:30")))
    }

    /// The instant this local time is in `zone`. See the module documentation for gaps and repeats.
    pub fn resolve(&self, field: &str, zone: &TimeZone) -> Result<Resolved, Invalid> {
        let tz = zone.tz();
        match tz.from_local_datetime(&self.at) {
            LocalResult::Single(at) => Ok(Resolved { at: at.with_timezone(&Utc), note: None }),
            LocalResult::Ambiguous(first, second) => Ok(Resolved {
                at: first.with_timezone(&Utc),
                note: Some(format!(
                    "{} happens twice in {zone} (the clocks go back): the first, at {} UTC, is used; the second \
                     would be {} UTC",
                    self.at.format("%Y-%m-%d %H:%M"),
                    first.with_timezone(&Utc).format("%H:%M"),
                    second.with_timezone(&Utc).format("%H:%M"),
                )),
            }),
            LocalResult::None => {
                // Clocks jump forward by at most a few hours; the first valid minute after the gap is offered.
                let after = (1..=24 * 60)
                    .map(|m| self.at + Duration::minutes(m))
                    .find(|t| !matches!(tz.from_local_datetime(t), LocalResult::None));
                let offer = after.map(|t| format!("; choose {} or later", t.format("%H:%M"))).unwrap_or_default();
                Err(Invalid::field(
                    field,
                    format!(
                        "{} does not exist in {zone}: the clocks skip it that day{offer}",
                        self.at.format("%Y-%m-%d %H:%M")
                    ),
                ))
            }
        }
    }
}

/// Refuses a publication time in the past (or too close to now for the job to pick it up).
pub fn check_future(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Invalid> {
    if at < now + MIN_LEAD {
        return Err(Invalid::field(
            field,
            format!(
                "{} UTC is in the past; choose a time at least a minute from now, or publish now",
                at.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    Ok(())
}

/// A weekly slot of an account's queue: a weekday and a time on the client's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Slot {
    #[schema(value_type = String, example = "Mon")]
    pub weekday: Weekday,
    #[schema(value_type = String, example = "09:00")]
    pub time: NaiveTime,
}

/// How far ahead "add to queue" looks for a free slot before saying the queue is full.
pub const QUEUE_HORIZON_DAYS: i64 = 366;

/// The first slot of `slots` after `after` (and at least [`MIN_LEAD`] after it) whose instant is not in `taken`.
/// Slots are wall-clock times in `zone`: one the clocks skip that day moves to the first valid minute after the
/// gap; one that happens twice is the first. `None` when nothing is free within [`QUEUE_HORIZON_DAYS`].
pub fn next_free_slot(
    slots: &[Slot],
    zone: &TimeZone,
    after: DateTime<Utc>,
    taken: &[DateTime<Utc>],
) -> Option<DateTime<Utc>> {
    if slots.is_empty() {
        return None;
    }
    let tz = zone.tz();
    let earliest = after + MIN_LEAD;
    let start: NaiveDate = earliest.with_timezone(&tz).date_naive();
    let mut times: Vec<NaiveTime> = Vec::new();
    for day in 0..=QUEUE_HORIZON_DAYS {
        let date = start + Duration::days(day);
        times.clear();
        times.extend(slots.iter().filter(|s| s.weekday == date.weekday()).map(|s| s.time));
        times.sort();
        times.dedup();
        for time in &times {
            let local = LocalTime { at: date.and_time(*time) };
            let at = match local.resolve("slot", zone) {
                Ok(resolved) => resolved.at,
                Err(_) => first_after_gap(&tz, local.at)?,
            };
            if at >= earliest && !taken.contains(&at) {
                return Some(at);
            }
        }
    }
    None
}

fn first_after_gap(tz: &chrono_tz::Tz, at: NaiveDateTime) -> Option<DateTime<Utc>> {
    (1..=24 * 60).find_map(|m| match tz.from_local_datetime(&(at + Duration::minutes(m))) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => None,
    })
}

/// Where one variant is on its way to its network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Publication {
    /// Waiting for its time.
    Scheduled { at: DateTime<Utc> },
    /// Held by a pause (e.g. a crisis); `at` is when it was due.
    Paused { at: DateTime<Utc>, reason: String },
    /// A worker is sending it; `attempt` counts from 1.
    Publishing { at: DateTime<Utc>, attempt: u32, since: DateTime<Utc> },
    /// Out, with the network's id and address of it.
    Published { remote_id: String, url: String, published_at: DateTime<Utc> },
    /// The network refused it for good (content rejected, permission missing); someone must change something.
    Failed { reason: String, failed_at: DateTime<Utc> },
    /// Whether it went out is not known, or the account must be reconnected: a person decides, nothing is
    /// retried on its own, so nothing is posted twice.
    NeedsAttention { reason: String, since: DateTime<Utc> },
}

/// A change a publication's state does not allow, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotNow(pub String);

/// What to do with paused posts when the pause ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resume {
    /// Publish what fell due during the pause right away; the rest keeps its time.
    PublishLate,
    /// Move what fell due to `at`; the rest keeps its time.
    Reschedule,
    /// Stay paused.
    KeepPaused,
}

impl Publication {
    pub fn state_name(&self) -> &'static str {
        match self {
            Publication::Scheduled { .. } => "scheduled",
            Publication::Paused { .. } => "paused",
            Publication::Publishing { .. } => "publishing",
            Publication::Published { .. } => "published",
            Publication::Failed { .. } => "failed",
            Publication::NeedsAttention { .. } => "needs_attention",
        }
    }

    /// Whether its content and time may still change: not while a worker sends it, nor once it is out.
    pub fn is_editable(&self) -> bool {
        matches!(
            self,
            Publication::Scheduled { .. }
                | Publication::Paused { .. }
                | Publication::Failed { .. }
                | Publication::NeedsAttention { .. }
        )
    }

    /// Schedules (or reschedules) it for `at`.
    pub fn schedule(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        if !self.is_editable() {
            return Err(self.busy("rescheduled"));
        }
        check_future("scheduled_at", at, now).map_err(|e| NotNow(e.to_string()))?;
        Ok(Publication::Scheduled { at })
    }

    /// A worker takes it: only a scheduled publication whose time has come.
    pub fn start(&self, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        match self {
            Publication::Scheduled { at } if *at <= now => {
                Ok(Publication::Publishing { at: *at, attempt: 1, since: now })
            }
            Publication::Scheduled { at } => Err(NotNow(format!("it is not due until {at}"))),
            other => Err(NotNow(format!("it is {}, not scheduled", other.state_name()))),
        }
    }

    /// Another attempt after a transient failure (timeout, 5xx, 429), by the same worker job.
    pub fn retry(&self, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        match self {
            Publication::Publishing { at, attempt, .. } => {
                Ok(Publication::Publishing { at: *at, attempt: attempt.saturating_add(1), since: now })
            }
            other => Err(NotNow(format!("it is {}, not being published", other.state_name()))),
        }
    }

    pub fn succeed(&self, remote_id: String, url: String, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        match self {
            // A read-back may find a post whose outcome was unknown: it did go out.
            Publication::Publishing { .. } | Publication::NeedsAttention { .. } => {
                Ok(Publication::Published { remote_id, url, published_at: now })
            }
            other => Err(NotNow(format!("it is {}, not being published", other.state_name()))),
        }
    }

    pub fn fail(&self, reason: String, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        match self {
            Publication::Publishing { .. } => Ok(Publication::Failed { reason, failed_at: now }),
            other => Err(NotNow(format!("it is {}, not being published", other.state_name()))),
        }
    }

    /// The outcome of an attempt is unknown, or the account must be reconnected: stop and ask a person.
    pub fn needs_attention(&self, reason: String, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        match self {
            Publication::Publishing { .. } | Publication::Scheduled { .. } => {
                Ok(Publication::NeedsAttention { reason, since: now })
            }
            other => Err(NotNow(format!("it is {}", other.state_name()))),
        }
    }

    /// Holds a scheduled publication; others are left as they are (the caller pauses what it can).
    pub fn pause(&self, reason: &str) -> Option<Publication> {
        match self {
            Publication::Scheduled { at } => Some(Publication::Paused { at: *at, reason: reason.to_string() }),
            _ => None,
        }
    }

    /// Ends a pause as chosen. `new_time` is where [`Resume::Reschedule`] moves what fell due meanwhile.
    pub fn resume(
        &self,
        choice: Resume,
        new_time: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Publication, NotNow> {
        let Publication::Paused { at, .. } = self else {
            return Err(NotNow(format!("it is {}, not paused", self.state_name())));
        };
        let missed = *at < now + MIN_LEAD;
        match (choice, missed) {
            (Resume::KeepPaused, _) => Ok(self.clone()),
            (_, false) => Ok(Publication::Scheduled { at: *at }),
            (Resume::PublishLate, true) => Ok(Publication::Scheduled { at: now }),
            (Resume::Reschedule, true) => {
                let to = new_time.ok_or_else(|| NotNow("choose the new time for the posts that fell due".into()))?;
                self.schedule_from_pause(to, now)
            }
        }
    }

    fn schedule_from_pause(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Publication, NotNow> {
        check_future("scheduled_at", at, now).map_err(|e| NotNow(e.to_string()))?;
        Ok(Publication::Scheduled { at })
    }

    fn busy(&self, what: &str) -> NotNow {
        match self {
            Publication::Publishing { .. } => {
                NotNow(format!("it is being published right now and cannot be {what}; wait a moment"))
            }
            Publication::Published { url, .. } => {
                NotNow(format!("it is already published ({url}) and cannot be {what}"))
            }
            other => NotNow(format!("it is {} and cannot be {what}", other.state_name())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str) -> TimeZone {
        TimeZone::parse(name).unwrap()
    }

    fn local(raw: &str) -> LocalTime {
        LocalTime::parse("scheduled_at", raw).unwrap()
    }

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn local_times_resolve_across_daylight_saving_changes() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(local("2026-07-01T09:00").resolve("t", &berlin).unwrap().at, utc("2026-07-01T07:00:00Z"));
        assert_eq!(local("2026-12-01T09:00").resolve("t", &berlin).unwrap().at, utc("2026-12-01T08:00:00Z"));
        // 29 March 2026: 02:00 → 03:00 in Berlin.
        let gap = local("2026-03-29T02:30").resolve("scheduled_at", &berlin).unwrap_err();
        assert_eq!(gap.errors[0].field, "scheduled_at");
        assert!(gap.errors[0].message.contains("does not exist"), "{gap}");
        assert!(gap.errors[0].message.contains("choose 03:00 or later"), "{gap}");
        // 25 October 2026: 03:00 → 02:00; 02:30 happens twice, the first (CEST, UTC+2) is used.
        let twice = local("2026-10-25T02:30").resolve("t", &berlin).unwrap();
        assert_eq!(twice.at, utc("2026-10-25T00:30:00Z"));
        assert!(twice.note.unwrap().contains("happens twice"));
        assert!(LocalTime::parse("t", "tomorrow at nine").is_err());
        assert!(LocalTime::parse("t", "2026-02-30T09:00").is_err());
    }

    #[test]
    fn the_past_cannot_be_scheduled() {
        let now = utc("2026-11-22T10:00:00Z");
        assert!(check_future("scheduled_at", utc("2026-11-22T09:59:00Z"), now).is_err());
        assert!(check_future("scheduled_at", now + Duration::seconds(10), now).is_err(), "too close to now");
        assert!(check_future("scheduled_at", now + Duration::minutes(1), now).is_ok());
    }

    fn slot(weekday: Weekday, time: &str) -> Slot {
        Slot { weekday, time: NaiveTime::parse_from_str(time, "%H:%M").unwrap() }
    }

    #[test]
    fn the_queue_takes_the_next_free_slot_in_local_time() {
        let ny = zone("America/New_York");
        let slots = [slot(Weekday::Mon, "09:00"), slot(Weekday::Mon, "13:00"), slot(Weekday::Wed, "09:00")];
        // Monday 2 November 2026, 10:00 in New York (EST, UTC-5): the 13:00 slot is next.
        let now = utc("2026-11-02T15:00:00Z");
        let first = next_free_slot(&slots, &ny, now, &[]).unwrap();
        assert_eq!(first, utc("2026-11-02T18:00:00Z"));
        let second = next_free_slot(&slots, &ny, now, &[first]).unwrap();
        assert_eq!(second, utc("2026-11-04T14:00:00Z"), "Wednesday 09:00 EST");
        // Across the change on 1 November: the Monday before (26 October, EDT) 09:00 is 13:00 UTC.
        let before = next_free_slot(&slots, &ny, utc("2026-10-26T12:00:00Z"), &[]).unwrap();
        assert_eq!(before, utc("2026-10-26T13:00:00Z"));
        assert_eq!(next_free_slot(&[], &ny, now, &[]), None);
    }

    #[test]
    fn a_slot_the_clocks_skip_moves_to_the_end_of_the_gap() {
        let ny = zone("America/New_York");
        // Sunday 8 March 2026: 02:00 → 03:00 in New York.
        let slots = [slot(Weekday::Sun, "02:30")];
        let at = next_free_slot(&slots, &ny, utc("2026-03-07T12:00:00Z"), &[]).unwrap();
        assert_eq!(at, utc("2026-03-08T07:00:00Z"), "03:00 EDT");
    }

    #[test]
    fn a_publication_moves_only_as_allowed() {
        let now = utc("2026-11-22T10:00:00Z");
        let at = now + Duration::hours(1);
        let scheduled = Publication::Scheduled { at: now }.schedule(at, now).unwrap();
        assert!(scheduled.start(now).is_err(), "not due yet");
        let publishing = scheduled.start(at).unwrap();
        assert_eq!(publishing, Publication::Publishing { at, attempt: 1, since: at });
        assert!(publishing.schedule(at + Duration::hours(1), now).unwrap_err().0.contains("being published right now"));
        let again = publishing.retry(at + Duration::minutes(1)).unwrap();
        assert!(matches!(again, Publication::Publishing { attempt: 2, .. }));
        let out = again.succeed("at://did/app.bsky.feed.post/1".into(), "https://bsky.app/x".into(), at).unwrap();
        assert!(!out.is_editable());
        assert!(out.schedule(at + Duration::hours(2), now).unwrap_err().0.contains("already published"));
        assert!(out.fail("late".into(), at).is_err());

        let unknown = scheduled.start(at).unwrap().needs_attention("the network did not answer".into(), at).unwrap();
        assert!(unknown.retry(at).is_err(), "an unknown outcome is never retried on its own");
        assert!(matches!(unknown.succeed("1".into(), "u".into(), at), Ok(Publication::Published { .. })));
        assert!(scheduled.start(at).unwrap().fail("rejected".into(), at).unwrap().is_editable());
    }

    #[test]
    fn a_pause_holds_scheduled_posts_and_resuming_offers_three_ways() {
        let now = utc("2026-11-22T10:00:00Z");
        let due_during = Publication::Scheduled { at: now + Duration::hours(1) }.pause("crisis").unwrap();
        let later = Publication::Scheduled { at: now + Duration::days(3) }.pause("crisis").unwrap();
        assert!(Publication::Publishing { at: now, attempt: 1, since: now }.pause("crisis").is_none());
        let after = now + Duration::hours(5);
        assert_eq!(due_during.resume(Resume::PublishLate, None, after).unwrap(), Publication::Scheduled { at: after });
        assert_eq!(due_during.resume(Resume::KeepPaused, None, after).unwrap(), due_during);
        assert!(due_during.resume(Resume::Reschedule, None, after).is_err(), "needs a time");
        let moved = due_during.resume(Resume::Reschedule, Some(after + Duration::days(1)), after).unwrap();
        assert_eq!(moved, Publication::Scheduled { at: after + Duration::days(1) });
        assert_eq!(
            later.resume(Resume::PublishLate, None, after).unwrap(),
            Publication::Scheduled { at: now + Duration::days(3) },
            "what is not due yet keeps its time"
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        const ZONES: [&str; 5] = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"];

        proptest! {
            #[test]
            fn a_local_time_read_off_an_instant_resolves_to_it_or_its_earlier_twin(
                seconds in 1_700_000_000i64..1_900_000_000,
                z in 0..ZONES.len(),
            ) {
                let zone = zone(ZONES[z]);
                let instant = DateTime::from_timestamp(seconds - seconds % 60, 0).unwrap();
                let wall = instant.with_timezone(&zone.tz()).naive_local();
                let resolved = LocalTime { at: wall }.resolve("t", &zone).unwrap();
                prop_assert!(resolved.at <= instant);
                prop_assert!(instant - resolved.at <= Duration::hours(1));
                if resolved.at != instant {
                    prop_assert!(resolved.note.is_some(), "taking the earlier twin is said");
                }
            }

            #[test]
            fn the_queue_never_gives_a_taken_a_past_or_a_wrong_day_slot(
                seconds in 1_700_000_000i64..1_900_000_000,
                z in 0..ZONES.len(),
                picks in proptest::collection::vec((0u32..7, 0u32..24, 0u32..4), 1..6),
                taken_count in 0usize..6,
            ) {
                let zone = zone(ZONES[z]);
                let after = DateTime::from_timestamp(seconds, 0).unwrap();
                let slots: Vec<Slot> = picks
                    .iter()
                    .map(|(d, h, q)| Slot {
                        weekday: Weekday::try_from(u8::try_from(*d).unwrap()).unwrap(),
                        time: NaiveTime::from_hms_opt(*h, q * 15, 0).unwrap(),
                    })
                    .collect();
                let mut taken = Vec::new();
                for _ in 0..taken_count {
                    let Some(at) = next_free_slot(&slots, &zone, after, &taken) else { break };
                    taken.push(at);
                }
                let next = next_free_slot(&slots, &zone, after, &taken).unwrap();
                prop_assert!(next >= after + MIN_LEAD);
                prop_assert!(!taken.contains(&next));
                let local = next.with_timezone(&zone.tz());
                prop_assert!(slots.iter().any(|s| s.weekday == local.weekday()));
            }
        }
    }
}
