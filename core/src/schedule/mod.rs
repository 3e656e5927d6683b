//! The scheduler (issue 16): the recurring jobs of the earlier issues (daily rollups, forecasts,
//! weekly reports, alert checks, monthly cohorts) and the host's own jobs, on cron expressions read in
//! the reporting time zone, on the engine's clock, driven by the host, with at most one run of each
//! instance across the processes that share a store. The rules (defaults, environment variables,
//! daylight-saving changes, catch-up policies, leases) are in `docs/schedule.md`.
//!
//! - [`cron`]: expressions and their next runs in a zone, DST rules included;
//! - [`job`]: job definitions, catch-up policies, a run's context and output, custom jobs;
//! - [`config`]: the default jobs and the environment variables;
//! - [`due`]: the pure [`due_jobs`] that says what must run;
//! - [`lease`]: claims, renewals, take-overs and the run history (`analyticsschedulerruns`);
//! - [`state`]: each job's cursor and last run (`analyticsschedulerjobs`);
//! - [`execute`]: what each built-in job does;
//! - [`driver`]: the [`Scheduler`]: passes, loops, status and history.

pub mod config;
pub mod cron;
pub mod driver;
pub mod due;
pub mod execute;
pub mod job;
pub mod lease;
pub mod state;

pub use config::ScheduleConfig;
pub use cron::CronSchedule;
pub use driver::{JobStatus, LoopEvent, PassReport, PassRun, ScheduleStatus, Scheduler};
pub use due::{due_jobs, DueRun, JobState, SchedulerState};
pub use job::{CatchUp, CustomJob, JobContext, JobDef, JobKind, JobOutput};
pub use lease::{Claim, RunRecord, RunStatus};

/// The most missed instances a `catch-up: all` job runs in one pass (the next pass goes on): a job
/// every minute down for a year would otherwise queue half a million runs at once.
pub const MAX_CATCH_UP_RUNS: usize = 1000;
/// The most bytes of JSON details a run keeps of its output.
pub const MAX_OUTPUT_BYTES: usize = 16 * 1024;
/// Run records older than this many days are deleted (at most once an hour, by any pass).
pub const HISTORY_RETENTION_DAYS: i64 = 90;
/// The most runs one history request returns.
pub const MAX_HISTORY_LIMIT: usize = 1000;
