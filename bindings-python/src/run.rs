//! Running core calls from Python: [`compute`] releases the GIL and catches panics, so a bug surfaces as
//! an `AnalyticsError` (`INTERNAL_ERROR`) instead of tearing down the Jupyter kernel;
//! [`with_day_progress`] runs one core call that rolls up days (a backfill, a report) and reports each
//! day to a Python callback,
//! re-taking the GIL for each report only; [`frame`] hands a result to the pandas helpers.

use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBool;

use halobuzz_analytics::{Error, Progress, Result};

use crate::convert::to_py;
use crate::error::{to_py_err, ResultExt};

/// Runs `f` with the GIL released, turning a core error or a panic into a Python exception.
pub(crate) fn compute<T: Send>(
    py: Python<'_>,
    f: impl FnOnce() -> Result<T> + Send,
) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(result) => result.or_raise(),
        Err(panic) => Err(to_py_err(Error::from_panic(&*panic))),
    }
}

/// Runs `run`, a core call that rolls up days (a backfill, a report) and reports each to its progress
/// callback, with the GIL released. After each day, the GIL is taken back to call `progress` (if any)
/// with the day's report and to check for signals (Ctrl-C). `progress` returning exactly `False` stops
/// it (the call then says how: a backfill's summary says `cancelled`, a report raises `CANCELLED`);
/// an exception from `progress` or from a signal handler stops it too and is what is raised, whatever
/// the core answered after it, with only whole days stored.
pub(crate) fn with_day_progress<T: Send>(
    py: Python<'_>,
    progress: Option<Bound<'_, PyAny>>,
    run: impl FnOnce(Progress<'_>) -> Result<T> + Send,
) -> PyResult<T> {
    if progress.as_ref().is_some_and(|p| !p.is_callable()) {
        return Err(PyTypeError::new_err(
            "progress: expected a callable taking one dict",
        ));
    }
    let callback = progress.map(Bound::unbind);
    let mut raised: Option<PyErr> = None;
    let out = compute(py, || {
        run(&mut |report| {
            Python::attach(|py| {
                let answer = match &callback {
                    Some(callback) => to_py(py, &report)
                        .map_err(PyErr::from)
                        .and_then(|arg| callback.bind(py).call1((arg,))),
                    None => Ok(py.None().into_bound(py)),
                };
                match answer.and_then(|a| py.check_signals().map(|()| a)) {
                    Ok(a) if a.cast::<PyBool>().is_ok_and(|b| !b.is_true()) => {
                        ControlFlow::Break(())
                    }
                    Ok(_) => ControlFlow::Continue(()),
                    Err(e) => {
                        raised = Some(e);
                        ControlFlow::Break(())
                    }
                }
            })
        })
    });
    match raised {
        Some(e) => Err(e),
        None => out,
    }
}

/// Calls `halobuzz_analytics._frames.<name>(*args)`, which builds a `pandas.DataFrame`.
pub(crate) fn frame<'py>(
    py: Python<'py>,
    name: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    py.import("halobuzz_analytics._frames")?
        .getattr(name)?
        .call1(args)
}
