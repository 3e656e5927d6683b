//! The `Engine` class (the core's `Engine`): an in-memory store loaded from a mongoexport directory or
//! filled by the synthetic generator, one configuration, and every capability as a method returning a
//! `Promise`. The work runs on the libuv thread pool ([`Job`]); results are the core's serde JSON, parsed.
//!
//! Concurrent calls are allowed: the core's engine is shared by all of them and serialises its own rollup
//! writes (a burst of first requests computes each missing day once), while reports run in parallel.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{generate, GenerationManifest, GeneratorConfig};
use halobuzz_analytics::kpi::DailyRollup;
use halobuzz_analytics::load::{load_directory, LoadOptions};
use halobuzz_analytics::store::{is_mongodb_uri, InMemoryStoreBuilder, MongoStore, Store};
use napi::bindgen_prelude::{
    AsyncTask, FnArgs, FromNapiValue, Function, JsObjectValue, JsValue, Object, Undefined, Unknown,
};
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use napi::{sys, Env, Status, Task, ValueType};
use napi_derive::napi;
use serde::Deserialize;

use crate::args;
use crate::calendar::{day_text, parse_day, parse_range};
use crate::config::EngineConfig;
use crate::error::{catch_panic, invalid_argument, Failure, Outcome};
use crate::generate::GeneratorOptions;
use crate::kpi::{KpiQuery, ReportArgs, TimeSeriesQuery};
use crate::task::{parse_json, to_json, Job};

/// The days to back-fill, and whether to recompute days that already have a rollup.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackfillQuery {
    /// First local day, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    #[serde(deserialize_with = "day_text")]
    pub to: String,
    /// Recompute days that already have a current rollup (default `false`: they are skipped).
    pub force: Option<bool>,
}

/// The analytics engine over one in-memory store. Create it with `Engine.fromDirectory()` or
/// `Engine.fromGenerator()`; every method returns a `Promise` and runs off the JavaScript thread.
#[napi]
pub struct Engine {
    shared: Arc<Shared>,
}

/// What the methods' tasks share.
struct Shared {
    engine: halobuzz_analytics::Engine,
    /// What the generator wrote, for an engine over generated data.
    manifest: Option<GenerationManifest>,
}

/// Where a new engine's data comes from.
enum Source {
    Directory(PathBuf),
    Generator(GeneratorConfig),
}

/// Loads or generates the store of a new engine on the thread pool.
pub struct Open {
    args: Option<Outcome<(Source, Config)>>,
}

impl Task for Open {
    type Output = Outcome<Engine>;
    type JsValue = Engine;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let args = self.args.take();
        Ok(catch_panic(move || {
            let (source, config) =
                args.ok_or_else(|| Failure::Panic("a task ran twice".to_owned()))??;
            let (store, manifest): (Arc<dyn Store>, _) = match source {
                // A MongoDB URI instead of a directory: the database is the URI's path (else `halobuzz`).
                Source::Directory(dir) if is_mongodb_uri(&dir.to_string_lossy()) => (
                    Arc::new(MongoStore::connect(&dir.to_string_lossy(), None)?),
                    None,
                ),
                Source::Directory(dir) => (
                    Arc::new(load_directory(&dir, &LoadOptions::default(), &|_, _| {})?),
                    None,
                ),
                Source::Generator(gen) => {
                    let mut builder = InMemoryStoreBuilder::new();
                    let manifest = generate(&gen, &mut builder, &mut |_, _| {})?;
                    (Arc::new(builder.build()), Some(manifest))
                }
            };
            Ok(Engine {
                shared: Arc::new(Shared {
                    engine: halobuzz_analytics::Engine::new(store, config),
                    manifest,
                }),
            })
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|f| f.into_js(&env))
    }
}

/// The `{ from, to, country }` argument of `kpis` and `kpisFromRaw`.
fn kpi_query(env: &Env, query: Option<Unknown<'_>>) -> Outcome<ReportArgs> {
    args::required_options::<KpiQuery>(
        env,
        "query",
        query,
        "{ from: '2026-03-01', to: '2026-03-31', country: 'NP' }",
    )
    .and_then(|q| q.parse())
}

/// The configuration argument (checked before any data is read, so a bad time zone fails fast).
fn config_arg(env: &Env, config: Option<Unknown<'_>>) -> Outcome<Config> {
    args::options::<EngineConfig>(env, "config", config)?
        .unwrap_or_default()
        .into_config()
}

/// A backfill's progress reports: queued from the thread pool without waiting for JavaScript, run in order
/// on the JavaScript thread. The threadsafe function's target is `Reflect.apply`, called with the caller's
/// callback and the report, or, once the callback has thrown, with a no-op: so it is never called again,
/// and whatever it threw (an `Error` or any other value) is captured by napi as it is.
type ProgressFn = ThreadsafeFunction<String, UnknownReturnValue, ApplyArgs, Status, false>;

/// The arguments of `Reflect.apply(target, thisArgument, argumentsList)`, as raw values created on the
/// JavaScript thread just before the call.
type ApplyArgs = FnArgs<(sys::napi_value, Undefined, Vec<sys::napi_value>)>;

/// Counts the progress reports that have run, so that a backfill settles only after its last report (a
/// threadsafe call and a task's completion are separate libuv events whose order is not fixed), and keeps
/// the first exception the caller's callback threw.
#[derive(Default)]
struct Delivery {
    state: Mutex<Delivered>,
    changed: Condvar,
}

#[derive(Default)]
struct Delivered {
    count: u64,
    thrown: Option<napi::Error>,
}

impl Delivery {
    fn state(&self) -> MutexGuard<'_, Delivered> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One report has run (on the JavaScript thread), with the callback's result.
    fn delivered(&self, result: napi::Result<UnknownReturnValue>) {
        let mut s = self.state();
        s.count += 1;
        if let Err(e) = result {
            s.thrown.get_or_insert(e);
        }
        self.changed.notify_all();
    }

    /// A report could not be prepared (on the JavaScript thread): the backfill rejects with this.
    fn failed(&self, e: napi::Error) {
        self.state().thrown.get_or_insert(e);
    }

    fn has_thrown(&self) -> bool {
        self.state().thrown.is_some()
    }

    /// Waits until `sent` reports have run, or the callback is gone (the environment is shutting down
    /// and will not run them); returns what the callback threw, if anything.
    fn wait(&self, sent: u64, gone: impl Fn() -> bool) -> Option<napi::Error> {
        let mut s = self.state();
        while s.count < sent && !gone() {
            s = self
                .changed
                .wait_timeout(s, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        s.thrown.take()
    }
}

/// The progress callback argument: `None` when absent, an error when it is not a function.
fn progress_arg(
    env: &Env,
    callback: Option<Unknown<'_>>,
    delivery: &Arc<Delivery>,
) -> Outcome<Option<ProgressFn>> {
    let Some(callback) = callback else {
        return Ok(None);
    };
    let napi_failure = |e: napi::Error| invalid_argument("onProgress", e.reason);
    if callback.get_type().map_err(napi_failure)? != ValueType::Function {
        return Err(invalid_argument(
            "onProgress",
            "expected a function (progress) => void",
        ));
    }
    let user = Function::<Unknown<'static>, UnknownReturnValue>::from_unknown(callback)
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let noop = env
        .create_function_from_closure::<(), (), _>("skipBackfillProgress", |_| Ok(()))
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let apply: Function<ApplyArgs, UnknownReturnValue> = env
        .get_global()
        .and_then(|g| g.get_named_property::<Object>("Reflect"))
        .and_then(|r| r.get_named_property("apply"))
        .map_err(napi_failure)?;
    let delivery = delivery.clone();
    let tsfn = apply
        .build_threadsafe_function::<String>()
        .build_callback(move |ctx| {
            let env = ctx.env;
            let report = || -> napi::Result<ApplyArgs> {
                let target = user.borrow_back(&env)?.raw();
                let progress = parse_json(&env, ctx.value)?.raw();
                Ok(FnArgs::from((target, (), vec![progress])))
            };
            let skip = || -> napi::Result<ApplyArgs> {
                Ok(FnArgs::from((noop.borrow_back(&env)?.raw(), (), vec![])))
            };
            if delivery.has_thrown() {
                return skip();
            }
            // An error returned here would become an uncaught exception: keep it as the call's failure.
            report().or_else(|e| {
                delivery.failed(e);
                skip()
            })
        })
        .map_err(napi_failure)?;
    Ok(Some(tsfn))
}

/// The stored documents of rollups (relaxed Extended JSON, as `halobuzz-analytics rollup --out` writes
/// them), as JSON text.
fn rollup_documents(rollups: &[DailyRollup]) -> Outcome<String> {
    let docs = rollups
        .iter()
        .map(|r| Ok(bson::Bson::Document(r.to_document()?).into_relaxed_extjson()))
        .collect::<Outcome<Vec<_>>>()?;
    to_json(&docs)
}

#[napi]
impl Engine {
    /// Loads a mongoexport data directory (`<collection>.json` / `.ndjson`, optionally `.gz`, one
    /// Extended JSON document per line) into a new engine, or connects to MongoDB when `dir` is a
    /// `mongodb://` or `mongodb+srv://` URI (database: the URI's path, else `halobuzz`; rollups are then
    /// written to its `analyticsdailykpis`; an unreachable server rejects with `STORAGE_ERROR`). Invalid and duplicate documents are skipped
    /// and counted in `qualityReport()`. A relative `dir` is resolved against the process's working
    /// directory. Rejects with `NOT_A_DATA_DIRECTORY`, `READ_FAILED`, `AMBIGUOUS_DATA_FILE` or, for a bad
    /// `config`, `INVALID_ARGUMENT`.
    #[napi(
        catch_unwind,
        ts_args_type = "dir: string, config?: EngineConfig | undefined | null",
        ts_return_type = "Promise<Engine>"
    )]
    pub fn from_directory(
        env: Env,
        dir: Option<Unknown<'_>>,
        config: Option<Unknown<'_>>,
    ) -> AsyncTask<Open> {
        let args = (|| -> Outcome<_> {
            let dir = args::string(&env, "dir", dir, "'./data/demo'")?;
            if dir.trim().is_empty() {
                return Err(invalid_argument("dir", "must not be empty"));
            }
            Ok((
                Source::Directory(PathBuf::from(dir)),
                config_arg(&env, config)?,
            ))
        })();
        AsyncTask::new(Open { args: Some(args) })
    }

    /// Generates a seeded synthetic HaloBuzz dataset straight into a new engine's store (the same data as
    /// `halobuzz-analytics generate` with the same options). `generationManifest` then says which days it
    /// covers.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: GeneratorOptions | undefined | null, config?: EngineConfig | undefined | null",
        ts_return_type = "Promise<Engine>"
    )]
    pub fn from_generator(
        env: Env,
        options: Option<Unknown<'_>>,
        config: Option<Unknown<'_>>,
    ) -> AsyncTask<Open> {
        let args = (|| -> Outcome<_> {
            let gen = args::options::<GeneratorOptions>(&env, "options", options)?
                .unwrap_or_default()
                .into_config()?;
            gen.validate()?;
            Ok((Source::Generator(gen), config_arg(&env, config)?))
        })();
        AsyncTask::new(Open { args: Some(args) })
    }

    /// What the generator wrote (`start`, `end`, documents per collection) for an engine made by
    /// `fromGenerator`; `null` for one loaded from a directory.
    #[napi(getter, catch_unwind, ts_return_type = "GenerationManifest | null")]
    pub fn generation_manifest(&self, env: Env) -> napi::Result<Option<Unknown<'static>>> {
        match &self.shared.manifest {
            None => Ok(None),
            Some(m) => match to_json(m) {
                Ok(json) => parse_json(&env, json).map(Some),
                Err(f) => Err(f.into_js(&env)),
            },
        }
    }

    /// The data-quality report: per collection, documents read, valid, invalid (by field and reason) and
    /// duplicate, as `halobuzz-analytics quality --json` prints it.
    #[napi(catch_unwind, ts_return_type = "Promise<QualityReport>")]
    pub fn quality_report(&self) -> AsyncTask<Job> {
        let shared = self.shared.clone();
        Job::spawn(move || to_json(&shared.engine.quality_report()?))
    }

    /// Computes the rollups of one local day (`ALL` and every country seen), replacing the stored ones,
    /// and resolves to their stored documents, `ALL` first. The documents hold raw user ids: keep them
    /// server-side.
    #[napi(
        catch_unwind,
        ts_args_type = "date: string",
        ts_return_type = "Promise<Array<RollupDocument>>"
    )]
    pub fn rollup_day(&self, env: Env, date: Option<Unknown<'_>>) -> AsyncTask<Job> {
        let date =
            args::string(&env, "date", date, "'2026-03-01'").and_then(|d| parse_day("date", &d));
        let shared = self.shared.clone();
        Job::spawn(move || rollup_documents(&shared.engine.rollup_day(date?)?))
    }

    /// The stored rollup documents of one local day, `ALL` first (empty until the day is rolled up).
    #[napi(
        catch_unwind,
        ts_args_type = "date: string",
        ts_return_type = "Promise<Array<RollupDocument>>"
    )]
    pub fn rollups_of_day(&self, env: Env, date: Option<Unknown<'_>>) -> AsyncTask<Job> {
        let date =
            args::string(&env, "date", date, "'2026-03-01'").and_then(|d| parse_day("date", &d));
        let shared = self.shared.clone();
        Job::spawn(move || rollup_documents(&shared.engine.rollups_of_day(date?)?))
    }

    /// Rolls up every finished day of `from..=to` that has no current rollup (every day with `force`).
    /// `onProgress`, if given, is called on the JavaScript thread once per day, in order, with
    /// `{ done, total, date, skipped }`; the backfill never waits for it, and the promise settles after
    /// the last call. If `onProgress` throws, it is not called again, the backfill still finishes, and
    /// the promise rejects with what it threw.
    #[napi(
        catch_unwind,
        ts_args_type = "query: BackfillQuery, onProgress?: ((progress: BackfillProgress) => void) | undefined | null",
        ts_return_type = "Promise<BackfillSummary>"
    )]
    pub fn backfill(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> AsyncTask<Job> {
        let delivery = Arc::new(Delivery::default());
        let parsed = (|| -> Outcome<_> {
            let q: BackfillQuery = args::required_options(
                &env,
                "query",
                query,
                "{ from: '2026-03-01', to: '2026-03-31' }",
            )?;
            let range = parse_range(&q.from, &q.to)?;
            Ok((
                range,
                q.force.unwrap_or(false),
                progress_arg(&env, on_progress, &delivery)?,
            ))
        })();
        let shared = self.shared.clone();
        Job::spawn(move || {
            let (range, force, progress) = parsed?;
            let mut sent = 0u64;
            let summary = shared.engine.backfill(range, force, &mut |p| {
                let Some(callback) = &progress else { return };
                // Stop queueing once the callback threw (reports already queued call a no-op).
                if delivery.has_thrown() {
                    return;
                }
                let Ok(json) = serde_json::to_string(&p) else {
                    return;
                };
                let delivery = delivery.clone();
                let status = callback.call_with_return_value(
                    json,
                    ThreadsafeFunctionCallMode::NonBlocking,
                    move |result, _env| {
                        delivery.delivered(result);
                        Ok(())
                    },
                );
                if status == Status::Ok {
                    sent += 1;
                }
            });
            let thrown = progress
                .as_ref()
                .and_then(|callback| delivery.wait(sent, || callback.aborted()));
            let summary = summary?;
            match thrown {
                Some(e) => Err(Failure::Js(e)),
                None => to_json(&summary),
            }
        })
    }

    /// The KPI report of `from..=to` for `country`: every section of METRICS.md with growth against the
    /// previous period, from daily rollups (missing finished days are rolled up and stored first).
    #[napi(
        catch_unwind,
        ts_args_type = "query: KpiQuery",
        ts_return_type = "Promise<KpiReport>"
    )]
    pub fn kpis(&self, env: Env, query: Option<Unknown<'_>>) -> AsyncTask<Job> {
        let parsed = kpi_query(&env, query);
        let shared = self.shared.clone();
        Job::spawn(move || {
            let q = parsed?;
            to_json(&shared.engine.kpis(q.range, q.country)?)
        })
    }

    /// The same report computed straight from the raw records, without reading or writing rollups (for
    /// checks and one-off questions).
    #[napi(
        catch_unwind,
        ts_args_type = "query: KpiQuery",
        ts_return_type = "Promise<KpiReport>"
    )]
    pub fn kpis_from_raw(&self, env: Env, query: Option<Unknown<'_>>) -> AsyncTask<Job> {
        let parsed = kpi_query(&env, query);
        let shared = self.shared.clone();
        Job::spawn(move || {
            let q = parsed?;
            to_json(&shared.engine.kpis_from_raw(q.range, q.country)?)
        })
    }

    /// One numeric report field (`revenue.total`, `engagement.dau`, …; see `metricPaths()`) per day,
    /// week or month of `from..=to`, each bucket computed over its own days.
    #[napi(
        catch_unwind,
        ts_args_type = "query: TimeSeriesQuery",
        ts_return_type = "Promise<TimeSeries>"
    )]
    pub fn time_series(&self, env: Env, query: Option<Unknown<'_>>) -> AsyncTask<Job> {
        let parsed = args::required_options::<TimeSeriesQuery>(
            &env,
            "query",
            query,
            "{ metric: 'revenue.total', from: '2026-03-01', to: '2026-03-31', granularity: 'week' }",
        )
        .and_then(|q| q.parse());
        let shared = self.shared.clone();
        Job::spawn(move || {
            let q = parsed?;
            to_json(
                &shared
                    .engine
                    .time_series(&q.metric, q.range, q.granularity, q.country)?,
            )
        })
    }
}
