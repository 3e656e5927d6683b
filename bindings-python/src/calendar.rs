//! Dates, date ranges and granularities from Python arguments (core `calendar.rs`).
//!
//! A date is a `datetime.date` or a `'YYYY-MM-DD'` string: a local day of the reporting time zone. A
//! `datetime.datetime` (or `pandas.Timestamp`) is refused with a `TypeError`: it is an instant, and
//! which local day it falls on depends on a time zone the caller should choose explicitly (`.date()`).

use chrono::NaiveDate;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyString, PyType};

use halobuzz_analytics::calendar::{DateRange, Granularity};

use crate::error::{invalid_input, ResultExt};

static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Argument `name` as a local date.
pub(crate) fn date_arg(name: &'static str, value: &Bound<'_, PyAny>) -> PyResult<NaiveDate> {
    let py = value.py();
    if let Ok(s) = value.cast::<PyString>() {
        let text = s.to_cow()?;
        return text.trim().parse::<NaiveDate>().map_err(|_| {
            invalid_input(
                name,
                format!("`{text}` is not a date; pass a datetime.date or a 'YYYY-MM-DD' string"),
            )
        });
    }
    if value.is_instance(DATETIME.import(py, "datetime", "datetime")?)? {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a datetime.date or a 'YYYY-MM-DD' string, got a datetime; \
             pass its local date with .date()"
        )));
    }
    if value.is_instance(DATE.import(py, "datetime", "date")?)? {
        let year: i32 = value.getattr("year")?.extract()?;
        let month: u32 = value.getattr("month")?.extract()?;
        let day: u32 = value.getattr("day")?.extract()?;
        return NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
            invalid_input(name, format!("{year:04}-{month:02}-{day:02} is not a date"))
        });
    }
    Err(PyTypeError::new_err(format!(
        "{name}: expected a datetime.date or a 'YYYY-MM-DD' string, got {}",
        value.get_type().name()?
    )))
}

/// `start..=end` (both inclusive); an `InvalidInputError` when `start` is after `end`.
pub(crate) fn range_arg(start: &Bound<'_, PyAny>, end: &Bound<'_, PyAny>) -> PyResult<DateRange> {
    DateRange::new(date_arg("start", start)?, date_arg("end", end)?).or_raise()
}

/// `"day"`, `"week"` or `"month"` (the core also accepts `daily`, `weekly`, `monthly`).
pub(crate) fn granularity_arg(value: &str) -> PyResult<Granularity> {
    value.parse::<Granularity>().or_raise()
}
