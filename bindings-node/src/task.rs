//! How a call runs off the JavaScript thread: a [`Job`] is a napi task whose work (arguments already
//! converted, the engine's computation, and the result's JSON encoding) runs on the libuv thread pool;
//! the JavaScript thread only turns the JSON text into objects (`JSON.parse`, which keeps the core's
//! field order and its `null`s exactly as the CLI prints them) or the failure into an `Error`.

use halobuzz_analytics::Error as CoreError;
use napi::bindgen_prelude::{AsyncTask, Function, JsObjectValue, Object, Unknown};
use napi::{Env, Task};
use serde::Serialize;

use crate::error::{catch_panic, Failure, Outcome};

/// The work of one call: everything but the conversion to JavaScript values.
type Work = Box<dyn FnOnce() -> Outcome<String> + Send>;

/// One engine call as a napi task; its promise resolves to the parsed JSON of the result.
pub struct Job {
    work: Option<Work>,
}

impl Job {
    /// A task running `work` on the thread pool.
    pub fn spawn(work: impl FnOnce() -> Outcome<String> + Send + 'static) -> AsyncTask<Job> {
        AsyncTask::new(Job {
            work: Some(Box::new(work)),
        })
    }
}

impl Task for Job {
    type Output = Outcome<String>;
    type JsValue = Unknown<'static>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        // Failures travel in `Output` so that `resolve` can build the JS error with its `code`.
        Ok(match self.work.take() {
            Some(work) => catch_panic(work),
            None => Err(Failure::Core(CoreError::Internal(
                "a task ran twice".to_owned(),
            ))),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        match output {
            Ok(json) => parse_json(&env, json),
            Err(failure) => Err(failure.into_js(&env)),
        }
    }
}

/// A result as JSON text, exactly as `serde_json` writes it (the CLI's `--json`, minus the indentation).
pub fn to_json(value: &impl Serialize) -> Outcome<String> {
    serde_json::to_string(value)
        .map_err(|e| Failure::Core(CoreError::encode("the result as JSON", e)))
}

/// `JSON.parse(text)` on the JavaScript thread.
pub fn parse_json(env: &Env, text: String) -> napi::Result<Unknown<'static>> {
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let parse: Function<String, Unknown<'static>> = json.get_named_property("parse")?;
    parse.call(text)
}
