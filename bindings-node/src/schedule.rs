//! The scheduler (issue 16, `docs/schedule.md`): `engine.scheduler(options)` is a [`Scheduler`] over the
//! engine's store. Its calls (`status`, `nextRuns`, `runDue`, `history`) run on the libuv thread pool
//! like every engine call; `start()` runs the core's wall-clock loop (`Scheduler::run_until`) on a
//! thread of its own, and `stop()` resolves once that thread has finished: the JavaScript thread never
//! waits for either.
//!
//! A custom job (`addJob(name, cron, fn)`) is the core's `CustomJob` closure around a JavaScript
//! function: the closure runs on the scheduler's thread (or the pool thread of a `runDue`), hands the
//! call to the JavaScript thread through a threadsafe function, and waits for its answer (the function
//! may return a promise) at most the job's `timeoutSeconds`. A small fixed adapter ([`JOB_ADAPTER`])
//! turns every outcome into one call of a native `done(ok, text)`, as the alert notifier does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use halobuzz_analytics::api::{self, NextRunsRequest, RunDueRequest, RunHistoryRequest};
use halobuzz_analytics::schedule::{
    CatchUp, CustomJob, JobContext, JobOutput, Scheduler as CoreScheduler,
};
use halobuzz_analytics::Error as CoreError;
use napi::bindgen_prelude::{AsyncTask, FnArgs, FromNapiValue, Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, JsValue, Status, Task, ValueType};
use napi_derive::napi;
use serde::Deserialize;

use crate::args;
use crate::engine::{Engine, Shared};
use crate::error::{catch_panic, invalid_argument, Failure, Outcome};
use crate::task::{run, to_json, Job, Settled};

/// How long a custom job's function may take unless its options say otherwise.
pub const DEFAULT_JOB_TIMEOUT_SECONDS: u32 = 600;
/// The longest `timeoutSeconds` of a custom job (a day).
pub const MAX_JOB_TIMEOUT_SECONDS: u32 = 86_400;

/// `(fn, context as JSON text, done)`: calls `fn` with the parsed context and reports once to
/// `done(true, JSON of the answer)` or `done(false, what was thrown)`; nothing can throw past it.
const JOB_ADAPTER: &str = r"(function (fn, text, done) {
  const describe = (e) => {
    try {
      if (e instanceof Error) return `${e.name}: ${e.message}`
      return typeof e === 'string' ? e : String(e)
    } catch {
      return 'a value that cannot be shown'
    }
  }
  Promise.resolve()
    .then(() => fn(JSON.parse(text)))
    .then(
      (answer) => {
        let json
        try {
          json = JSON.stringify(answer === undefined ? null : answer)
        } catch (e) {
          return done(false, `the job's answer cannot be read: ${describe(e)}`)
        }
        return done(true, json)
      },
      (e) => done(false, describe(e)),
    )
    .catch(() => {})
})";

/// `(onPass, event as JSON text)`: hands the event to `onPass` when there is one; a throw becomes a
/// process warning (the loop goes on).
const EVENT_ADAPTER: &str = r"(function (fn, text) {
  if (typeof fn !== 'function') return
  try {
    const r = fn(JSON.parse(text))
    if (r && typeof r.then === 'function') r.then(undefined, (e) => process.emitWarning(`scheduler onPass rejected: ${e}`))
  } catch (e) {
    process.emitWarning(`scheduler onPass threw: ${e}`)
  }
})";

/// One call of a custom job for the JavaScript thread, and where its answer goes.
struct JobCall {
    json: String,
    answer: SyncSender<Result<String, String>>,
}

type JobAdapterArgs = FnArgs<(sys::napi_value, String, sys::napi_value)>;
/// The job adapter bound to the caller's function; weak: a registered job does not keep Node running.
type JobFn = ThreadsafeFunction<JobCall, Unknown<'static>, JobAdapterArgs, Status, false, true>;

type EventAdapterArgs = FnArgs<(sys::napi_value, String)>;
/// The event adapter bound to `onPass`; strong while the loop runs (like a timer, it keeps Node up
/// until `stop()`), unless `keepAlive: false`.
type EventFn = ThreadsafeFunction<String, Unknown<'static>, EventAdapterArgs, Status, false>;
/// The same, weak (`keepAlive: false`).
type WeakEventFn =
    ThreadsafeFunction<String, Unknown<'static>, EventAdapterArgs, Status, false, true>;

/// Where the loop's events go.
enum Events {
    Strong(EventFn),
    Weak(WeakEventFn),
}

impl Events {
    fn send(&self, text: String) {
        let mode = ThreadsafeFunctionCallMode::NonBlocking;
        let _ = match self {
            Events::Strong(f) => f.call(text, mode),
            Events::Weak(f) => f.call(text, mode),
        };
    }
}

/// The options of `addJob` as decoded.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AddJob {
    catch_up: Option<CatchUp>,
    description: Option<String>,
    timeout_seconds: Option<u32>,
}

/// The loop thread and its stop flag.
struct Runner {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The scheduler of an engine (from `engine.scheduler(options)`): its jobs, and at most one background
/// loop (`start` / `stop`). Several schedulers, in this process or others, may share one store: each
/// instance of a job still runs once.
#[napi]
pub struct Scheduler {
    shared: Arc<Shared>,
    /// Shared with the loop thread and the calls in progress; `addJob` needs it unshared.
    core: Mutex<Arc<CoreScheduler>>,
    runner: Arc<Mutex<Option<Runner>>>,
}

impl Scheduler {
    fn core(&self) -> Arc<CoreScheduler> {
        self.core
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A failure thrown on the JavaScript thread.
fn thrown(env: &Env, failure: Failure) -> napi::Error {
    failure.into_js(env)
}

#[napi]
impl Engine {
    /// A scheduler over this engine's store: the default jobs (`daily-rollup`, `forecasts`,
    /// `weekly-report`, `alert-check`, `monthly-cohorts`) changed by `options` (and by the environment
    /// with `readEnv`). Throws `INVALID_ARGUMENT` for a bad option (nothing is read or started).
    #[napi(
        catch_unwind,
        ts_args_type = "options?: SchedulerOptions | undefined | null"
    )]
    pub fn scheduler(&self, env: Env, options: Option<Unknown<'_>>) -> napi::Result<Scheduler> {
        let core = args::request::<api::SchedulerOptions>(&env, "options", options)
            .and_then(|o| catch_panic(|| Ok(o.into_scheduler()?)))
            .map_err(|f| thrown(&env, f))?;
        Ok(Scheduler {
            shared: self.shared(),
            core: Mutex::new(Arc::new(core)),
            runner: Arc::new(Mutex::new(None)),
        })
    }
}

#[napi]
impl Scheduler {
    /// Every job in the old `scheduler-status` shape: schedule, enabled, catch-up policy, last run and
    /// its outcome, duration and error, next run; `running` tells whether `start()`'s loop runs.
    #[napi(catch_unwind, ts_return_type = "Promise<SchedulerStatus>")]
    pub fn status(&self) -> AsyncTask<Job> {
        let (shared, core) = (self.shared.clone(), self.core());
        Job::spawn(move || to_json(&core.status(&shared.engine)?))
    }

    /// The next runs of a job strictly after `after` (RFC 3339; default now), `count` of them (1–1,000;
    /// default 5), each with the reporting zone's offset of that instant.
    #[napi(
        catch_unwind,
        ts_args_type = "query: NextRunsQuery",
        ts_return_type = "Promise<NextRuns>"
    )]
    pub fn next_runs(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<NextRunsRequest>(&env, "query", query);
        let (shared, core) = (self.shared.clone(), self.core());
        run(&env, request, move |r| {
            to_json(&r.run(&core, shared.engine.config())?)
        })
    }

    /// One pass: runs every instance due at `at` (RFC 3339; default the engine clock's now), one at a
    /// time, each under a lease in the store, on the thread pool. Resolves to what happened to each.
    #[napi(
        catch_unwind,
        ts_args_type = "at?: string | undefined | null",
        ts_return_type = "Promise<PassResult>"
    )]
    pub fn run_due(&self, env: Env, at: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::field_request::<RunDueRequest>(&env, "at", at);
        let (shared, core) = (self.shared.clone(), self.core());
        run(&env, request, move |r| {
            to_json(&r.run(&core, &shared.engine)?)
        })
    }

    /// The run history (every attempt), newest instance first: of `job`, or of every job; at most
    /// `limit` (1–1,000; default 100).
    #[napi(
        catch_unwind,
        ts_args_type = "query?: RunHistoryQuery | undefined | null",
        ts_return_type = "Promise<Array<SchedulerRun>>"
    )]
    pub fn history(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<RunHistoryRequest>(&env, "query", query);
        let (shared, core) = (self.shared.clone(), self.core());
        run(&env, request, move |r| {
            to_json(&r.run(&core, &shared.engine)?)
        })
    }

    /// Adds a custom job: `fn(context)` runs on the JavaScript thread at each instance of `cron` (five
    /// fields, in the reporting time zone). It may return nothing, a message, `{ message, details }`,
    /// or a promise of one; a throw or rejection is a `failed` run (`JOB_FAILED`), and so is no answer
    /// within `timeoutSeconds` (default 600). Throws `INVALID_ARGUMENT` for a bad name, cron or option,
    /// and while the scheduler is started or a call of it is in progress (add jobs first).
    #[napi(
        catch_unwind,
        ts_args_type = "name: string, cron: string, fn: (context: JobContext) => JobAnswer | Promise<JobAnswer>, options?: AddJobOptions | undefined | null"
    )]
    pub fn add_job(
        &self,
        env: Env,
        name: Option<Unknown<'_>>,
        cron: Option<Unknown<'_>>,
        func: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<()> {
        let added = (|| -> Outcome<()> {
            let name = args::string(&env, "name", name, "'cleanup'")?;
            let cron = args::string(&env, "cron", cron, "'30 4 * * *'")?;
            let options = args::json(&env, "options", options)?;
            let options: AddJob = catch_panic(|| {
                Ok(halobuzz_analytics::api::decode(
                    "options",
                    options,
                    halobuzz_analytics::api::NameStyle::Camel,
                )?)
            })?;
            let timeout = options
                .timeout_seconds
                .unwrap_or(DEFAULT_JOB_TIMEOUT_SECONDS);
            if timeout == 0 || timeout > MAX_JOB_TIMEOUT_SECONDS {
                return Err(invalid_argument(
                    "timeoutSeconds",
                    format!("{timeout} is not between 1 and {MAX_JOB_TIMEOUT_SECONDS}"),
                ));
            }
            let job = js_job(&env, &name, func, Duration::from_secs(u64::from(timeout)))?;
            let mut core = self
                .core
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(core) = Arc::get_mut(&mut core) else {
                return Err(invalid_argument(
                    "name",
                    "jobs cannot be added while the scheduler is started or a call of it is in progress; add them first",
                ));
            };
            catch_panic(|| {
                Ok(core.add_custom(
                    &name,
                    &cron,
                    options.description.as_deref().unwrap_or(""),
                    options.catch_up.unwrap_or(CatchUp::Latest),
                    job,
                )?)
            })
        })();
        added.map_err(|f| thrown(&env, f))
    }

    /// Starts the loop on a background thread: a pass now, then one at each next instance by the
    /// engine's clock (re-read at least every 30 s), until `stop()`. `onPass` receives each pass (`{
    /// pass }`) or failed pass (`{ error: { code, message } }`) on the JavaScript thread. Like a timer,
    /// a started scheduler keeps Node running until `stop()` unless `keepAlive: false`. Throws
    /// `INVALID_ARGUMENT` when already started.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: StartOptions | undefined | null"
    )]
    pub fn start(&self, env: Env, options: Option<Unknown<'_>>) -> napi::Result<()> {
        let started = (|| -> Outcome<()> {
            let (on_pass, keep_alive) = start_options(options)?;
            let mut runner = self
                .runner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(r) = runner.as_ref() {
                if !r.thread.is_finished() {
                    return Err(invalid_argument(
                        "scheduler",
                        "already started; call stop() first",
                    ));
                }
            }
            let events = event_fn(&env, on_pass, keep_alive)?;
            let stop = Arc::new(AtomicBool::new(false));
            let (shared, core, flag) = (self.shared.clone(), self.core(), stop.clone());
            let thread = std::thread::Builder::new()
                .name("halobuzz-scheduler".to_owned())
                .spawn(move || {
                    let send = |event: serde_json::Value| {
                        if let Ok(text) = serde_json::to_string(&event) {
                            events.send(text);
                        }
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        core.run_until(&shared.engine, &flag, &mut |pass| match pass {
                            Ok(report) => send(serde_json::json!({ "pass": report })),
                            Err(e) => send(error_event(e)),
                        })
                    }));
                    match result {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => send(error_event(&e)),
                        Err(p) => send(error_event(&CoreError::from_panic(&*p))),
                    }
                })
                .map_err(|e| {
                    Failure::Core(CoreError::Internal(format!(
                        "cannot start the scheduler's thread: {e}"
                    )))
                })?;
            *runner = Some(Runner { stop, thread });
            Ok(())
        })();
        started.map_err(|f| thrown(&env, f))
    }

    /// Stops the loop: a built-in job in progress is cancelled between its steps, a JavaScript job in
    /// progress runs to its end. Resolves to whether it was started, once its thread has finished;
    /// never blocks the JavaScript thread.
    #[napi(catch_unwind, ts_return_type = "Promise<boolean>")]
    pub fn stop(&self) -> AsyncTask<Stop> {
        let runner = self
            .runner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(r) = &runner {
            r.stop.store(true, Ordering::Release);
        }
        AsyncTask::new(Stop { runner })
    }

    /// Whether `start()`'s loop is running.
    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.runner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|r| !r.thread.is_finished())
    }
}

/// `stop()`'s wait for the loop thread, on the thread pool.
pub struct Stop {
    runner: Option<Runner>,
}

impl Task for Stop {
    type Output = bool;
    type JsValue = bool;

    fn compute(&mut self) -> napi::Result<bool> {
        Ok(match self.runner.take() {
            Some(r) => {
                let _ = r.thread.join();
                true
            }
            None => false,
        })
    }

    fn resolve(&mut self, _env: Env, output: bool) -> napi::Result<bool> {
        Ok(output)
    }
}

fn error_event(e: &CoreError) -> serde_json::Value {
    serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } })
}

/// `options.onPass` (a function, or nothing) and `options.keepAlive`.
fn start_options<'a>(options: Option<Unknown<'a>>) -> Outcome<(Option<Unknown<'a>>, bool)> {
    use napi::bindgen_prelude::{JsObjectValue as _, Object};
    let napi_failure = |e: napi::Error| invalid_argument("options", e.reason);
    let Some(options) = options else {
        return Ok((None, true));
    };
    match options.get_type().map_err(napi_failure)? {
        ValueType::Undefined | ValueType::Null => return Ok((None, true)),
        ValueType::Object => {}
        _ => {
            return Err(invalid_argument(
                "options",
                "expected an object such as { onPass: (event) => {}, keepAlive: true }",
            ))
        }
    }
    let object = Object::from_unknown(options).map_err(napi_failure)?;
    for key in object
        .get_property_names()
        .and_then(|names| {
            let n = names.get_array_length()?;
            (0..n)
                .map(|i| names.get_element::<String>(i))
                .collect::<napi::Result<Vec<_>>>()
        })
        .map_err(Failure::Js)?
    {
        if key != "onPass" && key != "keepAlive" {
            return Err(invalid_argument(
                "options",
                format!("unknown option `{key}`: expected onPass, keepAlive"),
            ));
        }
    }
    let on_pass: Option<Unknown<'a>> = object
        .get_named_property::<Option<Unknown<'a>>>("onPass")
        .map_err(Failure::Js)?;
    let on_pass = match on_pass {
        Some(f) => match f.get_type().map_err(napi_failure)? {
            ValueType::Function => Some(f),
            ValueType::Undefined | ValueType::Null => None,
            _ => {
                return Err(invalid_argument(
                    "onPass",
                    "expected a function (event) => void",
                ))
            }
        },
        None => None,
    };
    let keep_alive: Option<Unknown<'a>> = object
        .get_named_property::<Option<Unknown<'a>>>("keepAlive")
        .map_err(Failure::Js)?;
    let keep_alive = match keep_alive {
        Some(v) => match v.get_type().map_err(napi_failure)? {
            ValueType::Boolean => bool::from_unknown(v).map_err(napi_failure)?,
            ValueType::Undefined | ValueType::Null => true,
            _ => return Err(invalid_argument("keepAlive", "expected a boolean")),
        },
        None => true,
    };
    Ok((on_pass, keep_alive))
}

/// The event adapter bound to `on_pass` (or to a function doing nothing), callable from the loop thread.
fn event_fn(env: &Env, on_pass: Option<Unknown<'_>>, keep_alive: bool) -> Outcome<Events> {
    let napi_failure = |e: napi::Error| invalid_argument("onPass", e.reason);
    let on_pass = match on_pass {
        Some(f) => f,
        None => env
            .run_script::<&str, Unknown<'_>>("(function () {})")
            .map_err(napi_failure)?,
    };
    let user = Function::<Unknown<'static>, Unknown<'static>>::from_unknown(on_pass)
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let adapter: Function<EventAdapterArgs, Unknown<'static>> =
        env.run_script(EVENT_ADAPTER).map_err(napi_failure)?;
    let callback = move |ctx: napi::threadsafe_function::ThreadsafeCallContext<String>| {
        let env = ctx.env;
        Ok(FnArgs::from((user.borrow_back(&env)?.raw(), ctx.value)))
    };
    let builder = adapter.build_threadsafe_function::<String>();
    if keep_alive {
        builder
            .build_callback(callback)
            .map(Events::Strong)
            .map_err(napi_failure)
    } else {
        builder
            .weak::<true>()
            .build_callback(callback)
            .map(Events::Weak)
            .map_err(napi_failure)
    }
}

/// The core's custom job around the JavaScript function `func`.
fn js_job(
    env: &Env,
    name: &str,
    func: Option<Unknown<'_>>,
    timeout: Duration,
) -> Outcome<CustomJob> {
    let expected = || {
        invalid_argument(
            "fn",
            "expected a function (context) => string | { message, details } | void, or a promise of one",
        )
    };
    let func = func.ok_or_else(expected)?;
    let napi_failure = |e: napi::Error| invalid_argument("fn", e.reason);
    if func.get_type().map_err(napi_failure)? != ValueType::Function {
        return Err(expected());
    }
    let user = Function::<Unknown<'static>, Unknown<'static>>::from_unknown(func)
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let adapter: Function<JobAdapterArgs, Unknown<'static>> =
        env.run_script(JOB_ADAPTER).map_err(napi_failure)?;
    let call: JobFn = adapter
        .build_threadsafe_function::<JobCall>()
        .weak::<true>()
        .build_callback(move |ctx| {
            let env = ctx.env;
            let JobCall { json, answer } = ctx.value;
            let done =
                env.create_function_from_closure::<(), (), _>("jobAnswered", move |call| {
                    let ok = call.get::<bool>(0).unwrap_or(false);
                    let text = call.get::<Option<String>>(1).ok().flatten();
                    let _ = answer.try_send(if ok {
                        Ok(text.unwrap_or_else(|| "null".to_owned()))
                    } else {
                        Err(text.unwrap_or_default())
                    });
                    Ok(())
                })?;
            Ok(FnArgs::from((
                user.borrow_back(&env)?.raw(),
                json,
                done.raw(),
            )))
        })
        .map_err(napi_failure)?;
    let name = name.to_owned();
    let call = Arc::new(call);
    Ok(Arc::new(move |_engine, ctx: JobContext| {
        let failed = |message: String| CoreError::JobFailed {
            job: name.clone(),
            message,
        };
        let json = serde_json::json!({
            "job": ctx.job,
            "scheduledAt": ctx.scheduled_at,
            "startedAt": ctx.started_at,
            "catchUp": ctx.catch_up,
            "attempt": ctx.attempt,
        })
        .to_string();
        let (answer, answered) = sync_channel(1);
        let status = call.call(
            JobCall { json, answer },
            ThreadsafeFunctionCallMode::NonBlocking,
        );
        if status != Status::Ok {
            return Err(failed(format!(
                "the function cannot be called ({status}): is Node shutting down?"
            )));
        }
        let text = answered
            .recv_timeout(timeout)
            .map_err(|_| failed(format!("no answer within {} s", timeout.as_secs())))?
            .map_err(failed)?;
        output_of(&text).map_err(failed)
    }))
}

/// A job's answer (JSON text) as its output: nothing, a message, or `{ message, details }`.
fn output_of(text: &str) -> Result<JobOutput, String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Null) => Ok(JobOutput::default()),
        Ok(serde_json::Value::String(s)) => Ok(JobOutput::message(s)),
        Ok(v @ serde_json::Value::Object(_)) => serde_json::from_value::<JobOutput>(v)
            .map_err(|e| format!("the answer is not {{ message: string, details?: any }}: {e}")),
        Ok(_) | Err(_) => Err(
            "the answer is neither nothing, a string nor { message: string, details?: any }"
                .to_owned(),
        ),
    }
}

/// Changes to one default job of a scheduler (`SchedulerOptions.jobs`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct SchedulerJobOptions {
    /// The job: `daily-rollup`, `forecasts`, `weekly-report`, `alert-check` or `monthly-cohorts`.
    pub name: String,
    /// A cron expression: five fields, read in the reporting time zone.
    pub cron: Option<String>,
    /// Whether the job runs.
    pub enabled: Option<bool>,
    /// Missed runs: `all`, `latest` or `none`.
    #[napi(ts_type = "CatchUpPolicy")]
    pub catch_up: Option<String>,
    /// The forecasts job's metrics (catalog ids).
    pub metrics: Option<Vec<String>>,
}

/// How to configure a scheduler (`engine.scheduler(options)`); options win over the environment.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct SchedulerOptions {
    /// Read `ALERT_INTERVAL_MIN` and the `SCHEDULE_*` variables from the process environment first.
    pub read_env: Option<bool>,
    /// The same variables given explicitly (read after `readEnv`, if both).
    #[napi(ts_type = "Record<string, string | undefined>")]
    pub env: Option<std::collections::HashMap<String, Option<String>>>,
    /// Changes to the default jobs, at most one entry per job.
    pub jobs: Option<Vec<SchedulerJobOptions>>,
    /// Minutes between alert checks (a divisor of 60; default 15).
    pub alert_interval_min: Option<u32>,
    /// How long a claim on a run holds without renewal, in seconds (5–86,400; default 300).
    pub lease_seconds: Option<u32>,
    /// How late an instance may start and still be on time, in minutes (0–1,440; default 10).
    pub grace_minutes: Option<u32>,
    /// This scheduler's id in run records (default: process id and a random part).
    pub owner: Option<String>,
}

/// `scheduler.nextRuns(query)`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct NextRunsQuery {
    /// The job's name.
    pub job: String,
    /// Runs strictly after this instant (RFC 3339; default: the engine clock's now).
    pub after: Option<String>,
    /// How many, 1 to 1,000 (default 5).
    pub count: Option<u32>,
}

/// `scheduler.history(query)`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct RunHistoryQuery {
    /// Only this job.
    pub job: Option<String>,
    /// At most this many, newest first (1 to 1,000; default 100).
    pub limit: Option<u32>,
}

/// The options of `scheduler.addJob`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct AddJobOptions {
    /// Missed runs: `all`, `latest` (default) or `none`.
    #[napi(ts_type = "CatchUpPolicy")]
    pub catch_up: Option<String>,
    /// What the job is for, as `status()` shows it (at most 500 characters kept).
    pub description: Option<String>,
    /// How long the function may take before its run fails, in seconds (1–86,400; default 600).
    pub timeout_seconds: Option<u32>,
}

/// The options of `scheduler.start`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct StartOptions {
    /// Called on the JavaScript thread after each pass (`{ pass }`) or failed pass (`{ error }`).
    #[napi(ts_type = "(event: SchedulerEvent) => void")]
    pub on_pass: Option<String>,
    /// Keep Node running while the scheduler is started, like a timer (default `true`).
    pub keep_alive: Option<bool>,
}
