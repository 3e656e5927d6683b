//! Arguments from JavaScript. Every method takes its arguments as plain JS values and only translates
//! them: an options object becomes its JSON form (`env.from_js_value`), which the core's request layer
//! ([`api::decode`]) reads, validates and names in its errors. The binding decides no option name,
//! default, date format or bound itself, so it cannot disagree with the CLI or the Python binding. A
//! wrong argument becomes an `INVALID_ARGUMENT` rejection of the method's promise, never a synchronous
//! throw.

use halobuzz_analytics::api::{self, NameStyle};
use napi::bindgen_prelude::Unknown;
use napi::Env;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{invalid_argument, Outcome};

/// The JSON form of an argument (`undefined` and `null` are `Value::Null`; a `Date` is an object
/// without members, which the request layer rejects where a day is expected).
pub fn json(env: &Env, name: &'static str, value: Option<Unknown<'_>>) -> Outcome<Value> {
    match value {
        None => Ok(Value::Null),
        Some(v) => env
            .from_js_value::<Value, _>(v)
            .map_err(|e| invalid_argument(name, e.reason)),
    }
}

/// The request `T` of the core's request layer from the options object `name` (`undefined` or `null`:
/// no options, so only requests without a required field accept it).
pub fn request<T: DeserializeOwned>(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
) -> Outcome<T> {
    Ok(api::decode(
        name,
        json(env, name, value)?,
        NameStyle::Camel,
    )?)
}

/// The request `T` whose only field `field` is the argument itself (`rollupDay(date)` is the request
/// `{ date }`).
pub fn field_request<T: DeserializeOwned>(
    env: &Env,
    field: &'static str,
    value: Option<Unknown<'_>>,
) -> Outcome<T> {
    let mut object = serde_json::Map::new();
    object.insert(field.to_owned(), json(env, field, value)?);
    Ok(api::decode(field, Value::Object(object), NameStyle::Camel)?)
}

/// A required string argument; `example` shows the caller what to pass.
pub fn string(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
    example: &str,
) -> Outcome<String> {
    match json(env, name, value)? {
        Value::String(s) => Ok(s),
        other => Err(invalid_argument(
            name,
            format!("expected a string such as {example}, got {}", kind(&other)),
        )),
    }
}

/// How a JSON value is described in an error.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "undefined or null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        // A `Date` reads as an object without own properties.
        Value::Object(_) => "an object",
    }
}
