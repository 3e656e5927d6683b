//! The scheduler (issue 16, `docs/schedule.md`): `Scheduler(engine, **options)` (or
//! `engine.scheduler(**options)`) over the engine's store. Passes run with the GIL released; a custom
//! job's Python callable takes the GIL only while it runs. The loop runs on a background thread
//! (`start` / `stop`), or in the caller's thread with `run_forever`, which wakes every 200 ms to honour
//! a `threading.Event` and Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::{
    NextRunsRequest, RunDueRequest, RunHistoryRequest, SchedulerOptions,
};
use halobuzz_analytics::schedule::{
    CatchUp, CustomJob, JobContext, JobOutput, PassReport, Scheduler as CoreScheduler,
};
use halobuzz_analytics::{Error, Result};

use crate::convert::to_py;
use crate::engine::PyEngine;
use crate::error::to_py_err;
use crate::request::{decode, instant, int, json, put, Object, SAME};
use crate::run::compute;

/// The loop thread and its stop flag.
struct Runner {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The scheduler of an engine: the default jobs (``daily-rollup``, ``forecasts``,
/// ``weekly-report``, ``alert-check``, ``monthly-cohorts``) changed by the options, and custom jobs
/// (:meth:`add_job`).
///
/// Options (all keyword-only): ``read_env`` (read ``ALERT_INTERVAL_MIN`` and the ``SCHEDULE_*``
/// variables from the environment first; default ``False``), ``env`` (the same variables as a dict),
/// ``jobs`` (a list of ``{"name", "cron", "enabled", "catch_up", "metrics"}`` changing default jobs),
/// ``alert_interval_min`` (a divisor of 60; default 15), ``lease_seconds`` (5-86400; default 300),
/// ``grace_minutes`` (0-1440; default 10), ``owner`` (this scheduler's id in run records). A bad
/// option raises :class:`InvalidInputError`.
///
/// Several schedulers, in this process or others, may share one store (a MongoDB database): each
/// instance of a job still runs once, under a lease.
#[pyclass(frozen, name = "Scheduler", module = "halobuzz_analytics")]
pub(crate) struct PyScheduler {
    engine: Py<PyEngine>,
    /// Shared with the loop thread and the passes in progress; `add_job` needs it unshared.
    core: Mutex<Arc<CoreScheduler>>,
    runner: Mutex<Option<Runner>>,
}

impl PyScheduler {
    fn core(&self) -> Arc<CoreScheduler> {
        self.core
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn engine(&self) -> &halobuzz_analytics::Engine {
        &self.engine.get().inner
    }
}

/// The options as the core's `SchedulerOptions`.
#[allow(clippy::too_many_arguments)]
fn options(
    read_env: bool,
    env: Option<&Bound<'_, PyAny>>,
    jobs: Option<&Bound<'_, PyAny>>,
    alert_interval_min: Option<i128>,
    lease_seconds: Option<i128>,
    grace_minutes: Option<i128>,
    owner: Option<String>,
) -> PyResult<SchedulerOptions> {
    let mut o = Object::new();
    o.insert("read_env".to_owned(), Value::Bool(read_env));
    put(&mut o, "env", env.map(|e| json("env", e)).transpose()?);
    put(&mut o, "jobs", jobs.map(|j| json("jobs", j)).transpose()?);
    put(&mut o, "alert_interval_min", alert_interval_min.map(int));
    put(&mut o, "lease_seconds", lease_seconds.map(int));
    put(&mut o, "grace_minutes", grace_minutes.map(int));
    put(&mut o, "owner", owner.map(Value::String));
    decode("scheduler", o, SAME)
}

fn new_scheduler(engine: Py<PyEngine>, options: &SchedulerOptions) -> PyResult<PyScheduler> {
    let core = options.into_scheduler().map_err(to_py_err)?;
    Ok(PyScheduler {
        engine,
        core: Mutex::new(Arc::new(core)),
        runner: Mutex::new(None),
    })
}

#[pymethods]
impl PyEngine {
    /// A :class:`Scheduler` over this engine (the same options as ``Scheduler(engine, ...)``).
    #[pyo3(signature = (
        *, read_env=false, env=None, jobs=None, alert_interval_min=None, lease_seconds=None,
        grace_minutes=None, owner=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn scheduler(
        slf: &Bound<'_, Self>,
        read_env: bool,
        env: Option<&Bound<'_, PyAny>>,
        jobs: Option<&Bound<'_, PyAny>>,
        alert_interval_min: Option<i128>,
        lease_seconds: Option<i128>,
        grace_minutes: Option<i128>,
        owner: Option<String>,
    ) -> PyResult<PyScheduler> {
        let o = options(
            read_env,
            env,
            jobs,
            alert_interval_min,
            lease_seconds,
            grace_minutes,
            owner,
        )?;
        new_scheduler(slf.clone().unbind(), &o)
    }
}

#[pymethods]
impl PyScheduler {
    #[new]
    #[pyo3(signature = (
        engine, *, read_env=false, env=None, jobs=None, alert_interval_min=None, lease_seconds=None,
        grace_minutes=None, owner=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        engine: Py<PyEngine>,
        read_env: bool,
        env: Option<&Bound<'_, PyAny>>,
        jobs: Option<&Bound<'_, PyAny>>,
        alert_interval_min: Option<i128>,
        lease_seconds: Option<i128>,
        grace_minutes: Option<i128>,
        owner: Option<String>,
    ) -> PyResult<Self> {
        let o = options(
            read_env,
            env,
            jobs,
            alert_interval_min,
            lease_seconds,
            grace_minutes,
            owner,
        )?;
        new_scheduler(engine, &o)
    }

    /// Every job in the old ``scheduler-status`` shape: ``{"running", "timezone", "jobs": [{"name",
    /// "schedule", "description", "enabled", "catch_up", "last_run", "next_run", "last_outcome",
    /// "last_duration_ms", "error"}]}``.
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let core = self.core();
        let status = compute(py, || core.status(self.engine()))?;
        Ok(to_py(py, &status)?)
    }

    /// The next ``count`` runs (1-1000; default 5) of ``job`` strictly after ``after`` (an RFC 3339
    /// string or an aware ``datetime``; default: the engine's clock): ``{"job", "schedule",
    /// "timezone", "runs"}``, each run an RFC 3339 string with the reporting zone's offset.
    #[pyo3(signature = (job, after=None, count=None))]
    fn next_runs<'py>(
        &self,
        py: Python<'py>,
        job: String,
        after: Option<&Bound<'py, PyAny>>,
        count: Option<i128>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        o.insert("job".to_owned(), Value::String(job));
        put(
            &mut o,
            "after",
            after.map(|t| instant("after", t)).transpose()?,
        );
        put(&mut o, "count", count.map(int));
        let request: NextRunsRequest = decode("query", o, SAME)?;
        let core = self.core();
        let runs = compute(py, || request.run(&core, self.engine().config()))?;
        Ok(to_py(py, &runs)?)
    }

    /// One pass: runs every instance due at ``at`` (default: the engine's clock), one at a time, each
    /// under a lease, with the GIL released (custom jobs take it while they run). Returns ``{"at",
    /// "runs": [{"job", "scheduled_at", "catch_up", "skipped", "outcome", "run"}]}``.
    #[pyo3(signature = (at=None))]
    fn run_due<'py>(
        &self,
        py: Python<'py>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        put(&mut o, "at", at.map(|t| instant("at", t)).transpose()?);
        let request: RunDueRequest = decode("query", o, SAME)?;
        let core = self.core();
        let pass = compute(py, || request.run(&core, self.engine()))?;
        Ok(to_py(py, &pass)?)
    }

    /// The run history (every attempt), newest instance first: of ``job`` or of every job, at most
    /// ``limit`` (1-1000; default 100).
    #[pyo3(signature = (job=None, limit=None))]
    fn history<'py>(
        &self,
        py: Python<'py>,
        job: Option<String>,
        limit: Option<i128>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        put(&mut o, "job", job.map(Value::String));
        put(&mut o, "limit", limit.map(int));
        let request: RunHistoryRequest = decode("query", o, SAME)?;
        let core = self.core();
        let runs = compute(py, || request.run(&core, self.engine()))?;
        Ok(to_py(py, &runs)?)
    }

    /// Adds a custom job: ``func(context)`` is called (holding the GIL) at each instance of ``cron``
    /// (five fields, read in the reporting time zone) with ``{"job", "scheduled_at", "started_at",
    /// "catch_up", "attempt"}``. It may return ``None``, a message, or ``{"message", "details"}``; an
    /// exception (or another answer) is a failed run, recorded with code ``JOB_FAILED``.
    /// ``catch_up``: ``"all"``, ``"latest"`` (default) or ``"none"``. Raises
    /// :class:`InvalidInputError` for a bad name, cron or policy, and while the scheduler is started
    /// or a pass is in progress (add jobs first).
    #[pyo3(signature = (name, cron, func, *, catch_up="latest", description=""))]
    fn add_job(
        &self,
        name: String,
        cron: String,
        func: Bound<'_, PyAny>,
        catch_up: &str,
        description: &str,
    ) -> PyResult<()> {
        if !func.is_callable() {
            return Err(PyTypeError::new_err(
                "func: expected a callable taking one dict",
            ));
        }
        let policy: CatchUp = {
            let mut o = Object::new();
            o.insert("catch_up".to_owned(), Value::String(catch_up.to_owned()));
            let p: CatchUpArg = decode("add_job", o, SAME)?;
            p.catch_up
        };
        let job = py_job(&name, func.unbind());
        let mut core = self.core.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(core) = Arc::get_mut(&mut core) else {
            return Err(to_py_err(Error::invalid_argument(
                "name",
                "jobs cannot be added while the scheduler is started or a pass is in progress; add them first",
            )));
        };
        core.add_custom(&name, &cron, description, policy, job)
            .map_err(to_py_err)
    }

    /// Starts the loop on a background thread: a pass now, then one at each next instance by the
    /// engine's clock, until :meth:`stop`. ``on_pass(event)`` (holding the GIL) receives each pass as
    /// ``{"pass": ...}`` or failed pass as ``{"error": {"code", "message"}}``; what it raises is
    /// reported as unraisable. Raises :class:`InvalidInputError` when already started.
    #[pyo3(signature = (on_pass=None))]
    fn start(&self, py: Python<'_>, on_pass: Option<Bound<'_, PyAny>>) -> PyResult<()> {
        if on_pass.as_ref().is_some_and(|f| !f.is_callable()) {
            return Err(PyTypeError::new_err(
                "on_pass: expected a callable taking one dict",
            ));
        }
        let mut runner = self.runner.lock().unwrap_or_else(PoisonError::into_inner);
        if runner.as_ref().is_some_and(|r| !r.thread.is_finished()) {
            return Err(to_py_err(Error::invalid_argument(
                "scheduler",
                "already started; call stop() first",
            )));
        }
        let stop = Arc::new(AtomicBool::new(false));
        let engine = self.engine.clone_ref(py);
        let (core, flag) = (self.core(), stop.clone());
        let on_pass = on_pass.map(Bound::unbind);
        let thread = std::thread::Builder::new()
            .name("halobuzz-scheduler".to_owned())
            .spawn(move || {
                let report = |event: Value| {
                    if let Some(f) = &on_pass {
                        Python::attach(|py| {
                            if let Err(e) = to_py(py, &event)
                                .map_err(PyErr::from)
                                .and_then(|e| f.bind(py).call1((e,)))
                            {
                                e.write_unraisable(py, Some(f.bind(py)));
                            }
                        });
                    }
                };
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    core.run_until(&engine.get().inner, &flag, &mut |pass| {
                        report(event_of(pass));
                    })
                }));
                match result {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => report(event_of(Err(&e))),
                    Err(p) => report(event_of(Err(&Error::from_panic(&*p)))),
                }
                Python::attach(|_py| drop(engine));
            })
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the scheduler: {e}")))?;
        *runner = Some(Runner { stop, thread });
        Ok(())
    }

    /// Stops the loop and waits (GIL released) until its thread has finished: a built-in job in
    /// progress is cancelled between its steps, a Python job runs to its end. Returns whether it was
    /// started.
    fn stop(&self, py: Python<'_>) -> bool {
        let runner = self
            .runner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match runner {
            Some(r) => {
                r.stop.store(true, Ordering::Release);
                py.detach(|| {
                    let _ = r.thread.join();
                });
                true
            }
            None => false,
        }
    }

    /// Whether :meth:`start`'s loop is running.
    #[getter]
    fn running(&self) -> bool {
        self.runner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|r| !r.thread.is_finished())
    }

    /// Runs the loop until ``stop_event`` (a ``threading.Event``) is set or Ctrl-C: :meth:`start`,
    /// then a wait in this thread (waking every 200 ms, GIL released), then :meth:`stop`.
    /// ``on_pass`` as for :meth:`start`. Re-raises ``KeyboardInterrupt`` after stopping.
    #[pyo3(signature = (stop_event=None, on_pass=None))]
    fn run_forever(
        &self,
        py: Python<'_>,
        stop_event: Option<Bound<'_, PyAny>>,
        on_pass: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.start(py, on_pass)?;
        let outcome = loop {
            py.detach(|| std::thread::sleep(Duration::from_millis(200)));
            if let Err(e) = py.check_signals() {
                break Err(e);
            }
            if let Some(ev) = &stop_event {
                match ev.call_method0("is_set").and_then(|v| v.is_truthy()) {
                    Ok(true) => break Ok(()),
                    Ok(false) => {}
                    Err(e) => break Err(e),
                }
            }
            if !self.running() {
                break Ok(());
            }
        };
        self.stop(py);
        outcome
    }

    fn __repr__(&self) -> String {
        let core = self.core();
        let jobs: Vec<&str> = core.config().jobs.iter().map(|j| j.name.as_str()).collect();
        format!("Scheduler(owner={:?}, jobs={jobs:?})", core.owner())
    }
}

/// `{"catch_up": …}` read by the core (its names and message).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CatchUpArg {
    catch_up: CatchUp,
}

/// A loop event: `{"pass": …}` or `{"error": {"code", "message"}}`.
fn event_of(pass: std::result::Result<&PassReport, &Error>) -> Value {
    match pass {
        Ok(report) => serde_json::json!({ "pass": report }),
        Err(e) => serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } }),
    }
}

/// The core's custom job around a Python callable: called holding the GIL, its answer read as a
/// job's output.
fn py_job(name: &str, func: Py<PyAny>) -> CustomJob {
    let name = name.to_owned();
    Arc::new(move |_engine, ctx: JobContext| -> Result<JobOutput> {
        let failed = |message: String| Error::JobFailed {
            job: name.clone(),
            message,
        };
        // Keys already in Python's spelling (`to_py` respells a result's fields, not a map's keys).
        let context = serde_json::json!({
            "job": ctx.job,
            "scheduled_at": ctx.scheduled_at,
            "started_at": ctx.started_at,
            "catch_up": ctx.catch_up,
            "attempt": ctx.attempt,
        });
        Python::attach(|py| {
            let answer = to_py(py, &context)
                .map_err(PyErr::from)
                .and_then(|c| func.bind(py).call1((c,)))
                .map_err(|e| failed(describe(py, &e)))?;
            let value = json("answer", &answer).map_err(|e| failed(describe(py, &e)))?;
            match value {
                Value::Null => Ok(JobOutput::default()),
                Value::String(s) => Ok(JobOutput::message(s)),
                v @ Value::Object(_) => serde_json::from_value::<JobOutput>(v).map_err(|e| {
                    failed(format!(
                        "the answer is not {{\"message\": str, \"details\": ...}}: {e}"
                    ))
                }),
                _ => Err(failed(
                    "the answer is neither None, a str nor {\"message\": str, \"details\": ...}"
                        .to_owned(),
                )),
            }
        })
    })
}

/// `TypeError: message`, as a run records an exception.
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let kind = e
        .get_type(py)
        .name()
        .map_or_else(|_| "Exception".to_owned(), |n| n.to_string());
    format!("{kind}: {}", e.value(py))
}
