//! Arguments from JavaScript. Every method takes its arguments as plain JS values and only translates
//! them: an options object becomes its JSON form ([`json`]), which the core's request layer
//! ([`api::decode`]) reads, validates and names in its errors. The binding decides no option name,
//! default, date format or bound itself, so it cannot disagree with the CLI or the Python binding. A
//! wrong argument becomes an `INVALID_ARGUMENT` rejection of the method's promise, never a synchronous
//! throw.
//!
//! The translation is a walk of the JS value that cannot take the process down, whatever the caller
//! passes: it stops at [`MAX_DEPTH`] nested levels (a cyclic object, or one nested 100,000 levels
//! deep, would otherwise overflow the stack) and at [`MAX_VALUES`] values; every getter or proxy trap
//! it runs is called once, through `Reflect.get` / `Object.keys`, so that what it throws rejects the
//! promise (passed on as it is) instead of escaping synchronously.

use halobuzz_analytics::api::{self, NameStyle};
use napi::bindgen_prelude::{
    Float64ArraySlice, FnArgs, FromNapiValue, Function, JsObjectValue, Object, Unknown,
};
use napi::{sys, Env, JsValue, ValueType};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::{catch_panic, invalid_argument, Failure, Outcome};

/// How many objects and arrays an argument may nest inside one another (the deepest option,
/// `config.alerts.dropPct`, is two levels down).
pub const MAX_DEPTH: usize = 32;

/// How many values (members and elements at every level, the argument included) an argument may hold
/// (`env: process.env` holds a few hundred).
pub const MAX_VALUES: usize = 10_000;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// The JSON form of an argument: `undefined` and `null` are `Value::Null` (and so are members set to
/// them, which the request layer drops: not given); an object is its own enumerable string-keyed
/// members (a `Date`, which has none, is an empty object, which the request layer rejects where a day
/// is expected); an array its elements; a number an integer when it is a safe integer. Functions,
/// symbols, BigInts, binary data, `NaN` and infinities have no JSON form and are refused, naming where
/// they are.
pub fn json(env: &Env, name: &'static str, value: Option<Unknown<'_>>) -> Outcome<Value> {
    json_limited(env, name, value, MAX_VALUES)
}

/// [`json`] for an argument that may hold up to `limit` values (a forecast's `dates`, one per value).
pub fn json_limited(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
    limit: usize,
) -> Outcome<Value> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    catch_panic(|| {
        let mut walk = Walk::new(env, name)?;
        walk.left = limit;
        walk.limit = limit;
        let converted = walk.value(value, name, 0);
        // Nothing may stay pending: an exception left behind would be thrown when the method returns.
        match (converted, walk.take_pending()) {
            (Ok(v), None) => Ok(v),
            (Ok(_), Some(thrown)) => Err(Failure::Js(thrown)),
            (Err(Failure::Js(e)), _) => Err(Failure::Js(e)),
            (Err(e), None) => Err(e),
            (Err(_), Some(thrown)) => Err(Failure::Js(thrown)),
        }
    })
}

/// One argument's conversion: the JS functions it reads through, and how many values it may still
/// convert.
struct Walk<'e> {
    name: &'static str,
    /// `Object.keys`: own enumerable string keys, running a proxy's traps.
    keys: Function<'e, sys::napi_value, Unknown<'e>>,
    /// `Reflect.get(target, key)`: a member, running its getter or a proxy's trap.
    get: Function<'e, FnArgs<(sys::napi_value, sys::napi_value)>, Unknown<'e>>,
    /// `Object()`, which cannot throw: a call of it reports (and clears) an exception still pending.
    probe: Function<'e, (), Unknown<'e>>,
    env: &'e Env,
    left: usize,
    /// The most values the argument may hold, for messages.
    limit: usize,
}

impl<'e> Walk<'e> {
    fn new(env: &'e Env, name: &'static str) -> Outcome<Walk<'e>> {
        let lookup = || -> napi::Result<_> {
            let global = env.get_global()?;
            let object: Function<'e, (), Unknown<'e>> = global.get_named_property("Object")?;
            let reflect: Object<'e> = global.get_named_property("Reflect")?;
            Ok((
                object.get_named_property("keys")?,
                reflect.get_named_property("get")?,
                object,
            ))
        };
        let (keys, get, probe) = lookup().map_err(|e| invalid_argument(name, e.reason))?;
        Ok(Walk {
            name,
            keys,
            get,
            probe,
            env,
            left: MAX_VALUES,
            limit: MAX_VALUES,
        })
    }

    /// The exception a JS call left pending, if any (taking it clears it). A thrown value whose
    /// `toString` throws in turn leaves that exception pending, so this drains a few.
    fn take_pending(&self) -> Option<napi::Error> {
        let mut first = None;
        for _ in 0..8 {
            match self.probe.call(()) {
                Ok(_) => return first,
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        first
    }

    /// A failure of napi itself while reading the argument: the exception it left pending, if there is
    /// one, else `INVALID_ARGUMENT` with its text.
    fn failed(&self, path: &str, e: napi::Error) -> Failure {
        match self.take_pending() {
            Some(thrown) => Failure::Js(thrown),
            None => invalid_argument(self.name, format!("cannot read {path}: {}", e.reason)),
        }
    }

    fn refuse(&self, path: &str, reason: String) -> Failure {
        Failure::Core(halobuzz_analytics::Error::invalid_argument(
            path.to_owned(),
            reason,
        ))
    }

    /// Counts one more value against [`MAX_VALUES`].
    fn spend(&mut self) -> Outcome<()> {
        self.left = self.room(1)?;
        Ok(())
    }

    /// What would be left after `n` more values (an array's length or an object's keys, checked before
    /// any of them is read).
    fn room(&self, n: usize) -> Outcome<usize> {
        self.left.checked_sub(n).ok_or_else(|| {
            invalid_argument(self.name, format!("holds more than {} values", self.limit))
        })
    }

    /// The JSON form of `value`, found at `path` (the argument's name at the top, then the request
    /// layer's spelling of a field: `alerts.dropPct`, `env.FOO`, `list[2]`), inside `depth` objects or
    /// arrays.
    fn value(&mut self, value: Unknown<'_>, path: &str, depth: usize) -> Outcome<Value> {
        self.spend()?;
        let kind = value.get_type().map_err(|e| self.failed(path, e))?;
        let read = |e: napi::Error| self.failed(path, e);
        Ok(match kind {
            ValueType::Undefined | ValueType::Null => Value::Null,
            ValueType::Boolean => Value::Bool(bool::from_unknown(value).map_err(read)?),
            ValueType::Number => number(f64::from_unknown(value).map_err(read)?)
                .ok_or_else(|| self.refuse(path, non_finite(value)))?,
            ValueType::String => Value::String(String::from_unknown(value).map_err(read)?),
            ValueType::Object => return self.object(value, path, depth + 1),
            ValueType::Function => return Err(self.refuse(path, unsupported("a function"))),
            ValueType::Symbol => return Err(self.refuse(path, unsupported("a symbol"))),
            // napi 5 has no BigInt type of its own: `typeof` is `bigint` (or an external value).
            _ => return Err(self.refuse(path, unsupported("a BigInt"))),
        })
    }

    /// An object or array at nesting level `depth` (1 for the argument itself).
    fn object(&mut self, value: Unknown<'_>, path: &str, depth: usize) -> Outcome<Value> {
        if depth > MAX_DEPTH {
            return Err(invalid_argument(
                self.name,
                format!("nested deeper than {MAX_DEPTH} levels (a cyclic object?)"),
            ));
        }
        if value.is_typedarray().map_err(|e| self.failed(path, e))?
            || value.is_arraybuffer().map_err(|e| self.failed(path, e))?
            || value.is_dataview().map_err(|e| self.failed(path, e))?
        {
            return Err(self.refuse(
                path,
                unsupported("binary data (a Buffer, typed array or ArrayBuffer)"),
            ));
        }
        if value.is_array().map_err(|e| self.failed(path, e))? {
            // A real array (a proxy is read as an object): its length runs no JavaScript.
            let array = Object::from_unknown(value).map_err(|e| self.failed(path, e))?;
            let len = array.get_array_length().map_err(|e| self.failed(path, e))?;
            self.room(len as usize)?;
            let mut items = Vec::with_capacity(len as usize);
            for i in 0..len {
                let item_path = format!("{path}[{i}]");
                let index = self
                    .env
                    .create_uint32(i)
                    .map_err(|e| self.failed(path, e))?;
                let item = self
                    .get
                    .call(FnArgs::from((value.raw(), index.raw())))
                    .map_err(Failure::Js)?;
                items.push(self.value(item, &item_path, depth)?);
            }
            return Ok(Value::Array(items));
        }
        // What a getter or a proxy trap throws is the caller's own exception: passed on as it is.
        let keys = self.keys.call(value.raw()).map_err(Failure::Js)?;
        let keys = Object::from_unknown(keys).map_err(|e| self.failed(path, e))?;
        let len = keys.get_array_length().map_err(|e| self.failed(path, e))?;
        self.room(len as usize)?;
        let mut members = Map::new();
        for i in 0..len {
            let key: Unknown<'_> = keys.get_element(i).map_err(|e| self.failed(path, e))?;
            let name = String::from_unknown(key).map_err(|e| self.failed(path, e))?;
            let member_path = if depth == 1 {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            let member = self
                .get
                .call(FnArgs::from((value.raw(), key.raw())))
                .map_err(Failure::Js)?;
            let converted = self.value(member, &member_path, depth)?;
            members.insert(name, converted);
        }
        Ok(Value::Object(members))
    }
}

/// A JS number as JSON: an integer when it is a safe integer (`300`, `-0` → `0`), else a float (so
/// that `1e20` is not mistaken for the largest integer); `None` for `NaN` and the infinities.
fn number(x: f64) -> Option<Value> {
    if !x.is_finite() {
        return None;
    }
    if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER {
        // Exact: a safe integer converts without loss.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::Number(Number::from(x as i64)));
    }
    Number::from_f64(x).map(Value::Number)
}

fn non_finite(value: Unknown<'_>) -> String {
    let shown = match f64::from_unknown(value) {
        Ok(x) if x.is_nan() => "NaN",
        Ok(x) if x > 0.0 => "Infinity",
        _ => "-Infinity",
    };
    format!("{shown} is not a finite number")
}

fn unsupported(what: &str) -> String {
    format!("expected a string, number, boolean, object or array, got {what}")
}

/// The request `T` of the core's request layer from the options object `name` (`undefined` or `null`:
/// no options, so only requests without a required field accept it).
pub fn request<T: DeserializeOwned>(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
) -> Outcome<T> {
    let value = json(env, name, value)?;
    catch_panic(|| Ok(api::decode(name, value, NameStyle::Camel)?))
}

/// The request `T` whose only field `field` is the argument itself (`rollupDay(date)` is the request
/// `{ date }`).
pub fn field_request<T: DeserializeOwned>(
    env: &Env,
    field: &'static str,
    value: Option<Unknown<'_>>,
) -> Outcome<T> {
    let mut object = Map::new();
    object.insert(field.to_owned(), json(env, field, value)?);
    catch_panic(|| Ok(api::decode(field, Value::Object(object), NameStyle::Camel)?))
}

/// The request `T` whose fields are the arguments themselves (`acknowledgeAlert(alertId, by)` is the
/// request `{ alertId, by }`).
pub fn fields_request<T: DeserializeOwned, const N: usize>(
    env: &Env,
    argument: &'static str,
    fields: [(&'static str, Option<Unknown<'_>>); N],
) -> Outcome<T> {
    let mut object = Map::new();
    for (field, value) in fields {
        object.insert(field.to_owned(), json(env, field, value)?);
    }
    catch_panic(|| {
        Ok(api::decode(
            argument,
            Value::Object(object),
            NameStyle::Camel,
        )?)
    })
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

/// A forecast's values: a `Float64Array` (NaN a missing value) or an array of numbers where `null`,
/// `undefined` and `NaN` are missing values, as the core reads them (an infinity is passed on for the
/// core to refuse). `more_than` says, before anything is read, why a list of that many values is
/// refused (the core's own bound), so that a `new Array(1e9)` allocates nothing.
pub fn number_list(
    env: &Env,
    name: &'static str,
    value: Option<Unknown<'_>>,
    max: usize,
    more_than: impl Fn(usize) -> halobuzz_analytics::Error,
) -> Outcome<Vec<Option<f64>>> {
    let expected = "expected an array of numbers (null for a missing value) or a Float64Array";
    let Some(value) = value else {
        return Err(invalid_argument(name, format!("is required: {expected}")));
    };
    catch_panic(|| {
        let walk = Walk::new(env, name)?;
        let read = |e: napi::Error| walk.failed(name, e);
        let kind = value.get_type().map_err(read)?;
        if kind != ValueType::Object {
            return Err(walk.refuse(name, format!("{expected}, got {kind:?}").to_lowercase()));
        }
        if value.is_typedarray().map_err(read)? {
            let array = Float64ArraySlice::from_unknown(value)
                .map_err(|_| walk.refuse(name, format!("{expected}, got another typed array")))?;
            if array.len() > max {
                return Err(Failure::Core(more_than(array.len())));
            }
            return Ok(array.iter().map(|x| (!x.is_nan()).then_some(*x)).collect());
        }
        if !value.is_array().map_err(read)? {
            return Err(walk.refuse(name, format!("{expected}, got an object")));
        }
        let array = Object::from_unknown(value).map_err(read)?;
        let len = array.get_array_length().map_err(read)? as usize;
        if len > max {
            return Err(Failure::Core(more_than(len)));
        }
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            let index = env.create_uint32(i as u32).map_err(read)?;
            let item = walk
                .get
                .call(FnArgs::from((value.raw(), index.raw())))
                .map_err(Failure::Js)?;
            let path = format!("{name}[{i}]");
            out.push(match item.get_type().map_err(|e| walk.failed(&path, e))? {
                ValueType::Undefined | ValueType::Null => None,
                ValueType::Number => {
                    let x = f64::from_unknown(item).map_err(|e| walk.failed(&path, e))?;
                    (!x.is_nan()).then_some(x)
                }
                other => {
                    return Err(walk.refuse(
                        &path,
                        format!("expected a number, null or undefined, got {other:?}")
                            .to_lowercase(),
                    ))
                }
            });
        }
        match walk.take_pending() {
            Some(thrown) => Err(Failure::Js(thrown)),
            None => Ok(out),
        }
    })
}
