//! Errors: every failure of a call becomes one JavaScript `Error` with a stable `code` property and the
//! core's message, which says what is wrong and what to do. This module is the only place that converts
//! them (the codes are listed in the package README, "Errors").
//!
//! - an error of the core keeps its [`halobuzz_analytics::Error::code`] (`INVALID_ARGUMENT`,
//!   `READ_FAILED`, `NOT_A_DATA_DIRECTORY`, …); arguments the binding itself rejects (a malformed date,
//!   an unknown option) are core `InvalidArgument` errors too, so they carry `INVALID_ARGUMENT`;
//! - a panic caught at the binding's edge carries `INTERNAL_PANIC` (a bug, never the caller's fault);
//! - an exception thrown by JavaScript the binding called (the backfill's progress callback) is passed
//!   on unchanged.

use halobuzz_analytics::Error as CoreError;
use napi::{Env, JsError};

/// The `code` of a panic caught before it could cross into JavaScript.
pub const INTERNAL_PANIC: &str = "INTERNAL_PANIC";

/// Why a call failed.
#[derive(Debug)]
pub enum Failure {
    /// An error of the engine, or an argument the binding rejected (`InvalidArgument`).
    Core(CoreError),
    /// A panic of the engine or the binding, with its message.
    Panic(String),
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

/// An argument the binding cannot use; `name` is the argument as the JavaScript caller wrote it.
pub fn invalid_argument(name: &'static str, reason: impl Into<String>) -> Failure {
    Failure::Core(CoreError::InvalidArgument {
        name,
        reason: reason.into(),
    })
}

/// A `code` string for [`napi::Error`], whose JavaScript form puts its status in `code`.
struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl Failure {
    /// The JavaScript error, as a [`napi::Error`] that refers to it (so a rejected promise or a throw
    /// delivers exactly this object). Must run on the JavaScript thread.
    pub fn into_js(self, env: &Env) -> napi::Error {
        let (code, message) = match self {
            Failure::Js(e) => return e,
            Failure::Core(e) => (e.code(), e.to_string()),
            Failure::Panic(m) => (
                INTERNAL_PANIC,
                format!(
                    "internal error (a bug in halobuzz-analytics; please report it with the arguments used): {m}"
                ),
            ),
        };
        // `napi_create_error` sets `code`; holding the object itself keeps the custom code, which
        // `napi::Status` could not express.
        napi::Error::from(JsError::from(napi::Error::new(Code(code), message)).into_unknown(*env))
    }
}

/// Runs `f`, turning a panic into [`Failure::Panic`] so it never unwinds into Node (where it would abort
/// the process).
pub fn catch_panic<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic without a message".to_owned());
        Err(Failure::Panic(message))
    })
}
