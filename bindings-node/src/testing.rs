//! Hooks for the package's own test suite, exported under names starting with `__` and left out of
//! `index.d.ts` (`skip_typescript`): they are no part of the API, and nothing else should call them.

use std::path::PathBuf;

use halobuzz_analytics::{Collection, Error as CoreError};
use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::Env;
use napi_derive::napi;

use crate::args;
use crate::error::{catch_panic, internal_errors, Outcome};
use crate::task::Job;

/// Rejects with the error the binding makes of the core error of `code` (every code, including those
/// data cannot trigger); for `INTERNAL_ERROR`, panics inside the call instead (on the thread pool, or
/// on the JavaScript thread with `onJsThread`), to show that a panic is caught and becomes
/// `INTERNAL_ERROR` without taking the process down.
#[napi(js_name = "__raiseForTest", skip_typescript, catch_unwind)]
pub fn raise_for_test(
    env: Env,
    code: Option<Unknown<'_>>,
    on_js_thread: Option<bool>,
) -> AsyncTask<Job> {
    let failure: Outcome<String> =
        args::string(&env, "code", code, "'INTERNAL_ERROR'").and_then(|code| {
            match core_error(&code) {
                Some(e) => Err(e.into()),
                None if on_js_thread == Some(true) => {
                    catch_panic(|| panic!("a test panic on the JavaScript thread"))
                }
                None => Ok(code),
            }
        });
    Job::spawn(move || {
        let code = failure?;
        // Only INTERNAL_ERROR gets here.
        panic!("a test panic on the thread pool ({code})")
    })
}

/// The core error of `code`; `None` for `INTERNAL_ERROR`, which the caller turns into a panic.
fn core_error(code: &str) -> Option<CoreError> {
    let path = PathBuf::from("/nonexistent/halobuzz/users.json");
    Some(match code {
        "INVALID_ARGUMENT" => CoreError::invalid_argument("testArgument", "a test of `fieldName`"),
        "READ_FAILED" => CoreError::Read {
            path,
            source: std::io::Error::from_raw_os_error(2),
        },
        "WRITE_FAILED" => CoreError::Write {
            path,
            source: std::io::Error::from_raw_os_error(13),
        },
        "AMBIGUOUS_DATA_FILE" => CoreError::AmbiguousDataFile {
            dir: "/data".into(),
            collection: Collection::Users,
            first: "users.json".to_owned(),
            second: "users.ndjson".to_owned(),
        },
        "NOT_A_DATA_DIRECTORY" => CoreError::NotADataDirectory(path),
        "OVERFLOW" => CoreError::Overflow {
            what: "a test".to_owned(),
        },
        "ENCODE_FAILED" => CoreError::Encode {
            what: "a test".to_owned(),
            reason: "a test".to_owned(),
            source: None,
        },
        // A driver error whose own cause is an I/O error: one `Caused by:` line per cause.
        "STORAGE_ERROR" => CoreError::storage_caused(
            "analyticsdailykpis",
            "a test",
            TestCause(std::io::Error::from_raw_os_error(111)),
        ),
        "RENDER_FAILED" => CoreError::render_failed("pdf", "a test"),
        "JOB_FAILED" => CoreError::JobFailed {
            job: "a-test".to_owned(),
            message: "Error: a test".to_owned(),
        },
        "CANCELLED" => CoreError::Cancelled {
            what: "a test".to_owned(),
        },
        "INTERNAL_ERROR" => return None,
        _ => CoreError::invalid_argument("code", format!("unknown code `{code}`")),
    })
}

/// How many errors of code `INTERNAL_ERROR` (a bug, or a panic caught inside the binding) the module has
/// delivered to JavaScript since it was loaded. The suite fails any test during which it grows, unless
/// the test raised one on purpose.
#[napi(js_name = "__internalErrors", skip_typescript)]
pub fn internal_errors_for_test() -> f64 {
    // An f64 holds every count below 2^53 exactly.
    #[allow(clippy::cast_precision_loss)]
    let count = internal_errors() as f64;
    count
}

/// The cause of the test hook's `STORAGE_ERROR`, itself caused by an I/O error.
#[derive(Debug)]
struct TestCause(std::io::Error);

impl std::fmt::Display for TestCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("server selection timed out")
    }
}

impl std::error::Error for TestCause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
