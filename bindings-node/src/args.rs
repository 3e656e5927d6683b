//! Arguments from JavaScript. Every engine method takes its arguments as plain JS values and converts them
//! here instead of letting napi convert them: a wrong type, a missing or misspelt option then becomes an
//! `INVALID_ARGUMENT` rejection of the method's promise that names the argument, never a synchronous throw
//! with a napi status code.

use napi::bindgen_prelude::Unknown;
use napi::Env;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{invalid_argument, Outcome};

/// The JSON form of an argument (`undefined` and `null` are `Value::Null`).
fn json_of(env: &Env, name: &'static str, value: Option<Unknown<'_>>) -> Outcome<Value> {
    match value {
        None => Ok(Value::Null),
        Some(v) => env
            .from_js_value::<Value, _>(v)
            .map_err(|e| invalid_argument(name, e.reason)),
    }
}

/// An options object deserialised into `T` (whose serde attributes deny unknown fields, so a misspelt
/// option is reported); `None` when the argument is `undefined` or `null`.
pub fn options<T: DeserializeOwned>(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
) -> Outcome<Option<T>> {
    let mut json = json_of(env, name, value)?;
    if json.is_null() {
        return Ok(None);
    }
    drop_absent(&mut json);
    if !json.is_object() {
        return Err(invalid_argument(
            name,
            format!("expected an object, got {}", kind(&json)),
        ));
    }
    serde_path_to_error::deserialize(json)
        .map(Some)
        .map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // serde names the field itself for unknown and missing fields; a type error needs the path.
            if path == "." || inner.contains(&format!("`{path}`")) {
                invalid_argument(name, inner)
            } else {
                invalid_argument(name, format!("`{path}`: {inner}"))
            }
        })
}

/// Removes the `undefined` and `null` members of objects (at any depth): an option set to either is not
/// given, so that `{ from, to, country }` built from a request's query works whether or not `country`
/// was there, and a missing required option is reported as missing.
fn drop_absent(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_absent);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_absent),
        _ => {}
    }
}

/// A required options object; `example` shows the caller what to pass.
pub fn required_options<T: DeserializeOwned>(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
    example: &str,
) -> Outcome<T> {
    options(env, name, value)?
        .ok_or_else(|| invalid_argument(name, format!("missing; pass an object such as {example}")))
}

/// A required string argument; `example` shows the caller what to pass.
pub fn string(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
    example: &str,
) -> Outcome<String> {
    match json_of(env, name, value)? {
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
