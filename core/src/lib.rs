//! # halobuzz-analytics
//!
//! The embedded business-analytics engine of HaloBuzz. It reads the platform's raw MongoDB collections
//! (the contract is `shared/spec/DATA.md`, applied as `docs/data-contract.md` says), keeps only valid
//! documents, and computes the metrics of `shared/spec/METRICS.md`.
//!
//! - [`Engine`]: every capability over one store and one [`config::Config`].
//! - [`model`]: typed records of every collection and the decoder that validates raw documents.
//! - [`store`]: the [`Store`](store::Store) trait the engine reads through, and the in-memory store.
//! - [`load`]: the mongoexport directory loader.
//! - [`generate`]: the seeded synthetic HaloBuzz-like data generator.
//! - [`quality`]: the data-quality report.
//! - [`dictionary`]: the persisted dense numbers of user and round ids that rollups' bitmaps hold.
//! - [`cohort`]: signup cohorts as bitmaps: retention matrices and lifecycle.
//! - [`funnel`]: built-in signup funnels (stored as `analyticsfunnels`) and custom event funnels.
//! - [`hosts`]: host performance per host and day, and for any range.
//! - [`alert`]: alert rules, alerts with their lifecycle and root cause, notification payloads.
//! - [`anomaly`]: seasonal hybrid ESD and the robust z-score on a series.
//! - [`kpi`]: daily rollups, range KPI reports and time series.
//! - [`calendar`]: days, weeks and months in the reporting time zone.
//! - [`schedule`]: the scheduler of recurring jobs, driven by the host, on the engine's clock.

pub mod alert;
pub mod anomaly;
pub mod api;
pub mod calendar;
pub mod clock;
pub mod cohort;
pub mod config;
pub mod dictionary;
mod engine;
pub mod error;
pub mod forecast;
pub mod funnel;
pub mod generate;
pub mod hosts;
pub mod kpi;
pub mod load;
pub mod model;
pub mod naming;
pub mod privacy;
pub mod quality;
pub mod report;
pub mod schedule;
pub mod store;

pub use engine::{
    BackfillProgress, BackfillSummary, Engine, GeneratedReport, Progress, ReportFilter,
};
pub use error::{Error, ErrorCategory, Result};
pub use model::Collection;
pub use quality::{InvalidReason, QualityReport};

// The README's Rust example is compiled as a doctest so it cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
