//! The default jobs, and the environment variables that adjust them (named in `docs/schedule.md`; the
//! old service only had `ALERT_INTERVAL_MIN`, the others follow its `UPPER_SNAKE` pattern).

use std::collections::HashMap;

use chrono::Duration;

use super::cron::CronSchedule;
use super::job::{check_job_name, CatchUp, JobDef, JobKind};
use crate::{Error, Result};

/// The daily rollup job.
pub const DAILY_ROLLUP: &str = "daily-rollup";
/// The forecasts job.
pub const FORECASTS: &str = "forecasts";
/// The weekly report job.
pub const WEEKLY_REPORT: &str = "weekly-report";
/// The alert check job.
pub const ALERT_CHECK: &str = "alert-check";
/// The monthly cohorts job.
pub const MONTHLY_COHORTS: &str = "monthly-cohorts";

/// The metrics the old service forecast every night: revenue and daily active users.
pub const DEFAULT_FORECAST_METRICS: &[&str] = &["revenue.total", "engagement.dau"];

/// The most jobs one scheduler holds (built-in and custom).
pub const MAX_JOBS: usize = 100;
/// Lease bounds, in seconds: long enough to renew over a slow store, short enough to notice a crash.
pub const LEASE_SECONDS_RANGE: (u32, u32) = (5, 24 * 3600);
/// The longest grace period, in minutes.
pub const MAX_GRACE_MINUTES: u32 = 24 * 60;

/// A scheduler's jobs and timings.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleConfig {
    /// The jobs, in the order `status` lists them.
    pub jobs: Vec<JobDef>,
    /// How long a claim on a run holds without renewal (default 5 minutes): another process takes
    /// the run over when its holder has not renewed it for this long (it crashed).
    pub lease: Duration,
    /// How late an instance may start and still count as on time (default 10 minutes): what
    /// [`CatchUp::None`] still runs.
    pub grace: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        let job = |name: &str, cron: &str, description: &str, catch_up, kind| JobDef {
            name: name.to_owned(),
            // The defaults are constants, parsed by a unit test: this cannot fail at run time.
            schedule: CronSchedule::parse(name, cron)
                .unwrap_or_else(|e| unreachable!("default cron of {name}: {e}")),
            description: description.to_owned(),
            catch_up,
            enabled: true,
            kind,
        };
        ScheduleConfig {
            jobs: vec![
                job(
                    DAILY_ROLLUP,
                    "0 3 * * *",
                    "Roll up yesterday and re-roll the last 3 settled days for late data",
                    CatchUp::Latest,
                    JobKind::DailyRollup { recent_days: 3 },
                ),
                job(
                    FORECASTS,
                    "0 2 * * *",
                    "Forecast revenue and daily active users 30 days ahead and store the forecasts",
                    CatchUp::Latest,
                    JobKind::Forecasts {
                        metrics: DEFAULT_FORECAST_METRICS
                            .iter()
                            .map(|m| (*m).to_owned())
                            .collect(),
                        horizon_days: 30,
                        history_days: 365,
                    },
                ),
                job(
                    WEEKLY_REPORT,
                    "0 4 * * 1",
                    "Write the weekly report of the week that just ended",
                    CatchUp::All,
                    JobKind::WeeklyReport,
                ),
                job(
                    ALERT_CHECK,
                    "*/15 * * * *",
                    "Check every alert rule and raise, update or resolve alerts",
                    CatchUp::None,
                    JobKind::AlertCheck,
                ),
                job(
                    MONTHLY_COHORTS,
                    "0 5 1 * *",
                    "Refresh the stored monthly signup cohorts of the last 3 months",
                    CatchUp::Latest,
                    JobKind::MonthlyCohorts { months: 3 },
                ),
            ],
            lease: Duration::minutes(5),
            grace: Duration::minutes(10),
        }
    }
}

/// The cron expression of "every `minutes` minutes", which must divide an hour so that the rhythm is
/// the same in every hour (`*/7` would run at :56 and again at :00).
pub fn every_minutes(name: &str, minutes: u32) -> Result<CronSchedule> {
    if minutes == 0 || minutes > 60 || 60 % minutes != 0 {
        return Err(Error::invalid_argument(
            name.to_owned(),
            format!(
                "{minutes} minutes does not divide an hour; use 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 \
                 or 60, or give the job a cron expression"
            ),
        ));
    }
    let text = if minutes == 60 {
        "0 * * * *".to_owned()
    } else {
        format!("*/{minutes} * * * *")
    };
    CronSchedule::parse(name, &text)
}

impl ScheduleConfig {
    /// Reads the process environment (see [`ScheduleConfig::from_vars`]).
    pub fn from_env() -> Result<Self> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// The defaults adjusted by `ALERT_INTERVAL_MIN` (minutes between alert checks, default 15),
    /// `SCHEDULE_ROLLUP_CRON`, `SCHEDULE_FORECAST_CRON`, `SCHEDULE_REPORT_CRON`,
    /// `SCHEDULE_COHORT_CRON` (cron expressions in the reporting zone), `SCHEDULE_DISABLED` (job
    /// names, comma-separated), `SCHEDULE_LEASE_SECONDS` and `SCHEDULE_FORECAST_METRICS` (metric
    /// ids, comma-separated). Unset or empty variables keep the defaults; a malformed one is an error
    /// naming it.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut c = ScheduleConfig::default();
        if let Some(v) = get("ALERT_INTERVAL_MIN") {
            let minutes = v.parse::<u32>().map_err(|_| {
                Error::invalid_argument(
                    "ALERT_INTERVAL_MIN",
                    format!(
                        "`{}` is not a whole number of minutes",
                        crate::model::shown(v)
                    ),
                )
            })?;
            c.job_mut(ALERT_CHECK)?.schedule = every_minutes("ALERT_INTERVAL_MIN", minutes)?;
        }
        for (var, job) in [
            ("SCHEDULE_ROLLUP_CRON", DAILY_ROLLUP),
            ("SCHEDULE_FORECAST_CRON", FORECASTS),
            ("SCHEDULE_REPORT_CRON", WEEKLY_REPORT),
            ("SCHEDULE_COHORT_CRON", MONTHLY_COHORTS),
        ] {
            if let Some(v) = get(var) {
                c.job_mut(job)?.schedule = CronSchedule::parse(var, v)?;
            }
        }
        if let Some(v) = get("SCHEDULE_DISABLED") {
            for name in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                c.job_mut(name)
                    .map_err(|e| Error::invalid_argument("SCHEDULE_DISABLED", e.serde_reason()))?
                    .enabled = false;
            }
        }
        if let Some(v) = get("SCHEDULE_LEASE_SECONDS") {
            let (lo, hi) = LEASE_SECONDS_RANGE;
            let s = v
                .parse::<u32>()
                .ok()
                .filter(|s| (lo..=hi).contains(s))
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "SCHEDULE_LEASE_SECONDS",
                        format!(
                            "`{}` is not a whole number from {lo} to {hi}",
                            crate::model::shown(v)
                        ),
                    )
                })?;
            c.lease = Duration::seconds(i64::from(s));
        }
        if let Some(v) = get("SCHEDULE_FORECAST_METRICS") {
            let metrics = parse_metrics("SCHEDULE_FORECAST_METRICS", v)?;
            if let JobKind::Forecasts { metrics: m, .. } = &mut c.job_mut(FORECASTS)?.kind {
                *m = metrics;
            }
        }
        Ok(c)
    }

    /// The job called `name`.
    pub fn job(&self, name: &str) -> Result<&JobDef> {
        self.jobs
            .iter()
            .find(|j| j.name == name)
            .ok_or_else(|| self.unknown(name))
    }

    /// The job called `name`, to change.
    pub fn job_mut(&mut self, name: &str) -> Result<&mut JobDef> {
        let unknown = self.unknown(name);
        self.jobs.iter_mut().find(|j| j.name == name).ok_or(unknown)
    }

    fn unknown(&self, name: &str) -> Error {
        let names: Vec<&str> = self.jobs.iter().map(|j| j.name.as_str()).collect();
        Error::invalid_argument(
            "job",
            format!(
                "there is no job `{}`; the jobs are {}",
                crate::model::shown(name),
                names.join(", ")
            ),
        )
    }

    /// Adds a job (a custom one, usually); its name must be new and valid.
    pub fn add(&mut self, job: JobDef) -> Result<()> {
        check_job_name(&job.name)?;
        if self.jobs.iter().any(|j| j.name == job.name) {
            return Err(Error::invalid_argument(
                "job",
                format!("a job called `{}` already exists", job.name),
            ));
        }
        if self.jobs.len() >= MAX_JOBS {
            return Err(Error::invalid_argument(
                "job",
                format!("a scheduler holds at most {MAX_JOBS} jobs"),
            ));
        }
        self.jobs.push(job);
        Ok(())
    }
}

/// Comma-separated catalog metric ids, each checked.
pub fn parse_metrics(name: &'static str, v: &str) -> Result<Vec<String>> {
    let metrics: Vec<String> = v
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| {
            crate::kpi::Metric::find(m)
                .map(|m| m.id.to_owned())
                .ok_or_else(|| {
                    Error::invalid_argument(
                        name,
                        format!(
                            "`{}` is not a metric of the catalog",
                            crate::model::shown(m)
                        ),
                    )
                })
        })
        .collect::<Result<_>>()?;
    if metrics.is_empty() || metrics.len() > 20 {
        return Err(Error::invalid_argument(
            name,
            "give 1 to 20 metric ids, comma-separated",
        ));
    }
    Ok(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_parse_and_variables_adjust_them() {
        let d = ScheduleConfig::default();
        let crons: Vec<&str> = d.jobs.iter().map(|j| j.schedule.as_str()).collect();
        assert_eq!(
            crons,
            [
                "0 3 * * *",
                "0 2 * * *",
                "0 4 * * 1",
                "*/15 * * * *",
                "0 5 1 * *"
            ]
        );
        let c = ScheduleConfig::from_vars(&vars(&[
            ("ALERT_INTERVAL_MIN", "5"),
            ("SCHEDULE_ROLLUP_CRON", "30 1 * * *"),
            ("SCHEDULE_DISABLED", "weekly-report, monthly-cohorts"),
            ("SCHEDULE_LEASE_SECONDS", "60"),
            ("SCHEDULE_FORECAST_METRICS", "revenue.total"),
        ]))
        .unwrap();
        assert_eq!(c.job(ALERT_CHECK).unwrap().schedule.as_str(), "*/5 * * * *");
        assert_eq!(c.job(DAILY_ROLLUP).unwrap().schedule.as_str(), "30 1 * * *");
        assert!(!c.job(WEEKLY_REPORT).unwrap().enabled);
        assert!(!c.job(MONTHLY_COHORTS).unwrap().enabled);
        assert_eq!(c.lease, Duration::seconds(60));
        for (k, v) in [
            ("ALERT_INTERVAL_MIN", "7"),
            ("ALERT_INTERVAL_MIN", "soon"),
            ("SCHEDULE_REPORT_CRON", "every monday"),
            ("SCHEDULE_DISABLED", "nightly"),
            ("SCHEDULE_LEASE_SECONDS", "1"),
            ("SCHEDULE_FORECAST_METRICS", "revenue.bogus"),
        ] {
            let e = ScheduleConfig::from_vars(&vars(&[(k, v)])).unwrap_err();
            assert!(e.to_string().contains(k), "{k}: {e}");
        }
        assert_eq!(every_minutes("x", 60).unwrap().as_str(), "0 * * * *");
    }
}
