//! Host performance as a request (`hostPerformance`; CLI `hosts`): per host over a range of local days,
//! sorted, filtered and limited. See [`crate::hosts`] and `docs/hosts.md`.

use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::calendar::DateRange;
use crate::hosts::{HostPerformanceReport, HostQuery, HostSort, SortOrder};
use crate::model::CountryFilter;
use crate::{Engine, Result};

/// Rows returned when no `limit` is given.
pub const DEFAULT_HOST_LIMIT: usize = 100;

/// Host performance of a range (`hostPerformance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostPerformanceRequest {
    /// First local day.
    pub from: Day,
    /// Last local day, inclusive.
    pub to: Day,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code, selecting streams by their country.
    #[serde(default)]
    pub country: CountryFilter,
    /// `revenue` (default), `viewers`, `engagement`, `streams`, `duration`, `uniqueGifters`,
    /// `peakViewers` or `growth`.
    #[serde(default)]
    pub sort_by: HostSort,
    /// `desc` (default) or `asc`.
    #[serde(default)]
    pub order: SortOrder,
    /// At most this many hosts (default 100, at most 10,000).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Only these hosts, by the ids reports show (pseudonyms, or raw ids with `revealUserIds`); at
    /// most 1,000.
    #[serde(default)]
    pub hosts: Option<Vec<String>>,
    /// Also list each host's days with a stream or a gifter (`days`), for a range of at most 400
    /// days (default false).
    #[serde(default)]
    pub daily: bool,
}

impl HostPerformanceRequest {
    /// The range, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    /// The query this request asks the engine.
    pub fn query(&self) -> Result<HostQuery<'_>> {
        Ok(HostQuery {
            range: self.range()?,
            country: self.country,
            sort: self.sort_by,
            order: self.order,
            limit: self.limit.unwrap_or(DEFAULT_HOST_LIMIT),
            hosts: self.hosts.as_deref(),
            daily: self.daily,
        })
    }

    /// The report.
    pub fn run(&self, engine: &Engine) -> Result<HostPerformanceReport> {
        engine.host_performance(&self.query()?)
    }
}
