//! KPIs: daily rollups, range reports for every section of `shared/spec/METRICS.md`, growth, and time
//! series. How rollups make range queries exact without rescanning events is in `docs/rollups.md`.
//!
//! - [`facts`]: the additive facts (sums and distinct sets) of a country over some days;
//! - [`sets`]: the distinct sets as compressed bitmaps of user (and round) numbers;
//! - [`rollup`]: a day's facts per country ([`DailyRollup`]), read concurrently per collection;
//! - `partials`: what each raw document (or server-side group of documents) contributes;
//! - [`compute`]: range reports from facts ([`KpiReport`]);
//! - [`catalog`]: every numeric metric with its id, unit, kind and accessor ([`Metric`]);
//! - [`timeseries`]: any metric per day, week or month ([`TimeSeries`]).

pub mod catalog;
pub(crate) mod compute;
pub mod directory;
pub mod facts;
pub(crate) mod partials;
pub(crate) mod persist;
pub mod report;
pub mod rollup;
pub mod sets;
pub mod timeseries;

pub use crate::model::CountryFilter;
pub use catalog::{catalog, Metric, MetricId, MetricInfo, MetricKind, Section, Unit};
pub use compute::days_needed as report_days;
pub use directory::UserDirectory;
pub use report::*;
pub use rollup::DailyRollup;
pub use timeseries::{metric_paths, TimePoint, TimeSeries};
