//! A backfill's progress reports, delivered to the caller's `onProgress` callback: queued from the thread
//! pool without waiting for JavaScript, run in order on the JavaScript thread. The callback steers the
//! backfill with what it returns or throws:
//!
//! - `false` (strictly the boolean) asks it to stop: the next day's report finds the request and ends
//!   the backfill there. Reports travel asynchronously, so a day or two more may be rolled up before it
//!   does; each is whole. The callback is not called again, and the summary says `cancelled`.
//! - a throw stops it the same way, and the backfill's promise rejects with what was thrown.
//!
//! The backfill settles only after every report it queued has run ([`Reporter::finish`]): a threadsafe
//! call and a task's completion are separate libuv events whose order is not fixed.

use std::ops::ControlFlow;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use halobuzz_analytics::BackfillProgress;
use napi::bindgen_prelude::{
    FnArgs, FromNapiValue, Function, JsObjectValue, JsValue, Object, Undefined, Unknown,
};
use napi::threadsafe_function::{
    ThreadsafeFunction, ThreadsafeFunctionCallMode, UnknownReturnValue,
};
use napi::{sys, Env, Status, ValueType};

use crate::error::{invalid_argument, Failure, Outcome};
use crate::task::parse_json;

/// The threadsafe function of the reports. Its target is `Reflect.apply`, called with the caller's
/// callback and the report, or, once the backfill was asked to stop, with a no-op: so the callback is
/// never called again, and whatever it threw (an `Error` or any other value) is captured by napi as it
/// is. Its result is the callback's return value.
type ProgressFn = ThreadsafeFunction<String, Unknown<'static>, ApplyArgs, Status, false>;

/// The arguments of `Reflect.apply(target, thisArgument, argumentsList)`, as raw values created on the
/// JavaScript thread just before the call.
type ApplyArgs = FnArgs<(sys::napi_value, Undefined, Vec<sys::napi_value>)>;

/// Counts the reports that have run and keeps what the callback answered: the first exception it
/// threw, and whether it returned `false`.
#[derive(Default)]
struct Delivery {
    state: Mutex<Delivered>,
    changed: Condvar,
}

#[derive(Default)]
struct Delivered {
    count: u64,
    thrown: Option<napi::Error>,
    stop_requested: bool,
}

/// Whether a callback's return value is the boolean `false`.
fn is_false(value: Unknown<'_>) -> bool {
    value.get_type().is_ok_and(|t| t == ValueType::Boolean)
        && bool::from_unknown(value).is_ok_and(|b| !b)
}

impl Delivery {
    fn state(&self) -> MutexGuard<'_, Delivered> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One report has run (on the JavaScript thread), with the callback's result.
    fn delivered(&self, result: napi::Result<Unknown<'_>>) {
        let mut s = self.state();
        s.count += 1;
        match result {
            Err(e) => {
                s.thrown.get_or_insert(e);
            }
            Ok(value) if is_false(value) => s.stop_requested = true,
            Ok(_) => {}
        }
        self.changed.notify_all();
    }

    /// A report could not be prepared (on the JavaScript thread): the backfill rejects with this.
    fn failed(&self, e: napi::Error) {
        self.state().thrown.get_or_insert(e);
    }

    /// Whether the backfill should stop: the callback returned `false` or threw.
    fn stopped(&self) -> bool {
        let s = self.state();
        s.stop_requested || s.thrown.is_some()
    }

    /// Waits until `sent` reports have run, or the callback is gone (the environment is shutting down
    /// and will not run them); returns what the callback threw, if anything.
    fn wait(&self, sent: u64, gone: impl Fn() -> bool) -> Option<napi::Error> {
        let mut s = self.state();
        while s.count < sent && !gone() {
            s = self
                .changed
                .wait_timeout(s, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        s.thrown.take()
    }
}

/// The reports of one backfill: created on the JavaScript thread from the `onProgress` argument, then
/// moved to the thread pool, where the core calls [`Reporter::report`] once per day.
pub struct Reporter {
    callback: Option<ProgressFn>,
    delivery: Arc<Delivery>,
    sent: u64,
}

impl Reporter {
    /// The reporter of the `onProgress` argument: silent when it is absent, an error when it is not a
    /// function.
    pub fn new(env: &Env, callback: Option<Unknown<'_>>) -> Outcome<Reporter> {
        let delivery = Arc::new(Delivery::default());
        let callback = match callback {
            None => None,
            Some(callback) => Some(threadsafe(env, callback, &delivery)?),
        };
        Ok(Reporter {
            callback,
            delivery,
            sent: 0,
        })
    }

    /// Queues the report of one finished day; `Break` once the callback asked to stop or threw.
    pub fn report(&mut self, progress: BackfillProgress) -> ControlFlow<()> {
        let Some(callback) = &self.callback else {
            return ControlFlow::Continue(());
        };
        if self.delivery.stopped() {
            return ControlFlow::Break(());
        }
        let Ok(json) = serde_json::to_string(&progress) else {
            return ControlFlow::Continue(());
        };
        let delivery = self.delivery.clone();
        let status = callback.call_with_return_value(
            json,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |result, _env| {
                delivery.delivered(result);
                Ok(())
            },
        );
        if status == Status::Ok {
            self.sent += 1;
        }
        ControlFlow::Continue(())
    }

    /// Waits until every queued report has run; fails with what the callback threw, if it did.
    pub fn finish(self) -> Outcome<()> {
        let Some(callback) = &self.callback else {
            return Ok(());
        };
        match self.delivery.wait(self.sent, || callback.aborted()) {
            Some(thrown) => Err(Failure::Js(thrown)),
            None => Ok(()),
        }
    }
}

/// The threadsafe function delivering reports to `callback`.
fn threadsafe(env: &Env, callback: Unknown<'_>, delivery: &Arc<Delivery>) -> Outcome<ProgressFn> {
    let napi_failure = |e: napi::Error| invalid_argument("onProgress", e.reason);
    if callback.get_type().map_err(napi_failure)? != ValueType::Function {
        return Err(invalid_argument(
            "onProgress",
            "expected a function (progress) => void, which may return false to stop",
        ));
    }
    let user = Function::<Unknown<'static>, UnknownReturnValue>::from_unknown(callback)
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let noop = env
        .create_function_from_closure::<(), (), _>("skipBackfillProgress", |_| Ok(()))
        .and_then(|f| f.create_ref())
        .map_err(napi_failure)?;
    let apply: Function<ApplyArgs, Unknown<'static>> = env
        .get_global()
        .and_then(|g| g.get_named_property::<Object>("Reflect"))
        .and_then(|r| r.get_named_property("apply"))
        .map_err(napi_failure)?;
    let delivery = delivery.clone();
    apply
        .build_threadsafe_function::<String>()
        .build_callback(move |ctx| {
            let env = ctx.env;
            let report = || -> napi::Result<ApplyArgs> {
                let target = user.borrow_back(&env)?.raw();
                let progress = parse_json(&env, ctx.value)?.raw();
                Ok(FnArgs::from((target, (), vec![progress])))
            };
            let skip = || -> napi::Result<ApplyArgs> {
                Ok(FnArgs::from((noop.borrow_back(&env)?.raw(), (), vec![])))
            };
            if delivery.stopped() {
                return skip();
            }
            // An error returned here would become an uncaught exception: keep it as the call's failure.
            report().or_else(|e| {
                delivery.failed(e);
                skip()
            })
        })
        .map_err(napi_failure)
}
