//! KPIs: daily rollups, range reports for every section of `shared/spec/METRICS.md`, growth, and time
//! series. How rollups make range queries exact without rescanning events is in `docs/rollups.md`.
//!
//! - [`facts`]: the additive facts (sums and distinct sets) of a country over some days;
//! - [`rollup`]: what each raw document contributes, per local day and country ([`DailyRollup`]);
//! - [`compute`]: range reports from facts ([`KpiReport`]);
//! - [`timeseries`]: any numeric report field per day, week or month ([`TimeSeries`]).

pub(crate) mod compute;
pub mod directory;
pub mod facts;
pub mod report;
pub mod rollup;
pub mod timeseries;

pub use compute::days_needed as report_days;
pub use directory::UserDirectory;
pub use report::*;
pub use rollup::{CountryFilter, DailyRollup};
pub use timeseries::{TimePoint, TimeSeries};
