//! Reports (the core's `api::report`): `Engine.report`, `writeReport`, `reportContent`, `reports` and
//! `reportFile` in an `impl Engine` block of their own. The request goes to the core as JSON
//! ([`args`]), which reads, defaults and checks it (period, days, format, country, `store`); the
//! period is resolved on the JavaScript thread first (no data is read), so that a refused request
//! rejects at once. Everything else runs on the libuv thread pool: the report's computation, its
//! rendering (the core's `render`, whatever the format), writing the file, and the JSON of the
//! record. A report's bytes come back as a `Buffer` ([`BytesJob`]) beside the parsed JSON.

use std::ops::ControlFlow;
use std::path::PathBuf;

use halobuzz_analytics::api::{ReportInfo, ReportRequest, ReportsRequest};
use halobuzz_analytics::{BackfillProgress, Error as CoreError, Result as CoreResult};
use napi::bindgen_prelude::{
    AsyncTask, Buffer, Either, FromNapiValue, JsObjectValue, Object, Unknown,
};
use napi::{Env, JsValue, Task};
use napi_derive::napi;
use serde::Serialize;

use crate::args;
use crate::engine::Engine;
use crate::error::{catch_panic, Failure, Outcome};
use crate::progress::Reporter;
use crate::task::{parse_json, rejected, run, to_json, Settled};

/// The work of a call that returns bytes: the JSON of an object, and the bytes to set on it as `data`.
type Work = Box<dyn FnOnce() -> Outcome<(String, Vec<u8>)> + Send>;

/// A call whose promise resolves to a JSON object with a `data: Buffer` member (a [`crate::task::Job`]
/// that also hands over bytes).
pub struct BytesJob {
    work: Option<Work>,
}

impl Task for BytesJob {
    type Output = Outcome<(String, Vec<u8>)>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match self.work.take() {
            Some(work) => catch_panic(work),
            None => Err(Failure::Core(CoreError::Internal(
                "a task ran twice".to_owned(),
            ))),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        match output {
            Ok((json, bytes)) => {
                let mut object = Object::from_unknown(parse_json(&env, json)?)?;
                object.set_named_property("data", Buffer::from(bytes))?;
                Ok(object.to_unknown())
            }
            Err(failure) => Err(failure.into_js(&env)),
        }
    }
}

/// [`crate::task::run`] for a [`BytesJob`].
fn run_bytes<A: Send + 'static>(
    env: &Env,
    args: Outcome<A>,
    work: impl FnOnce(A) -> Outcome<(String, Vec<u8>)> + Send + 'static,
) -> napi::Result<Settled<BytesJob>> {
    match args {
        Ok(args) => Ok(Either::A(AsyncTask::new(BytesJob {
            work: Some(Box::new(move || work(args))),
        }))),
        Err(failure) => rejected(env, failure),
    }
}

/// What `writeReport` resolves to: the report's info and where it was written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Written {
    #[serde(flatten)]
    info: ReportInfo,
    path: PathBuf,
}

/// Runs `f` (a core call that reports the days it rolls up) with `reporter`; settles after the last
/// report ran. What the callback threw is the failure, whatever the core answered after it (the core
/// only saw a stop and answers `CANCELLED`).
fn with_reporter<T>(
    mut reporter: Reporter,
    f: impl FnOnce(&mut dyn FnMut(BackfillProgress) -> ControlFlow<()>) -> CoreResult<T>,
) -> Outcome<T> {
    let out = f(&mut |p| reporter.report(p));
    reporter.finish()?;
    Ok(out?)
}

impl Engine {
    /// The report request of `options`, its period resolved (and so checked) on the JavaScript thread.
    fn report_request(&self, env: &Env, options: Option<Unknown<'_>>) -> Outcome<ReportRequest> {
        let request = args::request::<ReportRequest>(env, "options", options)?;
        let shared = self.shared();
        catch_panic(|| {
            request.resolve(&shared.engine)?;
            Ok(())
        })?;
        Ok(request)
    }
}

#[napi]
impl Engine {
    /// Produces the report of a period (`{ period, from?, to?, at?, format?, country?, store? }`):
    /// `period` is `daily` (the day before `at`), `weekly` (the last Monday–Sunday week ended before
    /// `at`), `monthly` (the last calendar month ended before `at`) or `custom` (`from`…`to`); `at`
    /// defaults to today by the engine's clock. `format` is `pdf` (default), `xlsx`, `csv` or `json`.
    /// With `store: true` the file is also written to the configured `reportsDir` and recorded in
    /// `analyticsreports`. Resolves to `{ fileName, mimeType, stored, record, data }`, `data` the file
    /// as a `Buffer`.
    ///
    /// Days the report reads that are not rolled up yet are rolled up first: `onProgress`, if given,
    /// is called once per such day with `{ done, total, date, skipped }`, as `backfill` calls it. If it
    /// returns `false` the report stops and rejects with code `CANCELLED` (the days rolled up until
    /// then stay stored); if it throws, the promise rejects with what it threw.
    #[napi(
        catch_unwind,
        ts_args_type = "options: ReportOptions, onProgress?: ((progress: BackfillProgress) => unknown) | undefined | null",
        ts_return_type = "Promise<GeneratedReport>"
    )]
    pub fn report(
        &self,
        env: Env,
        options: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<BytesJob>> {
        let request = self
            .report_request(&env, options)
            .and_then(|r| Ok((r, Reporter::new(&env, on_progress)?)));
        let shared = self.shared();
        run_bytes(&env, request, move |(r, reporter)| {
            let report = with_reporter(reporter, |p| r.run_with_progress(&shared.engine, p))?;
            Ok((to_json(&ReportInfo::from(&report))?, report.bytes))
        })
    }

    /// Produces a report as `report` does and writes it to `path`: that file, or, when `path` is an
    /// existing directory, the report's own file name in it (`halobuzz-<period>-<from>-<to>.<ext>`).
    /// Resolves to `{ fileName, mimeType, stored, record, path }`, `path` the file written.
    /// `onProgress` as in `report`.
    #[napi(
        catch_unwind,
        ts_args_type = "options: ReportOptions, path: string, onProgress?: ((progress: BackfillProgress) => unknown) | undefined | null",
        ts_return_type = "Promise<WrittenReport>"
    )]
    pub fn write_report(
        &self,
        env: Env,
        options: Option<Unknown<'_>>,
        path: Option<Unknown<'_>>,
        on_progress: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<crate::task::Job>> {
        let request = self.report_request(&env, options).and_then(|r| {
            let path = args::string(&env, "path", path, "'./reports'")?;
            Ok((r, PathBuf::from(path), Reporter::new(&env, on_progress)?))
        });
        let shared = self.shared();
        run(&env, request, move |(r, path, reporter)| {
            let report = with_reporter(reporter, |p| r.run_with_progress(&shared.engine, p))?;
            let path = report.write_to(&path)?;
            to_json(&Written {
                info: ReportInfo::from(&report),
                path,
            })
        })
    }

    /// What the report of a period shows, as data (the same options as `report`; `format` and `store`
    /// are accepted and ignored): KPI sections against the previous period, daily series, payment
    /// methods, top creators, cohorts, open alerts, the revenue forecast, the written summary.
    #[napi(
        catch_unwind,
        ts_args_type = "options: ReportOptions",
        ts_return_type = "Promise<ReportContent>"
    )]
    pub fn report_content(
        &self,
        env: Env,
        options: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<crate::task::Job>> {
        let request = self.report_request(&env, options);
        let shared = self.shared();
        run(&env, request, move |r| to_json(&r.content(&shared.engine)?))
    }

    /// The stored reports' records, newest first: `{ id?, period?, format?, from?, to?, limit? }`
    /// filter by id, period kind, format and the days covered (at most `limit`, default 100).
    #[napi(
        catch_unwind,
        ts_args_type = "filter?: ReportFilter | undefined | null",
        ts_return_type = "Promise<Array<ReportRecord>>"
    )]
    pub fn reports(
        &self,
        env: Env,
        filter: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<crate::task::Job>> {
        let request = args::request::<ReportsRequest>(&env, "filter", filter);
        let shared = self.shared();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// A stored report: `{ record, data }`, `data` its file as a `Buffer`, checked against the record's
    /// size and checksum (a file changed since rejects with `STORAGE_ERROR`; an unknown id with
    /// `INVALID_ARGUMENT`).
    #[napi(
        catch_unwind,
        ts_args_type = "id: string",
        ts_return_type = "Promise<StoredReport>"
    )]
    pub fn report_file(
        &self,
        env: Env,
        id: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<BytesJob>> {
        let id = args::string(&env, "id", id, "'rpt_…' (a record's id)");
        let shared = self.shared();
        run_bytes(&env, id, move |id| {
            let (record, bytes) = shared.engine.report_file(&id)?;
            Ok((to_json(&serde_json::json!({ "record": record }))?, bytes))
        })
    }
}
