//! Cohort views over the daily rollups: cohort tables (computed, and stored as `analyticscohorts`),
//! retention matrices and lifecycle (see [`crate::cohort`]).

use chrono::NaiveDate;

use super::Engine;
use crate::calendar::{DateRange, Granularity};
use crate::cohort::stored::granularity_key;
use crate::cohort::{
    lifecycle, matrix, table, CohortDoc, CohortRefresh, CohortTable, CohortWindow, Lifecycle,
    RetentionMatrix, StoredCohorts, COHORT_DOC_VERSION,
};
use crate::model::CountryFilter;
use crate::store::{AnalyticsStore, DocFilter};
use crate::{Error, Result};

/// The most columns a retention matrix may ask for.
pub const MAX_RETENTION_DAYS: usize = 400;
/// The largest day N a retention matrix may ask for.
pub const MAX_RETENTION_DAY: u32 = 3660;

impl Engine {
    /// Signup cohorts of `signups` by `granularity`, for `country` (by `users.country`), with their
    /// retention on each day N of `days` counted up to `as_of`.
    pub fn retention_matrix(
        &self,
        signups: DateRange,
        as_of: NaiveDate,
        granularity: Granularity,
        country: CountryFilter,
        days: &[u32],
    ) -> Result<RetentionMatrix> {
        // The signup range first, as every request checks its range before anything else: a front end
        // may repeat this check before it queues the call (the Node binding does), and must then
        // refuse what this refuses, with the same error.
        self.check_range(signups)?;
        if days.is_empty() || days.len() > MAX_RETENTION_DAYS {
            return Err(Error::invalid_argument(
                "days",
                format!("between 1 and {MAX_RETENTION_DAYS} values of N"),
            ));
        }
        if let Some(n) = days.iter().find(|n| **n > MAX_RETENTION_DAY) {
            return Err(Error::invalid_argument(
                "days",
                format!("{n} is beyond day {MAX_RETENTION_DAY}"),
            ));
        }
        if as_of < signups.from {
            return Err(Error::invalid_argument(
                "asOf",
                format!("{as_of} is before the first signup day {}", signups.from),
            ));
        }
        // What is read: every day from the first signup to the as-of date.
        let window = DateRange::new(signups.from, as_of)?;
        self.check_range(window)?;
        let facts = self.facts_from_rollups(window, CountryFilter::All)?;
        let dir = self.directory()?;
        let w = CohortWindow {
            by_day: &facts,
            selection: dir.selection(country),
        };
        Ok(matrix::matrix(
            &w,
            signups,
            as_of,
            granularity,
            country,
            days,
            true,
        ))
    }

    /// New, returning, resurrecting and dormant users of every `granularity` period overlapping
    /// `range`, for `country` (by `users.country`).
    pub fn lifecycle(
        &self,
        range: DateRange,
        granularity: Granularity,
        country: CountryFilter,
    ) -> Result<Lifecycle> {
        self.check_range(range)?;
        let spans = lifecycle::periods(range, granularity);
        let window = DateRange::new(spans.first().map_or(range.from, |p| p.from), range.to)?;
        let facts = self.facts_from_rollups(window, CountryFilter::All)?;
        let dir = self.directory()?;
        let w = CohortWindow {
            by_day: &facts,
            selection: dir.selection(country),
        };
        Ok(lifecycle::lifecycle(&w, range, granularity, country))
    }

    /// The as-of date of a cohort table when none is given: the last stored day (engine clock), or
    /// the last signup day if that is later.
    pub fn default_cohort_as_of(&self, signups: DateRange) -> NaiveDate {
        self.last_settled_day().max(signups.to)
    }

    /// Signup cohorts of `signups` by `granularity`, for `country` (by `users.country`): size,
    /// retention d1…d90, revenue, engagement, churned members and creators, counted up to `as_of`.
    pub fn cohort_table(
        &self,
        signups: DateRange,
        as_of: NaiveDate,
        granularity: Granularity,
        country: CountryFilter,
    ) -> Result<CohortTable> {
        self.check_range(signups)?;
        if as_of < signups.from {
            return Err(Error::invalid_argument(
                "asOf",
                format!("{as_of} is before the first signup day {}", signups.from),
            ));
        }
        let window = table::window(signups, as_of)?;
        self.check_range(window)?;
        let facts = self.facts_from_rollups(window, CountryFilter::All)?;
        let dir = self.directory()?;
        let w = CohortWindow {
            by_day: &facts,
            selection: dir.selection(country),
        };
        table::table(
            &w,
            signups,
            as_of,
            granularity,
            country,
            self.config.usd_to_npr,
        )
    }

    /// Brings the stored cohorts of the periods overlapping `signups` up to `as_of`: every cohort
    /// without a document, or whose document is not mature (or of another zone or layout), is
    /// recomputed over its whole period and written; a mature document is final and kept.
    pub fn refresh_cohorts(
        &self,
        signups: DateRange,
        as_of: NaiveDate,
        granularity: Granularity,
        country: CountryFilter,
    ) -> Result<CohortRefresh> {
        self.check_range(signups)?;
        // Whole periods: a stored cohort is its period's, never a clipped part of it.
        let whole = DateRange::new(
            granularity.period_start(signups.from),
            granularity
                .period_end(granularity.period_start(signups.to))
                .min(as_of),
        )?;
        let stored = self.stored_cohorts(whole, granularity, country)?;
        let tz = self.config.calendar.tz().name();
        let final_dates: std::collections::BTreeSet<NaiveDate> = stored
            .cohorts
            .iter()
            .filter(|d| d.row.mature && d.timezone == tz && d.version == COHORT_DOC_VERSION)
            .map(|d| d.row.cohort_date)
            .collect();
        let mut out = CohortRefresh {
            granularity,
            country: country.key(),
            as_of,
            written: 0,
            kept: 0,
        };
        let t = self.cohort_table(whole, as_of, granularity, country)?;
        let now = self.config.clock.now();
        let mut docs = Vec::new();
        for row in t.cohorts {
            if final_dates.contains(&row.cohort_date) {
                out.kept += 1;
                continue;
            }
            docs.push(CohortDoc {
                app_id: self.config.app_id.clone(),
                granularity,
                cohort_date: row.cohort_date,
                country: country.key(),
                timezone: tz.to_owned(),
                as_of,
                computed_at: now,
                version: COHORT_DOC_VERSION,
                row,
            });
        }
        out.written = docs.len() as u64;
        self.store.put_docs(&docs)?;
        Ok(out)
    }

    /// The stored cohorts whose `cohortDate` is in `signups`.
    pub fn stored_cohorts(
        &self,
        signups: DateRange,
        granularity: Granularity,
        country: CountryFilter,
    ) -> Result<StoredCohorts> {
        self.check_range(signups)?;
        let filter = DocFilter::all()
            .eq("appId", self.config.app_id.as_str())
            .eq("granularity", granularity_key(granularity))
            .eq("country", country.key())
            .between("cohortDate", signups.from, signups.to);
        let mut cohorts = self.store.find_docs::<CohortDoc>(&filter)?;
        cohorts.sort_by_key(|d| d.cohort_date);
        Ok(StoredCohorts {
            granularity,
            country: country.key(),
            cohorts,
        })
    }
}
