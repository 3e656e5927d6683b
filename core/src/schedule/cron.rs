//! Cron expressions in a time zone: when a job runs next, in real instants.
//!
//! The old scheduler read UTC cron strings as Sydney time and fired 14 hours off. Here an expression is
//! always read in one named zone (the engine's reporting zone), and every answer is an absolute
//! instant. Parsing and matching are `croner`'s, which follows the Open Cron Pattern Specification
//! across daylight-saving changes, the rules `docs/schedule.md` states:
//!
//! - a fixed-time job (`30 2 * * *`) whose wall time falls in a spring-forward gap runs once, at the
//!   first valid instant after the gap (03:00 local on Sydney's first Sunday of October);
//! - a fixed-time job whose wall time occurs twice on a fall-back day runs once, at the first
//!   occurrence (the daylight-time one);
//! - an interval job (`*/15 * * * *`) runs at every matching wall time that exists, so it keeps its
//!   real-time rhythm through both changes (both passes of a repeated hour).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

use crate::{Error, Result};

/// The longest cron expression accepted (a real one is under 100 characters).
pub const MAX_CRON_LEN: usize = 200;

/// A parsed five-field cron expression (`minute hour day-of-month month day-of-week`), with its text.
#[derive(Clone)]
pub struct CronSchedule {
    text: String,
    cron: Cron,
}

impl std::fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CronSchedule").field(&self.text).finish()
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl CronSchedule {
    /// Parses `text` (five fields; names such as `MON` and `JAN`, and `@daily`-style nicknames are
    /// accepted). `name` is the argument quoted in the error (`cron`, `SCHEDULE_ROLLUP_CRON`, …).
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        let text = text.trim();
        if text.len() > MAX_CRON_LEN {
            return Err(Error::invalid_argument(
                name.to_owned(),
                format!(
                    "a cron expression of {} characters is too long (at most {MAX_CRON_LEN})",
                    text.len()
                ),
            ));
        }
        // Seconds and years are refused: with them `0 3 * * * *` would silently mean "every hour at
        // minute 3, second 0", the kind of misreading the old scheduler suffered from.
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(text).map_err(|e| {
            Error::invalid_argument(
                name.to_owned(),
                format!(
                    "`{}` is not a five-field cron expression (minute hour day-of-month month \
                     day-of-week, e.g. `0 3 * * *`): {e}",
                    crate::model::shown(text)
                ),
            )
        })?;
        Ok(CronSchedule {
            text: text.to_owned(),
            cron,
        })
    }

    /// The expression as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first run strictly after `after`, read in `tz`; `None` when the expression has no run
    /// before year 5000 (`0 0 30 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
            // A search never goes back in real time; guard anyway, so a caller's loop always advances.
            .filter(|t| *t > after)
    }

    /// The last run at or before `at` (found by searching backwards, then confirmed forwards so that it
    /// is exactly an instant [`CronSchedule::next_after`] gives, DST rules included).
    pub fn latest_at_or_before(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = at.with_timezone(&tz);
        let back = self
            .cron
            .find_previous_occurrence(&local, true)
            .ok()?
            .with_timezone(&Utc);
        // Walk forward from just before the candidate: the forward rules decide what a run is.
        let mut t = back.checked_sub_signed(Duration::seconds(1))?;
        let mut last = None;
        for _ in 0..4 {
            match self.next_after(t, tz) {
                Some(n) if n <= at => {
                    last = Some(n);
                    t = n;
                }
                _ => break,
            }
        }
        last
    }

    /// Up to `count` runs strictly after `after`, in order.
    pub fn runs_after(&self, after: DateTime<Utc>, tz: Tz, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(count.min(1024));
        let mut t = after;
        while out.len() < count {
            match self.next_after(t, tz) {
                Some(n) => {
                    out.push(n);
                    t = n;
                }
                None => break,
            }
        }
        out
    }
}

impl FromStr for CronSchedule {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        CronSchedule::parse("cron", s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const SYD: Tz = chrono_tz::Australia::Sydney;

    #[test]
    fn spring_forward_gap_runs_once_after_the_gap() {
        // 2026-10-04: Sydney goes from 02:00 AEST to 03:00 AEDT; 02:30 does not exist.
        let c = CronSchedule::parse("cron", "30 2 * * *").unwrap();
        let runs = c.runs_after(utc("2026-10-02T12:00:00Z"), SYD, 3);
        let local: Vec<String> = runs
            .iter()
            .map(|t| t.with_timezone(&SYD).to_rfc3339())
            .collect();
        assert_eq!(
            local,
            [
                "2026-10-03T02:30:00+10:00",
                "2026-10-04T03:00:00+11:00",
                "2026-10-05T02:30:00+11:00"
            ]
        );
    }

    #[test]
    fn fall_back_runs_once_at_the_first_occurrence() {
        // 2026-04-05: 03:00 AEDT becomes 02:00 AEST; 02:30 happens twice.
        let c = CronSchedule::parse("cron", "30 2 * * *").unwrap();
        let runs = c.runs_after(utc("2026-04-03T12:00:00Z"), SYD, 3);
        let local: Vec<String> = runs
            .iter()
            .map(|t| t.with_timezone(&SYD).to_rfc3339())
            .collect();
        assert_eq!(
            local,
            [
                "2026-04-04T02:30:00+11:00",
                "2026-04-05T02:30:00+11:00",
                "2026-04-06T02:30:00+10:00"
            ]
        );
        let latest = c.latest_at_or_before(utc("2026-04-05T12:00:00Z"), SYD);
        assert_eq!(latest, Some(utc("2026-04-04T15:30:00Z")));
    }

    #[test]
    fn malformed_expressions_are_refused_with_their_text() {
        for bad in ["", "0 3 * *", "0 3 * * * *", "61 3 * * *", "x"] {
            let e = CronSchedule::parse("cron", bad).unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT", "{bad}: {e}");
        }
        assert!(CronSchedule::parse("cron", &"1 ".repeat(200)).is_err());
        // No run before year 5000: no next run, no endless search.
        let never = CronSchedule::parse("cron", "0 0 30 2 *").unwrap();
        assert_eq!(never.next_after(utc("2026-01-01T00:00:00Z"), SYD), None);
    }
}
