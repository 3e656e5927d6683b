//! The generic webhook: a stable JSON document (`version` 1, schema in `docs/notifications.md`) built
//! field by field rather than serialised from [`Alert`], so a change of the record cannot silently
//! change what receivers parse. Strings are cleaned of control characters and bounded; numbers stay
//! numbers (a non-finite one is `null`), with a formatted copy for people.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::super::Alert;
use super::format::{self, plain};
use super::NotificationEvent;

/// The schema version; a change that removes or retypes a field increments it.
pub const VERSION: u32 = 1;

fn num(v: Option<f64>) -> Value {
    v.filter(|v| v.is_finite()).map_or(Value::Null, Value::from)
}

/// The document.
pub(crate) fn payload(alert: &Alert, event: NotificationEvent, dashboard: Option<&str>) -> Value {
    let unit = format::unit_of(alert);
    let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let time = |t: Option<DateTime<Utc>>| t.map_or(Value::Null, |t| Value::from(rfc(t)));
    let root_cause = alert.root_cause.as_ref().map_or(Value::Null, |rc| {
        json!({
            "dimension": plain(&rc.dimension, 100),
            "sentence": plain(&rc.sentence, 1_000),
            "rest": num(Some(rc.rest)),
            // The top segments only: `byDimension` can hold every country and is in the stored alert.
            "segments": rc.segments.iter().take(10).map(|s| json!({
                "dimension": plain(&s.dimension, 100),
                "value": plain(&s.value, 100),
                "current": num(Some(s.current)),
                "baseline": num(Some(s.baseline)),
                "delta": num(Some(s.delta)),
                "contribution": num(Some(s.contribution)),
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "version": VERSION,
        "event": event.as_str(),
        "alertId": plain(&alert.alert_id, 500),
        "appId": plain(&alert.app_id, 200),
        "rule": plain(&alert.rule, 200),
        "type": plain(&alert.kind, 100),
        "severity": alert.severity.as_str(),
        "status": alert.status.as_str(),
        "headline": format::headline(alert, event, 400),
        "title": plain(&alert.title, 500),
        "description": plain(&alert.description, 4_000),
        "metric": plain(&alert.metric, 200),
        "currentValue": num(alert.current_value),
        "thresholdValue": num(alert.threshold_value),
        "baselineValue": num(alert.baseline_value),
        "deviation": num(alert.deviation),
        "formatted": {
            "currentValue": format::value(alert.current_value, unit),
            "thresholdValue": alert.threshold_value.map(|v| format::value(Some(v), unit)),
            "baselineValue": alert.baseline_value.map(|v| format::value(Some(v), unit)),
            "deviation": format::deviation(alert.deviation),
        },
        "country": plain(&alert.country, 100),
        "timeWindow": {
            "kind": match alert.time_window.kind {
                super::super::WindowKind::Day => "day",
                super::super::WindowKind::Hour => "hour",
            },
            "from": rfc(alert.time_window.from),
            "to": rfc(alert.time_window.to),
            "label": plain(&alert.time_window.label, 100),
            "timezone": plain(&alert.time_window.timezone, 100),
        },
        "createdAt": rfc(alert.created_at),
        "updatedAt": rfc(alert.updated_at),
        "firedAt": time(alert.fired_at),
        "acknowledgedAt": time(alert.acknowledged_at),
        "resolvedAt": time(alert.resolved_at),
        "rootCause": root_cause,
        "dashboardUrl": format::dashboard_link(dashboard, alert),
    })
}
