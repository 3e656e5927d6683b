//! Cohort rows persisted as `analyticscohorts` documents, one per `(appId, granularity, cohortDate,
//! country)`: what a dashboard or the monthly cohort job reads without recomputing. A cohort is
//! recomputed while it matures (until every member's day 90 is on or before the as-of date of its
//! last computation); a mature cohort's document is final and left as it is (`docs/cohorts.md`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::table::CohortTableRow;
use crate::calendar::Granularity;
use crate::store::{AnalyticsDoc, DocKey, DocSpec};

/// The layout version of [`CohortDoc`]; a document of another version is recomputed.
pub const COHORT_DOC_VERSION: u32 = 1;

/// One stored cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortDoc {
    /// Application id.
    pub app_id: String,
    /// `day`, `week` or `month`.
    pub granularity: Granularity,
    /// First day of the signup period.
    pub cohort_date: NaiveDate,
    /// Country selection key (`ALL`, a code, `UNKNOWN`).
    pub country: String,
    /// The reporting time zone the days were cut in.
    pub timezone: String,
    /// The as-of date the row was computed for.
    pub as_of: NaiveDate,
    /// When it was computed (engine clock).
    pub computed_at: DateTime<Utc>,
    /// Layout version ([`COHORT_DOC_VERSION`]).
    pub version: u32,
    /// The cohort.
    pub row: CohortTableRow,
}

/// The key string of a granularity (as requests spell it).
pub(crate) fn granularity_key(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "day",
        Granularity::Week => "week",
        Granularity::Month => "month",
    }
}

impl AnalyticsDoc for CohortDoc {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticscohorts",
        key_fields: &["appId", "granularity", "country", "cohortDate"],
        key_index: "appId_1_granularity_1_country_1_cohortDate_1",
        retired_indexes: &[],
        indexes: &[],
        // Recomputable from the rollups.
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            granularity_key(self.granularity).into(),
            self.country.as_str().into(),
            self.cohort_date.into(),
        ])
    }
}

/// What a refresh of stored cohorts did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortRefresh {
    /// Cohort period.
    pub granularity: Granularity,
    /// Country selection.
    pub country: String,
    /// The as-of date of the rows written.
    pub as_of: NaiveDate,
    /// Cohorts (re)computed and written.
    pub written: u64,
    /// Mature cohorts whose stored document was kept as it was.
    pub kept: u64,
}

/// Stored cohorts of a signup range, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCohorts {
    /// Cohort period.
    pub granularity: Granularity,
    /// Country selection.
    pub country: String,
    /// The documents whose `cohortDate` is in the range.
    pub cohorts: Vec<CohortDoc>,
}
