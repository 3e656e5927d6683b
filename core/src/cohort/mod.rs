//! Cohorts of users by signup period, as bitmaps (METRICS.md "Cohorts"): retention matrices, on day N and
//! unbounded ("on or after day N"), and the lifecycle of each period (new, returning, resurrecting,
//! dormant). Everything is computed from the `ALL` daily rollups: a cohort is the union of its days'
//! signup bitmaps intersected with the country selection (by `users.country`), and retention on a
//! member's own day N is an intersection with that day's actives.

pub(crate) mod lifecycle;
pub(crate) mod matrix;
pub(crate) mod stored;
pub(crate) mod table;
#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use roaring::RoaringBitmap;

pub use lifecycle::{Lifecycle, LifecyclePeriod};
pub use matrix::{CohortRow, RetentionCell, RetentionMatrix};
pub use stored::{CohortDoc, CohortRefresh, StoredCohorts, COHORT_DOC_VERSION};
pub use table::{
    CohortEngagement, CohortRetention, CohortRevenue, CohortTable, CohortTableRow,
    EngagementPerMember, RevenueByPeriod, CHURN_DAYS, COHORT_DAYS,
};

use crate::kpi::directory::Selection;
use crate::kpi::rollup::FactsByDay;
use crate::model::CountryFilter;

/// The `ALL` facts of the days a cohort computation reads, with the country selection.
pub(crate) struct CohortWindow<'a> {
    pub by_day: &'a FactsByDay,
    pub selection: Selection<'a>,
}

impl CohortWindow<'_> {
    /// Users active (anywhere) on `d`.
    fn active(&self, d: NaiveDate) -> Option<&RoaringBitmap> {
        self.by_day
            .get(&(d, CountryFilter::All))
            .map(|f| &*f.active)
    }

    /// Selected users who signed up on `d`.
    fn signups(&self, d: NaiveDate) -> RoaringBitmap {
        self.by_day
            .get(&(d, CountryFilter::All))
            .map(|f| self.selection.apply(&f.signups))
            .unwrap_or_default()
    }
}
