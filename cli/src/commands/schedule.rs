//! `schedule`: the scheduler of recurring jobs (the core's `api::schedule`, docs/schedule.md):
//! `status`, `next` (a job's next runs with the zone's offset), `run-due` (one pass) and `daemon` (a
//! loop on the wall clock). The jobs come from the defaults and the `ALERT_INTERVAL_MIN` and
//! `SCHEDULE_*` environment variables. State, leases and run history live in the store: with a MongoDB
//! URI they are shared by every scheduler of the database; over a directory they last one process.

use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};
use halobuzz_analytics::api::{
    NextRunsRequest, RunDueRequest, RunHistoryRequest, SchedulerOptions,
};
use halobuzz_analytics::schedule::{PassReport, Scheduler};
use halobuzz_analytics::Error;
use serde_json::json;

use super::{decode, leave, to_json, ConfigArgs, EngineArgs};

/// The flags of `schedule`.
#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    command: ScheduleCommand,
}

#[derive(Debug, Subcommand)]
enum ScheduleCommand {
    /// Every job's schedule, description, last run, next run, last outcome and duration, and error.
    Status(StatusArgs),
    /// A job's next run instants (RFC 3339 with the reporting zone's offset).
    Next(NextArgs),
    /// Run every job instance due now (or at --at), each at most once across schedulers.
    RunDue(RunDueArgs),
    /// Run due jobs until stopped, idling until the next instance.
    Daemon(DaemonArgs),
    /// The run history, newest first.
    History(HistoryArgs),
}

/// The scheduler's own flags.
#[derive(Debug, Args)]
struct SchedulerFlags {
    /// Minutes between alert checks, a divisor of 60 (default: ALERT_INTERVAL_MIN or 15).
    #[arg(long, value_name = "MINUTES")]
    alert_interval_min: Option<u32>,
    /// Seconds a claim on a run holds without renewal (default: SCHEDULE_LEASE_SECONDS or 300).
    #[arg(long, value_name = "SECONDS")]
    lease_seconds: Option<u32>,
    /// This scheduler's id in run records (default: the process id and a random part).
    #[arg(long)]
    owner: Option<String>,
}

impl SchedulerFlags {
    fn scheduler(&self, command: &str) -> Result<Scheduler, Error> {
        let options: SchedulerOptions = decode(
            command,
            json!({
                "read-env": true,
                "alert-interval-min": self.alert_interval_min,
                "lease-seconds": self.lease_seconds,
                "owner": self.owner,
            }),
        )?;
        options.into_scheduler()
    }
}

#[derive(Debug, Args)]
struct StatusArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    scheduler: SchedulerFlags,
    /// Print JSON (the old `scheduler-status` shape) instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct NextArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(flatten)]
    scheduler: SchedulerFlags,
    /// The job (daily-rollup, forecasts, weekly-report, alert-check, monthly-cohorts).
    #[arg(long)]
    job: String,
    /// Runs strictly after this instant, RFC 3339 (default: now, or --now).
    #[arg(long, value_name = "RFC3339")]
    after: Option<String>,
    /// How many runs (1–1000, default 5).
    #[arg(long, value_name = "N")]
    count: Option<usize>,
    /// Print JSON instead of one instant per line.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct RunDueArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    scheduler: SchedulerFlags,
    /// Judge what is due at this instant, RFC 3339 (default: now, or --now); the engine's clock is
    /// set to it as well, so the jobs run as of it.
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Print JSON instead of one line per run.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct DaemonArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    scheduler: SchedulerFlags,
    /// Stop after this many passes (default: run until the process is stopped; a run stopped midway
    /// is taken over by another scheduler once its lease expires).
    #[arg(long, value_name = "N")]
    passes: Option<u64>,
}

#[derive(Debug, Args)]
struct HistoryArgs {
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    scheduler: SchedulerFlags,
    /// Only this job.
    #[arg(long)]
    job: Option<String>,
    /// At most this many runs (1–1000, default 100).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `schedule`.
pub fn run(args: ScheduleArgs) -> Result<(), Error> {
    match args.command {
        ScheduleCommand::Status(a) => {
            let scheduler = a.scheduler.scheduler("schedule status")?;
            let engine = a.engine.open()?;
            let status = scheduler.status(&engine)?;
            if a.json {
                outln!("{}", to_json(&status)?);
            } else {
                outln!("timezone {}, running: {}", status.timezone, status.running);
                for j in &status.jobs {
                    let tz = engine.config().calendar.tz();
                    let t = |v: Option<chrono::DateTime<chrono::Utc>>| {
                        v.map_or("-".to_owned(), |t| t.with_timezone(&tz).to_rfc3339())
                    };
                    outln!(
                        "{:<16} {:<14} {:<8} last {} ({}, {} ms) next {}{}",
                        j.name,
                        j.schedule,
                        if j.enabled { "enabled" } else { "disabled" },
                        t(j.last_run),
                        j.last_outcome
                            .map_or("-".to_owned(), |o| format!("{o:?}").to_lowercase()),
                        j.last_duration_ms.map_or("-".to_owned(), |d| d.to_string()),
                        t(j.next_run),
                        j.error
                            .as_ref()
                            .map_or(String::new(), |e| format!("\n{:<16} error: {e}", "")),
                    );
                }
            }
            leave(engine);
            Ok(())
        }
        ScheduleCommand::Next(a) => {
            let request: NextRunsRequest = decode(
                "schedule next",
                json!({ "job": a.job, "after": a.after, "count": a.count }),
            )?;
            let scheduler = a.scheduler.scheduler("schedule next")?;
            let config = a.config.options().into_config()?;
            let next = request.run(&scheduler, &config)?;
            if a.json {
                outln!("{}", to_json(&next)?);
            } else {
                for t in &next.runs {
                    outln!("{t}");
                }
            }
            Ok(())
        }
        ScheduleCommand::RunDue(mut a) => {
            let request: RunDueRequest = decode("schedule run-due", json!({ "at": a.at }))?;
            let scheduler = a.scheduler.scheduler("schedule run-due")?;
            if a.at.is_some() {
                a.engine.config.now = a.at.clone();
            }
            let engine = a.engine.open()?;
            let pass = request.run(&scheduler, &engine)?;
            if a.json {
                outln!("{}", to_json(&pass)?);
            } else {
                print_pass(&pass);
            }
            leave(engine);
            Ok(())
        }
        ScheduleCommand::Daemon(a) => {
            let scheduler = a.scheduler.scheduler("schedule daemon")?;
            let engine = a.engine.open()?;
            let stop = AtomicBool::new(false);
            let mut passes = 0u64;
            outln!(
                "scheduler {} running {} job(s) in {}",
                scheduler.owner(),
                scheduler.config().jobs.iter().filter(|j| j.enabled).count(),
                engine.config().calendar.tz().name()
            );
            scheduler.run_until(&engine, &stop, &mut |pass| {
                match pass {
                    Ok(p) => print_pass(p),
                    Err(e) => eprintln!("error[{}]: {e} (retrying after the next idle)", e.code()),
                }
                passes += 1;
                if a.passes.is_some_and(|n| passes >= n) {
                    stop.store(true, std::sync::atomic::Ordering::Release);
                }
            })?;
            leave(engine);
            Ok(())
        }
        ScheduleCommand::History(a) => {
            let request: RunHistoryRequest = decode(
                "schedule history",
                json!({ "job": a.job, "limit": a.limit }),
            )?;
            let scheduler = a.scheduler.scheduler("schedule history")?;
            let engine = a.engine.open()?;
            let runs = request.run(&scheduler, &engine)?;
            if a.json {
                outln!("{}", to_json(&runs)?);
            } else {
                for r in &runs {
                    outln!(
                        "{} {:<16} attempt {} {:<10} {} ms by {}{}",
                        r.scheduled_at,
                        r.job,
                        r.attempt,
                        format!("{:?}", r.status).to_lowercase(),
                        r.duration_ms.map_or("-".to_owned(), |d| d.to_string()),
                        r.owner,
                        r.error
                            .as_ref()
                            .map_or(String::new(), |e| format!(": [{}] {}", e.code, e.message)),
                    );
                }
            }
            leave(engine);
            Ok(())
        }
    }
}

/// One line per instance of a pass.
fn print_pass(pass: &PassReport) {
    if pass.runs.is_empty() {
        outln!("{}: nothing due", pass.at.to_rfc3339());
    }
    for r in &pass.runs {
        let detail = r
            .run
            .as_ref()
            .map_or(String::new(), |run| match (&run.output, &run.error) {
                (_, Some(e)) => format!(": [{}] {}", e.code, e.message),
                (Some(o), None) => format!(": {}", o.message),
                _ => String::new(),
            });
        outln!(
            "{} {:<16} {}{}{}",
            r.due.scheduled_at.to_rfc3339(),
            r.due.job,
            r.outcome,
            if r.due.catch_up { " (catch-up)" } else { "" },
            detail
        );
    }
}
