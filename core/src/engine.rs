//! The [`Engine`]: one store and one configuration, and every capability as a method. Bindings and the
//! CLI call only this.

use std::ops::ControlFlow;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{DateRange, Granularity};
use crate::config::Config;
use crate::kpi::compute::{days_needed, FactsWindow};
use crate::kpi::persist::{read_rollups, replace_day};
use crate::kpi::rollup::{accumulate, into_rollups, FactsByDay};
use crate::kpi::{
    CountryFilter, DailyRollup, KpiReport, Metric, TimePoint, TimeSeries, UserDirectory,
};
use crate::quality::QualityReport;
use crate::store::Store;
use crate::Result;

/// Where a backfill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackfillProgress {
    /// Days finished (computed or skipped).
    pub done: u64,
    /// Days in the range.
    pub total: u64,
    /// The day just finished.
    pub date: NaiveDate,
    /// Whether it was skipped as already rolled up.
    pub skipped: bool,
}

/// What a backfill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackfillSummary {
    /// Days in the range.
    pub days: u64,
    /// Days computed and written.
    pub computed: u64,
    /// Days skipped because a current rollup existed.
    pub skipped: u64,
    /// Rollup documents written (`ALL` plus one per country per computed day).
    pub rollups_written: u64,
    /// Whether the progress callback stopped the backfill before the end of the range (the days
    /// rolled up until then are whole and stay stored; a later backfill resumes after them).
    pub cancelled: bool,
}

/// What a progress callback answers: go on, or stop after the day just reported.
pub type Progress<'a> = &'a mut dyn FnMut(BackfillProgress) -> ControlFlow<()>;

/// The analytics engine over one store.
///
/// ```
/// use std::sync::Arc;
/// use halobuzz_analytics::{calendar::DateRange, config::Config, generate::{generate, GeneratorConfig}};
/// use halobuzz_analytics::{kpi::CountryFilter, store::InMemoryStoreBuilder, Engine};
///
/// let mut builder = InMemoryStoreBuilder::new();
/// let gen = GeneratorConfig { users: 200, days: 20, ..GeneratorConfig::default() };
/// generate(&gen, &mut builder, &mut |_, _| {})?;
/// let engine = Engine::new(Arc::new(builder.build()), Config::default().with_usd_to_npr("133.5")?);
/// let range = DateRange::new(gen.start_date(), gen.end_date())?;
/// let report = engine.kpis(range, CountryFilter::All)?;
/// assert!(report.engagement.active_users > 0);
/// # Ok::<(), halobuzz_analytics::Error>(())
/// ```
pub struct Engine {
    store: Arc<dyn Store>,
    config: Config,
    directory: RwLock<Option<Arc<UserDirectory>>>,
    /// Serialises rollup writes: concurrent requests that need the same missing day compute it once, and
    /// nobody reads a day while this engine is replacing it.
    rollup_writes: RwLock<()>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("timezone", &self.config.calendar.tz().name())
            .field("app_id", &self.config.app_id)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `store` with `config`.
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Engine {
            store,
            config,
            directory: RwLock::new(None),
            rollup_writes: RwLock::new(()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The data-quality report of the store.
    pub fn quality_report(&self) -> Result<QualityReport> {
        self.store.quality_report()
    }

    /// The user directory, read once and cached; [`Engine::refresh`] re-reads it.
    pub fn directory(&self) -> Result<Arc<UserDirectory>> {
        if let Ok(guard) = self.directory.read() {
            if let Some(d) = guard.as_ref() {
                return Ok(d.clone());
            }
        }
        self.refresh()
    }

    /// Re-reads users and first streams (after new data arrived).
    pub fn refresh(&self) -> Result<Arc<UserDirectory>> {
        let dir = Arc::new(UserDirectory::load(self.store.as_ref())?);
        if let Ok(mut guard) = self.directory.write() {
            *guard = Some(dir.clone());
        }
        Ok(dir)
    }

    /// Whether a day is over (in the reporting zone): only finished days are stored as rollups.
    fn is_finished(&self, date: NaiveDate) -> bool {
        self.config.calendar.day_range(date).end <= self.config.clock.now()
    }

    /// Computes the rollups of one day (`ALL` and every country seen) and writes them, replacing whatever
    /// the store had for that day. Returns them, `ALL` first.
    pub fn rollup_day(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        let _writing = self.write_lock();
        self.compute_and_write_day(date)
    }

    /// The rollup write lock; it guards no data, so a panic while holding it leaves nothing to repair.
    fn write_lock(&self) -> RwLockWriteGuard<'_, ()> {
        self.rollup_writes
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Held while reading rollups: a store may replace a day by a delete then inserts (the document
    /// default of `replace_daily_rollups`), so a reader must not run in between.
    fn read_lock(&self) -> RwLockReadGuard<'_, ()> {
        self.rollup_writes.read().unwrap_or_else(|e| e.into_inner())
    }

    fn compute_and_write_day(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        let dir = self.directory()?;
        let facts = accumulate(
            self.store.as_ref(),
            &dir,
            &self.config.calendar,
            DateRange::day(date),
        )?;
        let rollups = into_rollups(
            facts,
            &self.config.app_id,
            &self.config.calendar,
            self.config.clock.now(),
        );
        self.write_day(date, &rollups)?;
        Ok(rollups)
    }

    fn write_day(&self, date: NaiveDate, rollups: &[DailyRollup]) -> Result<()> {
        replace_day(self.store.as_ref(), &self.config.app_id, date, rollups)
    }

    /// The days of `range` that have a current `ALL` rollup (same time zone and layout version).
    fn rolled_up_days(&self, range: DateRange) -> Result<Vec<NaiveDate>> {
        let tz = self.config.calendar.tz().name();
        Ok(read_rollups(
            self.store.as_ref(),
            &self.config.app_id,
            Some(CountryFilter::All),
            range.from,
            range.to,
        )?
        .into_iter()
        .filter(|r| r.is_current(tz))
        .map(|r| r.date)
        .collect())
    }

    /// Rolls up every day of `range`, skipping days that already have a current rollup unless `force`.
    /// Resumable: an interrupted backfill run again picks up where it stopped. Days that are not over
    /// yet are never stored. `progress` is called after each day; answering [`ControlFlow::Break`] stops
    /// the backfill there (the summary then says `cancelled`), leaving only whole days stored.
    pub fn backfill(
        &self,
        range: DateRange,
        force: bool,
        progress: Progress<'_>,
    ) -> Result<BackfillSummary> {
        let done: std::collections::HashSet<NaiveDate> = if force {
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
        for (i, date) in range.iter().enumerate() {
            let mut skipped = done.contains(&date) || !self.is_finished(date);
            if !skipped {
                let _writing = self.write_lock();
                // Another request may have rolled the day up while this one waited for the lock.
                skipped = !force && !self.rolled_up_days(DateRange::day(date))?.is_empty();
                if !skipped {
                    summary.rollups_written += self.compute_and_write_day(date)?.len() as u64;
                    summary.computed += 1;
                }
            }
            if skipped {
                summary.skipped += 1;
            }
            let report = BackfillProgress {
                done: i as u64 + 1,
                total: summary.days,
                date,
                skipped,
            };
            if progress(report).is_break() {
                summary.cancelled = i as u64 + 1 < summary.days;
                break;
            }
        }
        Ok(summary)
    }

    /// Loads the facts of `days` for `country` and `ALL` from the rollups, rolling up (and storing) any
    /// finished day that has none, and computing unfinished days on the fly.
    fn facts_from_rollups(&self, days: DateRange, country: CountryFilter) -> Result<FactsByDay> {
        self.backfill(days, false, &mut |_| ControlFlow::Continue(()))?;
        let _reading = self.read_lock();
        let mut out = FactsByDay::new();
        let mut countries = vec![CountryFilter::All];
        if country != CountryFilter::All {
            countries.push(country);
        }
        for c in countries {
            for r in read_rollups(
                self.store.as_ref(),
                &self.config.app_id,
                Some(c),
                days.from,
                days.to,
            )? {
                out.insert((r.date, c), r.facts);
            }
        }
        let unfinished: Vec<NaiveDate> = days.iter().filter(|d| !self.is_finished(*d)).collect();
        if let (Some(&first), Some(&last)) = (unfinished.first(), unfinished.last()) {
            let live = self.facts_from_raw(DateRange {
                from: first,
                to: last,
            })?;
            out.extend(
                live.into_iter()
                    .filter(|((_, c), _)| *c == CountryFilter::All || *c == country),
            );
        }
        Ok(out)
    }

    /// The stored rollups of one day (all countries), `ALL` first.
    pub fn rollups_of_day(&self, date: NaiveDate) -> Result<Vec<DailyRollup>> {
        let _reading = self.read_lock();
        let mut out = read_rollups(self.store.as_ref(), &self.config.app_id, None, date, date)?;
        out.sort_by_key(|r| (r.country != CountryFilter::All, r.country));
        Ok(out)
    }

    fn facts_from_raw(&self, days: DateRange) -> Result<FactsByDay> {
        let dir = self.directory()?;
        accumulate(self.store.as_ref(), &dir, &self.config.calendar, days)
    }

    fn window<'a>(
        &'a self,
        by_day: &'a FactsByDay,
        dir: &'a UserDirectory,
        ids: &'a crate::privacy::Pseudonymizer,
    ) -> FactsWindow<'a> {
        FactsWindow {
            by_day,
            dir,
            config: &self.config,
            ids,
        }
    }

    /// The KPI report of `range` for `country`, from daily rollups (missing finished days are rolled up
    /// and stored first).
    pub fn kpis(&self, range: DateRange, country: CountryFilter) -> Result<KpiReport> {
        let facts = self.facts_from_rollups(days_needed(range), country)?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer();
        self.window(&facts, &dir, &ids).report(range, country)
    }

    /// The same report computed straight from raw records in one pass, without reading or writing
    /// rollups (for checks and one-off questions).
    pub fn kpis_from_raw(&self, range: DateRange, country: CountryFilter) -> Result<KpiReport> {
        let facts = self.facts_from_raw(days_needed(range))?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer();
        self.window(&facts, &dir, &ids).report(range, country)
    }

    /// A metric of the catalog per day, week or month of `range`, each bucket computed over its own days.
    pub fn time_series(
        &self,
        metric: &Metric,
        range: DateRange,
        granularity: Granularity,
        country: CountryFilter,
    ) -> Result<TimeSeries> {
        let buckets = granularity.buckets(range);
        let needed = buckets
            .iter()
            .map(|b| days_needed(b.range))
            .fold(range, |acc, d| DateRange {
                from: acc.from.min(d.from),
                to: acc.to.max(d.to),
            });
        let facts = self.facts_from_rollups(needed, country)?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer();
        let window = self.window(&facts, &dir, &ids);
        let mut points = Vec::with_capacity(buckets.len());
        for b in buckets {
            let report = window.section(b.range, country, metric.section)?;
            points.push(TimePoint {
                period: b.start,
                from: b.range.from,
                to: b.range.to,
                value: metric.value(&report),
            });
        }
        Ok(TimeSeries {
            metric: metric.id.to_owned(),
            granularity,
            country,
            from: range.from,
            to: range.to,
            points,
        })
    }
}
