//! # halobuzz-analytics-python
//!
//! The Python binding of the HaloBuzz analytics engine: the native module `halobuzz_analytics._native`
//! (pyo3), wrapped by the small Python package in `python/halobuzz_analytics/` that adds the pandas
//! helpers. Built as one abi3 wheel by maturin (`pyproject.toml`); tested by `scripts/test.sh`.
//!
//! One file per core module it binds: [`engine`] (`Engine`), [`config`], [`calendar`] (date
//! arguments), [`generate`], [`load`], [`kpi`] (countries, metric paths, series, rollups), and
//! [`error`] (the exception hierarchy and the one conversion of the core error). [`convert`] turns the
//! core's serde results into Python objects with the naming rule of `README.md` (camelCase field
//! names → snake_case).

mod calendar;
mod config;
mod convert;
mod engine;
mod error;
mod generate;
mod kpi;
mod load;

use pyo3::prelude::*;

/// Every numeric metric path accepted by ``Engine.time_series``, in snake_case, in report order
/// (``revenue.total``, ``revenue.by_og_tier.tier1``, ``engagement.dau``, ...).
#[pyfunction]
fn metric_paths(py: Python<'_>) -> PyResult<Vec<String>> {
    kpi::metric_paths(py)
}

/// The snake_case spelling of a camelCase field name, the rule every result key follows:
/// ``byOGTier`` → ``by_og_tier``, ``d1Retention`` → ``d1_retention``. Dotted paths are converted
/// segment by segment.
#[pyfunction]
fn snake_case(name: &str) -> String {
    name.split('.')
        .map(convert::snake_case)
        .collect::<Vec<_>>()
        .join(".")
}

/// For the test suite only: raises the exception the binding maps the core error of ``code`` to
/// (every variant of the core's error, some of which data cannot trigger), or, for
/// ``INTERNAL_ERROR``, panics inside a computing call to show the panic is caught.
#[pyfunction]
fn _raise_for_test(py: Python<'_>, code: &str) -> PyResult<()> {
    use halobuzz_analytics::{Collection, Error};
    let path = std::path::PathBuf::from("/nonexistent/halobuzz/users.json");
    let e = match code {
        "INVALID_ARGUMENT" => Error::InvalidArgument {
            name: "test",
            reason: "a test".to_owned(),
        },
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
        "ENCODE_FAILED" => Error::Encode {
            what: "a test".to_owned(),
            reason: "a test".to_owned(),
        },
        "STORAGE_ERROR" => Error::Storage {
            collection: "analyticsdailykpis".to_owned(),
            reason: "a test".to_owned(),
        },
        error::INTERNAL_ERROR => {
            return engine::compute(py, || -> halobuzz_analytics::Result<()> {
                panic!("a test panic")
            })
        }
        _ => {
            return Err(error::invalid_input(
                "code",
                format!("unknown code `{code}`"),
            ))
        }
    };
    Err(error::to_py_err(e))
}

/// Native part of ``halobuzz_analytics``; import from ``halobuzz_analytics`` instead.
#[pymodule(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::PyEngine>()?;
    m.add_function(wrap_pyfunction!(metric_paths, m)?)?;
    m.add_function(wrap_pyfunction!(snake_case, m)?)?;
    m.add_function(wrap_pyfunction!(_raise_for_test, m)?)?;
    error::register(m)?;
    Ok(())
}
