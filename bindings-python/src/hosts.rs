//! The host performance request from Python arguments (core `api::hosts`). Built as JSON
//! (`request.rs`) and read by the core, which decides every default and bound; `None` is an option not
//! given.

use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::HostPerformanceRequest;

use crate::request::{date, decode, int, put, Object, RANGE};

/// The request of `host_performance` and `host_performance_frame`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn host_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    country: Option<&str>,
    sort_by: Option<&str>,
    order: Option<&str>,
    limit: Option<i128>,
    hosts: Option<Vec<String>>,
    daily: bool,
) -> PyResult<HostPerformanceRequest> {
    let text = |s: Option<&str>| s.map(|s| Value::String(s.to_owned()));
    let mut o = Object::new();
    o.insert("from".to_owned(), date("start", start)?);
    o.insert("to".to_owned(), date("end", end)?);
    put(&mut o, "country", text(country));
    put(&mut o, "sort_by", text(sort_by));
    put(&mut o, "order", text(order));
    put(&mut o, "limit", limit.map(int));
    put(
        &mut o,
        "hosts",
        hosts.map(|h| Value::Array(h.into_iter().map(Value::String).collect())),
    );
    if daily {
        o.insert("daily".to_owned(), Value::Bool(true));
    }
    decode("query", o, RANGE)
}
