//! Generator options from keyword arguments (core `api::GenerateRequest`).
//!
//! Options left at `None` are left out of the request, so the core's defaults apply; the core checks
//! every value (bounds, the window, the revenue drop). `revenue_drop` may be given as a `(day, pct)`
//! pair, translated into the request's `{"day", "pct"}` object.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PySequence, PyTuple};
use serde_json::Value;

use halobuzz_analytics::api::GenerateRequest;

use crate::request::{date, decode, float, int, json, put, Object, SAME};

/// The generator keyword arguments of `Engine.generate`.
pub(crate) struct GeneratorArgs<'py> {
    pub(crate) users: Option<i128>,
    pub(crate) days: Option<i128>,
    pub(crate) seed: Option<i128>,
    pub(crate) start: Option<Bound<'py, PyAny>>,
    pub(crate) revenue_drop: Option<Bound<'py, PyAny>>,
    pub(crate) invalid_rate: Option<f64>,
    pub(crate) duplicate_rate: Option<f64>,
}

impl GeneratorArgs<'_> {
    /// The core's generation request (checked by the core).
    pub(crate) fn request(&self) -> PyResult<GenerateRequest> {
        let mut o = Object::new();
        put(&mut o, "users", self.users.map(int));
        put(&mut o, "days", self.days.map(int));
        put(&mut o, "seed", self.seed.map(int));
        let start = self.start.as_ref();
        put(
            &mut o,
            "start",
            start.map(|s| date("start", s)).transpose()?,
        );
        let drop = self.revenue_drop.as_ref();
        put(&mut o, "revenue_drop", drop.map(revenue_drop).transpose()?);
        put(&mut o, "invalid_rate", self.invalid_rate.map(float));
        put(&mut o, "duplicate_rate", self.duplicate_rate.map(float));
        decode("generate", o, SAME)
    }
}

/// `{"day": date, "pct": 45.0}` as it is, or a `(day, pct)` pair as that object.
fn revenue_drop(value: &Bound<'_, PyAny>) -> PyResult<Value> {
    const NAME: &str = "revenue_drop";
    if value.is_instance_of::<PyDict>() {
        return json(NAME, value);
    }
    if value.is_instance_of::<PyTuple>() || value.is_instance_of::<PyList>() {
        let pair = value.cast::<PySequence>()?;
        if pair.len()? == 2 {
            let mut o = Object::new();
            o.insert("day".to_owned(), date(NAME, &pair.get_item(0)?)?);
            o.insert("pct".to_owned(), json(NAME, &pair.get_item(1)?)?);
            return Ok(Value::Object(o));
        }
    }
    Err(PyTypeError::new_err(
        "revenue_drop: expected {'day': date, 'pct': float} or a (day, pct) pair",
    ))
}
