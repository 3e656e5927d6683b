//! The [`Engine`]: one store and one configuration, and every capability as a method. Bindings and the
//! CLI call only this.

pub(crate) mod alerts;
mod cohorts;
mod forecasts;
mod funnels;
mod hosts;
mod pipeline;
mod reports;
pub use reports::{GeneratedReport, ReportFilter, MAX_REPORT_LIST};
mod rollups;

use std::collections::HashSet;
use std::ops::ControlFlow;
use std::sync::{Arc, Condvar, Mutex, RwLock};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{DateRange, Granularity};
use crate::config::Config;
use crate::dictionary::Numbering;
use crate::kpi::compute::{days_needed, FactsWindow};
use crate::kpi::rollup::{accumulate, FactsByDay};
use crate::kpi::{CountryFilter, KpiReport, Metric, TimePoint, TimeSeries, UserDirectory};
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

impl BackfillSummary {
    /// Counts one day: rolled up with `written` documents, or skipped (`None`).
    fn count(&mut self, written: Option<u64>) {
        match written {
            Some(n) => {
                self.computed += 1;
                self.rollups_written = self.rollups_written.saturating_add(n);
            }
            None => self.skipped += 1,
        }
    }
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
/// let engine = Engine::new(Arc::new(builder.build()), Config::default().with_ephemeral_pseudonym_key().with_usd_to_npr("133.5")?);
/// let range = DateRange::new(gen.start_date(), gen.end_date())?;
/// let report = engine.kpis(range, CountryFilter::All)?;
/// assert!(report.engagement.active_users > 0);
/// # Ok::<(), halobuzz_analytics::Error>(())
/// ```
pub struct Engine {
    store: Arc<dyn Store>,
    config: Config,
    directory: RwLock<Option<Arc<UserDirectory>>>,
    /// The persisted numbers of user and round ids that rollups' bitmaps hold.
    numbering: Numbering,
    /// The days this engine is rolling up right now: concurrent requests that need the same missing day
    /// compute it once (the others wait for it). Readers never wait: a day is published whole.
    in_flight: Mutex<HashSet<NaiveDate>>,
    /// Signalled when a day leaves `in_flight`.
    landed: Condvar,
    /// One alert check or alert change at a time in this engine: a check reads an alert, decides and
    /// writes it back.
    alerting: Mutex<()>,
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
            numbering: Numbering::default(),
            in_flight: Mutex::new(HashSet::new()),
            landed: Condvar::new(),
            alerting: Mutex::new(()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The dictionaries of user and round numbers.
    pub fn numbering(&self) -> &Numbering {
        &self.numbering
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The store, shared (for another engine over the same data).
    pub fn store_handle(&self) -> Arc<dyn Store> {
        self.store.clone()
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
        let dir = Arc::new(UserDirectory::load(
            self.store.as_ref(),
            &self.numbering,
            &self.config.calendar,
        )?);
        if let Ok(mut guard) = self.directory.write() {
            *guard = Some(dir.clone());
        }
        Ok(dir)
    }

    fn facts_from_raw(&self, days: DateRange) -> Result<FactsByDay> {
        let dir = self.directory()?;
        accumulate(
            self.store.as_ref(),
            &self.numbering,
            &dir,
            &self.config.calendar,
            days,
        )
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
            numbering: &self.numbering,
            store: self.store.as_ref(),
            unions: Default::default(),
        }
    }

    /// The KPI report of `range` for `country`, from daily rollups (missing finished days are rolled up
    /// and stored first).
    pub fn kpis(&self, range: DateRange, country: CountryFilter) -> Result<KpiReport> {
        self.check_range(range)?;
        let facts = self.facts_from_rollups(days_needed(range), country)?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer()?;
        self.window(&facts, &dir, &ids).report(range, country)
    }

    /// The same report computed straight from raw records in one pass, without reading or writing
    /// rollups (for checks and one-off questions).
    pub fn kpis_from_raw(&self, range: DateRange, country: CountryFilter) -> Result<KpiReport> {
        self.check_range(range)?;
        let facts = self.facts_from_raw(days_needed(range))?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer()?;
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
        self.check_range(range)?;
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
        let ids = self.config.pseudonymizer()?;
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
