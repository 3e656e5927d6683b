//! The scheduler the host drives: one pass ([`Scheduler::run_due`], [`Scheduler::tick`]) runs what is
//! due, and a loop ([`Scheduler::run_loop`], [`Scheduler::run_until`]) repeats passes, idling until
//! the next instance by the engine's clock. Nothing starts by itself: the host decides where the loop
//! runs (a thread, a tokio blocking task, a Node worker, a Python thread) and stops it with a flag.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::config::ScheduleConfig;
use super::cron::CronSchedule;
use super::due::{due_jobs, settled_cursor, DueRun, JobState, SchedulerState};
use super::execute::run_builtin;
use super::job::{CatchUp, CustomJob, JobContext, JobDef, JobKind, JobOutput};
use super::lease::{self, Claim, ClaimRequest, RunError, RunRecord, RunStatus};
use super::state::{load_states, update_state};
use super::{HISTORY_RETENTION_DAYS, MAX_HISTORY_LIMIT};
use crate::store::{AnalyticsStore, DocFilter};
use crate::{Engine, Error, Result};

/// What happened to one due instance in a pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassRun {
    /// The instance.
    #[serde(flatten)]
    pub due: DueRun,
    /// `succeeded`, `failed` or `abandoned` when this scheduler ran it; `done` (already run),
    /// `held` (another scheduler is running it), `lost` (another took it first) or `gaveUp`.
    pub outcome: String,
    /// The run's record when this scheduler ran it.
    #[serde(default)]
    pub run: Option<RunRecord>,
}

/// What one pass did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassReport {
    /// The instant the pass judged due runs at.
    pub at: DateTime<Utc>,
    /// Every due instance, in the order handled.
    pub runs: Vec<PassRun>,
}

/// What a loop tells its host between passes.
#[derive(Debug)]
pub enum LoopEvent<'a> {
    /// A pass finished.
    Pass(&'a PassReport),
    /// A pass failed (the store was unreachable, say); the loop goes on after the next idle.
    Failed(&'a Error),
    /// Nothing is due before `until` (`None`: no enabled job has a next run): the host waits, by the
    /// wall clock or by moving a simulated clock, and answers whether to go on.
    Idle {
        /// Now, by the engine clock.
        now: DateTime<Utc>,
        /// The next instance of any enabled job.
        until: Option<DateTime<Utc>>,
    },
}

/// A job's status, in the old `scheduler-status` shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// The job's name.
    pub name: String,
    /// Its cron expression (in `timezone`).
    pub schedule: String,
    /// What it is for.
    pub description: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Its catch-up policy.
    pub catch_up: CatchUp,
    /// When its last finished run started.
    pub last_run: Option<DateTime<Utc>>,
    /// Its next instance (`None` when disabled or never).
    pub next_run: Option<DateTime<Utc>>,
    /// `succeeded`, `failed` or `abandoned`.
    pub last_outcome: Option<RunStatus>,
    /// How long the last run took.
    pub last_duration_ms: Option<i64>,
    /// The last run's error message.
    pub error: Option<String>,
}

/// The scheduler's status, in the old `scheduler-status` shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleStatus {
    /// Whether this scheduler's loop is running.
    pub running: bool,
    /// The zone the cron expressions are read in.
    pub timezone: String,
    /// Every job.
    pub jobs: Vec<JobStatus>,
}

/// A scheduler over an engine's store: its jobs, its identity among the schedulers sharing the store,
/// and the functions of its custom jobs.
pub struct Scheduler {
    config: ScheduleConfig,
    custom: HashMap<String, CustomJob>,
    owner: String,
    running: AtomicBool,
    last_prune: Mutex<Option<DateTime<Utc>>>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("owner", &self.owner)
            .field("jobs", &self.config.jobs)
            .finish_non_exhaustive()
    }
}

/// A scheduler id unique in this host: process id, a counter and the wall clock's nanoseconds.
fn new_owner() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("pid{}-{n}-{nanos:08x}", std::process::id())
}

impl Scheduler {
    /// A scheduler of `config`'s jobs with a fresh owner id.
    pub fn new(config: ScheduleConfig) -> Self {
        Scheduler {
            config,
            custom: HashMap::new(),
            owner: new_owner(),
            running: AtomicBool::new(false),
            last_prune: Mutex::new(None),
        }
    }

    /// The same scheduler under another owner id (shown in run records; 1–128 characters).
    pub fn with_owner(mut self, owner: &str) -> Result<Self> {
        if owner.trim().is_empty() || owner.len() > 128 {
            return Err(Error::invalid_argument(
                "owner",
                "must be 1 to 128 characters",
            ));
        }
        self.owner = owner.to_owned();
        Ok(self)
    }

    /// The owner id in run records.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The jobs and timings.
    pub fn config(&self) -> &ScheduleConfig {
        &self.config
    }

    /// Adds a custom job: `run` is called with the engine and the run's context at each instance of
    /// `cron` (in the reporting zone).
    pub fn add_custom(
        &mut self,
        name: &str,
        cron: &str,
        description: &str,
        catch_up: CatchUp,
        run: CustomJob,
    ) -> Result<()> {
        let job = JobDef {
            name: name.to_owned(),
            schedule: CronSchedule::parse("cron", cron)?,
            description: description.chars().take(500).collect(),
            catch_up,
            enabled: true,
            kind: JobKind::Custom,
        };
        self.config.add(job)?;
        self.custom.insert(name.to_owned(), run);
        Ok(())
    }

    /// The next `count` instances of `job` strictly after `after`.
    pub fn next_runs(
        &self,
        engine: &Engine,
        job: &str,
        after: DateTime<Utc>,
        count: usize,
    ) -> Result<Vec<DateTime<Utc>>> {
        let j = self.config.job(job)?;
        Ok(j.schedule
            .runs_after(after, engine.config().calendar.tz(), count))
    }

    /// The jobs' state as stored (registering new jobs at `now`).
    pub fn state(&self, engine: &Engine, now: DateTime<Utc>) -> Result<SchedulerState> {
        let names: Vec<&str> = self.config.jobs.iter().map(|j| j.name.as_str()).collect();
        let docs = load_states(engine.store(), &engine.config().app_id, &names, now)?;
        let jobs = self
            .config
            .jobs
            .iter()
            .map(|j| {
                let doc = docs.iter().find(|d| d.job == j.name);
                JobState {
                    name: j.name.clone(),
                    schedule: j.schedule.clone(),
                    catch_up: j.catch_up,
                    enabled: j.enabled,
                    cursor: doc.and_then(|d| d.cursor),
                    since: doc.map_or(now, |d| d.since),
                }
            })
            .collect();
        Ok(SchedulerState {
            timezone: engine.config().calendar.tz(),
            grace: self.config.grace,
            jobs,
        })
    }

    /// What is due at `now` (nothing is run).
    pub fn due(&self, engine: &Engine, now: DateTime<Utc>) -> Result<Vec<DueRun>> {
        Ok(due_jobs(&self.state(engine, now)?, now))
    }

    /// One pass at the engine clock's current instant.
    pub fn tick(&self, engine: &Engine) -> Result<PassReport> {
        self.run_due(engine, engine.config().clock.now(), &AtomicBool::new(false))
    }

    /// Runs every instance due at `now`, one at a time in order, each under a lease (see
    /// [`super::lease`]); instances another scheduler holds are left to it. `stop` cancels the run in
    /// progress (between its steps) and the rest of the pass.
    pub fn run_due(
        &self,
        engine: &Engine,
        now: DateTime<Utc>,
        stop: &AtomicBool,
    ) -> Result<PassReport> {
        let state = self.state(engine, now)?;
        let due = due_jobs(&state, now);
        let mut report = PassReport {
            at: now,
            runs: Vec::with_capacity(due.len()),
        };
        // Per job: the instances settled in order; the first held one stops its cursor.
        let mut settled: HashMap<&str, (Vec<DateTime<Utc>>, bool)> = HashMap::new();
        for d in due {
            if stop.load(Ordering::Acquire) {
                break;
            }
            let run = self.run_instance(engine, &d, stop)?;
            let entry = settled.entry(self.job_name(&d.job)).or_default();
            let blocks = matches!(run.outcome.as_str(), "held");
            if blocks {
                entry.1 = true;
            } else if !entry.1 {
                entry.0.push(d.scheduled_at);
            }
            if let Some(r) = &run.run {
                update_state(
                    engine.store(),
                    &engine.config().app_id,
                    &d.job,
                    None,
                    Some(r),
                )?;
            }
            report.runs.push(run);
        }
        if !stop.load(Ordering::Acquire) {
            self.advance_cursors(engine, &state, now, &settled)?;
        }
        self.prune(engine, now)?;
        Ok(report)
    }

    /// The job name as a `'static`-free key of the pass's bookkeeping.
    fn job_name<'a>(&'a self, name: &str) -> &'a str {
        self.config
            .jobs
            .iter()
            .find(|j| j.name == name)
            .map_or("", |j| j.name.as_str())
    }

    fn advance_cursors(
        &self,
        engine: &Engine,
        state: &SchedulerState,
        now: DateTime<Utc>,
        settled: &HashMap<&str, (Vec<DateTime<Utc>>, bool)>,
    ) -> Result<()> {
        for job in state.jobs.iter().filter(|j| j.enabled) {
            let (given, blocked) = settled
                .get(job.name.as_str())
                .map_or((&[][..], false), |(g, b)| (g.as_slice(), *b));
            let cursor = if blocked {
                // Up to the last instance settled before the held one; it is looked at again next pass.
                given.iter().max().copied()
            } else {
                settled_cursor(job, state.timezone, now, given)
            };
            if cursor.is_some() && cursor != job.cursor {
                update_state(
                    engine.store(),
                    &engine.config().app_id,
                    &job.name,
                    cursor,
                    None,
                )?;
            }
        }
        Ok(())
    }

    /// Claims one instance and, when this scheduler wins it, runs it with its lease renewed.
    fn run_instance(&self, engine: &Engine, d: &DueRun, stop: &AtomicBool) -> Result<PassRun> {
        let clock = &engine.config().clock;
        let claim = self.claim(engine, &d.job, d.scheduled_at, d.catch_up)?;
        let mut record = match claim {
            Claim::Won(r) => *r,
            other => {
                let outcome = match other {
                    Claim::Done => "done",
                    Claim::Held { .. } => "held",
                    Claim::Lost => "lost",
                    _ => "gaveUp",
                };
                return Ok(PassRun {
                    due: d.clone(),
                    outcome: outcome.to_owned(),
                    run: None,
                });
            }
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let ctx = JobContext {
            job: d.job.clone(),
            scheduled_at: d.scheduled_at,
            started_at: record.started_at,
            catch_up: d.catch_up,
            attempt: u32::try_from(record.attempt).unwrap_or(u32::MAX),
            cancel: cancel.clone(),
        };
        let lease = self.config.lease;
        // Renew every third of the lease (wall time): two renewals may fail before it lapses.
        let every = lease
            .checked_div(3)
            .and_then(|d| d.to_std().ok())
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(100));
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let renewal_record = record.clone();
        let outcome = std::thread::scope(|scope| {
            let cancel = cancel.clone();
            let renewer = scope.spawn(move || {
                let mut mine = renewal_record;
                loop {
                    match done_rx.recv_timeout(every) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    if stop.load(Ordering::Acquire) {
                        cancel.store(true, Ordering::Release);
                    }
                    // A failed renewal (store unreachable) is retried at the next wake; a lost lease
                    // cancels the run.
                    if let Ok(false) = lease::renew(engine.store(), &mut mine, clock.now(), lease) {
                        cancel.store(true, Ordering::Release);
                    }
                }
            });
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.execute(engine, ctx)
            }))
            .unwrap_or_else(|p| Err(Error::from_panic(&*p)));
            drop(done_tx);
            let _ = renewer.join();
            result
        });
        let outcome = outcome.map_err(|e| RunError::of(&e));
        lease::finish(engine.store(), &mut record, clock.now(), outcome)?;
        let status = match record.status {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Abandoned => "abandoned",
            RunStatus::Running => "running",
        };
        Ok(PassRun {
            due: d.clone(),
            outcome: status.to_owned(),
            run: Some(record),
        })
    }

    /// Tries to take the lease on one instance of `job` (what a pass does before running it; public
    /// for hosts that run instances themselves, and for tests that simulate a crashed holder).
    pub fn claim(
        &self,
        engine: &Engine,
        job: &str,
        scheduled_at: DateTime<Utc>,
        catch_up: bool,
    ) -> Result<Claim> {
        self.config.job(job)?;
        lease::claim(
            engine.store(),
            ClaimRequest {
                app_id: &engine.config().app_id,
                job,
                scheduled_at,
                owner: &self.owner,
                catch_up,
                now: engine.config().clock.now(),
                lease: self.config.lease,
            },
        )
    }

    fn execute(&self, engine: &Engine, ctx: JobContext) -> Result<JobOutput> {
        let job = self.config.job(&ctx.job)?;
        match &job.kind {
            JobKind::Custom => match self.custom.get(&job.name) {
                Some(f) => f(engine, ctx),
                None => run_builtin(engine, &job.kind, &ctx),
            },
            kind => run_builtin(engine, kind, &ctx),
        }
    }

    /// Deletes run records older than [`HISTORY_RETENTION_DAYS`], at most once an hour.
    fn prune(&self, engine: &Engine, now: DateTime<Utc>) -> Result<()> {
        let mut last = self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| now - t < Duration::hours(1) && now >= t) {
            return Ok(());
        }
        *last = Some(now);
        let before = now - Duration::days(HISTORY_RETENTION_DAYS);
        lease::prune(engine.store(), &engine.config().app_id, before)?;
        Ok(())
    }

    /// Passes until `stop` is set or `on_event` answers `Break`: each pass runs what is due, then the
    /// loop tells the host how long it may idle ([`LoopEvent::Idle`]). The host's answer to an idle is
    /// where time passes: [`Scheduler::run_until`] sleeps on the wall clock; a simulation moves its
    /// stepping clock to `until`.
    pub fn run_loop(
        &self,
        engine: &Engine,
        stop: &AtomicBool,
        on_event: &mut dyn FnMut(LoopEvent<'_>) -> ControlFlow<()>,
    ) -> Result<()> {
        if self.running.swap(true, Ordering::AcqRel) {
            return Err(Error::invalid_argument(
                "scheduler",
                "this scheduler's loop is already running; start another Scheduler to run two",
            ));
        }
        struct Running<'a>(&'a AtomicBool);
        impl Drop for Running<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        let _running = Running(&self.running);
        let clock = &engine.config().clock;
        while !stop.load(Ordering::Acquire) {
            let now = clock.now();
            let flow = match self.run_due(engine, now, stop) {
                Ok(report) => on_event(LoopEvent::Pass(&report)),
                Err(e) => on_event(LoopEvent::Failed(&e)),
            };
            if flow.is_break() || stop.load(Ordering::Acquire) {
                break;
            }
            let now = clock.now();
            let until = self.next_wake(engine, now);
            if on_event(LoopEvent::Idle { now, until }).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The next instance of any enabled job strictly after `now`.
    pub fn next_wake(&self, engine: &Engine, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = engine.config().calendar.tz();
        self.config
            .jobs
            .iter()
            .filter(|j| j.enabled)
            .filter_map(|j| j.schedule.next_after(now, tz))
            .min()
    }

    /// [`Scheduler::run_loop`] on the wall clock: idles until the next instance (re-reading the
    /// engine clock at least every 30 seconds, and `stop` every 200 ms), until `stop` is set. A failed
    /// pass is retried after the idle; `on_pass` sees every pass and failure.
    pub fn run_until(
        &self,
        engine: &Engine,
        stop: &AtomicBool,
        on_pass: &mut dyn FnMut(std::result::Result<&PassReport, &Error>),
    ) -> Result<()> {
        self.run_loop(engine, stop, &mut |event| {
            match event {
                LoopEvent::Pass(r) => on_pass(Ok(r)),
                LoopEvent::Failed(e) => on_pass(Err(e)),
                LoopEvent::Idle { now, until } => {
                    let wait = until
                        .map_or(Duration::seconds(30), |u| u - now)
                        .clamp(Duration::milliseconds(200), Duration::seconds(30));
                    let deadline = std::time::Instant::now()
                        + wait.to_std().unwrap_or(std::time::Duration::from_secs(1));
                    while std::time::Instant::now() < deadline && !stop.load(Ordering::Acquire) {
                        std::thread::sleep(
                            std::time::Duration::from_millis(200)
                                .min(deadline.saturating_duration_since(std::time::Instant::now())),
                        );
                    }
                }
            }
            ControlFlow::Continue(())
        })
    }

    /// Whether this scheduler's loop is running.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// The status of every job, at the engine clock's instant.
    pub fn status(&self, engine: &Engine) -> Result<ScheduleStatus> {
        let now = engine.config().clock.now();
        let tz = engine.config().calendar.tz();
        let names: Vec<&str> = self.config.jobs.iter().map(|j| j.name.as_str()).collect();
        let docs = load_states(engine.store(), &engine.config().app_id, &names, now)?;
        let jobs = self
            .config
            .jobs
            .iter()
            .map(|j| {
                let last = docs
                    .iter()
                    .find(|d| d.job == j.name)
                    .and_then(|d| d.last_run.as_ref());
                JobStatus {
                    name: j.name.clone(),
                    schedule: j.schedule.as_str().to_owned(),
                    description: j.description.clone(),
                    enabled: j.enabled,
                    catch_up: j.catch_up,
                    last_run: last.map(|l| l.started_at),
                    next_run: j.enabled.then(|| j.schedule.next_after(now, tz)).flatten(),
                    last_outcome: last.map(|l| l.status),
                    last_duration_ms: last.and_then(|l| l.duration_ms),
                    error: last.and_then(|l| l.error.as_ref().map(|e| e.message.clone())),
                }
            })
            .collect();
        Ok(ScheduleStatus {
            running: self.is_running(),
            timezone: tz.name().to_owned(),
            jobs,
        })
    }

    /// The run history, newest instance first: every attempt of `job` (or of every job), at most
    /// `limit` (≤ [`MAX_HISTORY_LIMIT`]).
    pub fn history(
        &self,
        engine: &Engine,
        job: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RunRecord>> {
        let mut filter = DocFilter::all().eq("appId", engine.config().app_id.as_str());
        if let Some(j) = job {
            self.config.job(j)?;
            filter = filter.eq("job", j);
        }
        let mut runs: Vec<RunRecord> = engine.store().find_docs(&filter)?;
        runs.sort_by(|a, b| {
            (&b.scheduled_at, b.attempt, &b.job).cmp(&(&a.scheduled_at, a.attempt, &a.job))
        });
        runs.truncate(limit.min(MAX_HISTORY_LIMIT));
        Ok(runs)
    }
}
