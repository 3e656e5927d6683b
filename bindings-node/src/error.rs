//! Errors: every failure of a call becomes one JavaScript `Error` with the core's message (which says
//! what is wrong and what to do), a stable `code` and a `category`. This module is the only place that
//! converts them (the codes and categories are listed in the package README, "Errors").
//!
//! - an error of the core keeps its [`halobuzz_analytics::Error::code`] (`INVALID_ARGUMENT`,
//!   `READ_FAILED`, …) and its [`ErrorCategory`] (`invalidInput`, `data`, `storage`, `internal`); the
//!   message ends with one `Caused by: …` line per underlying cause not already in it;
//! - a panic caught at the binding's edge is the core's `Error::Internal` (`INTERNAL_ERROR`): a bug,
//!   never the caller's fault;
//! - an exception thrown by JavaScript the binding called (the backfill's progress callback) is passed
//!   on unchanged.

use std::error::Error as _;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use halobuzz_analytics::{Error as CoreError, ErrorCategory};
use napi::bindgen_prelude::{FromNapiValue, JsObjectValue, JsValue, Object};
use napi::{Env, JsError};

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// An error of the engine (including every argument it rejected, and caught panics).
    Core(CoreError),
    /// An exception thrown by JavaScript called from the binding, to be re-thrown as it is.
    Js(napi::Error),
}

/// The result of a binding call.
pub type Outcome<T> = std::result::Result<T, Failure>;

impl From<CoreError> for Failure {
    fn from(e: CoreError) -> Self {
        Failure::Core(e)
    }
}

/// An argument the binding itself cannot use (one that never reaches the core, such as the progress
/// callback); `name` is the argument as the JavaScript caller wrote it.
pub fn invalid_argument(name: &'static str, reason: impl Into<String>) -> Failure {
    Failure::Core(CoreError::invalid_argument(name, reason))
}

/// A `code` string for [`napi::Error`], whose JavaScript form puts its status in `code`.
struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// The `category` property: the core's own serde name of the category (`invalidInput`, `data`,
/// `storage`, `internal`).
fn category_name(category: ErrorCategory) -> String {
    match serde_json::to_value(category) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "internal".to_owned(),
    }
}

/// The error's message, then one `Caused by: …` line per cause in its `source()` chain whose text the
/// message does not already quote (most core messages end with their cause's text).
pub fn message_with_causes(e: &CoreError) -> String {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !message.contains(&text) {
            let _ = write!(message, "\nCaused by: {text}");
        }
        cause = c.source();
    }
    message
}

impl Failure {
    /// The JavaScript error, as a [`napi::Error`] that refers to it (so a rejected promise or a throw
    /// delivers exactly this object). Must run on the JavaScript thread.
    pub fn into_js(self, env: &Env) -> napi::Error {
        let e = match self {
            Failure::Js(e) => return e,
            Failure::Core(e) => e,
        };
        if matches!(e, CoreError::Internal(_)) {
            INTERNAL_ERRORS.fetch_add(1, Ordering::Relaxed);
        }
        let message = message_with_causes(&e);
        // `napi_create_error` sets `code`; holding the object itself keeps the custom code, which
        // `napi::Status` could not express.
        let error = JsError::from(napi::Error::new(Code(e.code()), message)).into_unknown(*env);
        let with_category = Object::from_unknown(error).and_then(|mut object| {
            object.set_named_property("category", category_name(e.category()))?;
            Ok(object.to_unknown())
        });
        match with_category {
            Ok(error) => napi::Error::from(error),
            // Only if the environment is going away; the error still has its code and message.
            Err(_) => napi::Error::from(error),
        }
    }
}

/// How many `INTERNAL_ERROR`s [`Failure::into_js`] has made (the test suite fails a test during which
/// one appears, unless it raised it on purpose).
static INTERNAL_ERRORS: AtomicU64 = AtomicU64::new(0);

/// How many `INTERNAL_ERROR`s have been delivered to JavaScript since the module was loaded.
pub fn internal_errors() -> u64 {
    INTERNAL_ERRORS.load(Ordering::Relaxed)
}

/// Runs `f`, turning a panic into the core's `Error::Internal` so it never unwinds into Node (where it
/// would abort the process).
pub fn catch_panic<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(Failure::Core(CoreError::from_panic(&*payload))))
}
