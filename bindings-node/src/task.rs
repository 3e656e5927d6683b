//! How a call runs off the JavaScript thread: a [`Job`] is a napi task whose work (arguments already
//! converted, the engine's computation, and the result's JSON encoding) runs on the libuv thread pool;
//! the JavaScript thread only turns the JSON text into objects (`JSON.parse`, which keeps the core's
//! field order and its `null`s exactly as the CLI prints them) or the failure into an `Error`. A call
//! whose arguments were refused on the JavaScript thread gets a promise rejected at once ([`Settled`]):
//! it never waits behind other calls for a pool thread.

use halobuzz_analytics::Error as CoreError;
use napi::bindgen_prelude::{
    AsyncTask, Either, Function, JsObjectValue, Object, PromiseRaw, Unknown,
};
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

/// The promise of a call: its task on the thread pool, or, when its arguments were refused before it
/// started, a promise already rejected.
pub type Settled<T> = Either<AsyncTask<T>, PromiseRaw<'static, Unknown<'static>>>;

/// A promise rejected with `failure` (on the JavaScript thread; it fails only while the environment is
/// shutting down).
pub fn rejected<T: Task>(env: &Env, failure: Failure) -> napi::Result<Settled<T>> {
    PromiseRaw::reject(env, failure.into_js(env)).map(Either::B)
}

/// The promise of `work` over the converted arguments `args`: run on the thread pool, or rejected at
/// once if the arguments were refused.
pub fn run<A: Send + 'static>(
    env: &Env,
    args: Outcome<A>,
    work: impl FnOnce(A) -> Outcome<String> + Send + 'static,
) -> napi::Result<Settled<Job>> {
    match args {
        Ok(args) => Ok(Either::A(Job::spawn(move || work(args)))),
        Err(failure) => rejected(env, failure),
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
