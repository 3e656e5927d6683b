//! Cohort views over the daily rollups: retention matrices and lifecycle (see [`crate::cohort`]).

use chrono::NaiveDate;

use super::Engine;
use crate::calendar::{DateRange, Granularity};
use crate::cohort::{lifecycle, matrix, CohortWindow, Lifecycle, RetentionMatrix};
use crate::model::CountryFilter;
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
}
