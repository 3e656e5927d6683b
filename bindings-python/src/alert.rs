//! The alert methods of `Engine` (core `api::alert`): checking, explaining, listing, acknowledging and
//! resolving alerts, the rules, and delivery through a Python callable (the core's [`Notifier`]).
//!
//! Requests are built as JSON (`request.rs`) and read by the core, which decides every default (the
//! instant: the engine's clock) and checks instants, channels, rules and who acted. `None` is an
//! option not given. A separate `#[pymethods]` block (pyo3's `multiple-pymethods`) keeps the alert
//! face of `Engine` beside its requests, as `engine.rs` is for the reports.

use std::sync::Mutex;

use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use serde_json::Value;

use halobuzz_analytics::alert::notify::{DeliveryResult, Notification, Notifier};
use halobuzz_analytics::api::{
    AlertAction, AlertActionRequest, CheckAlertsRequest, DeleteAlertRuleRequest,
    DeliverAlertsRequest, EvaluateAlertsRequest, ListAlertsRequest, PutAlertRuleRequest,
};

use crate::convert::to_py;
use crate::engine::PyEngine;
use crate::request::{decode, instant, int, json, put, Object, SAME};
use crate::run::compute;

/// `{"at": …}` with the instant given, if any.
fn at_object(at: Option<&Bound<'_, PyAny>>) -> PyResult<Object> {
    let mut o = Object::new();
    put(&mut o, "at", at.map(|t| instant("at", t)).transpose()?);
    Ok(o)
}

/// A Python callable as the engine's notifier: called with the notification dict (holding the GIL),
/// it answers `{"outcome": "sent" | "failed", "response": str | None}`. Whatever else it does is a
/// failed attempt: an exception (its type and message, redacted by the core), another answer. An
/// exception that is not an `Exception` (`KeyboardInterrupt`, `SystemExit`) also fails the remaining
/// notifications without calling it, and is raised once the delivery is recorded.
struct PyNotifier {
    callable: Py<PyAny>,
    interrupted: Mutex<Option<PyErr>>,
}

impl PyNotifier {
    fn answer(&self, py: Python<'_>, notification: &Notification) -> DeliveryResult {
        let answer = to_py(py, notification)
            .map_err(PyErr::from)
            .and_then(|n| self.callable.bind(py).call1((n,)));
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                let shown = format!("the notifier raised {e}");
                if !e.is_instance_of::<PyException>(py) {
                    let mut slot = self.interrupted.lock().unwrap_or_else(|p| p.into_inner());
                    slot.get_or_insert(e);
                }
                return DeliveryResult::failed(shown);
            }
        };
        json("notifier", &answer)
            .ok()
            .and_then(|v: Value| serde_json::from_value::<DeliveryResult>(v).ok())
            .unwrap_or_else(|| {
                DeliveryResult::failed(
                    "the notifier answered no {\"outcome\": \"sent\" | \"failed\", \"response\": str | None}",
                )
            })
    }
}

impl Notifier for PyNotifier {
    fn send(&self, notification: &Notification) -> DeliveryResult {
        let stopped = self
            .interrupted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if stopped {
            return DeliveryResult::failed("not sent: the delivery was interrupted");
        }
        Python::attach(|py| self.answer(py, notification))
    }
}

#[pymethods]
impl PyEngine {
    /// Evaluates every enabled alert rule at ``at`` (a timezone-aware ``datetime`` or an RFC 3339
    /// string; default: the engine's clock) and raises, updates or resolves their alerts. Returns
    /// ``{"at", "evaluations", "transitions", "alerts", "notifications"}``, as ``halobuzz-analytics
    /// alerts check --json`` prints it (field names in snake_case). ``channels`` (``{"channels":
    /// ["slack", "telegram", "webhook", "email"], "telegram": {"chat_id"}, "email": {"to", "from"},
    /// "dashboard_url"}``) asks for the ready-to-send payloads of what changed; nothing is sent (see
    /// :meth:`deliver_alert_notifications`).
    #[pyo3(signature = (at=None, channels=None))]
    fn check_alerts<'py>(
        &self,
        py: Python<'py>,
        at: Option<&Bound<'py, PyAny>>,
        channels: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = at_object(at)?;
        put(
            &mut o,
            "channels",
            channels.map(|c| json("channels", c)).transpose()?,
        );
        let request: CheckAlertsRequest = decode("query", o, SAME)?;
        let done = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &done)?)
    }

    /// Every enabled rule's evaluation at ``at`` (default: the engine's clock), storing nothing: the
    /// value, baseline, threshold, deviation, decision (``ok``, ``breach``, ``no_data``, ``error``)
    /// and an explanation, per rule and country (``alerts explain --json``).
    #[pyo3(signature = (at=None))]
    fn evaluate_alerts<'py>(
        &self,
        py: Python<'py>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: EvaluateAlertsRequest = decode("query", at_object(at)?, SAME)?;
        let evaluations = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &evaluations)?)
    }

    /// The stored alerts, most recently updated first: only ``status`` (a list of ``pending``,
    /// ``active``, ``acknowledged``, ``resolved``, ``no_data``, ``error``), ``rule``, ``country``,
    /// ``min_severity`` (``low`` … ``critical``), updated at or after ``since`` (an instant), at most
    /// ``limit`` (1-10000, default 100).
    #[pyo3(signature = (status=None, rule=None, country=None, min_severity=None, since=None, limit=None))]
    #[allow(clippy::too_many_arguments)]
    fn alerts<'py>(
        &self,
        py: Python<'py>,
        status: Option<Vec<String>>,
        rule: Option<String>,
        country: Option<String>,
        min_severity: Option<String>,
        since: Option<&Bound<'py, PyAny>>,
        limit: Option<i128>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        put(
            &mut o,
            "status",
            status.map(|s| s.into_iter().map(Value::String).collect()),
        );
        put(&mut o, "rule", rule.map(Value::String));
        put(&mut o, "country", country.map(Value::String));
        put(&mut o, "min_severity", min_severity.map(Value::String));
        put(
            &mut o,
            "since",
            since.map(|t| instant("since", t)).transpose()?,
        );
        put(&mut o, "limit", limit.map(int));
        let request: ListAlertsRequest = decode("filter", o, SAME)?;
        let alerts = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &alerts)?)
    }

    /// Acknowledges an active alert on behalf of ``by`` (1-100 printable characters); returns the
    /// alert as stored. ``InvalidInputError`` for an unknown alert or one that is not active.
    fn acknowledge_alert<'py>(
        &self,
        py: Python<'py>,
        alert_id: &str,
        by: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.alert_action(py, alert_id, by, AlertAction::Acknowledge)
    }

    /// Resolves an alert by hand on behalf of ``by`` (its rule's cooldown starts now); returns the
    /// alert as stored. ``InvalidInputError`` for an unknown or already resolved alert.
    fn resolve_alert<'py>(
        &self,
        py: Python<'py>,
        alert_id: &str,
        by: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.alert_action(py, alert_id, by, AlertAction::Resolve)
    }

    /// The rules a check evaluates: the six built-ins with the configured thresholds (a stored rule
    /// with a built-in's id replaces it), then the stored rules by id, every default filled in.
    fn alert_rules<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rules = compute(py, || self.inner.alert_rules())?;
        Ok(to_py(py, &rules)?)
    }

    /// Stores a rule (new, a replacement, or the override of a built-in with the same id): a dict
    /// such as ``{"id": "np-revenue-floor", "condition": {"kind": "threshold", "metric":
    /// "revenue.total", "below": 1000}, "countries": ["NP"], "for": "15m"}`` (docs/alerts.md; keys in
    /// snake_case, values as in the JSON). Returns the rule as stored, its defaults filled in.
    fn put_alert_rule<'py>(
        &self,
        py: Python<'py>,
        rule: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let Value::Object(o) = json("rule", rule)? else {
            return Err(PyTypeError::new_err(format!(
                "rule: expected a dict, got {}",
                rule.get_type().name()?
            )));
        };
        let request: PutAlertRuleRequest = decode("rule", o, SAME)?;
        let stored = compute(py, || request.run(&self.inner))?;
        Ok(to_py(py, &stored)?)
    }

    /// Deletes a stored rule; whether there was one (a built-in then comes back with its configured
    /// thresholds).
    fn delete_alert_rule(&self, py: Python<'_>, id: &str) -> PyResult<bool> {
        let mut o = Object::new();
        o.insert("id".to_owned(), Value::String(id.to_owned()));
        let request: DeleteAlertRuleRequest = decode("query", o, SAME)?;
        compute(py, || request.run(&self.inner))
    }

    /// Runs a check (as :meth:`check_alerts`) and hands each notification of what changed to
    /// ``notifier``, in order: a callable taking the notification dict (``channel``, ``event``,
    /// ``alert_id``, ``payload``, ``email``) that sends it and returns ``{"outcome": "sent" |
    /// "failed", "response": str | None}``. Every attempt is recorded on its alert
    /// (``notifications``), the response redacted of URL paths, tokens and passwords. A notifier that
    /// raises or returns anything else is a ``failed`` attempt and the delivery goes on;
    /// ``KeyboardInterrupt`` stops it (the rest fail unsent) and is raised afterwards. Returns the
    /// check with ``delivered``: the notified alerts as stored after delivery. The GIL is released
    /// except while ``notifier`` runs; it should bound its own network calls.
    #[pyo3(signature = (channels, notifier, at=None))]
    fn deliver_alert_notifications<'py>(
        &self,
        py: Python<'py>,
        channels: &Bound<'py, PyAny>,
        notifier: &Bound<'py, PyAny>,
        at: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !notifier.is_callable() {
            return Err(PyTypeError::new_err(
                "notifier: expected a callable taking one dict",
            ));
        }
        let mut o = at_object(at)?;
        o.insert("channels".to_owned(), json("channels", channels)?);
        let request: DeliverAlertsRequest = decode("query", o, SAME)?;
        let notifier = PyNotifier {
            callable: notifier.clone().unbind(),
            interrupted: Mutex::new(None),
        };
        let done = compute(py, || request.run(&self.inner, &notifier))?;
        if let Some(e) = notifier
            .interrupted
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
        {
            return Err(e);
        }
        Ok(to_py(py, &done)?)
    }
}

impl PyEngine {
    /// `acknowledge_alert` and `resolve_alert`: the request `{"alert_id", "by"}`, then `action`.
    fn alert_action<'py>(
        &self,
        py: Python<'py>,
        alert_id: &str,
        by: &str,
        action: AlertAction,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut o = Object::new();
        o.insert("alert_id".to_owned(), Value::String(alert_id.to_owned()));
        o.insert("by".to_owned(), Value::String(by.to_owned()));
        let request: AlertActionRequest = decode("query", o, SAME)?;
        let alert = compute(py, || request.run(&self.inner, action))?;
        Ok(to_py(py, &alert)?)
    }
}
