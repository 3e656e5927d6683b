//! Funnels (`shared/spec/METRICS.md` "Funnels", decisions in `docs/funnels.md`): the built-in signup →
//! first stream / first gift sent / first money payment funnels per signup day ([`builtin`]), stored as
//! `analyticsfunnels` documents once their window is over, and custom funnels over ordered
//! `analyticsevents` names ([`custom`]), with a conversion window, two order modes and a breakdown by
//! country or platform.
//!
//! Both are computed from raw documents (the daily rollups keep sets of users, not the instants a
//! conversion window needs), reading only the time window they need.

pub mod builtin;
pub mod custom;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Days, Duration, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::{Error, Result};

pub use builtin::{BuiltinFunnels, Conversion, FunnelDoc, FunnelTotals, SignupDayFunnels};
pub use custom::{CustomFunnel, FunnelSeries, FunnelStepResult};

/// The conversion window when none is given, in days.
pub const DEFAULT_WINDOW_DAYS: u32 = 7;
/// The longest conversion window, in days.
pub const MAX_WINDOW_DAYS: u32 = 90;
/// The longest conversion window given in seconds (90 days).
pub const MAX_WINDOW_SECONDS: u64 = 90 * 86_400;
/// The fewest steps of a custom funnel.
pub const MIN_STEPS: usize = 2;
/// The most steps of a custom funnel.
pub const MAX_STEPS: usize = 20;
/// The longest event name a custom funnel step may name, in characters.
pub const MAX_EVENT_NAME_CHARS: usize = 200;

/// How a custom funnel's steps must follow each other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FunnelOrder {
    /// Each step after the previous one; other events may happen in between (METRICS.md's "strict
    /// order"; PostHog's "sequential", Amplitude's "this order").
    #[default]
    Ordered,
    /// Each step the user's very next event after the previous step (PostHog's "strict order",
    /// Amplitude's "exact order").
    Consecutive,
}

/// What a custom funnel may be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FunnelBreakdown {
    /// The country of the entering step-1 event (METRICS.md Conventions: `location.country`, else
    /// `users.country`, else `UNKNOWN`).
    Country,
    /// `properties.platform` of the entering step-1 event, else of the user's latest earlier event
    /// with one in the read window, else `unknown`.
    Platform,
}

/// A conversion window: calendar days in the reporting zone (the same local wall-clock time that many
/// days later, so 23- and 25-hour days count as one day each) or an exact number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversionWindow {
    /// Calendar days, 1 ..= [`MAX_WINDOW_DAYS`].
    Days(u32),
    /// Seconds, 1 ..= [`MAX_WINDOW_SECONDS`].
    Seconds(u64),
}

impl ConversionWindow {
    /// A window of `days` calendar days, checked.
    pub fn days(days: u32) -> Result<Self> {
        if !(1..=MAX_WINDOW_DAYS).contains(&days) {
            return Err(Error::invalid_argument(
                "windowDays",
                format!("{days} is not between 1 and {MAX_WINDOW_DAYS} days"),
            ));
        }
        Ok(ConversionWindow::Days(days))
    }

    /// A window of `seconds`, checked.
    pub fn seconds(seconds: u64) -> Result<Self> {
        if !(1..=MAX_WINDOW_SECONDS).contains(&seconds) {
            return Err(Error::invalid_argument(
                "windowSeconds",
                format!("{seconds} is not between 1 and {MAX_WINDOW_SECONDS} seconds (90 days)"),
            ));
        }
        Ok(ConversionWindow::Seconds(seconds))
    }

    /// The last instant (inclusive) a conversion that started at `start` may happen.
    pub fn deadline(&self, cal: &Calendar, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match *self {
            ConversionWindow::Days(n) => wall_clock_later(cal, start, n),
            ConversionWindow::Seconds(s) => {
                start.checked_add_signed(Duration::seconds(i64::try_from(s).ok()?))
            }
        }
    }

    /// `windowDays`, when the window is in days.
    pub fn in_days(&self) -> Option<u32> {
        match *self {
            ConversionWindow::Days(n) => Some(n),
            ConversionWindow::Seconds(_) => None,
        }
    }

    /// `windowSeconds`, when the window is in seconds.
    pub fn in_seconds(&self) -> Option<u64> {
        match *self {
            ConversionWindow::Days(_) => None,
            ConversionWindow::Seconds(s) => Some(s),
        }
    }
}

/// The instant `days` calendar days after `t` at the same local wall-clock time in the reporting
/// zone. A time the zone repeats (the hour DST ends) is its later occurrence: the clock shows that time
/// until then. A time the zone skips (the hour DST starts) is the end of the gap, the first instant
/// that exists after it.
pub fn wall_clock_later(cal: &Calendar, t: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
    let tz = cal.tz();
    let local: NaiveDateTime = t
        .with_timezone(&tz)
        .naive_local()
        .checked_add_days(Days::new(u64::from(days)))?;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(x) => Some(x.with_timezone(&Utc)),
        LocalResult::Ambiguous(_, later) => Some(later.with_timezone(&Utc)),
        LocalResult::None => {
            // Gaps start and end on whole minutes in every zone: step minute by minute to the end.
            let mut probe = local.with_second(0)?.with_nanosecond(0)?;
            for _ in 0..(24 * 60) {
                probe = probe.checked_add_signed(Duration::minutes(1))?;
                match tz.from_local_datetime(&probe) {
                    LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => {
                        return Some(x.with_timezone(&Utc))
                    }
                    LocalResult::None => {}
                }
            }
            None
        }
    }
}

/// `part / whole` in % (0–100); `None` when `whole` is 0 (METRICS.md: never a made-up 0).
pub(crate) fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The mean of `xs`; `None` when empty.
pub(crate) fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// The median of `xs` (the mean of the two middle values for an even count); `None` when empty.
/// Sorts `xs`.
pub(crate) fn median(xs: &mut [f64]) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => xs.get(n / 2).copied(),
        _ => Some((xs.get(n / 2 - 1)? + xs.get(n / 2)?) / 2.0),
    }
}
