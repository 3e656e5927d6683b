//! The `Engine` class (the core's `Engine`): one store (a mongoexport directory loaded into memory, a
//! MongoDB database, or generated data), one configuration, and every operation of the core's request
//! layer as a method returning a `Promise`. Each method only translates: its arguments go to
//! `halobuzz_analytics::api` as JSON ([`args`]), the work runs on the libuv thread pool ([`Job`]), and
//! the result comes back as the core's serde JSON, parsed.
//!
//! Concurrent calls are allowed: the core's engine is shared by all of them and serialises its own rollup
//! writes (a burst of first requests computes each missing day once), while reports run in parallel.
//!
//! Arguments are converted and decoded on the JavaScript thread, and a range is put through the core's
//! own first checks there too ([`Engine::checked`]: `DateRange::new` and `Engine::check_range`, exactly
//! what the request's `run` begins with), so that a refused call rejects at once instead of waiting
//! behind other calls for a pool thread: a server under load answers `from=0001-01-01` immediately.

use std::ops::ControlFlow;
use std::sync::Arc;

use halobuzz_analytics::api::{
    self, AlertAction, AlertActionRequest, BackfillRequest, CheckAlertsRequest, CohortTableRequest,
    ConfigOptions, DataSource, DayRequest, DeleteAlertRuleRequest, DeliverAlertsRequest,
    EvaluateAlertsRequest, FunnelRequest, GenerateRequest, Generated, HostPerformanceRequest,
    KpiRequest, LifecycleRequest, ListAlertsRequest, PutAlertRuleRequest, RecentBackfillRequest,
    RetentionMatrixRequest, StoredCohortsRequest, TimeSeriesRequest,
};
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::generate::GenerationManifest;
use halobuzz_analytics::{BackfillProgress, BackfillSummary, Error as CoreError};
use napi::bindgen_prelude::{AsyncTask, Either, Unknown};
use napi::{Env, Task};
use napi_derive::napi;
use serde::Deserialize;

use crate::args;
use crate::error::{catch_panic, Outcome};
use crate::notifier::JsNotifier;
use crate::progress::Reporter;
use crate::task::{parse_json, rejected, run, to_json, Job, Settled};

/// The analytics engine over one store. Create it with `Engine.fromDirectory()` or
/// `Engine.fromGenerator()`; every method returns a `Promise` and runs off the JavaScript thread.
#[napi]
pub struct Engine {
    shared: Arc<Shared>,
}

/// What the methods' tasks share.
pub(crate) struct Shared {
    pub(crate) engine: halobuzz_analytics::Engine,
    /// What the generator wrote, for an engine over generated data.
    manifest: Option<GenerationManifest>,
}

/// Where a new engine's data comes from.
enum Source {
    Data(DataSource),
    Generator(GenerateRequest),
}

/// The third argument of `fromDirectory` (`OpenOptions` in `index.d.ts`): what `DataSource::parse`
/// takes besides the source.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenRequest {
    database: Option<String>,
}

/// Opens the store of a new engine on the thread pool.
pub struct Open {
    args: Option<(Source, ConfigOptions)>,
}

impl Open {
    /// The task opening an engine over the converted arguments, or a promise rejected at once.
    fn settle(env: &Env, args: Outcome<(Source, ConfigOptions)>) -> napi::Result<Settled<Open>> {
        match args {
            Ok(args) => Ok(Either::A(AsyncTask::new(Open { args: Some(args) }))),
            Err(failure) => rejected(env, failure),
        }
    }
}

impl Task for Open {
    type Output = Outcome<Engine>;
    type JsValue = Engine;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let args = self.args.take();
        Ok(catch_panic(move || {
            let (source, config) =
                args.ok_or_else(|| CoreError::Internal("a task ran twice".to_owned()))?;
            let (engine, manifest) = match source {
                Source::Data(source) => (
                    api::open(&source, config, &|_, _| {}).map_err(named_source)?,
                    None,
                ),
                Source::Generator(request) => {
                    let Generated { engine, manifest } = api::open_generated(request, config)?;
                    (engine, Some(manifest))
                }
            };
            Ok(Engine {
                shared: Arc::new(Shared { engine, manifest }),
            })
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.map_err(|f| f.into_js(&env))
    }
}

/// An error about the data source as the caller wrote it: the core calls the argument `data` (the
/// CLI's `--data`), `fromDirectory` calls it `source`.
fn named_source(e: CoreError) -> CoreError {
    match e {
        CoreError::InvalidArgument { name, reason } if name == "data" => {
            CoreError::invalid_argument("source", reason)
        }
        other => other,
    }
}

/// What a backfill request runs: the request, the engine, and the progress the core reports to.
type Backfill<R> = fn(
    &R,
    &halobuzz_analytics::Engine,
    &mut dyn FnMut(BackfillProgress) -> ControlFlow<()>,
) -> halobuzz_analytics::Result<BackfillSummary>;

/// A backfill as a task: `backfill` reports each day to the `onProgress` argument (which may stop it),
/// and the task settles only after the last report has run.
fn backfill_job<R: Send + 'static>(
    env: &Env,
    shared: &Arc<Shared>,
    request: Outcome<R>,
    on_progress: Option<Unknown<'_>>,
    backfill: Backfill<R>,
) -> napi::Result<Settled<Job>> {
    let parsed = request.and_then(|r| Ok((r, Reporter::new(env, on_progress)?)));
    let shared = shared.clone();
    run(env, parsed, move |(request, mut reporter)| {
        let summary = backfill(&request, &shared.engine, &mut |p| reporter.report(p));
        let delivered = reporter.finish();
        let summary = summary?;
        delivered?;
        to_json(&summary)
    })
}

impl Engine {
    /// `request`, once its range (`range(request)`) passed the core's first checks, on the JavaScript
    /// thread: the range itself (`from` not after `to`) and `Engine::check_range` (2000-01-01 …
    /// tomorrow, at most `maxRangeDays`). The request's `run` repeats them; doing them here first only
    /// rejects a refused range at once. A few microseconds: no data is read.
    fn checked<R>(
        &self,
        request: R,
        range: impl FnOnce(&R) -> halobuzz_analytics::Result<DateRange>,
    ) -> Outcome<R> {
        catch_panic(|| {
            self.shared.engine.check_range(range(&request)?)?;
            Ok(())
        })?;
        Ok(request)
    }
}

impl Engine {
    /// The engine and its manifest, for a task (methods in other files, e.g. `forecast.rs`).
    pub(crate) fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// `acknowledgeAlert` and `resolveAlert`: the request `{ alertId, by }`, then `action`.
    fn alert_action(
        &self,
        env: &Env,
        alert_id: Option<Unknown<'_>>,
        by: Option<Unknown<'_>>,
        action: AlertAction,
    ) -> napi::Result<Settled<Job>> {
        let request = args::fields_request::<AlertActionRequest, 2>(
            env,
            "query",
            [("alertId", alert_id), ("by", by)],
        );
        let shared = self.shared.clone();
        run(env, request, move |r| {
            to_json(&r.run(&shared.engine, action)?)
        })
    }
}

#[napi]
impl Engine {
    /// Opens an engine over `source`: a mongoexport data directory (`<collection>.json` / `.ndjson`,
    /// optionally `.gz`, one Extended JSON document per line), loaded into memory, or a `mongodb://` /
    /// `mongodb+srv://` URI, read in place (database: `options.database`, else the URI's path, else
    /// `halobuzz`; rollups are then written to its `analyticsdailykpis`; an unreachable server rejects
    /// with `STORAGE_ERROR`). Invalid and duplicate documents are skipped and counted in
    /// `qualityReport()`. A relative directory is resolved against the process's working directory.
    /// Rejects with `NOT_A_DATA_DIRECTORY`, `READ_FAILED`, `AMBIGUOUS_DATA_FILE` or, for a bad `config`
    /// or `options` (checked before any data is read), `INVALID_ARGUMENT`.
    #[napi(
        catch_unwind,
        ts_args_type = "source: string, config?: EngineConfig | undefined | null, options?: OpenOptions | undefined | null",
        ts_return_type = "Promise<Engine>"
    )]
    pub fn from_directory(
        env: Env,
        source: Option<Unknown<'_>>,
        config: Option<Unknown<'_>>,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Open>> {
        let args = (|| -> Outcome<_> {
            let source = args::string(&env, "source", source, "'./data/demo'")?;
            let config: ConfigOptions = args::request(&env, "config", config)?;
            let options: OpenRequest = args::request(&env, "options", options)?;
            let source =
                catch_panic(|| {
                    Ok(DataSource::parse(&source, options.database.as_deref())
                        .map_err(named_source)?)
                })?;
            Ok((Source::Data(source), config))
        })();
        Open::settle(&env, args)
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
    ) -> napi::Result<Settled<Open>> {
        let args = (|| -> Outcome<_> {
            let request: GenerateRequest = args::request(&env, "options", options)?;
            let config: ConfigOptions = args::request(&env, "config", config)?;
            Ok((Source::Generator(request), config))
        })();
        Open::settle(&env, args)
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
    /// and resolves to their views, `ALL` first: sums, and distinct sets as sizes. Raw user ids
    /// (`userIds`) appear only with `revealUserIds: true`.
    #[napi(
        catch_unwind,
        ts_args_type = "date: string",
        ts_return_type = "Promise<Array<RollupView>>"
    )]
    pub fn rollup_day(&self, env: Env, date: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::field_request::<DayRequest>(&env, "date", date)
            .and_then(|r| self.checked(r, |r| Ok(DateRange::day(r.date.0))));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.rollup(&shared.engine)?))
    }

    /// The views of the stored rollups of one local day, `ALL` first (empty until the day is rolled up).
    #[napi(
        catch_unwind,
        ts_args_type = "date: string",
        ts_return_type = "Promise<Array<RollupView>>"
    )]
    pub fn rollups_of_day(
        &self,
        env: Env,
        date: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::field_request::<DayRequest>(&env, "date", date);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.stored(&shared.engine)?))
    }

    /// Rolls up every finished day of `from..=to` that has no current rollup (every day with `force`).
    /// `onProgress`, if given, is called on the JavaScript thread once per day, in order, with
    /// `{ done, total, date, skipped }`; the backfill never waits for it, and the promise settles after
    /// the last call. If `onProgress` returns `false`, the backfill stops (a day or two later, as reports
    /// arrive asynchronously; every day rolled up is whole) and resolves with `cancelled: true`. If it
    /// throws, the backfill stops the same way and the promise rejects with what it threw. Either way
    /// it is not called again.
    #[napi(
        catch_unwind,
        ts_args_type = "query: BackfillQuery, onProgress?: ((progress: BackfillProgress) => unknown) | undefined | null",
        ts_return_type = "Promise<BackfillSummary>"
    )]
    pub fn backfill(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<BackfillRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, |r| DateRange::new(r.from.0, r.to.0)));
        backfill_job(&env, &self.shared, request, on_progress, |r, e, p| {
            r.run(e, p)
        })
    }

    /// Re-rolls the last `days` settled days (every one recomputed), for documents that arrived late:
    /// run it, say, hourly. `onProgress` as in `backfill`.
    #[napi(
        catch_unwind,
        ts_args_type = "query: RecentBackfillQuery, onProgress?: ((progress: BackfillProgress) => unknown) | undefined | null",
        ts_return_type = "Promise<BackfillSummary>"
    )]
    pub fn backfill_recent(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<RecentBackfillRequest>(&env, "query", query);
        backfill_job(&env, &self.shared, request, on_progress, |r, e, p| {
            r.run(e, p)
        })
    }

    /// The KPI report of `from..=to` for `country`: every section of METRICS.md with growth against the
    /// previous period, from daily rollups (missing finished days are rolled up and stored first).
    #[napi(
        catch_unwind,
        ts_args_type = "query: KpiQuery",
        ts_return_type = "Promise<KpiReport>"
    )]
    pub fn kpis(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<KpiRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, KpiRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// The same report computed straight from the raw records, without reading or writing rollups (for
    /// checks and one-off questions).
    #[napi(
        catch_unwind,
        ts_args_type = "query: KpiQuery",
        ts_return_type = "Promise<KpiReport>"
    )]
    pub fn kpis_from_raw(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<KpiRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, KpiRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| {
            to_json(&r.run_from_raw(&shared.engine)?)
        })
    }

    /// One metric of the catalog (`revenue.total`, `engagement.dau`, …; see `metrics()`) per day, week
    /// or month of `from..=to`, each bucket computed over its own days.
    #[napi(
        catch_unwind,
        ts_args_type = "query: TimeSeriesQuery",
        ts_return_type = "Promise<TimeSeries>"
    )]
    pub fn time_series(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<TimeSeriesRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, |r| DateRange::new(r.from.0, r.to.0)));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Signup cohorts of `from..=to` by `granularity` (default `week`), for `country` (by
    /// `users.country`), with each cohort's retention on every day N of `days` (default 1, 3, 7, 14,
    /// 30, 60, 90), counted up to `asOf` (default `to`): on day N exactly (`rate`) and on day N or later
    /// (`rateOnOrAfter`). A cell's denominator is the members whose day N is not after `asOf`.
    #[napi(
        catch_unwind,
        ts_args_type = "query: RetentionMatrixQuery",
        ts_return_type = "Promise<RetentionMatrix>"
    )]
    pub fn retention_matrix(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<RetentionMatrixRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, RetentionMatrixRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Signup cohorts of `from..=to` by `granularity` (default `week`), for `country` (by
    /// `users.country`): size, retention `d1`…`d90`, revenue (NPR, from each member's signup to
    /// `asOf`, and by period since signup), engagement per member, churned members and creators.
    /// `asOf` defaults to the last stored day by the engine's clock (or `to` if later).
    #[napi(
        catch_unwind,
        ts_args_type = "query: CohortTableQuery",
        ts_return_type = "Promise<CohortTable>"
    )]
    pub fn cohorts(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<CohortTableRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, CohortTableRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Writes the cohorts of the periods overlapping `from..=to` to `analyticscohorts`, as of
    /// `asOf`: every cohort not stored yet or still maturing is recomputed; a mature one (every
    /// member's day 90 passed when it was stored) is final and kept.
    #[napi(
        catch_unwind,
        ts_args_type = "query: CohortTableQuery",
        ts_return_type = "Promise<CohortRefresh>"
    )]
    pub fn refresh_cohorts(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<CohortTableRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, CohortTableRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.refresh(&shared.engine)?))
    }

    /// The stored `analyticscohorts` documents whose `cohortDate` is in `from..=to`.
    #[napi(
        catch_unwind,
        ts_args_type = "query: StoredCohortsQuery",
        ts_return_type = "Promise<StoredCohorts>"
    )]
    pub fn stored_cohorts(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<StoredCohortsRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, |r| DateRange::new(r.from.0, r.to.0)));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// The lifecycle of every day, week or month (`granularity`, default `day`) of `from..=to`: among
    /// the users of `country` (by `users.country`) active in a period, how many are new, returning or
    /// resurrecting, and how many of the period before went dormant.
    #[napi(
        catch_unwind,
        ts_args_type = "query: LifecycleQuery",
        ts_return_type = "Promise<Lifecycle>"
    )]
    pub fn lifecycle(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<LifecycleRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, LifecycleRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Funnels of `from..=to`: without `steps`, the built-in signup funnels (signup → first stream,
    /// first gift sent, first money payment) per signup day for users of `country` (by
    /// `users.country`), each within `windowDays` calendar days (default 7); with `steps`, a custom
    /// funnel of users entering with a `steps[0]` event in the range, each later step within the
    /// window of the entering event, in `order`, optionally broken down by `country` or `platform`.
    /// The result's `kind` tells which (see docs/funnels.md).
    #[napi(
        catch_unwind,
        ts_args_type = "query: FunnelQuery",
        ts_return_type = "Promise<FunnelResult>"
    )]
    pub fn funnel(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<FunnelRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, FunnelRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Host performance of `from..=to`, per host: streams, minutes, viewers (total, mean, peak), likes,
    /// comments, gifts, coins, revenue per stream, unique gifters, engagement, growth against the
    /// previous period and ranks by revenue, viewers and engagement. Host ids are pseudonymised unless
    /// `revealUserIds`. Stored days are read; missing settled days are computed and stored.
    #[napi(
        catch_unwind,
        ts_args_type = "query: HostPerformanceQuery",
        ts_return_type = "Promise<HostPerformanceReport>"
    )]
    pub fn host_performance(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<HostPerformanceRequest>(&env, "query", query)
            .and_then(|r| self.checked(r, HostPerformanceRequest::range));
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Evaluates every enabled alert rule at `at` (RFC 3339; default: the engine's clock) and raises,
    /// updates or resolves their alerts; with `channels`, builds the ready-to-send notification
    /// payloads of what changed (`notifications`), as `halobuzz-analytics alerts check --json` prints
    /// them. Sends nothing: see `deliverAlertNotifications`.
    #[napi(
        catch_unwind,
        ts_args_type = "query?: CheckAlertsQuery | undefined | null",
        ts_return_type = "Promise<AlertCheck>"
    )]
    pub fn check_alerts(&self, env: Env, query: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<CheckAlertsRequest>(&env, "query", query);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Every enabled rule's evaluation at `at` (default: the engine's clock), storing nothing: each
    /// value, baseline, threshold and decision with its explanation (`alerts explain --json`).
    #[napi(
        catch_unwind,
        ts_args_type = "query?: EvaluateAlertsQuery | undefined | null",
        ts_return_type = "Promise<Array<Evaluation>>"
    )]
    pub fn evaluate_alerts(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<EvaluateAlertsRequest>(&env, "query", query);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// The stored alerts `filter` selects, most recently updated first (at most `limit`, default 100).
    #[napi(
        catch_unwind,
        ts_args_type = "filter?: AlertFilter | undefined | null",
        ts_return_type = "Promise<Array<Alert>>"
    )]
    pub fn alerts(&self, env: Env, filter: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<ListAlertsRequest>(&env, "filter", filter);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Acknowledges an active alert on behalf of `by` (1–100 printable characters); resolves to the
    /// alert as stored. Rejects with `INVALID_ARGUMENT` for an unknown alert or one that is not active.
    #[napi(
        catch_unwind,
        ts_args_type = "alertId: string, by: string",
        ts_return_type = "Promise<Alert>"
    )]
    pub fn acknowledge_alert(
        &self,
        env: Env,
        alert_id: Option<Unknown<'_>>,
        by: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        self.alert_action(&env, alert_id, by, AlertAction::Acknowledge)
    }

    /// Resolves an alert by hand on behalf of `by` (its rule's cooldown starts now); resolves to the
    /// alert as stored. Rejects with `INVALID_ARGUMENT` for an unknown or already resolved alert.
    #[napi(
        catch_unwind,
        ts_args_type = "alertId: string, by: string",
        ts_return_type = "Promise<Alert>"
    )]
    pub fn resolve_alert(
        &self,
        env: Env,
        alert_id: Option<Unknown<'_>>,
        by: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        self.alert_action(&env, alert_id, by, AlertAction::Resolve)
    }

    /// The rules a check evaluates: the six built-ins with the configured thresholds (a stored rule
    /// with a built-in's id replaces it), then the stored rules, by id.
    #[napi(catch_unwind, ts_return_type = "Promise<Array<AlertRule>>")]
    pub fn alert_rules(&self) -> AsyncTask<Job> {
        let shared = self.shared.clone();
        Job::spawn(move || to_json(&shared.engine.alert_rules()?))
    }

    /// Stores a rule (new, a replacement, or the override of a built-in with the same id); resolves to
    /// the rule as stored, with its defaults filled in.
    #[napi(
        catch_unwind,
        ts_args_type = "rule: AlertRuleInput",
        ts_return_type = "Promise<AlertRule>"
    )]
    pub fn put_alert_rule(
        &self,
        env: Env,
        rule: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<PutAlertRuleRequest>(&env, "rule", rule);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Deletes a stored rule; resolves to whether there was one (a built-in then comes back with its
    /// configured thresholds).
    #[napi(
        catch_unwind,
        ts_args_type = "id: string",
        ts_return_type = "Promise<boolean>"
    )]
    pub fn delete_alert_rule(
        &self,
        env: Env,
        id: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::field_request::<DeleteAlertRuleRequest>(&env, "id", id);
        let shared = self.shared.clone();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// Runs a check (as `checkAlerts`) and hands each notification of what changed to `notifier`, in
    /// order, one at a time: the host application sends it and answers `{ outcome: 'sent' | 'failed',
    /// response? }` (or a promise of it). Every attempt is recorded on its alert (`notifications`),
    /// the response redacted of URL paths, tokens and passwords. A notifier that throws, rejects,
    /// answers anything else or does not settle within 30 s is a `failed` attempt; the delivery goes
    /// on. Resolves to the check with `delivered`: the notified alerts as stored after delivery. The
    /// notifier must not wait for another alert call of this engine (it would wait for this one).
    #[napi(
        catch_unwind,
        ts_args_type = "query: DeliverAlertsQuery, notifier: (notification: Notification) => DeliveryAnswer | Promise<DeliveryAnswer>",
        ts_return_type = "Promise<AlertDelivery>"
    )]
    pub fn deliver_alert_notifications(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
        notifier: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let parsed = args::request::<DeliverAlertsRequest>(&env, "query", query)
            .and_then(|r| Ok((r, JsNotifier::new(&env, notifier)?)));
        let shared = self.shared.clone();
        run(&env, parsed, move |(r, notifier)| {
            to_json(&r.run(&shared.engine, &notifier)?)
        })
    }
}
