//! The Python exception hierarchy and the one conversion of the core's [`Error`] into it.
//!
//! ```text
//! Exception
//!  └── AnalyticsError                      every error of the engine; `code` is Error::code()
//!       ├── InvalidInputError (ValueError)  INVALID_ARGUMENT: a date, range, country, metric, option
//!       ├── DataError                       NOT_A_DATA_DIRECTORY, AMBIGUOUS_DATA_FILE, READ_FAILED
//!       └── StorageError                    STORAGE_ERROR, WRITE_FAILED, ENCODE_FAILED
//! ```
//!
//! A code the binding does not know yet (the core's enum is `#[non_exhaustive]`) and an internal
//! failure (`INTERNAL_ERROR`, a panic caught before it crosses into Python) raise `AnalyticsError`
//! itself. I/O failures chain the operating system's error as an `OSError` (`FileNotFoundError`, …) in
//! `__cause__`. Arguments of the wrong Python type raise the built-in `TypeError`, as Python does.

use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use halobuzz_analytics::Error;

use crate::convert::snake_case;

/// The module the exceptions say they belong to (the public package, not `_native`).
const MODULE: &str = "halobuzz_analytics";

/// Code of a panic caught at the boundary: a bug in the engine or the binding.
pub(crate) const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

/// The four exception classes, created once per interpreter.
pub(crate) struct ExceptionTypes {
    pub(crate) analytics: Py<PyType>,
    pub(crate) invalid_input: Py<PyType>,
    pub(crate) data: Py<PyType>,
    pub(crate) storage: Py<PyType>,
}

static TYPES: PyOnceLock<ExceptionTypes> = PyOnceLock::new();

/// Creates `class name(*bases)` with a docstring and a default `code`, the way a `class` statement
/// would (`create_exception!` allows a single base only; `InvalidInputError` is also a `ValueError`).
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
             ``READ_FAILED``, ``NOT_A_DATA_DIRECTORY``, ``STORAGE_ERROR``, ...); ``str(error)`` is the\n\
             engine's message, which names what failed and where.",
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
             an unknown country, metric, granularity or time zone, a missing USD to NPR rate when the\n\
             data has USD amounts, an invalid generator option. Also a ``ValueError``.\n\n\
             ``code`` is ``INVALID_ARGUMENT``.",
            "INVALID_ARGUMENT",
        )?;
        let data = sub(
            "DataError",
            None,
            "The data cannot be read: the path is not a directory of mongoexport files\n\
             (``NOT_A_DATA_DIRECTORY``), a collection has two files (``AMBIGUOUS_DATA_FILE``), or a file\n\
             could not be read (``READ_FAILED``, with the ``OSError`` in ``__cause__``).\n\n\
             Invalid documents are not errors: they are skipped and counted in ``quality_report()``.",
            "READ_FAILED",
        )?;
        let storage = sub(
            "StorageError",
            None,
            "The engine could not store or read back its analytics documents (``STORAGE_ERROR``),\n\
             write a file (``WRITE_FAILED``, with the ``OSError`` in ``__cause__``) or encode a value\n\
             (``ENCODE_FAILED``).",
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

/// Raises an instance of `class` with `message` and `code`.
fn instance(py: Python<'_>, class: &Py<PyType>, message: String, code: &str) -> PyErr {
    match class.bind(py).call1((message,)) {
        Ok(exc) => match exc.setattr("code", code) {
            Ok(()) => PyErr::from_value(exc),
            Err(e) => e,
        },
        Err(e) => e,
    }
}

/// The core error as a Python exception of the hierarchy, `code` kept, I/O cause chained.
pub(crate) fn to_py_err(e: Error) -> PyErr {
    Python::attach(|py| {
        let types = match types(py) {
            Ok(t) => t,
            Err(err) => return err,
        };
        let code = e.code();
        let class = match code {
            "INVALID_ARGUMENT" => &types.invalid_input,
            "NOT_A_DATA_DIRECTORY" | "AMBIGUOUS_DATA_FILE" | "READ_FAILED" => &types.data,
            "STORAGE_ERROR" | "WRITE_FAILED" | "ENCODE_FAILED" => &types.storage,
            _ => &types.analytics,
        };
        let cause = match &e {
            Error::Read { path, source } | Error::Write { path, source } => {
                Some(os_error(source, path))
            }
            _ => None,
        };
        let message = match &e {
            // The core names some arguments the JSON way (`usdToNpr`); say it the Python way.
            // Environment variable names (`ALERT_DROP_PCT`) stay as they are.
            Error::InvalidArgument { name, .. }
                if !name.contains('_') && name.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                e.to_string().replace(name, &snake_case(name))
            }
            _ => e.to_string(),
        };
        let err = instance(py, class, message, code);
        if let Some(cause) = cause {
            err.set_cause(py, Some(cause));
        }
        err
    })
}

/// `OSError(errno, strerror, filename)`, which Python turns into the matching subclass
/// (`FileNotFoundError`, `PermissionError`, …).
fn os_error(source: &std::io::Error, path: &std::path::Path) -> PyErr {
    let path = path.display().to_string();
    match source.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, source.to_string(), path)),
        None => PyOSError::new_err((source.to_string(), path)),
    }
}

/// `AnalyticsError` with code `INTERNAL_ERROR`, for a panic caught at the boundary.
pub(crate) fn internal_error(message: String) -> PyErr {
    Python::attach(|py| match types(py) {
        Ok(types) => instance(
            py,
            &types.analytics,
            format!("internal error in the analytics engine (please report it): {message}"),
            INTERNAL_ERROR,
        ),
        Err(err) => err,
    })
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

/// An `InvalidInputError` about argument `name` (the way the core words it: "invalid {name}: {reason}").
pub(crate) fn invalid_input(name: &'static str, reason: impl Into<String>) -> PyErr {
    to_py_err(Error::InvalidArgument {
        name,
        reason: reason.into(),
    })
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
