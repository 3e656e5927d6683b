//! The funnel request from Python arguments (core `api::funnel`): built-in signup funnels, or a custom
//! funnel when ``steps`` names events.
//!
//! The request is built as JSON (`request.rs`) and read by the core, which decides every default (the
//! window, the order) and checks dates, steps, windows, orders and breakdowns. `None` is an option
//! not given.

use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::api::FunnelRequest;

use crate::request::{date, decode, int, put, Object, RANGE};

/// The arguments of `funnel` and `funnel_frame` besides the range.
pub(crate) struct FunnelArgs {
    pub steps: Option<Vec<String>>,
    pub country: String,
    pub window_days: Option<i128>,
    pub window_seconds: Option<i128>,
    pub order: Option<String>,
    pub breakdown: Option<String>,
}

/// The request of `funnel` and `funnel_frame`.
pub(crate) fn funnel_request(
    start: &Bound<'_, PyAny>,
    end: &Bound<'_, PyAny>,
    args: FunnelArgs,
) -> PyResult<FunnelRequest> {
    let mut o = Object::new();
    o.insert("from".to_owned(), date("start", start)?);
    o.insert("to".to_owned(), date("end", end)?);
    o.insert("country".to_owned(), Value::String(args.country));
    put(
        &mut o,
        "steps",
        args.steps
            .map(|s| Value::Array(s.into_iter().map(Value::String).collect())),
    );
    put(&mut o, "window_days", args.window_days.map(int));
    put(&mut o, "window_seconds", args.window_seconds.map(int));
    put(&mut o, "order", args.order.map(Value::String));
    put(&mut o, "breakdown", args.breakdown.map(Value::String));
    decode("query", o, RANGE)
}
