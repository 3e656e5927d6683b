//! # halobuzz-analytics-python
//!
//! The Python binding of the HaloBuzz analytics engine: the native module `halobuzz_analytics._native`
//! (pyo3), wrapped by the small Python package in `python/halobuzz_analytics/` that adds the pandas
//! helpers. Built as one abi3 wheel by maturin (`pyproject.toml`); tested by `scripts/test.sh`.
//!
//! The binding translates and decides nothing: every argument goes to the core's request layer
//! (`halobuzz_analytics::api`) as JSON ([`request`]), which parses, validates and names errors for
//! every front end alike. [`engine`] is the `Engine` class; [`config`], [`generate`], [`kpi`] and
//! [`cohort`] build the requests of the configuration, the generator, the KPI operations and the
//! cohort operations (retention matrices, lifecycle); [`error`] is the exception hierarchy and the
//! one conversion of the core error (by its category); [`run`] releases the GIL,
//! catches panics and reports backfill progress to Python; [`convert`] turns the core's
//! serde results into Python objects with the naming rule of `halobuzz_analytics::naming` (camelCase
//! field names → snake_case).

mod alert;
mod cohort;
mod config;
mod convert;
mod engine;
mod error;
mod forecast;
mod funnel;
mod generate;
mod hosts;
mod kpi;
mod report;
mod request;
mod run;
mod schedule;

use pyo3::prelude::*;

use halobuzz_analytics::api::NameStyle;

/// Every metric path accepted by ``Engine.time_series``, in snake_case, in report order
/// (``revenue.total``, ``revenue.by_og_tier.tier1``, ``engagement.dau``, ...).
#[pyfunction]
fn metric_paths() -> Vec<String> {
    kpi::metric_paths()
}

/// The metric catalog, in report order: one dict per metric with ``id`` (snake_case, as
/// :func:`metric_paths` lists it), ``section``, ``unit``, ``kind``, ``description`` and ``aliases``
/// (the other names ``Engine.time_series`` accepts, the JSON spelling first).
#[pyfunction]
fn metrics(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyAny>>> {
    kpi::metrics(py)
}

/// The snake_case spelling of a camelCase field name, the rule every result key follows:
/// ``byOGTier`` → ``by_og_tier``, ``d1Retention`` → ``d1_retention``. Dotted paths are converted
/// segment by segment.
#[pyfunction]
fn snake_case(name: &str) -> String {
    NameStyle::Snake.spell(name)
}

/// For the test suite only: raises the exception the binding maps the core error of ``code`` to
/// (every variant of the core's error, some of which data cannot trigger), or, for
/// ``INTERNAL_ERROR``, panics inside a computing call to show the panic is caught.
#[pyfunction]
fn _raise_for_test(py: Python<'_>, code: &str) -> PyResult<()> {
    use halobuzz_analytics::{Collection, Error};
    let path = std::path::PathBuf::from("/nonexistent/halobuzz/users.json");
    let e = match code {
        "INVALID_ARGUMENT" => Error::invalid_argument("testArgument", "a test of `fieldName`"),
        "READ_FAILED" => Error::Read {
            path,
            // ENOENT: Python builds a FileNotFoundError from it.
            source: std::io::Error::from_raw_os_error(2),
        },
        "WRITE_FAILED" => Error::Write {
            path,
            // EACCES: a PermissionError.
            source: std::io::Error::from_raw_os_error(13),
        },
        "AMBIGUOUS_DATA_FILE" => Error::AmbiguousDataFile {
            dir: "/data".into(),
            collection: Collection::Users,
            first: "users.json".to_owned(),
            second: "users.ndjson".to_owned(),
        },
        "NOT_A_DATA_DIRECTORY" => Error::NotADataDirectory(path),
        "OVERFLOW" => Error::Overflow {
            what: "a test".to_owned(),
        },
        "RENDER_FAILED" => Error::render_failed("pdf", "a test"),
        "JOB_FAILED" => Error::JobFailed {
            job: "a-test".to_owned(),
            message: "ValueError: a test".to_owned(),
        },
        "CANCELLED" => Error::Cancelled {
            what: "a test".to_owned(),
        },
        "ENCODE_FAILED" => Error::Encode {
            what: "a test".to_owned(),
            reason: "a test".to_owned(),
            source: None,
        },
        // A driver error whose own cause is an I/O error (ECONNREFUSED): a chain of `__cause__`s.
        "STORAGE_ERROR" => Error::storage_caused(
            "analyticsdailykpis",
            "a test",
            TestCause(std::io::Error::from_raw_os_error(111)),
        ),
        "INTERNAL_ERROR" => {
            return run::compute(py, || -> halobuzz_analytics::Result<()> {
                panic!("a test panic")
            })
        }
        _ => Error::invalid_argument("code", format!("unknown code `{code}`")),
    };
    Err(error::to_py_err(e))
}

/// For the test suite only: how many exceptions of code ``INTERNAL_ERROR`` (a bug, or a panic caught
/// inside the engine) this module has raised since it was loaded. The suite's ``conftest.py`` fails
/// any test during which it grows, even when the test caught the exception.
#[pyfunction]
fn _internal_errors() -> u64 {
    error::internal_errors()
}

/// The cause of the test hook's `STORAGE_ERROR`, itself caused by an I/O error.
#[derive(Debug)]
struct TestCause(std::io::Error);

impl std::fmt::Display for TestCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("server selection timed out")
    }
}

impl std::error::Error for TestCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Native part of ``halobuzz_analytics``; import from ``halobuzz_analytics`` instead.
#[pymodule(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<schedule::PyScheduler>()?;
    m.add_function(wrap_pyfunction!(metric_paths, m)?)?;
    m.add_function(wrap_pyfunction!(forecast::forecast_series, m)?)?;
    m.add_function(wrap_pyfunction!(forecast::forecast_batch, m)?)?;
    m.add_function(wrap_pyfunction!(metrics, m)?)?;
    m.add_function(wrap_pyfunction!(snake_case, m)?)?;
    m.add_function(wrap_pyfunction!(_raise_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(_internal_errors, m)?)?;
    error::register(m)?;
    Ok(())
}
