//! The engine's clock: the one place the core learns what time it is.
//!
//! "Now" decides which days are over (only finished days are stored as rollups), the upper bound of
//! valid document dates, and later which alerts and scheduled jobs are due. Every such decision reads a
//! [`Clock`] from the configuration, so a test, a backfill replay or a scheduler simulation can set the
//! time instead of depending on the hour the suite happens to run at.

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's wall clock (the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that a test moves by hand ([`SteppingClock::advance`], [`SteppingClock::set`]), and that can
/// also advance by a fixed step each time it is read, to simulate time passing between calls.
#[derive(Debug)]
pub struct SteppingClock {
    state: Mutex<(DateTime<Utc>, Duration)>,
}

impl SteppingClock {
    /// A clock at `start` that moves only when told to.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self::with_step(start, Duration::zero())
    }

    /// A clock at `start` that moves forward by `step` after each reading.
    pub fn with_step(start: DateTime<Utc>, step: Duration) -> Self {
        SteppingClock {
            state: Mutex::new((start, step)),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, (DateTime<Utc>, Duration)> {
        // The state is two plain values: a panic elsewhere cannot leave it half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        let mut s = self.state();
        s.0 = s.0.checked_add_signed(by).unwrap_or(s.0);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        self.state().0 = to;
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let mut s = self.state();
        let now = s.0;
        s.0 = now.checked_add_signed(s.1).unwrap_or(now);
        now
    }
}

/// The clock an engine's configuration holds: shared, cheap to clone, the system clock by default.
#[derive(Clone)]
pub struct ClockHandle(std::sync::Arc<dyn Clock>);

impl ClockHandle {
    /// A handle on `clock`.
    pub fn new(clock: impl Clock + 'static) -> Self {
        ClockHandle(std::sync::Arc::new(clock))
    }

    /// A handle on a clock shared with the caller (who may move it, as a test does).
    pub fn shared(clock: std::sync::Arc<dyn Clock>) -> Self {
        ClockHandle(clock)
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

/// One system clock for every default configuration, so that two defaults compare equal.
static SYSTEM: std::sync::LazyLock<std::sync::Arc<dyn Clock>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(SystemClock));

impl Default for ClockHandle {
    fn default() -> Self {
        ClockHandle(SYSTEM.clone())
    }
}

impl fmt::Debug for ClockHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for ClockHandle {
    /// Two handles are equal when they share one clock.
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepping_clock_moves_only_as_told() {
        let t0 = DateTime::parse_from_rfc3339("2026-04-05T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = SteppingClock::new(t0);
        assert_eq!((c.now(), c.now()), (t0, t0));
        c.advance(Duration::hours(2));
        assert_eq!(c.now(), t0 + Duration::hours(2));
        let s = SteppingClock::with_step(t0, Duration::minutes(15));
        assert_eq!(
            [s.now(), s.now(), s.now()],
            [t0, t0 + Duration::minutes(15), t0 + Duration::minutes(30)]
        );
        assert_eq!(FixedClock(t0).now(), t0);
    }
}
