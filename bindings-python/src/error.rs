//! The Python exception hierarchy and the one conversion of the core's [`Error`] into it.
//!
//! ```text
//! Exception
//!  └── AnalyticsError                      every error of the engine; `code` is Error::code()
//!       ├── InvalidInputError (ValueError)  category InvalidInput (INVALID_ARGUMENT)
//!       ├── DataError                       category Data (NOT_A_DATA_DIRECTORY, READ_FAILED, OVERFLOW, …)
//!       └── StorageError                    category Storage (STORAGE_ERROR, WRITE_FAILED, ENCODE_FAILED)
//! ```
//!
//! The class comes from the core's [`ErrorCategory`], never from a code or a message: an `Internal`
//! error (a bug, or a panic caught at the boundary: `INTERNAL_ERROR`) raises `AnalyticsError` itself.
//! The message is the core's, with the argument's name respelled once for Python by
//! [`api::restyle`]; `argument` is that name. The error's `source()` chain becomes the `__cause__`
//! chain: an `OSError` (`FileNotFoundError`, …) for an I/O error, a plain `Exception` carrying the
//! text of any other cause (a MongoDB driver error, an encoder error). Arguments of the wrong Python
//! type raise the built-in `TypeError`, as Python does.

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use halobuzz_analytics::api::{self, NameStyle};
use halobuzz_analytics::{Error, ErrorCategory};

use crate::convert::SerError;

/// The module the exceptions say they belong to (the public package, not `_native`).
const MODULE: &str = "halobuzz_analytics";

/// How many causes of a cause are chained at most.
const MAX_CAUSES: usize = 8;

/// Exceptions of category `Internal` raised so far (read by the test suite through `_internal_errors`).
static INTERNAL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// How many `INTERNAL_ERROR` exceptions this module has raised since it was loaded.
pub(crate) fn internal_errors() -> u64 {
    INTERNAL_ERRORS.load(Ordering::Relaxed)
}

/// The four exception classes, created once per interpreter.
pub(crate) struct ExceptionTypes {
    pub(crate) analytics: Py<PyType>,
    pub(crate) invalid_input: Py<PyType>,
    pub(crate) data: Py<PyType>,
    pub(crate) storage: Py<PyType>,
}

static TYPES: PyOnceLock<ExceptionTypes> = PyOnceLock::new();

/// Creates `class name(*bases)` with a docstring, a default `code` and `argument = None`, the way a
/// `class` statement would (`create_exception!` allows a single base only; `InvalidInputError` is
/// also a `ValueError`).
fn new_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Vec<Bound<'py, PyType>>,
    doc: &str,
    code: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("__module__", MODULE)?;
    namespace.set_item("code", code)?;
    namespace.set_item("argument", py.None())?;
    let builtins_type = py.get_type::<PyType>();
    let class = builtins_type.call1((name, PyTuple::new(py, bases)?, namespace))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

/// The exception classes (created on first use).
pub(crate) fn types(py: Python<'_>) -> PyResult<&ExceptionTypes> {
    TYPES.get_or_try_init(py, || {
        let analytics = new_class(
            py,
            "AnalyticsError",
            vec![py.get_type::<PyException>()],
            "Base class of every error raised by the analytics engine.\n\n\
             ``code`` is the engine's stable, machine-readable error code (``INVALID_ARGUMENT``,\n\
             ``READ_FAILED``, ``NOT_A_DATA_DIRECTORY``, ``STORAGE_ERROR``, ``INTERNAL_ERROR``, ...);\n\
             ``str(error)`` is the engine's message, which names what failed and where. Raised as\n\
             such for ``INTERNAL_ERROR``: a bug, or a panic caught inside the engine.",
            "ANALYTICS_ERROR",
        )?;
        let sub = |name: &str, extra: Option<Bound<'_, PyType>>, doc: &str, code: &str| {
            let mut bases = vec![analytics.bind(py).clone()];
            bases.extend(extra);
            new_class(py, name, bases, doc, code)
        };
        let invalid_input = sub(
            "InvalidInputError",
            Some(py.get_type::<PyValueError>()),
            "An argument is out of its domain: a malformed date, a range whose start is after its end,\n\
             an unknown country, metric, granularity, option or time zone, a missing USD to NPR rate\n\
             when the data has USD amounts, an invalid generator option. Also a ``ValueError``.\n\n\
             ``code`` is ``INVALID_ARGUMENT``; ``argument`` names the argument (``start``,\n\
             ``usd_to_npr``, ``alerts.drop_pct``, ...).",
            "INVALID_ARGUMENT",
        )?;
        let data = sub(
            "DataError",
            None,
            "The data cannot be used: the path is not a directory of mongoexport files\n\
             (``NOT_A_DATA_DIRECTORY``), a collection has two files (``AMBIGUOUS_DATA_FILE``), a file\n\
             could not be read (``READ_FAILED``, with the ``OSError`` in ``__cause__``), or a total\n\
             overflowed on implausible values (``OVERFLOW``).\n\n\
             Invalid documents are not errors: they are skipped and counted in ``quality_report()``.",
            "READ_FAILED",
        )?;
        let storage = sub(
            "StorageError",
            None,
            "The engine could not store or read back its analytics documents (``STORAGE_ERROR``, with\n\
             the driver's error in ``__cause__``), write a file (``WRITE_FAILED``, with the ``OSError``\n\
             in ``__cause__``) or encode a value (``ENCODE_FAILED``).",
            "STORAGE_ERROR",
        )?;
        Ok(ExceptionTypes {
            analytics,
            invalid_input,
            data,
            storage,
        })
    })
}

/// The core error as a Python exception of the hierarchy: class from its category, `code` and
/// `argument` kept, message respelled for Python, causes chained.
pub(crate) fn to_py_err(e: Error) -> PyErr {
    let e = api::restyle(e, NameStyle::Snake);
    Python::attach(|py| match exception(py, &e) {
        Ok(err) | Err(err) => err,
    })
}

fn exception(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let types = types(py)?;
    let class = match e.category() {
        ErrorCategory::InvalidInput => &types.invalid_input,
        ErrorCategory::Data => &types.data,
        ErrorCategory::Storage => &types.storage,
        ErrorCategory::Internal => {
            INTERNAL_ERRORS.fetch_add(1, Ordering::Relaxed);
            &types.analytics
        }
    };
    let exc = class.bind(py).call1((e.to_string(),))?;
    exc.setattr("code", e.code())?;
    if let Error::InvalidArgument { name, .. } = e {
        exc.setattr("argument", name.as_ref())?;
    }
    let err = PyErr::from_value(exc);
    let path = match e {
        Error::Read { path, .. } | Error::Write { path, .. } => Some(path.as_path()),
        _ => None,
    };
    if let Some(cause) = causes(py, e, path, 0) {
        err.set_cause(py, Some(cause));
    }
    Ok(err)
}

/// The `source()` of `e` (and its own sources) as a chain of Python exceptions.
fn causes(
    py: Python<'_>,
    e: &(dyn std::error::Error + 'static),
    path: Option<&std::path::Path>,
    depth: usize,
) -> Option<PyErr> {
    let source = e.source()?;
    let err = match source.downcast_ref::<std::io::Error>() {
        Some(io) => os_error(io, path),
        None => PyException::new_err(source.to_string()),
    };
    if depth + 1 < MAX_CAUSES {
        if let Some(next) = causes(py, source, None, depth + 1) {
            err.set_cause(py, Some(next));
        }
    }
    Some(err)
}

/// `OSError(errno, strerror, filename)`, which Python turns into the matching subclass
/// (`FileNotFoundError`, `PermissionError`, …); without an errno, `OSError(message)`.
fn os_error(source: &std::io::Error, path: Option<&std::path::Path>) -> PyErr {
    let path = path.map(|p| p.display().to_string());
    match (source.raw_os_error(), path) {
        (Some(errno), Some(path)) => PyOSError::new_err((errno, source.to_string(), path)),
        (Some(errno), None) => PyOSError::new_err((errno, source.to_string())),
        (None, _) => PyOSError::new_err(source.to_string()),
    }
}

/// A result that could not be turned into Python objects: Python's own error, or `ENCODE_FAILED`.
impl From<SerError> for PyErr {
    fn from(e: SerError) -> PyErr {
        match e {
            SerError::Python(err) => err,
            SerError::Custom(reason) => to_py_err(Error::Encode {
                what: "the result as Python objects".to_owned(),
                reason,
                source: None,
            }),
        }
    }
}

/// `Result<T, core Error>` → `PyResult<T>` through [`to_py_err`].
pub(crate) trait ResultExt<T> {
    /// Converts the error into the Python exception hierarchy.
    fn or_raise(self) -> PyResult<T>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn or_raise(self) -> PyResult<T> {
        self.map_err(to_py_err)
    }
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let t = types(py)?;
    m.add("AnalyticsError", t.analytics.bind(py))?;
    m.add("InvalidInputError", t.invalid_input.bind(py))?;
    m.add("DataError", t.data.bind(py))?;
    m.add("StorageError", t.storage.bind(py))?;
    Ok(())
}
