//! The alert operations as requests: check (raise, update, resolve; with the notification payloads of
//! what changed), a dry-run evaluation, listing, acknowledging and resolving alerts, and the rules.
//! See [`crate::alert`] and `docs/alerts.md`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alert::notify::Notifier;
use crate::alert::{
    Alert, AlertCheck, AlertFilter, AlertRule, ChannelConfig, Evaluation, Notification,
};
use crate::{Engine, Error, Result};

/// An instant as RFC 3339 (`2026-04-10T01:00:00Z`, any offset).
fn instant(field: &str, s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Error::invalid_argument(
                field.to_owned(),
                format!(
                    "`{}` is not an RFC 3339 instant such as 2026-04-10T01:00:00Z",
                    crate::model::shown(s)
                ),
            )
        })
}

/// The instant of a request: given, or the engine's clock.
fn at_or_now(engine: &Engine, at: Option<&str>) -> Result<DateTime<Utc>> {
    at.map_or_else(|| Ok(engine.config().clock.now()), |s| instant("at", s))
}

/// Check every rule (`checkAlerts`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckAlertsRequest {
    /// The instant to evaluate (RFC 3339; default: the engine's clock).
    #[serde(default)]
    pub at: Option<String>,
    /// The channels to build notification payloads for (none: no payloads).
    #[serde(default)]
    pub channels: Option<ChannelConfig>,
}

/// What a check did, with the payloads of what it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckAlertsResponse {
    /// The check.
    #[serde(flatten)]
    pub check: AlertCheck,
    /// Ready-to-send notifications of the transitions, per channel asked for.
    pub notifications: Vec<Notification>,
}

impl CheckAlertsRequest {
    /// Runs the check.
    pub fn run(&self, engine: &Engine) -> Result<CheckAlertsResponse> {
        if let Some(c) = &self.channels {
            c.validate()?;
        }
        let check = engine.check_alerts(at_or_now(engine, self.at.as_deref())?)?;
        let notifications = self
            .channels
            .as_ref()
            .map(|c| check.notifications(c))
            .unwrap_or_default();
        Ok(CheckAlertsResponse {
            check,
            notifications,
        })
    }
}

/// Explain every rule at an instant without storing anything (`evaluateAlerts`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EvaluateAlertsRequest {
    /// The instant (RFC 3339; default: the engine's clock).
    #[serde(default)]
    pub at: Option<String>,
}

impl EvaluateAlertsRequest {
    /// The evaluations.
    pub fn run(&self, engine: &Engine) -> Result<Vec<Evaluation>> {
        engine.evaluate_alerts(at_or_now(engine, self.at.as_deref())?)
    }
}

/// List alerts (`alerts`): an [`AlertFilter`].
pub type ListAlertsRequest = AlertFilter;

impl AlertFilter {
    /// The alerts.
    pub fn run(&self, engine: &Engine) -> Result<Vec<Alert>> {
        engine.alerts(self)
    }
}

/// What to do to one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertAction {
    /// Acknowledge a firing alert.
    Acknowledge,
    /// Resolve an alert by hand.
    Resolve,
}

/// Acknowledge or resolve one alert (`acknowledgeAlert`, `resolveAlert`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertActionRequest {
    /// The alert.
    pub alert_id: String,
    /// Who (1–100 printable characters).
    pub by: String,
}

impl AlertActionRequest {
    /// Does `action`.
    pub fn run(&self, engine: &Engine, action: AlertAction) -> Result<Alert> {
        match action {
            AlertAction::Acknowledge => engine.acknowledge_alert(&self.alert_id, &self.by),
            AlertAction::Resolve => engine.resolve_alert(&self.alert_id, &self.by),
        }
    }
}

/// Store a rule (`putAlertRule`): an [`AlertRule`].
pub type PutAlertRuleRequest = AlertRule;

impl AlertRule {
    /// Stores the rule (a new one, a replacement, or the override of a built-in of the same id); the
    /// rule as stored, its defaults filled in.
    pub fn run(&self, engine: &Engine) -> Result<AlertRule> {
        engine.put_alert_rule(self.clone())?;
        Ok(self.clone())
    }
}

/// Delete a stored rule (`deleteAlertRule`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteAlertRuleRequest {
    /// The rule's id.
    pub id: String,
}

impl DeleteAlertRuleRequest {
    /// Whether a stored rule was deleted (a built-in of that id comes back with its configured
    /// thresholds).
    pub fn run(&self, engine: &Engine) -> Result<bool> {
        engine.delete_alert_rule(&self.id)
    }
}

/// Check every rule, then send the notifications of what changed through the host application's
/// [`Notifier`] and record every attempt on its alert (`deliverAlertNotifications`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliverAlertsRequest {
    /// The instant to evaluate (RFC 3339; default: the engine's clock).
    #[serde(default)]
    pub at: Option<String>,
    /// The channels to notify.
    pub channels: ChannelConfig,
}

/// What a delivery did: the check, its notifications, and the alerts with their recorded attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliverAlertsResponse {
    /// The check and the notifications it built.
    #[serde(flatten)]
    pub check: CheckAlertsResponse,
    /// The notified alerts as stored after delivery, each attempt in its `notifications`.
    pub delivered: Vec<Alert>,
}

impl DeliverAlertsRequest {
    /// Checks, then delivers through `notifier` (called once per notification, in order). The
    /// channels are checked before anything is evaluated or stored.
    pub fn run(&self, engine: &Engine, notifier: &dyn Notifier) -> Result<DeliverAlertsResponse> {
        self.channels.validate()?;
        let check = engine.check_alerts(at_or_now(engine, self.at.as_deref())?)?;
        let notifications = check.notifications(&self.channels);
        let delivered = engine.deliver_notifications(&check, &self.channels, notifier)?;
        Ok(DeliverAlertsResponse {
            check: CheckAlertsResponse {
                check,
                notifications,
            },
            delivered,
        })
    }
}
