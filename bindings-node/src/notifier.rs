//! The host application's `notifier` function as the core's [`Notifier`] (`deliverAlertNotifications`):
//! the engine calls [`JsNotifier::send`] on a pool thread, once per notification; the call goes to the
//! JavaScript thread through a threadsafe function, and the pool thread waits for its answer, at most
//! [`NOTIFIER_TIMEOUT`].
//!
//! The function may return `{ outcome, response? }` or a promise of it. Whatever else happens is a
//! `failed` attempt recorded on the alert, never a rejection of the delivery: a throw or a rejection
//! (its message, redacted by the core like every response), a value that is not such an object, no
//! answer in time. A small fixed JavaScript adapter ([`ADAPTER`]) turns every outcome into one call of
//! a native `done(ok, text)`, so that no exception of the caller's is ever left pending in napi.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::Duration;

use halobuzz_analytics::alert::notify::{DeliveryResult, Notification, Notifier};
use napi::bindgen_prelude::{FnArgs, FromNapiValue, Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, JsValue, Status, ValueType};

use crate::error::{invalid_argument, Outcome};

/// The longest a delivery waits for one notification's answer: a notifier that never settles fails
/// that notification, and the delivery goes on with the next one.
pub const NOTIFIER_TIMEOUT: Duration = Duration::from_secs(30);

/// `(notifier, notification as JSON text, done)`: calls `notifier` with the parsed notification and
/// reports once to `done(true, JSON of the answer)` or `done(false, what was thrown)`. Nothing here
/// can throw past it: a throwing getter, `toJSON` or `toString` is caught.
const ADAPTER: &str = r"(function (notifier, text, done) {
  const describe = (e) => {
    try {
      if (e instanceof Error) return `${e.name}: ${e.message}`
      return typeof e === 'string' ? e : String(e)
    } catch {
      return 'a value that cannot be shown'
    }
  }
  Promise.resolve()
    .then(() => notifier(JSON.parse(text)))
    .then(
      (answer) => {
        let json
        try {
          json = JSON.stringify(answer)
        } catch (e) {
          return done(false, `the answer cannot be read: ${describe(e)}`)
        }
        return done(true, json === undefined ? null : json)
      },
      (e) => done(false, `the notifier threw ${describe(e)}`),
    )
    .catch(() => {})
})";

/// One notification for the JavaScript thread, and where its answer goes.
struct Call {
    json: String,
    answer: SyncSender<DeliveryResult>,
}

/// `adapter(notifier, text, done)`.
type AdapterArgs = FnArgs<(sys::napi_value, String, sys::napi_value)>;

/// The adapter as a threadsafe function whose callback binds the caller's function and a fresh `done`.
type NotifyFn = ThreadsafeFunction<Call, Unknown<'static>, AdapterArgs, Status, false>;

/// The `notifier` argument, callable from any thread.
pub struct JsNotifier {
    call: NotifyFn,
}

impl JsNotifier {
    /// The notifier of a JavaScript function (on the JavaScript thread); an error when it is not one.
    pub fn new(env: &Env, notifier: Option<Unknown<'_>>) -> Outcome<JsNotifier> {
        let expected = || {
            invalid_argument(
                "notifier",
                "expected a function (notification) => ({ outcome: 'sent' | 'failed', response?: string }) or a promise of it",
            )
        };
        let notifier = notifier.ok_or_else(expected)?;
        let napi_failure = |e: napi::Error| invalid_argument("notifier", e.reason);
        if notifier.get_type().map_err(napi_failure)? != ValueType::Function {
            return Err(expected());
        }
        let user = Function::<Unknown<'static>, Unknown<'static>>::from_unknown(notifier)
            .and_then(|f| f.create_ref())
            .map_err(napi_failure)?;
        let adapter: Function<AdapterArgs, Unknown<'static>> =
            env.run_script(ADAPTER).map_err(napi_failure)?;
        let call = adapter
            .build_threadsafe_function::<Call>()
            .build_callback(move |ctx| {
                let env = ctx.env;
                let Call { json, answer } = ctx.value;
                let done = env.create_function_from_closure::<(), (), _>(
                    "deliveryAnswered",
                    move |call| {
                        let ok = call.get::<bool>(0).unwrap_or(false);
                        let text = call.get::<Option<String>>(1).ok().flatten();
                        // A late answer (after the timeout) finds no receiver: dropped.
                        let _ = answer.try_send(answer_of(ok, text));
                        Ok(())
                    },
                )?;
                Ok(FnArgs::from((
                    user.borrow_back(&env)?.raw(),
                    json,
                    done.raw(),
                )))
            })
            .map_err(napi_failure)?;
        Ok(JsNotifier { call })
    }
}

/// What `done(ok, text)` reports, as the core's delivery result.
fn answer_of(ok: bool, text: Option<String>) -> DeliveryResult {
    if !ok {
        return DeliveryResult::failed(text.unwrap_or_default());
    }
    text.and_then(|t| serde_json::from_str::<DeliveryResult>(&t).ok())
        .unwrap_or_else(|| {
            DeliveryResult::failed(
                "the notifier answered neither { outcome: 'sent' | 'failed', response?: string } nor a promise of it",
            )
        })
}

impl Notifier for JsNotifier {
    fn send(&self, notification: &Notification) -> DeliveryResult {
        let json = match serde_json::to_string(notification) {
            Ok(json) => json,
            Err(e) => {
                return DeliveryResult::failed(format!("cannot encode the notification: {e}"))
            }
        };
        let (answer, answered) = sync_channel(1);
        let status = self.call.call(
            Call { json, answer },
            ThreadsafeFunctionCallMode::NonBlocking,
        );
        if status != Status::Ok {
            return DeliveryResult::failed(format!("the notifier cannot be called ({status})"));
        }
        answered.recv_timeout(NOTIFIER_TIMEOUT).unwrap_or_else(|_| {
            DeliveryResult::failed(format!(
                "the notifier did not answer within {} s",
                NOTIFIER_TIMEOUT.as_secs()
            ))
        })
    }
}
