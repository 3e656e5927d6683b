//! Python arguments → the JSON form of a core request (`halobuzz_analytics::api`).
//!
//! The binding decides nothing about a request: it builds a `serde_json` object whose keys are the
//! request's fields in snake_case and hands it to [`api::decode`] with [`NameStyle::Snake`], which
//! renames the keys, drops `None`, refuses unknown keys, reads dates strictly (`YYYY-MM-DD` only) and
//! checks every value, with the messages every front end gives. What happens here is translation only:
//! a `datetime.date` becomes its ISO text, a timezone-aware `datetime.datetime` given for an instant
//! (`now`) its RFC 3339 text, a `decimal.Decimal` its decimal text, dicts, lists and tuples JSON objects
//! and arrays. A value JSON cannot carry (a NaN, an integer beyond 64 bits) is passed in a form the core
//! refuses with its own message; a Python type with no JSON form (a `datetime` given for a day, which is
//! an instant rather than a local day, a naive `datetime` given for an instant, or an arbitrary object)
//! is a `TypeError`, as Python raises for arguments of the wrong type.
//!
//! Where a Python parameter is named differently from its request field (`start`/`end` for
//! `from`/`to`, `path` for the data source), a [`Renames`] table
//! makes an error name the parameter the caller wrote; only the error's argument name changes, never
//! its reason.

use std::borrow::Cow;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use halobuzz_analytics::api::{self, NameStyle};
use halobuzz_analytics::Error;

use crate::error::to_py_err;

/// The JSON object of a request, keys in snake_case.
pub(crate) type Object = Map<String, Value>;

/// Request fields whose Python parameter has another name: `(field, parameter)`.
pub(crate) type Renames = &'static [(&'static str, &'static str)];

/// No parameter renamed.
pub(crate) const SAME: Renames = &[];

/// The range of `kpis`, `time_series`, `backfill`: `start` and `end` are `from` and `to`.
pub(crate) const RANGE: Renames = &[("from", "start"), ("to", "end")];

static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEZONE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Reads the request `T` from `object` through the core (errors name the Python parameter).
pub(crate) fn decode<T: DeserializeOwned>(
    argument: &str,
    object: Object,
    renames: Renames,
) -> PyResult<T> {
    api::decode(argument, Value::Object(object), NameStyle::Snake).map_err(|e| raise(e, renames))
}

/// The Python exception of `e`, its argument named as the Python parameter (by `renames`).
pub(crate) fn raise(e: Error, renames: Renames) -> PyErr {
    to_py_err(rename(e, renames))
}

/// `e` with its argument named as the Python parameter (by `renames`); other errors unchanged.
pub(crate) fn rename(e: Error, renames: Renames) -> Error {
    match e {
        Error::InvalidArgument { name, reason } => {
            let (head, tail) = match name.split_once('.') {
                Some((head, tail)) => (head, Some(tail)),
                None => (name.as_ref(), None),
            };
            let renamed: Option<Cow<'static, str>> = renames
                .iter()
                .find(|(field, _)| *field == head)
                .map(|(_, python)| match tail {
                    Some(tail) => format!("{python}.{tail}").into(),
                    None => (*python).into(),
                });
            Error::InvalidArgument {
                name: renamed.unwrap_or(name),
                reason,
            }
        }
        other => other,
    }
}

/// Inserts `key: value` unless `value` is `None` (an option not given).
pub(crate) fn put(object: &mut Object, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value);
    }
}

/// An integer as a JSON number; beyond 64 bits, the nearest float (which the core refuses as not a
/// whole number in range).
pub(crate) fn int(n: i128) -> Value {
    Number::from_i128(n).map_or_else(|| float(n as f64), Value::Number)
}

/// A float as a JSON number; a NaN or an infinity, which JSON has no number for, as its Python text
/// (`"nan"`, `"inf"`), which the core refuses.
pub(crate) fn float(x: f64) -> Value {
    Number::from_f64(x).map_or_else(
        || {
            let text = if x.is_nan() {
                "nan"
            } else if x > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            Value::String(text.to_owned())
        },
        Value::Number,
    )
}

/// A local day: a `'YYYY-MM-DD'` string as it is (the core reads it), a `datetime.date` as its ISO
/// text. A `datetime.datetime` (or `pandas.Timestamp`) is a `TypeError`: which local day an instant
/// falls on depends on a time zone the caller should choose explicitly with `.date()`.
pub(crate) fn date(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = value.py();
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if value.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a datetime.date or a 'YYYY-MM-DD' string, got a datetime; \
             pass its local date with .date()"
        )));
    }
    if value.is_instance(DATE.import(py, "datetime", "date")?)? {
        return Ok(Value::String(value.call_method0("isoformat")?.extract()?));
    }
    Err(PyTypeError::new_err(format!(
        "{name}: expected a datetime.date or a 'YYYY-MM-DD' string, got {}",
        value.get_type().name()?
    )))
}

/// An instant (`now`): an RFC 3339 string as it is (the core reads it), a timezone-aware
/// `datetime.datetime` (or `pandas.Timestamp`) as its RFC 3339 text in UTC. A naive `datetime` is a
/// `TypeError`: which instant it means depends on a time zone the caller should give explicitly.
pub(crate) fn instant(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = value.py();
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if !value.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a timezone-aware datetime.datetime or an RFC 3339 string, got {}",
            value.get_type().name()?
        )));
    }
    // Python's own definition of aware: a tzinfo whose offset for this datetime is not None.
    if value.call_method0("utcoffset")?.is_none() {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a timezone-aware datetime, got a naive one; give it a time zone, \
             e.g. .replace(tzinfo=datetime.timezone.utc)"
        )));
    }
    let utc = TIMEZONE
        .import(py, "datetime", "timezone")?
        .getattr("utc")?;
    let text: String = value
        .call_method1("astimezone", (utc,))?
        .call_method0("isoformat")?
        .extract()?;
    Ok(Value::String(text))
}

/// An exact decimal (`usd_to_npr`): a `str` as it is, an `int` or `float` as a number, a
/// `decimal.Decimal` as its fixed-point text (`Decimal('1E+2')` → `"100"`). `bool` is a `TypeError`.
pub(crate) fn decimal(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a number, got bool"
        )));
    }
    if let Some(text) = decimal_text(value)? {
        return Ok(Value::String(text));
    }
    if value.is_instance_of::<PyString>()
        || value.is_instance_of::<PyInt>()
        || value.is_instance_of::<PyFloat>()
    {
        return json(name, value);
    }
    Err(PyTypeError::new_err(format!(
        "{name}: expected a number (int, float, decimal.Decimal or str), got {}",
        value.get_type().name()?
    )))
}

/// The fixed-point text of a `decimal.Decimal` (the core reads plain decimals, not `1E+2`).
fn decimal_text(value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if !value.is_instance(DECIMAL.import(value.py(), "decimal", "Decimal")?)? {
        return Ok(None);
    }
    Ok(Some(
        value
            .call_method1("__format__", ("f",))?
            .extract::<String>()?,
    ))
}

/// Any argument as JSON: `None`, `bool`, `int`, `float`, `str`, `decimal.Decimal` (a number), a
/// `datetime.date` (its ISO text), a `dict` with `str` keys, a `list` or `tuple`. `name` names the
/// argument (`alerts.drop_pct`) in a `TypeError`.
pub(crate) fn json(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(match value.extract::<i128>() {
            Ok(n) => int(n),
            Err(_) => float(value.extract::<f64>()?),
        });
    }
    if let Ok(x) = value.cast::<PyFloat>() {
        return Ok(float(x.value()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Some(text) = decimal_text(value)? {
        // A number when JSON has one for it (the field decides what it accepts), else its text.
        return Ok(serde_json::from_str::<Number>(&text).map_or(Value::String(text), Value::Number));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        let mut object = Object::new();
        for (k, v) in dict.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "{name}: keys must be strings, got {}",
                    k.get_type().name()?
                )));
            };
            let key = key.to_cow()?.into_owned();
            let item = json(&format!("{name}.{key}"), &v)?;
            object.insert(key, item);
        }
        return Ok(Value::Object(object));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        return value
            .try_iter()?
            .enumerate()
            .map(|(i, item)| json(&format!("{name}[{i}]"), &item?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    let py = value.py();
    if value.is_instance(DATE.import(py, "datetime", "date")?)? {
        return date(name, value);
    }
    Err(PyTypeError::new_err(format!(
        "{name}: expected None, bool, int, float, str, Decimal, date, dict or list, got {}",
        value.get_type().name()?
    )))
}
