//! Rolling up days: which days may be stored (over, plus a settle delay, by the engine's clock), which
//! ranges a request may span, backfills (cancellable, resumable, one computation per day however many
//! requests need it), and the facts a report reads (published rollups, missing days computed live).
//!
//! Computation happens outside any lock; only the claim of a day (`in_flight`) is shared between
//! threads, and publication is the store's generation flip (`kpi::persist`), so a report never waits for
//! a backfill and never sees half a day.

use std::collections::HashSet;
use std::ops::ControlFlow;

use chrono::{Duration, NaiveDate};

use super::{BackfillProgress, BackfillSummary, Engine, Progress};
use crate::calendar::{add_days, DateRange};
use crate::kpi::partials::{Accumulator, Pass};
use crate::kpi::persist::{markers, publish_day, read_rollups};
use crate::kpi::rollup::{into_rollups, read_all, settle, FactsByDay};
use crate::kpi::{CountryFilter, DailyRollup, UserDirectory};
use crate::{Error, Result};

/// The earliest day the engine reports on (DATA.md: dates before 2000-01-01 are invalid).
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Releases a claimed day when dropped (also when the computation fails or panics).
pub(super) struct Claim<'a> {
    engine: &'a Engine,
    date: NaiveDate,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut set = self
            .engine
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        set.remove(&self.date);
        self.engine.landed.notify_all();
    }
}

impl Engine {
    /// The local day that contains the clock's current instant.
    pub fn today(&self) -> NaiveDate {
        self.config.calendar.day_of(self.config.clock.now())
    }

    /// Whether a day may be stored: it is over, and the settle delay after its end has passed (so that
    /// documents arriving a little late are in it). A day before 2000-01-01 never is: no document of it
    /// is valid, so such a day (a report's previous period, at most) is computed live, empty.
    pub fn is_settled(&self, date: NaiveDate) -> bool {
        if date < FIRST_DAY {
            return false;
        }
        let settle = Duration::minutes(i64::from(self.config.settle_minutes));
        let end = self.config.calendar.day_range(date).end;
        end.checked_add_signed(settle)
            .is_some_and(|t| t <= self.config.clock.now())
    }

    /// The last day that may be stored now.
    pub fn last_settled_day(&self) -> NaiveDate {
        let today = self.today();
        (1..=3)
            .map(|back| add_days(today, -back))
            .find(|d| self.is_settled(*d))
            .unwrap_or_else(|| add_days(today, -3))
    }

    /// Checks that a request's range lies within 2000-01-01 … today + 1 and spans at most the
    /// configured number of days (`maxRangeDays`).
    pub fn check_range(&self, range: DateRange) -> Result<()> {
        let last = add_days(self.today(), 1);
        if range.from < FIRST_DAY || range.to > last {
            return Err(Error::invalid_argument(
                "date range",
                format!(
                    "{} … {} is outside {FIRST_DAY} … {last} (today + 1 day in {})",
                    range.from,
                    range.to,
                    self.config.calendar.tz().name()
                ),
            ));
        }
        let max = i64::from(self.config.max_range_days);
        if range.days() > max {
            return Err(Error::invalid_argument(
                "date range",
                format!(
                    "{} … {} spans {} days; at most {max} are allowed (`maxRangeDays`)",
                    range.from,
                    range.to,
                    range.days()
                ),
            ));
        }
        Ok(())
    }

    /// Claims `date` for this thread, waiting while another thread of this engine computes it.
    pub(super) fn claim(&self, date: NaiveDate) -> Claim<'_> {
        let mut set = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        while set.contains(&date) {
            set = self.landed.wait(set).unwrap_or_else(|e| e.into_inner());
        }
        set.insert(date);
        Claim { engine: self, date }
    }

    /// Computes the rollups of one day (`ALL` and every country seen) and publishes them, replacing
    /// whatever the store had for that day (readers see the old day until the new one is whole).
    /// Returns them, `ALL` first. A day that is not settled yet is refused: it would be frozen early.
    pub fn rollup_day(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        self.check_range(DateRange::day(date))?;
        if !self.is_settled(date) {
            return Err(self.unsettled(date));
        }
        let _claim = self.claim(date);
        self.compute_and_publish(date)
    }

    fn unsettled(&self, date: NaiveDate) -> Error {
        Error::invalid_argument(
            "date",
            format!(
                "{date} is not over yet in {} (plus the settle delay of {} minutes): its rollup would \
                 miss what still arrives; reports compute such days live",
                self.config.calendar.tz().name(),
                self.config.settle_minutes
            ),
        )
    }

    fn compute_and_publish(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        let dir = self.directory()?;
        let pass = self.pass(&dir, date);
        let parts = read_all(pass, self.store.read_concurrency())?;
        self.publish_read(pass, parts)
    }

    /// The pass that rolls up `date`.
    pub(super) fn pass<'a>(&'a self, dir: &'a UserDirectory, date: NaiveDate) -> Pass<'a> {
        Pass {
            store: self.store.as_ref(),
            numbering: &self.numbering,
            dir,
            cal: &self.config.calendar,
            days: DateRange::day(date),
        }
    }

    /// Numbers, merges and publishes the reads of one day's pass; returns its rollups, `ALL` first.
    pub(super) fn publish_read<'a>(
        &'a self,
        pass: Pass<'a>,
        parts: Vec<Accumulator<'a>>,
    ) -> Result<Vec<DailyRollup>> {
        let date = pass.days.from;
        let facts = settle(pass, parts)?;
        let now = self.config.clock.now();
        let mut rollups = into_rollups(facts, &self.config.app_id, &self.config.calendar, now);
        rollups.sort_by_key(|r| (r.country != CountryFilter::All, r.country));
        publish_day(
            self.store.as_ref(),
            &self.config.app_id,
            date,
            &rollups,
            self.config.calendar.tz().name(),
            now,
        )?;
        Ok(rollups)
    }

    /// The days of `range` whose published rollups are current (same time zone and layout).
    pub(super) fn rolled_up_days(&self, range: DateRange) -> Result<Vec<NaiveDate>> {
        let tz = self.config.calendar.tz().name();
        Ok(markers(
            self.store.as_ref(),
            &self.config.app_id,
            range.from,
            range.to,
        )?
        .into_values()
        .filter(|m| m.is_current(tz))
        .map(|m| m.date)
        .collect())
    }

    /// Rolls up every day of `range`, skipping days that already have a current rollup unless `force`.
    /// Resumable: an interrupted backfill run again picks up where it stopped. Days that are not settled
    /// yet are never stored. The user directory is re-read first, so new users' countries are used.
    /// `progress` is called after each day; answering [`ControlFlow::Break`] stops the backfill there
    /// (the summary then says `cancelled`), leaving only whole days stored.
    pub fn backfill(
        &self,
        range: DateRange,
        force: bool,
        progress: Progress<'_>,
    ) -> Result<BackfillSummary> {
        self.check_range(range)?;
        self.refresh()?;
        self.backfill_days(range, force, progress)
    }

    /// Re-rolls the last `days` settled days (for documents that arrived late), with a fresh user
    /// directory. `days` is at most `maxRangeDays`.
    pub fn backfill_recent(&self, days: u32, progress: Progress<'_>) -> Result<BackfillSummary> {
        if days == 0 || days > self.config.max_range_days {
            return Err(Error::invalid_argument(
                "days",
                format!(
                    "{days} is not a number of days between 1 and {} (`maxRangeDays`)",
                    self.config.max_range_days
                ),
            ));
        }
        let to = self.last_settled_day();
        let range = DateRange::new(add_days(to, 1 - i64::from(days)), to)?;
        self.backfill(range, true, progress)
    }

    pub(super) fn backfill_days(
        &self,
        range: DateRange,
        force: bool,
        progress: Progress<'_>,
    ) -> Result<BackfillSummary> {
        let done: HashSet<NaiveDate> = if force {
            Default::default()
        } else {
            self.rolled_up_days(range)?.into_iter().collect()
        };
        let mut summary = BackfillSummary {
            days: range.days() as u64,
            computed: 0,
            skipped: 0,
            rollups_written: 0,
            cancelled: false,
        };
        let workers = self.config.backfill_concurrency.max(1) as usize;
        if self.store.reads_in_process() && summary.days > 1 {
            let days: Vec<NaiveDate> = range.iter().collect();
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let workers = workers
                .max(cores)
                .min(crate::config::BACKFILL_CONCURRENCY_LIMIT as usize);
            self.backfill_in_process(&days, force, &done, workers, progress, &mut summary)?;
            return Ok(summary);
        }
        if workers > 1 && summary.days > 1 {
            let days: Vec<NaiveDate> = range.iter().collect();
            self.backfill_parallel(&days, force, &done, workers, progress, &mut summary)?;
            return Ok(summary);
        }
        for (i, date) in range.iter().enumerate() {
            let written = self.roll_one(date, force, &done)?;
            summary.count(written);
            let report = BackfillProgress {
                done: i as u64 + 1,
                total: summary.days,
                date,
                skipped: written.is_none(),
            };
            if progress(report).is_break() {
                summary.cancelled = i as u64 + 1 < summary.days;
                break;
            }
        }
        Ok(summary)
    }

    /// Rolls up one day of a backfill unless it is done or not settled: the documents written, or `None`
    /// when skipped.
    fn roll_one(
        &self,
        date: NaiveDate,
        force: bool,
        done: &HashSet<NaiveDate>,
    ) -> Result<Option<u64>> {
        if done.contains(&date) || !self.is_settled(date) {
            return Ok(None);
        }
        let _claim = self.claim(date);
        // Another request of this engine (or another process) may have rolled the day up since `done`
        // was read.
        if !force && !self.rolled_up_days(DateRange::day(date))?.is_empty() {
            return Ok(None);
        }
        Ok(Some(self.compute_and_publish(date)?.len() as u64))
    }

    /// Rolls up `days` on `workers` threads (`backfillConcurrency`). Each day is computed and
    /// published whole by one worker; progress is still reported on the calling thread, in date order.
    /// A stop (a `Break` from `progress`, or an error) lets the days already started finish (whole) and
    /// starts no other.
    fn backfill_parallel(
        &self,
        days: &[NaiveDate],
        force: bool,
        done: &HashSet<NaiveDate>,
        workers: usize,
        progress: Progress<'_>,
        summary: &mut BackfillSummary,
    ) -> Result<()> {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Option<u64>>)>();
        let mut failure = None;
        std::thread::scope(|scope| {
            for _ in 0..workers.min(days.len()) {
                let tx = tx.clone();
                let (next, stop) = (&next, &stop);
                scope.spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        let i = next.fetch_add(1, Ordering::AcqRel);
                        let Some(&date) = days.get(i) else { break };
                        // A panic in a worker is caught here, so it is an error, not a poisoned scope.
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.roll_one(date, force, done)
                        }))
                        .unwrap_or_else(|p| Err(Error::from_panic(&*p)));
                        if tx.send((i, result)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut pending = std::collections::BTreeMap::new();
            let mut reported = 0usize;
            let mut reporting = true;
            for (i, result) in rx {
                pending.insert(i, result);
                while let Some(result) = pending.remove(&reported) {
                    match result {
                        Err(e) => {
                            failure.get_or_insert(e);
                            stop.store(true, Ordering::Release);
                            reporting = false;
                        }
                        Ok(written) => {
                            summary.count(written);
                            if reporting {
                                let report = BackfillProgress {
                                    done: reported as u64 + 1,
                                    total: summary.days,
                                    date: days[reported],
                                    skipped: written.is_none(),
                                };
                                if progress(report).is_break() {
                                    stop.store(true, Ordering::Release);
                                    reporting = false;
                                    summary.cancelled = reported + 1 < days.len();
                                }
                            }
                        }
                    }
                    reported += 1;
                }
            }
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Loads the facts of `days` for `country` and `ALL` from the published rollups, rolling up (and
    /// storing) any settled day that has no whole one, and computing unsettled days live. A day is
    /// never taken as zero for lack of a rollup.
    pub(super) fn facts_from_rollups(
        &self,
        days: DateRange,
        country: CountryFilter,
    ) -> Result<FactsByDay> {
        let read = || {
            read_rollups(
                self.store.as_ref(),
                &self.config.app_id,
                self.config.calendar.tz().name(),
                Some(country),
                days.from,
                days.to,
            )
        };
        let mut rollups = read()?;
        // Settled days without a rollup are rolled up first (several at once, as a backfill does),
        // then read like the others; the common case, every day ready, reads once.
        let ready: HashSet<NaiveDate> = rollups.iter().map(|r| r.date).collect();
        if days
            .iter()
            .any(|d| !ready.contains(&d) && self.is_settled(d))
        {
            self.backfill_days(days, false, &mut |_| ControlFlow::Continue(()))?;
            rollups = read()?;
        }
        let mut out = FactsByDay::new();
        for r in rollups {
            out.insert((r.date, r.country), r.facts);
        }
        let missing: Vec<NaiveDate> = days
            .iter()
            .filter(|d| !out.contains_key(&(*d, CountryFilter::All)))
            .collect();
        // A settled day without a whole published rollup (evicted from a bounded store, or a
        // generation another process is replacing this instant) is published again; the rest is
        // computed live.
        let mut live = Vec::new();
        for d in missing {
            if !self.is_settled(d) {
                live.push(d);
                continue;
            }
            let _claim = self.claim(d);
            for r in self.compute_and_publish(d)? {
                if r.country == CountryFilter::All || r.country == country {
                    out.insert((r.date, r.country), r.facts);
                }
            }
        }
        if let (Some(&first), Some(&last)) = (live.first(), live.last()) {
            let computed = self.facts_from_raw(DateRange {
                from: first,
                to: last,
            })?;
            out.extend(computed.into_iter().filter(|((d, c), _)| {
                live.contains(d) && (*c == CountryFilter::All || *c == country)
            }));
        }
        Ok(out)
    }

    /// Publishes rollups computed elsewhere as the whole of one settled day, replacing what the store
    /// had for it: rollups synthesized for a capacity test, or restored from a backup. Their sets must
    /// be in this store's numbers (see [`crate::dictionary`]); each must be of `date`, this engine's
    /// app and time zone and the current layout, and one must be `ALL`.
    pub fn publish_rollups(&self, date: NaiveDate, mut rollups: Vec<DailyRollup>) -> Result<()> {
        self.check_range(DateRange::day(date))?;
        if !self.is_settled(date) {
            return Err(self.unsettled(date));
        }
        let tz = self.config.calendar.tz().name();
        for r in &rollups {
            if r.date != date || r.app_id != self.config.app_id || r.timezone != tz {
                return Err(Error::invalid_argument(
                    "rollups",
                    format!(
                        "a rollup of {} / app `{}` / {} cannot be published as {date} of app `{}` in {tz}",
                        r.date, r.app_id, r.timezone, self.config.app_id
                    ),
                ));
            }
            if r.version != crate::kpi::rollup::ROLLUP_VERSION {
                return Err(Error::invalid_argument(
                    "rollups",
                    format!("layout version {} is not the current one", r.version),
                ));
            }
            r.facts
                .check(|| format!("the facts of {date} for {}", r.country))?;
        }
        if !rollups.iter().any(|r| r.country == CountryFilter::All) {
            return Err(Error::invalid_argument(
                "rollups",
                format!("the rollups of {date} have no `ALL` document"),
            ));
        }
        rollups.sort_by_key(|r| (r.country != CountryFilter::All, r.country));
        let _claim = self.claim(date);
        publish_day(
            self.store.as_ref(),
            &self.config.app_id,
            date,
            &rollups,
            tz,
            self.config.clock.now(),
        )
    }

    /// The published rollups of one day (all countries), `ALL` first.
    pub fn rollups_of_day(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        let mut out = read_rollups(
            self.store.as_ref(),
            &self.config.app_id,
            self.config.calendar.tz().name(),
            None,
            date,
            date,
        )?;
        out.sort_by_key(|r| (r.country != CountryFilter::All, r.country));
        Ok(out)
    }
}
