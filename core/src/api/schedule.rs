//! The scheduler's requests (docs/schedule.md): its configuration ([`SchedulerOptions`]: the default
//! jobs changed from code or from the environment), the next runs of a job, one pass at an instant,
//! status and run history. Every bound and instant format is decided here, for the CLI, Node and
//! Python alike.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::schedule::config::{
    every_minutes, parse_metrics, LEASE_SECONDS_RANGE, MAX_GRACE_MINUTES,
};
use crate::schedule::job::{CatchUp, JobKind};
use crate::schedule::{CronSchedule, PassReport, RunRecord, ScheduleConfig, Scheduler};
use crate::{Engine, Error, Result};

/// The most next runs one request lists.
pub const MAX_NEXT_RUNS: usize = 1000;

/// Changes to one default job; each field left out keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JobOptions {
    /// The job (`daily-rollup`, …). A value, not an object key: keys are respelled for Python and
    /// the command line, job names are data.
    pub name: String,
    /// A cron expression (five fields, read in the reporting time zone).
    pub cron: Option<String>,
    /// Whether the job runs.
    pub enabled: Option<bool>,
    /// `all`, `latest` or `none`.
    pub catch_up: Option<CatchUp>,
    /// The forecasts job's metrics (catalog ids).
    pub metrics: Option<Vec<String>>,
}

/// How to configure a scheduler. Options given here win over the environment variables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchedulerOptions {
    /// Read `ALERT_INTERVAL_MIN` and the `SCHEDULE_*` variables from the process environment first.
    #[serde(default)]
    pub read_env: bool,
    /// The same variables given explicitly (read after the process environment, if both).
    pub env: Option<HashMap<String, Option<String>>>,
    /// Changes to the default jobs (`daily-rollup`, `forecasts`, `weekly-report`, `alert-check`,
    /// `monthly-cohorts`), at most one entry per job.
    pub jobs: Option<Vec<JobOptions>>,
    /// Minutes between alert checks (a divisor of 60; default 15).
    pub alert_interval_min: Option<u32>,
    /// How long a claim on a run holds without renewal, in seconds (5–86,400; default 300).
    pub lease_seconds: Option<u32>,
    /// How late an instance may start and still be on time, in minutes (0–1,440; default 10).
    pub grace_minutes: Option<u32>,
    /// This scheduler's id in run records (default: process id and a random part).
    pub owner: Option<String>,
}

impl SchedulerOptions {
    /// The configuration: the defaults, then the environment (if asked), then every option given.
    pub fn into_config(&self) -> Result<ScheduleConfig> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if self.read_env {
            vars.extend(std::env::vars());
        }
        if let Some(env) = &self.env {
            vars.extend(
                env.iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone()))),
            );
        }
        let mut c = ScheduleConfig::from_vars(&vars)?;
        if let Some(m) = self.alert_interval_min {
            c.job_mut(crate::schedule::config::ALERT_CHECK)?.schedule =
                every_minutes("alertIntervalMin", m)?;
        }
        if let Some(s) = self.lease_seconds {
            let (lo, hi) = LEASE_SECONDS_RANGE;
            if !(lo..=hi).contains(&s) {
                return Err(Error::invalid_argument(
                    "leaseSeconds",
                    format!("{s} is not between {lo} and {hi}"),
                ));
            }
            c.lease = Duration::seconds(i64::from(s));
        }
        if let Some(m) = self.grace_minutes {
            if m > MAX_GRACE_MINUTES {
                return Err(Error::invalid_argument(
                    "graceMinutes",
                    format!("{m} is more than {MAX_GRACE_MINUTES} (a day)"),
                ));
            }
            c.grace = Duration::minutes(i64::from(m));
        }
        let mut seen = std::collections::HashSet::new();
        for o in self.jobs.iter().flatten() {
            let name = &o.name;
            if !seen.insert(name.as_str()) {
                return Err(Error::invalid_argument(
                    "jobs",
                    format!("`{}` is given twice", crate::model::shown(name)),
                ));
            }
            let job = c.job_mut(name)?;
            if let Some(cron) = &o.cron {
                job.schedule = CronSchedule::parse(&format!("jobs.{name}.cron"), cron)?;
            }
            if let Some(e) = o.enabled {
                job.enabled = e;
            }
            if let Some(p) = o.catch_up {
                job.catch_up = p;
            }
            if let Some(m) = &o.metrics {
                let field = "jobs.forecasts.metrics";
                match &mut job.kind {
                    JobKind::Forecasts { metrics, .. } => {
                        *metrics = parse_metrics(field, &m.join(","))?;
                    }
                    _ => {
                        return Err(Error::invalid_argument(
                            format!("jobs.{name}.metrics"),
                            "only the forecasts job has metrics",
                        ))
                    }
                }
            }
        }
        Ok(c)
    }

    /// A scheduler of this configuration.
    pub fn into_scheduler(&self) -> Result<Scheduler> {
        let s = Scheduler::new(self.into_config()?);
        match &self.owner {
            Some(o) => s.with_owner(o),
            None => Ok(s),
        }
    }
}

/// An RFC 3339 instant of a request, or an error naming the field.
pub fn parse_instant(name: &'static str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::invalid_argument(
                name,
                format!(
                    "`{}` is not an RFC 3339 instant such as 2026-04-05T02:30:00+10:00: {e}",
                    crate::model::shown(text)
                ),
            )
        })
}

/// The next runs of one job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NextRunsRequest {
    /// The job's name.
    pub job: String,
    /// Runs strictly after this instant (RFC 3339; default: the engine clock's now).
    pub after: Option<String>,
    /// How many, 1 to 1,000 (default 5).
    pub count: Option<usize>,
}

/// A job's next runs, each an RFC 3339 instant with the reporting zone's offset of that instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NextRunsResponse {
    /// The job.
    pub job: String,
    /// Its cron expression.
    pub schedule: String,
    /// The zone it is read in.
    pub timezone: String,
    /// The runs.
    pub runs: Vec<String>,
}

impl NextRunsRequest {
    /// The next runs of the job in `scheduler`, read in `config`'s zone.
    pub fn run(&self, scheduler: &Scheduler, config: &Config) -> Result<NextRunsResponse> {
        let count = self.count.unwrap_or(5);
        if count == 0 || count > MAX_NEXT_RUNS {
            return Err(Error::invalid_argument(
                "count",
                format!("{count} is not between 1 and {MAX_NEXT_RUNS}"),
            ));
        }
        let after = match &self.after {
            Some(t) => parse_instant("after", t)?,
            None => config.clock.now(),
        };
        let job = scheduler.config().job(&self.job)?;
        let tz = config.calendar.tz();
        Ok(NextRunsResponse {
            job: job.name.clone(),
            schedule: job.schedule.as_str().to_owned(),
            timezone: tz.name().to_owned(),
            runs: job
                .schedule
                .runs_after(after, tz, count)
                .into_iter()
                .map(|t| {
                    t.with_timezone(&tz)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                })
                .collect(),
        })
    }
}

/// One pass: run what is due at an instant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunDueRequest {
    /// The instant (RFC 3339; default: the engine clock's now). Leases and run times still come from
    /// the engine clock: to replay a past instant, set the engine's `now` to it too.
    pub at: Option<String>,
}

impl RunDueRequest {
    /// Runs the pass.
    pub fn run(&self, scheduler: &Scheduler, engine: &Engine) -> Result<PassReport> {
        let at = match &self.at {
            Some(t) => parse_instant("at", t)?,
            None => engine.config().clock.now(),
        };
        scheduler.run_due(engine, at, &std::sync::atomic::AtomicBool::new(false))
    }
}

/// The run history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunHistoryRequest {
    /// Only this job.
    pub job: Option<String>,
    /// At most this many, newest first (1 to 1,000; default 100).
    pub limit: Option<usize>,
}

impl RunHistoryRequest {
    /// The runs.
    pub fn run(&self, scheduler: &Scheduler, engine: &Engine) -> Result<Vec<RunRecord>> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > crate::schedule::MAX_HISTORY_LIMIT {
            return Err(Error::invalid_argument(
                "limit",
                format!(
                    "{limit} is not between 1 and {}",
                    crate::schedule::MAX_HISTORY_LIMIT
                ),
            ));
        }
        scheduler.history(engine, self.job.as_deref(), limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{decode, NameStyle};
    use serde_json::json;

    #[test]
    fn options_configure_jobs_and_are_checked() {
        let o: SchedulerOptions = decode(
            "scheduler",
            json!({
                "alert_interval_min": 30,
                "jobs": [{ "name": "weekly-report", "enabled": false }, { "name": "daily-rollup", "cron": "15 4 * * *", "catch_up": "all" }],
                "env": { "SCHEDULE_LEASE_SECONDS": "120" }
            }),
            NameStyle::Snake,
        )
        .unwrap();
        let c = o.into_config().unwrap();
        assert_eq!(
            c.job("alert-check").unwrap().schedule.as_str(),
            "*/30 * * * *"
        );
        assert!(!c.job("weekly-report").unwrap().enabled);
        assert_eq!(c.job("daily-rollup").unwrap().catch_up, CatchUp::All);
        assert_eq!(c.lease, Duration::seconds(120));
        for bad in [
            json!({ "alertIntervalMin": 7 }),
            json!({ "leaseSeconds": 1 }),
            json!({ "jobs": [{ "name": "nightly" }] }),
            json!({ "jobs": [{ "name": "forecasts", "cron": "soon" }] }),
            json!({ "jobs": [{ "name": "daily-rollup", "metrics": ["revenue.total"] }] }),
            json!({ "jobs": [{ "name": "forecasts" }, { "name": "forecasts" }] }),
        ] {
            let o: SchedulerOptions = decode("scheduler", bad.clone(), NameStyle::Camel).unwrap();
            assert_eq!(
                o.into_config().unwrap_err().code(),
                "INVALID_ARGUMENT",
                "{bad}"
            );
        }
        assert!(
            decode::<SchedulerOptions>("scheduler", json!({ "bogus": 1 }), NameStyle::Camel)
                .is_err()
        );
    }

    #[test]
    fn next_runs_are_bounded_and_carry_the_offset() {
        let s = Scheduler::new(ScheduleConfig::default());
        let config = Config::default();
        let r = NextRunsRequest {
            job: "forecasts".into(),
            after: Some("2026-10-03T00:00:00+10:00".into()),
            count: Some(2),
        }
        .run(&s, &config)
        .unwrap();
        assert_eq!(
            r.runs,
            ["2026-10-03T02:00:00+10:00", "2026-10-04T03:00:00+11:00"]
        );
        for (count, after) in [(0, None), (1001, None), (1, Some("yesterday".to_owned()))] {
            let e = NextRunsRequest {
                job: "forecasts".into(),
                after,
                count: Some(count),
            }
            .run(&s, &config)
            .unwrap_err();
            assert_eq!(e.code(), "INVALID_ARGUMENT");
        }
    }
}
