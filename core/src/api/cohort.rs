//! The cohort operations as requests: cohort tables (computed, refreshed into the store, or read back
//! from it), a retention matrix of signup cohorts, and the lifecycle of each period of a range.

use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::calendar::{DateRange, Granularity};
use crate::cohort::{CohortRefresh, CohortTable, Lifecycle, RetentionMatrix, StoredCohorts};
use crate::model::CountryFilter;
use crate::{Engine, Result};

/// The days N of a retention matrix when none are given: METRICS.md's cohort days.
pub const DEFAULT_RETENTION_DAYS: [u32; 7] = [1, 3, 7, 14, 30, 60, 90];

/// Signup cohorts × day N (`retentionMatrix`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetentionMatrixRequest {
    /// First signup day.
    pub from: Day,
    /// Last signup day, inclusive.
    pub to: Day,
    /// Activity is counted up to this day (default: `to`).
    #[serde(default)]
    pub as_of: Option<Day>,
    /// Cohort period: `day`, `week` (default) or `month`.
    #[serde(default = "week")]
    pub granularity: Granularity,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code, selecting users by `users.country`.
    #[serde(default)]
    pub country: CountryFilter,
    /// The days N (default 1, 3, 7, 14, 30, 60, 90; at most 400 values, each at most 3660).
    #[serde(default)]
    pub days: Option<Vec<u32>>,
}

fn week() -> Granularity {
    Granularity::Week
}

impl RetentionMatrixRequest {
    /// The signup days, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    /// The matrix.
    pub fn run(&self, engine: &Engine) -> Result<RetentionMatrix> {
        let signups = self.range()?;
        let as_of = self.as_of.map_or(self.to.0, |d| d.0);
        let days = self.days.as_deref().unwrap_or(&DEFAULT_RETENTION_DAYS);
        engine.retention_matrix(signups, as_of, self.granularity, self.country, days)
    }
}

/// New, returning, resurrecting and dormant users per period (`lifecycle`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleRequest {
    /// First local day.
    pub from: Day,
    /// Last local day, inclusive.
    pub to: Day,
    /// `day` (default), `week` or `month`.
    #[serde(default)]
    pub granularity: Granularity,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code, selecting users by `users.country`.
    #[serde(default)]
    pub country: CountryFilter,
}

impl LifecycleRequest {
    /// The range, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    /// The lifecycle.
    pub fn run(&self, engine: &Engine) -> Result<Lifecycle> {
        engine.lifecycle(self.range()?, self.granularity, self.country)
    }
}

/// Signup cohorts with retention, revenue and engagement (`cohorts`); with `refresh: true` the
/// request's cohorts are also written to the store (`refreshCohorts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CohortTableRequest {
    /// First signup day.
    pub from: Day,
    /// Last signup day, inclusive.
    pub to: Day,
    /// Activity and money are counted up to this day (default: the last stored day by the engine's
    /// clock, or `to` if later).
    #[serde(default)]
    pub as_of: Option<Day>,
    /// Cohort period: `day`, `week` (default) or `month`.
    #[serde(default = "week")]
    pub granularity: Granularity,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code, selecting users by `users.country`.
    #[serde(default)]
    pub country: CountryFilter,
}

impl CohortTableRequest {
    /// The signup days, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    fn as_of(&self, engine: &Engine, signups: DateRange) -> chrono::NaiveDate {
        self.as_of
            .map_or_else(|| engine.default_cohort_as_of(signups), |d| d.0)
    }

    /// The table.
    pub fn run(&self, engine: &Engine) -> Result<CohortTable> {
        let signups = self.range()?;
        let as_of = self.as_of(engine, signups);
        engine.cohort_table(signups, as_of, self.granularity, self.country)
    }

    /// Writes the cohorts of the request's periods that are not final yet to `analyticscohorts`.
    pub fn refresh(&self, engine: &Engine) -> Result<CohortRefresh> {
        let signups = self.range()?;
        let as_of = self.as_of(engine, signups);
        engine.refresh_cohorts(signups, as_of, self.granularity, self.country)
    }
}

/// Stored cohorts (`storedCohorts`): the `analyticscohorts` documents of a signup range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoredCohortsRequest {
    /// First `cohortDate`.
    pub from: Day,
    /// Last `cohortDate`, inclusive.
    pub to: Day,
    /// Cohort period: `day`, `week` (default) or `month`.
    #[serde(default = "week")]
    pub granularity: Granularity,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    #[serde(default)]
    pub country: CountryFilter,
}

impl StoredCohortsRequest {
    /// The stored cohorts.
    pub fn run(&self, engine: &Engine) -> Result<StoredCohorts> {
        let range = DateRange::new(self.from.0, self.to.0)?;
        engine.stored_cohorts(range, self.granularity, self.country)
    }
}
