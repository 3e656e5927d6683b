//! Generator options from keyword arguments (core `generate/`).
//!
//! Options left at `None` keep the core's `GeneratorConfig::default()`; the core validates the result.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySequence, PyString};

use halobuzz_analytics::generate::{GeneratorConfig, RevenueDrop};

use crate::calendar::date_arg;
use crate::error::{invalid_input, ResultExt};

/// The generator keyword arguments of `Engine.generate`.
pub(crate) struct GeneratorArgs<'py> {
    pub(crate) users: Option<Bound<'py, PyAny>>,
    pub(crate) days: Option<Bound<'py, PyAny>>,
    pub(crate) seed: Option<Bound<'py, PyAny>>,
    pub(crate) start: Option<Bound<'py, PyAny>>,
    pub(crate) revenue_drop: Option<Bound<'py, PyAny>>,
    pub(crate) invalid_rate: Option<f64>,
    pub(crate) duplicate_rate: Option<f64>,
}

impl GeneratorArgs<'_> {
    /// The core generator configuration, validated.
    pub(crate) fn build(&self) -> PyResult<GeneratorConfig> {
        let mut g = GeneratorConfig::default();
        if let Some(v) = &self.users {
            g.users = whole("users", v)?;
        }
        if let Some(v) = &self.days {
            g.days = whole("days", v)?;
        }
        if let Some(v) = &self.seed {
            g.seed = whole("seed", v)?;
        }
        if let Some(v) = &self.start {
            g.start = Some(date_arg("start", v)?);
        }
        if let Some(v) = &self.revenue_drop {
            g.revenue_drop = Some(revenue_drop(v)?);
        }
        if let Some(v) = self.invalid_rate {
            g.invalid_rate = v;
        }
        if let Some(v) = self.duplicate_rate {
            g.duplicate_rate = v;
        }
        g.validate().or_raise()?;
        Ok(g)
    }
}

/// A non-negative whole number that fits `T`: out of range is an `InvalidInputError`, not an
/// `OverflowError`.
fn whole<T: TryFrom<i128>>(name: &'static str, value: &Bound<'_, PyAny>) -> PyResult<T> {
    let n: i128 = value.extract()?;
    T::try_from(n).map_err(|_| invalid_input(name, format!("{n} is not a whole number in range")))
}

/// `{"day": date, "pct": 45.0}` or `(date, 45.0)`.
fn revenue_drop(value: &Bound<'_, PyAny>) -> PyResult<RevenueDrop> {
    let (day, pct) = if let Ok(d) = value.cast::<PyDict>() {
        let day = d
            .get_item("day")?
            .ok_or_else(|| invalid_input("revenue_drop", "missing key `day`"))?;
        let pct = d
            .get_item("pct")?
            .ok_or_else(|| invalid_input("revenue_drop", "missing key `pct`"))?;
        (day, pct)
    } else if let (Ok(seq), false) = (
        value.cast::<PySequence>(),
        value.is_instance_of::<PyString>(),
    ) {
        if seq.len()? != 2 {
            return Err(invalid_input("revenue_drop", "expected a (day, pct) pair"));
        }
        (seq.get_item(0)?, seq.get_item(1)?)
    } else {
        return Err(PyTypeError::new_err(
            "revenue_drop: expected {'day': date, 'pct': float} or a (day, pct) pair",
        ));
    };
    Ok(RevenueDrop {
        day: date_arg("revenue_drop", &day)?,
        pct: pct.extract()?,
    })
}
