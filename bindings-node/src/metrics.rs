//! The metric catalog (the core's `api::metrics`): every numeric KPI a time series accepts, with its
//! section, unit, kind, description and aliases, as module functions (they need no engine).

use halobuzz_analytics::api;
use napi::bindgen_prelude::Unknown;
use napi::Env;
use napi_derive::napi;

use crate::task::{parse_json, to_json};

/// Every metric of the catalog, in report order: `{ id, section, unit, kind, description, aliases }`.
/// `id` (or an alias) is what `timeSeries({ metric })` takes.
#[napi(catch_unwind, ts_return_type = "Array<MetricInfo>")]
pub fn metrics(env: Env) -> napi::Result<Unknown<'static>> {
    to_json(&api::metrics())
        .map_err(|f| f.into_js(&env))
        .and_then(|json| parse_json(&env, json))
}

/// The ids of every metric (`revenue.total`, `engagement.dau`, …): `metrics().map((m) => m.id)`.
#[napi(catch_unwind)]
pub fn metric_paths() -> Vec<String> {
    api::metrics().into_iter().map(|m| m.id).collect()
}
