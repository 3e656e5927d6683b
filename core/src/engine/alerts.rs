//! Alert entry points (see [`crate::alert`]): the rules (built-in and stored user rules), a dry-run
//! evaluation, the check that raises, updates and resolves alerts, and listing, acknowledging and
//! resolving them by hand.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::alert::evaluate::{evaluate, Decision, Evaluation};
use crate::alert::lifecycle::{alert_id, apply, History, Transition};
use crate::alert::notify::{deliver, payloads, ChannelConfig, Notification, Notifier};
use crate::alert::rootcause::root_cause;
use crate::alert::rules::{built_in_rules, AlertRule};
use crate::alert::{Alert, AlertStatus, Severity};
use crate::store::{AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec};
use crate::{Error, Result};

/// The most user rules one application may store.
pub const MAX_USER_RULES: usize = 200;
/// The most alerts one listing returns.
pub const MAX_ALERT_LIST: usize = 10_000;

/// A user rule as stored (`analyticsalertrules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRuleDoc {
    /// Application id.
    pub app_id: String,
    /// The rule's id.
    pub rule_id: String,
    /// The rule.
    pub rule: AlertRule,
}

impl AnalyticsDoc for AlertRuleDoc {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsalertrules",
        key_fields: &["appId", "ruleId"],
        key_index: "appId_1_ruleId_1",
        retired_indexes: &[],
        indexes: &[],
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.rule_id.as_str().into(),
        ])
    }
}

/// What a check did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertCheck {
    /// The instant checked.
    pub at: DateTime<Utc>,
    /// Every rule's evaluation for every country it watches.
    pub evaluations: Vec<Evaluation>,
    /// The alerts that changed status or severity, with what to notify.
    pub transitions: Vec<Transition>,
    /// Those alerts as stored now.
    pub alerts: Vec<Alert>,
}

impl AlertCheck {
    /// The notifications of this check's transitions (firing, escalated, resolved) for `channels`.
    pub fn notifications(&self, channels: &ChannelConfig) -> Vec<Notification> {
        self.transitions
            .iter()
            .filter_map(|t| {
                let event = t.event?;
                let alert = self.alerts.iter().find(|a| a.alert_id == t.alert_id)?;
                Some(payloads(alert, event, channels))
            })
            .flatten()
            .collect()
    }
}

/// Which alerts a listing returns (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertFilter {
    /// Only these statuses.
    #[serde(default)]
    pub status: Option<Vec<AlertStatus>>,
    /// Only this rule.
    #[serde(default)]
    pub rule: Option<String>,
    /// Only this country selection key (`ALL`, `NP`, `UNKNOWN`).
    #[serde(default)]
    pub country: Option<String>,
    /// At least this severity.
    #[serde(default)]
    pub min_severity: Option<Severity>,
    /// Updated at or after this instant.
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// At most this many, newest first (default 100, at most 10,000).
    #[serde(default)]
    pub limit: Option<usize>,
}

impl Engine {
    /// The rules a check evaluates: the six built-ins with the configured thresholds (a stored rule
    /// with a built-in's id replaces it), then the stored user rules, by id.
    pub fn alert_rules(&self) -> Result<Vec<AlertRule>> {
        let stored: Vec<AlertRuleDoc> = self
            .store
            .find_docs(&DocFilter::all().eq("appId", self.config.app_id.as_str()))?;
        let mut rules = built_in_rules(&self.config.alerts);
        for d in stored {
            match rules.iter_mut().find(|r| r.id == d.rule.id) {
                Some(r) => *r = d.rule,
                None => rules.push(d.rule),
            }
        }
        let built_ins = rules.len().min(6);
        rules[built_ins..].sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rules)
    }

    /// Stores a user rule (or replaces one, or overrides a built-in of the same id).
    pub fn put_alert_rule(&self, rule: AlertRule) -> Result<()> {
        rule.validate()?;
        let existing = self.alert_rules()?;
        let new = !existing.iter().any(|r| r.id == rule.id);
        if new && existing.len() >= MAX_USER_RULES + 6 {
            return Err(Error::invalid_argument(
                "rule",
                format!("at most {MAX_USER_RULES} user rules; delete one first"),
            ));
        }
        self.store.put_docs(&[AlertRuleDoc {
            app_id: self.config.app_id.clone(),
            rule_id: rule.id.clone(),
            rule,
        }])
    }

    /// Deletes a stored rule (a built-in comes back with its configured thresholds); whether one was.
    pub fn delete_alert_rule(&self, id: &str) -> Result<bool> {
        let n = self.store.delete_docs::<AlertRuleDoc>(
            &DocFilter::all()
                .eq("appId", self.config.app_id.as_str())
                .eq("ruleId", id),
        )?;
        Ok(n > 0)
    }

    /// Checks that `at` may be evaluated: after 2000-01-02 and not after the engine's clock.
    fn check_instant(&self, at: DateTime<Utc>) -> Result<()> {
        let now = self.config.clock.now();
        let first = self
            .config
            .calendar
            .day_range(super::rollups::FIRST_DAY)
            .end;
        if at > now || at < first {
            return Err(Error::invalid_argument(
                "at",
                format!("{at} is outside {first} … now ({now}): alerts evaluate complete windows"),
            ));
        }
        Ok(())
    }

    /// Every enabled rule's evaluation for every country it watches, as of `at`, without storing
    /// anything (a dry run that explains each value, baseline and decision).
    pub fn evaluate_alerts(&self, at: DateTime<Utc>) -> Result<Vec<Evaluation>> {
        self.check_instant(at)?;
        let mut out = Vec::new();
        for rule in self.alert_rules()?.iter().filter(|r| r.enabled) {
            for c in &rule.countries {
                out.push(evaluate(self, rule, *c, at));
            }
        }
        Ok(out)
    }

    /// Evaluates every enabled rule as of `at` and raises, updates or resolves their alerts.
    pub fn check_alerts(&self, at: DateTime<Utc>) -> Result<AlertCheck> {
        self.check_instant(at)?;
        let _one = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.config.clock.now();
        let mut out = AlertCheck {
            at,
            evaluations: Vec::new(),
            transitions: Vec::new(),
            alerts: Vec::new(),
        };
        for rule in self.alert_rules()?.iter().filter(|r| r.enabled) {
            for c in &rule.countries {
                let e = evaluate(self, rule, *c, at);
                let history = self.history(&rule.id, &c.key(), &e.window.label)?;
                let root = if e.decision == Decision::Breach && history.open.is_none() {
                    root_cause(self, &e).unwrap_or(None)
                } else {
                    None
                };
                let outcome = apply(&self.config.app_id, rule, &e, history, root, now);
                if let Some(a) = outcome.alert {
                    self.store.put_docs(std::slice::from_ref(&a))?;
                    if outcome.transition.is_some() {
                        out.alerts.push(a);
                    }
                }
                out.transitions.extend(outcome.transition);
                out.evaluations.push(e);
            }
        }
        Ok(out)
    }

    /// The alerts of one rule and country a check needs.
    fn history(&self, rule: &str, country: &str, window: &str) -> Result<History> {
        let prefix = alert_id(rule, country, "");
        let mut alerts: Vec<Alert> = self.store.find_docs(
            &DocFilter::all()
                .eq("appId", self.config.app_id.as_str())
                .between("alertId", prefix.clone(), format!("{prefix}\u{7f}")),
        )?;
        alerts.retain(|a| a.rule == rule && a.country == country);
        alerts.sort_by_key(|a| a.updated_at);
        let this_window = alert_id(rule, country, window);
        Ok(History {
            window_raised: alerts.iter().any(|a| a.alert_id == this_window),
            open: alerts
                .iter()
                .rev()
                .find(|a| a.status != AlertStatus::Resolved)
                .cloned(),
            last_resolved: alerts
                .iter()
                .rev()
                .find(|a| a.status == AlertStatus::Resolved)
                .cloned(),
        })
    }

    /// Sends the notifications of `check` through `notifier` (the host application's delivery) and
    /// records every attempt on its alert; returns the alerts as stored after it.
    pub fn deliver_notifications(
        &self,
        check: &AlertCheck,
        channels: &ChannelConfig,
        notifier: &dyn Notifier,
    ) -> Result<Vec<Alert>> {
        channels.validate()?;
        let mut out = Vec::new();
        for t in &check.transitions {
            let Some(event) = t.event else { continue };
            let _one = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
            let mut a = self.alert(&t.alert_id)?;
            let notes = payloads(&a, event, channels);
            deliver(&mut a, &notes, notifier, || self.config.clock.now())?;
            self.store.put_docs(std::slice::from_ref(&a))?;
            out.push(a);
        }
        Ok(out)
    }

    /// The alerts `filter` selects, most recently updated first.
    pub fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>> {
        let limit = filter.limit.unwrap_or(100);
        if limit == 0 || limit > MAX_ALERT_LIST {
            return Err(Error::invalid_argument(
                "limit",
                format!("between 1 and {MAX_ALERT_LIST}"),
            ));
        }
        let mut alerts: Vec<Alert> = self
            .store
            .find_docs(&DocFilter::all().eq("appId", self.config.app_id.as_str()))?;
        alerts.retain(|a| {
            filter.status.as_ref().is_none_or(|s| s.contains(&a.status))
                && filter.rule.as_ref().is_none_or(|r| *r == a.rule)
                && filter
                    .country
                    .as_ref()
                    .is_none_or(|c| c.eq_ignore_ascii_case(&a.country))
                && filter.min_severity.is_none_or(|s| a.severity >= s)
                && filter.since.is_none_or(|t| a.updated_at >= t)
        });
        alerts.sort_by(|a, b| {
            b.updated_at
                .cmp(&a.updated_at)
                .then(a.alert_id.cmp(&b.alert_id))
        });
        alerts.truncate(limit);
        Ok(alerts)
    }

    fn alert(&self, id: &str) -> Result<Alert> {
        self.store
            .get_doc::<Alert>(&DocKey(vec![self.config.app_id.as_str().into(), id.into()]))?
            .ok_or_else(|| {
                Error::invalid_argument(
                    "alertId",
                    format!("no alert `{}`", crate::model::shown(id)),
                )
            })
    }

    /// Marks a firing alert acknowledged by `by`.
    pub fn acknowledge_alert(&self, id: &str, by: &str) -> Result<Alert> {
        let _one = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let mut a = self.alert(id)?;
        if a.status != AlertStatus::Active {
            return Err(Error::invalid_argument(
                "alertId",
                format!(
                    "`{}` is {}: only an active alert can be acknowledged",
                    a.alert_id,
                    a.status.as_str()
                ),
            ));
        }
        let now = self.config.clock.now();
        a.status = AlertStatus::Acknowledged;
        a.acknowledged_at = Some(now);
        a.acknowledged_by = Some(who(by)?);
        a.updated_at = now;
        self.store.put_docs(std::slice::from_ref(&a))?;
        Ok(a)
    }

    /// Resolves an alert by hand (its rule's cooldown starts now).
    pub fn resolve_alert(&self, id: &str, by: &str) -> Result<Alert> {
        let _one = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let mut a = self.alert(id)?;
        if a.status == AlertStatus::Resolved {
            return Err(Error::invalid_argument(
                "alertId",
                format!("`{}` is already resolved", a.alert_id),
            ));
        }
        let now = self.config.clock.now();
        let cooldown = self
            .alert_rules()?
            .into_iter()
            .find(|r| r.id == a.rule)
            .map_or(chrono::Duration::zero(), |r| r.cooldown.chrono());
        a.status = AlertStatus::Resolved;
        a.resolved_at = Some(now);
        a.resolved_by = Some(who(by)?);
        a.cooldown_until = Some(now + cooldown);
        a.updated_at = now;
        self.store.put_docs(std::slice::from_ref(&a))?;
        Ok(a)
    }
}

/// Who acted: 1–100 printable characters.
fn who(by: &str) -> Result<String> {
    let by = by.trim();
    if by.is_empty() || by.chars().count() > 100 || by.chars().any(char::is_control) {
        return Err(Error::invalid_argument(
            "by",
            "who acted: 1–100 printable characters",
        ));
    }
    Ok(by.to_owned())
}
