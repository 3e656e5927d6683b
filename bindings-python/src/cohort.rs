//! The cohort requests from Python arguments (core `api::cohort`): cohort tables, stored cohorts,
//! retention matrices and lifecycle.
//!
//! Requests are built as JSON (`request.rs`) and read by the core, which decides every default (the
//! days N, the as-of day) and checks dates, granularities, countries and the days N. `None` is an
//! option not given.

use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::{
    CohortTableRequest, LifecycleRequest, RetentionMatrixRequest, StoredCohortsRequest,
};

use crate::request::{date, decode, int, put, Object, RANGE};

/// `{"from": start, "to": end, "granularity": …, "country": …}`.
fn period_query(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    granularity: &str,
    country: &str,
) -> PyResult<Object> {
    let mut o = Object::new();
    o.insert("from".to_owned(), date("start", start)?);
    o.insert("to".to_owned(), date("end", end)?);
    o.insert(
        "granularity".to_owned(),
        Value::String(granularity.to_owned()),
    );
    o.insert("country".to_owned(), Value::String(country.to_owned()));
    Ok(o)
}

/// The request of `retention_matrix` and `retention_matrix_frame`.
pub(crate) fn retention_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    as_of: Option<&Bound<'_, PyAny>>,
    granularity: &str,
    country: &str,
    days: Option<&[i128]>,
) -> PyResult<RetentionMatrixRequest> {
    let mut o = period_query(start, end, granularity, country)?;
    put(
        &mut o,
        "as_of",
        as_of.map(|d| date("as_of", d)).transpose()?,
    );
    put(
        &mut o,
        "days",
        days.map(|ns| Value::Array(ns.iter().map(|&n| int(n)).collect())),
    );
    decode("query", o, RANGE)
}

/// The request of `lifecycle` and `lifecycle_frame`.
pub(crate) fn lifecycle_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    granularity: &str,
    country: &str,
) -> PyResult<LifecycleRequest> {
    decode(
        "query",
        period_query(start, end, granularity, country)?,
        RANGE,
    )
}

/// The request of `cohorts`, `cohorts_frame` and `refresh_cohorts`.
pub(crate) fn cohort_table_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    as_of: Option<&Bound<'_, PyAny>>,
    granularity: &str,
    country: &str,
) -> PyResult<CohortTableRequest> {
    let mut o = period_query(start, end, granularity, country)?;
    put(
        &mut o,
        "as_of",
        as_of.map(|d| date("as_of", d)).transpose()?,
    );
    decode("query", o, RANGE)
}

/// The request of `stored_cohorts`.
pub(crate) fn stored_cohorts_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    granularity: &str,
    country: &str,
) -> PyResult<StoredCohortsRequest> {
    decode(
        "query",
        period_query(start, end, granularity, country)?,
        RANGE,
    )
}
