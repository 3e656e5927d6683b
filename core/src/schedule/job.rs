//! Job definitions: a name, a cron expression in the reporting zone, what the job does, and what to do
//! about runs missed while no scheduler was up.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::cron::CronSchedule;
use crate::{Engine, Error, Result};

/// The longest job name.
pub const MAX_JOB_NAME_LEN: usize = 64;

/// What to do with runs whose instant passed while no scheduler ran them (downtime, a long job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CatchUp {
    /// Run every missed instance, oldest first (at most [`super::MAX_CATCH_UP_RUNS`] per pass; the
    /// next pass goes on from there): for jobs whose every instance writes something of its own (a
    /// weekly report).
    All,
    /// Run only the most recent missed instance: for jobs whose latest run covers the earlier ones
    /// (a rollup re-rolls recent days, a forecast uses all history).
    Latest,
    /// Run nothing missed; only an instance whose time came within the grace period runs: for jobs
    /// about "now" (an alert check of three days ago would notify stale alerts).
    None,
}

impl CatchUp {
    /// The policy's name as JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CatchUp::All => "all",
            CatchUp::Latest => "latest",
            CatchUp::None => "none",
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum JobKind {
    /// Re-roll the last `recentDays` settled days (`Engine::backfill_recent`), which also rolls up
    /// yesterday for the first time.
    DailyRollup {
        /// Days re-rolled for documents that arrived late.
        recent_days: u32,
    },
    /// Forecast each metric over its history and store the forecasts (`analyticsforecasts`).
    Forecasts {
        /// Catalog metric ids.
        metrics: Vec<String>,
        /// Days ahead.
        horizon_days: u32,
        /// Days of history up to the last settled day.
        history_days: u32,
    },
    /// The weekly report of the week before the run.
    WeeklyReport,
    /// Check every alert rule as of the scheduled instant (`Engine::check_alerts`).
    AlertCheck,
    /// Refresh the stored monthly cohorts of the last `months` signup months (`Engine::refresh_cohorts`).
    MonthlyCohorts {
        /// Signup months refreshed (the current one included).
        months: u32,
    },
    /// A function the host registered under the job's name.
    Custom,
}

/// One job of a scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDef {
    /// Unique name (`[a-z0-9_-]`, 1–64 characters): the key of its state and runs.
    pub name: String,
    /// When it runs, in the engine's reporting time zone.
    pub schedule: CronSchedule,
    /// What it is for, as `status` shows it.
    pub description: String,
    /// Missed runs.
    pub catch_up: CatchUp,
    /// A disabled job is listed by `status` but never runs.
    pub enabled: bool,
    /// What it does.
    pub kind: JobKind,
}

/// Checks a job name: it keys stored documents and is typed on command lines, so it is short and plain.
pub fn check_job_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_JOB_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "job",
            format!(
                "`{}` is not a job name: 1 to {MAX_JOB_NAME_LEN} characters of a-z, 0-9, `_` and `-`",
                crate::model::shown(name)
            ),
        ))
    }
}

/// What a running job is told.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The job's name.
    pub job: String,
    /// The instant this run is for (a cron instant, not when it started).
    pub scheduled_at: DateTime<Utc>,
    /// When it started, by the engine's clock.
    pub started_at: DateTime<Utc>,
    /// Whether this instance is a catch-up of a run missed earlier.
    pub catch_up: bool,
    /// Which attempt of this instance this is (0 unless an earlier holder's lease expired).
    pub attempt: u32,
    pub(super) cancel: Arc<AtomicBool>,
}

impl JobContext {
    /// Whether the run should stop: the scheduler is stopping, or the lease was lost to another
    /// process (which is running the instance now). A long job checks this between steps.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Acquire)
    }
}

/// What a job reports when it succeeds (stored with its run).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobOutput {
    /// One line for people.
    pub message: String,
    /// Anything structured (counts, ids); kept with the run when under
    /// [`super::MAX_OUTPUT_BYTES`] of JSON.
    #[serde(default)]
    pub details: serde_json::Value,
}

impl JobOutput {
    /// An output of one line.
    pub fn message(message: impl Into<String>) -> Self {
        JobOutput {
            message: message.into(),
            details: serde_json::Value::Null,
        }
    }
}

/// A host-supplied job: a Rust closure here; the bindings wrap a JavaScript function or a Python
/// callable in one.
pub type CustomJob = Arc<dyn Fn(&Engine, JobContext) -> Result<JobOutput> + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_names_are_plain() {
        assert!(check_job_name("daily-rollup").is_ok());
        assert!(check_job_name("my_job_2").is_ok());
        for bad in ["", "Daily", "a b", "x/y", &"a".repeat(65)] {
            assert!(check_job_name(bad).is_err(), "{bad}");
        }
    }
}
