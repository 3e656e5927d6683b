//! Forecasting (the core's `api::forecast`): `forecastSeries` and `forecastBatch` as module functions
//! (they need no engine), and `Engine.forecast` / `Engine.storedForecasts` in an `impl Engine` block of
//! their own. Options go to the core as JSON ([`args`]); the values, which may number millions, are
//! read straight into floats ([`args::number_list`]: a `Float64Array`, NaN a missing value, or an
//! array with `null` for one) and set on the decoded request. Every computation runs on the libuv
//! thread pool.

use halobuzz_analytics::api::forecast::{MAX_BATCH_SERIES, MAX_BATCH_VALUES};
use halobuzz_analytics::api::{
    self, ForecastBatchRequest, ForecastRequest, NameStyle, SeriesForecastRequest,
    StoredForecastsRequest,
};
use halobuzz_analytics::forecast::types::MAX_POINTS;
use halobuzz_analytics::Error as CoreError;
use napi::bindgen_prelude::{FnArgs, FromNapiValue, Function, JsObjectValue, Object, Unknown};
use napi::{Env, JsValue};
use napi_derive::napi;
use serde_json::Value;

use crate::args;
use crate::engine::Engine;
use crate::error::{catch_panic, invalid_argument, Failure, Outcome};
use crate::task::{run, to_json, Job, Settled};

/// The options of one series (everything but its values) and how many dates they may hold.
const OPTION_VALUES: usize = MAX_POINTS + 100;

/// The core's refusal of a series of `n` values.
fn too_long(n: usize) -> CoreError {
    CoreError::invalid_argument(
        "values",
        format!("has {n} values; at most {MAX_POINTS} are accepted"),
    )
}

/// The request of one series: `options` decoded by the core (with no values), then `values` set.
fn series_request(
    name: &'static str,
    options: Value,
    values: Vec<Option<f64>>,
) -> Outcome<SeriesForecastRequest> {
    let mut options = match options {
        Value::Object(o) => o,
        Value::Null => Default::default(),
        other => {
            return Err(invalid_argument(
                name,
                format!("expected an object of options, got {}", kind(&other)),
            ))
        }
    };
    if options.contains_key("values") {
        return Err(invalid_argument(
            name,
            "has `values`: give the values as the first argument",
        ));
    }
    options.insert("values".to_owned(), Value::Array(Vec::new()));
    let mut request: SeriesForecastRequest =
        catch_panic(|| Ok(api::decode(name, Value::Object(options), NameStyle::Camel)?))?;
    request.values = values;
    Ok(request)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Forecasts one series `options.horizon` steps ahead: `values` is a `Float64Array` (NaN a missing
/// value) or an array of numbers (`null` for a missing value), oldest first, at most 1,000,000.
/// Options (all but `horizon` optional): `seasonLength` (one period or several, in steps), `dates`
/// (the day of each value, 'YYYY-MM-DD'), `levels` (default `[80, 95]`), `method` (`auto`, `mstl`,
/// `ets`, `combination`, `seasonalNaive`, `naive`, `drift`, `mean`), `validationOrigins` (default 3),
/// `calibrate` (default `true`), `fill` (`interpolate` or `zero`), `id`. Resolves to `{ point,
/// intervals: [{ level, lower, upper }], dates, model, validation, calibration, summary, filled,
/// notes }`; rejects with `INVALID_ARGUMENT` and the core's message for a bad value or option.
#[napi(
    catch_unwind,
    ts_args_type = "values: Array<number | null | undefined> | Float64Array, options: ForecastSeriesOptions",
    ts_return_type = "Promise<SeriesForecast>"
)]
pub fn forecast_series(
    env: Env,
    values: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Settled<Job>> {
    let request = (|| {
        let values = args::number_list(&env, "values", values, MAX_POINTS, too_long)?;
        let options = args::json_limited(&env, "options", options, OPTION_VALUES)?;
        series_request("options", options, values)
    })();
    run(&env, request, |r| to_json(&r.run()?))
}

/// Forecasts many series in parallel (at most 100,000, 20,000,000 values in all): each element of
/// `series` is `{ values, horizon, ...options of forecastSeries }`; `options.threads` sets the worker
/// threads (default: the machine's cores). Resolves to `{ forecasts, failures }`: the forecasts in
/// order, and each series that could not be forecast with its `index`, `id`, `code` and `message`
/// (one bad series does not fail the others).
#[napi(
    catch_unwind,
    ts_args_type = "series: Array<ForecastBatchSeries>, options?: ForecastBatchOptions | undefined | null",
    ts_return_type = "Promise<ForecastBatch>"
)]
pub fn forecast_batch(
    env: Env,
    series: Option<Unknown<'_>>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Settled<Job>> {
    let request = (|| {
        let mut batch: ForecastBatchRequest = {
            let mut o = match args::json(&env, "options", options)? {
                Value::Object(o) => o,
                Value::Null => Default::default(),
                other => {
                    return Err(invalid_argument(
                        "options",
                        format!("expected an object of options, got {}", kind(&other)),
                    ))
                }
            };
            o.insert("series".to_owned(), Value::Array(Vec::new()));
            catch_panic(|| Ok(api::decode("options", Value::Object(o), NameStyle::Camel)?))?
        };
        batch.series = read_batch(&env, series)?;
        Ok(batch)
    })();
    run(&env, request, |r| to_json(&r.run()?))
}

/// The series of `forecastBatch`, bounded before each is read.
fn read_batch(env: &Env, series: Option<Unknown<'_>>) -> Outcome<Vec<SeriesForecastRequest>> {
    let Some(series) = series else {
        return Err(invalid_argument(
            "series",
            "is required: an array of { values, horizon, ... }",
        ));
    };
    if !series
        .is_array()
        .map_err(|e| invalid_argument("series", e.reason))?
    {
        return Err(invalid_argument(
            "series",
            "expected an array of { values, horizon, ... }",
        ));
    }
    let array = Object::from_unknown(series).map_err(|e| invalid_argument("series", e.reason))?;
    let len = array
        .get_array_length()
        .map_err(|e| invalid_argument("series", e.reason))? as usize;
    if len > MAX_BATCH_SERIES {
        return Err(invalid_argument(
            "series",
            format!("has {len} series; at most {MAX_BATCH_SERIES} are accepted"),
        ));
    }
    let global = env
        .get_global()
        .map_err(|e| invalid_argument("series", e.reason))?;
    let reflect: Object<'_> = global
        .get_named_property("Reflect")
        .map_err(|e| invalid_argument("series", e.reason))?;
    let get: Function<'_, FnArgs<(napi::sys::napi_value, napi::sys::napi_value)>, Unknown<'_>> =
        reflect
            .get_named_property("get")
            .map_err(|e| invalid_argument("series", e.reason))?;
    let object: Function<'_, (), Unknown<'_>> = global
        .get_named_property("Object")
        .map_err(|e| invalid_argument("series", e.reason))?;
    let assign: Function<'_, FnArgs<(napi::sys::napi_value, napi::sys::napi_value)>, Unknown<'_>> =
        object
            .get_named_property("assign")
            .map_err(|e| invalid_argument("series", e.reason))?;
    let key = |k: String| {
        env.create_string(&k)
            .map_err(|e| invalid_argument("series", e.reason))
    };
    let mut total = 0usize;
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let item: Unknown<'_> = array
            .get_element(i as u32)
            .map_err(|e| invalid_argument("series", e.reason))?;
        if !matches!(item.get_type(), Ok(napi::ValueType::Object))
            || item.is_array().unwrap_or(true)
        {
            return Err(Failure::Core(CoreError::invalid_argument(
                format!("series[{i}]"),
                "expected an object { values, horizon, ... }",
            )));
        }
        let values_key = key("values".to_owned())?;
        let values = get
            .call(FnArgs::from((item.raw(), values_key.raw())))
            .map_err(Failure::Js)?;
        let room = MAX_BATCH_VALUES - total;
        let values = args::number_list(env, "values", Some(values), MAX_POINTS.min(room), |n| {
            if n > MAX_POINTS {
                too_long(n)
            } else {
                CoreError::invalid_argument(
                    "series",
                    format!("has more than {MAX_BATCH_VALUES} values in all; at most {MAX_BATCH_VALUES} are accepted"),
                )
            }
        })
        .map_err(|f| at(f, i))?;
        total += values.len();
        // The options are the element without its values (a typed array has no JSON form): a shallow
        // copy (`Object.assign`, running each getter once, as reading it would) minus `values`.
        let target = Object::new(env).map_err(|e| invalid_argument("series", e.reason))?;
        let copy = assign
            .call(FnArgs::from((target.raw(), item.raw())))
            .map_err(Failure::Js)?;
        let mut copy =
            Object::from_unknown(copy).map_err(|e| invalid_argument("series", e.reason))?;
        copy.delete_named_property("values")
            .map_err(|e| invalid_argument("series", e.reason))?;
        let mut options = args::json_limited(
            env,
            "series",
            Some(copy.to_unknown()),
            OPTION_VALUES + values.len(),
        )
        .map_err(|f| at(f, i))?;
        if let Value::Object(o) = &mut options {
            o.remove("values");
        }
        out.push(series_request("series", options, values).map_err(|f| at(f, i))?);
    }
    Ok(out)
}

/// A failure of series `i`, its argument named `series[i].<field>`.
fn at(f: Failure, i: usize) -> Failure {
    match f {
        Failure::Core(CoreError::InvalidArgument { name, reason }) => {
            let field = name.strip_prefix("series").unwrap_or(&name);
            let field = field.strip_prefix('.').unwrap_or(field);
            let name = if field.is_empty() {
                format!("series[{i}]")
            } else {
                format!("series[{i}].{field}")
            };
            Failure::Core(CoreError::invalid_argument(name, reason))
        }
        other => other,
    }
}

#[napi]
impl Engine {
    /// Forecasts a catalog metric's daily series (`{ metric, horizon?, country?, from?, to?,
    /// seasonLength?, levels?, method?, validationOrigins?, calibrate?, store? }`): `horizon` days
    /// (default 14, at most 366) after `to` (default: the last settled day), from the history
    /// `from..=to` (default the 730 days up to `to`). `store: true` also writes it to
    /// `analyticsforecasts`. Resolves to the stored document's shape (`MetricForecast`).
    #[napi(
        catch_unwind,
        ts_args_type = "options: ForecastOptions",
        ts_return_type = "Promise<MetricForecast>"
    )]
    pub fn forecast(&self, env: Env, options: Option<Unknown<'_>>) -> napi::Result<Settled<Job>> {
        let request = args::request::<ForecastRequest>(&env, "options", options);
        let shared = self.shared();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }

    /// The forecasts stored with `forecast({ store: true })`, oldest history first; `{ metric?,
    /// country?, from?, to? }` filter by metric, country and the last day of history.
    #[napi(
        catch_unwind,
        ts_args_type = "query?: StoredForecastsQuery | undefined | null",
        ts_return_type = "Promise<Array<MetricForecast>>"
    )]
    pub fn stored_forecasts(
        &self,
        env: Env,
        query: Option<Unknown<'_>>,
    ) -> napi::Result<Settled<Job>> {
        let request = args::request::<StoredForecastsRequest>(&env, "query", query);
        let shared = self.shared();
        run(&env, request, move |r| to_json(&r.run(&shared.engine)?))
    }
}
