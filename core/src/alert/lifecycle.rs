//! The lifecycle of an alert, as Prometheus and Grafana run it: `pending` while the condition has held
//! for less than the rule's `for`, then `active` (notified), `acknowledged` by a person, `resolved` when
//! the condition has been clear (past the recovery threshold) for `keepFiringFor`, then a cooldown in
//! which a new breach of the same rule and country stays quiet; `no_data` and `error` when the rule
//! could not decide. One alert per `(appId, rule, country, window)`: a window's alert is raised once and
//! updated while it lasts, across the windows that follow (`docs/alerts.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::evaluate::{Decision, Evaluation};
use super::notify::NotificationEvent;
use super::record::{Alert, AlertStatus, RootCause, Severity};
use super::rules::{AlertRule, ErrorState, NoDataState};
use crate::store::{AnalyticsDoc, DocKey, DocSpec, IndexSpec};

impl AnalyticsDoc for Alert {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsalerts",
        key_fields: &["appId", "alertId"],
        key_index: "appId_1_alertId_1",
        retired_indexes: &[],
        indexes: &[IndexSpec {
            name: "appId_1_status_1",
            fields: &["appId", "status"],
        }],
        // History: never dropped to bound memory.
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.alert_id.as_str().into(),
        ])
    }
}

/// One alert's change in a check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transition {
    /// The alert.
    pub alert_id: String,
    /// Its status before (`null`: new).
    pub from: Option<AlertStatus>,
    /// Its status now.
    pub to: AlertStatus,
    /// What to notify, if anything.
    pub event: Option<NotificationEvent>,
}

/// The alert id of a rule, country and window.
pub fn alert_id(rule: &str, country: &str, window: &str) -> String {
    format!("{rule}:{country}:{window}")
}

/// The decision a rule's no-data and error settings make of an evaluation.
fn effective(rule: &AlertRule, e: &Evaluation) -> Decision {
    match e.decision {
        Decision::NoData => match rule.no_data_state {
            NoDataState::NoData => Decision::NoData,
            NoDataState::Alerting => Decision::Breach,
            NoDataState::Ok => Decision::Ok,
        },
        Decision::Error => match rule.error_state {
            ErrorState::Error => Decision::Error,
            ErrorState::Alerting => Decision::Breach,
            ErrorState::Ok => Decision::Ok,
        },
        d => d,
    }
}

/// The alerts of one rule and country that a check needs.
pub struct History {
    /// The alert that is not resolved, if any (the latest).
    pub open: Option<Alert>,
    /// The latest resolved alert (its cooldown).
    pub last_resolved: Option<Alert>,
    /// Whether an alert of the evaluated window already exists.
    pub window_raised: bool,
}

/// What a check does to one rule and country: the alert to store (if any), its transition, and why.
pub struct Outcome {
    /// The alert to write.
    pub alert: Option<Alert>,
    /// Its transition.
    pub transition: Option<Transition>,
    /// What happened, in a sentence.
    pub note: String,
}

fn set_values(a: &mut Alert, e: &Evaluation, root: Option<RootCause>, now: DateTime<Utc>) {
    a.current_value = e.value;
    a.threshold_value = e.threshold;
    a.baseline_value = e.baseline;
    a.deviation = e.deviation;
    a.time_window = e.window.clone();
    a.related_data = serde_json::json!({
        "baselineDays": e.baseline_days,
        "explanation": e.explanation,
        "error": e.error,
    });
    if root.is_some() {
        a.root_cause = root;
    }
    a.description = describe(e, a.root_cause.as_ref());
    a.updated_at = now;
}

/// The alert's title.
fn title(rule: &AlertRule, e: &Evaluation) -> String {
    let what = match e.deviation {
        Some(d) if e.decision == Decision::Breach => format!("{} {:+.1}%", e.metric, d),
        _ => e.metric.clone(),
    };
    // The country is not in the title: notifications show it beside the title.
    format!("{}: {what} on {}", rule.id, e.window.label)
}

fn describe(e: &Evaluation, root: Option<&RootCause>) -> String {
    let mut d = e.explanation.clone();
    if !d.ends_with('.') {
        d.push('.');
    }
    if let Some(r) = root {
        d.push(' ');
        d.push_str(&r.sentence);
    }
    d
}

fn new_alert(
    app_id: &str,
    rule: &AlertRule,
    e: &Evaluation,
    status: AlertStatus,
    severity: Severity,
    now: DateTime<Utc>,
) -> Alert {
    Alert {
        app_id: app_id.to_owned(),
        alert_id: alert_id(&rule.id, &e.country.key(), &e.window.label),
        rule: rule.id.clone(),
        kind: rule.alert_type(),
        severity,
        status,
        title: title(rule, e),
        description: String::new(),
        metric: e.metric.clone(),
        current_value: None,
        threshold_value: None,
        baseline_value: None,
        deviation: None,
        country: e.country.key(),
        time_window: e.window.clone(),
        config: serde_json::to_value(rule).unwrap_or(serde_json::Value::Null),
        related_data: serde_json::Value::Null,
        root_cause: None,
        created_at: now,
        updated_at: now,
        fired_at: None,
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        cooldown_until: None,
        cleared_at: None,
        notifications: Vec::new(),
    }
}

/// Applies evaluation `e` of `rule` at `now` to the rule's alerts for its country.
pub fn apply(
    app_id: &str,
    rule: &AlertRule,
    e: &Evaluation,
    history: History,
    root: Option<RootCause>,
    now: DateTime<Utc>,
) -> Outcome {
    let decision = effective(rule, e);
    let severity = e.severity.unwrap_or(rule.severity.default);
    let History {
        open,
        last_resolved,
        window_raised,
    } = history;
    let quiet = |note: String| Outcome {
        alert: None,
        transition: None,
        note,
    };
    match (decision, open) {
        (Decision::Breach, Some(mut a)) => {
            let from = a.status;
            set_values(&mut a, e, root, now);
            a.cleared_at = None;
            let mut event = None;
            match from {
                AlertStatus::Pending => {
                    if now - a.created_at >= rule.pending_for.chrono() {
                        a.status = AlertStatus::Active;
                        a.fired_at = Some(now);
                        a.severity = severity;
                        event = Some(NotificationEvent::Firing);
                    }
                }
                AlertStatus::NoData | AlertStatus::Error => {
                    a.created_at = now;
                    a.severity = severity;
                    if rule.pending_for.0 == 0 {
                        a.status = AlertStatus::Active;
                        a.fired_at = Some(now);
                        event = Some(NotificationEvent::Firing);
                    } else {
                        a.status = AlertStatus::Pending;
                    }
                }
                AlertStatus::Active | AlertStatus::Acknowledged => {
                    if severity > a.severity {
                        a.severity = severity;
                        event = Some(NotificationEvent::Updated);
                    }
                }
                AlertStatus::Resolved => {}
            }
            a.title = title(rule, e);
            let note = format!("{} is {}", a.alert_id, a.status.as_str());
            Outcome {
                transition: (a.status != from || event.is_some()).then(|| Transition {
                    alert_id: a.alert_id.clone(),
                    from: Some(from),
                    to: a.status,
                    event,
                }),
                alert: Some(a),
                note,
            }
        }
        (Decision::Breach, None) => {
            if let Some(until) = last_resolved.as_ref().and_then(|r| r.cooldown_until) {
                if now < until {
                    return quiet(format!("breach, but in the cooldown until {until}"));
                }
            }
            if window_raised {
                return quiet(format!(
                    "breach, but the alert of {} was already raised and resolved",
                    e.window.label
                ));
            }
            let firing = rule.pending_for.0 == 0;
            let status = if firing {
                AlertStatus::Active
            } else {
                AlertStatus::Pending
            };
            let mut a = new_alert(app_id, rule, e, status, severity, now);
            set_values(&mut a, e, root, now);
            if firing {
                a.fired_at = Some(now);
            }
            let note = format!("{} raised, {}", a.alert_id, status.as_str());
            Outcome {
                transition: Some(Transition {
                    alert_id: a.alert_id.clone(),
                    from: None,
                    to: status,
                    event: firing.then_some(NotificationEvent::Firing),
                }),
                alert: Some(a),
                note,
            }
        }
        (Decision::Ok, Some(mut a)) => {
            let from = a.status;
            set_values(&mut a, e, None, now);
            let resolve = match from {
                AlertStatus::Active | AlertStatus::Acknowledged => {
                    if !e.recovered {
                        // Hysteresis: past the firing threshold but not the recovery one.
                        a.cleared_at = None;
                        false
                    } else {
                        let since = *a.cleared_at.get_or_insert(now);
                        now - since >= rule.keep_firing_for.chrono()
                    }
                }
                _ => true,
            };
            if !resolve {
                let note = format!("{} keeps firing", a.alert_id);
                return Outcome {
                    alert: Some(a),
                    transition: None,
                    note,
                };
            }
            let fired = from.is_firing();
            a.status = AlertStatus::Resolved;
            a.resolved_at = Some(now);
            a.resolved_by = Some("auto".to_owned());
            if fired {
                a.cooldown_until = Some(now + rule.cooldown.chrono());
            }
            let note = format!("{} resolved", a.alert_id);
            Outcome {
                transition: Some(Transition {
                    alert_id: a.alert_id.clone(),
                    from: Some(from),
                    to: AlertStatus::Resolved,
                    event: fired.then_some(NotificationEvent::Resolved),
                }),
                alert: Some(a),
                note,
            }
        }
        (Decision::Ok, None) => quiet("ok".to_owned()),
        (state @ (Decision::NoData | Decision::Error), open) => {
            let status = if state == Decision::NoData {
                AlertStatus::NoData
            } else {
                AlertStatus::Error
            };
            match open {
                // A firing alert keeps firing without data: nothing says the condition cleared.
                Some(mut a) if a.status.is_firing() => {
                    a.updated_at = now;
                    let note = format!("{} keeps firing ({})", a.alert_id, status.as_str());
                    Outcome {
                        alert: Some(a),
                        transition: None,
                        note,
                    }
                }
                Some(mut a) => {
                    let from = a.status;
                    set_values(&mut a, e, None, now);
                    a.status = status;
                    Outcome {
                        transition: (from != status).then(|| Transition {
                            alert_id: a.alert_id.clone(),
                            from: Some(from),
                            to: status,
                            event: None,
                        }),
                        note: format!("{} is {}", a.alert_id, status.as_str()),
                        alert: Some(a),
                    }
                }
                None if window_raised => quiet(format!("{}: already recorded", status.as_str())),
                None => {
                    let mut a = new_alert(app_id, rule, e, status, rule.severity.default, now);
                    set_values(&mut a, e, None, now);
                    Outcome {
                        transition: Some(Transition {
                            alert_id: a.alert_id.clone(),
                            from: None,
                            to: status,
                            event: None,
                        }),
                        note: format!("{} is {}", a.alert_id, status.as_str()),
                        alert: Some(a),
                    }
                }
            }
        }
    }
}
