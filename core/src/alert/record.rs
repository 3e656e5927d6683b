//! The alert record: what a rule raised, as the old service's `analyticsalerts` documents held it
//! (`alertId`, `type`, `severity`, `status`, `title`, `description`, `metric`, `currentValue`,
//! `thresholdValue`, `deviation`, `country`, `timeWindow`, `config`, `relatedData`), plus its lifecycle
//! instants, its root cause and every notification attempt (`docs/alerts.md`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad an alert is (METRICS.md "Alerts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// The default of a breached rule.
    Medium,
    /// Someone should look today.
    High,
    /// Someone should look now.
    Critical,
}

impl Severity {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where an alert is in its lifecycle (Prometheus/Grafana semantics, `docs/alerts.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    /// The condition holds but not yet for the rule's `for` period: not notified.
    Pending,
    /// Firing.
    Active,
    /// Firing, and someone said they are on it.
    Acknowledged,
    /// The condition cleared (after `keepFiringFor`), or someone resolved it.
    Resolved,
    /// The rule's metric had no data for the window (Grafana's "No Data").
    NoData,
    /// The rule could not be evaluated (Grafana's "Error").
    Error,
}

impl AlertStatus {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Pending => "pending",
            AlertStatus::Active => "active",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::Resolved => "resolved",
            AlertStatus::NoData => "no_data",
            AlertStatus::Error => "error",
        }
    }

    /// Whether the alert is firing (notified, shown as open).
    pub fn is_firing(self) -> bool {
        matches!(self, AlertStatus::Active | AlertStatus::Acknowledged)
    }
}

/// The span a rule evaluated: a local day or a clock hour of the reporting zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeWindow {
    /// `day` or `hour`.
    pub kind: WindowKind,
    /// First instant (inclusive).
    pub from: DateTime<Utc>,
    /// Last instant (exclusive).
    pub to: DateTime<Utc>,
    /// The window as people read it in the reporting zone: `2026-04-10` or `2026-04-10 14:00`.
    pub label: String,
    /// The reporting time zone.
    pub timezone: String,
}

/// The unit of a rule's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowKind {
    /// A local calendar day (23 or 25 hours on DST days).
    Day,
    /// A clock hour.
    Hour,
}

/// One segment's share of a change (root cause).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// `country`, `paymentMethod`, `ogTier` or `platform`.
    pub dimension: String,
    /// The segment's value (`NP`, `esewa`, `tier3`, `android`, …).
    pub value: String,
    /// The segment's value in the window.
    pub current: f64,
    /// Its baseline.
    pub baseline: f64,
    /// `current − baseline`.
    pub delta: f64,
    /// Its share of the whole change, in % (the shares of a dimension sum to 100).
    pub contribution: f64,
    /// Its share of the baseline, in %: a segment whose share of the change is far above its share
    /// of the baseline is where the change happened.
    #[serde(default)]
    pub share: f64,
}

/// Why a metric changed: the segments that explain most of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RootCause {
    /// The dimension whose top segments explain the change best.
    pub dimension: String,
    /// Its segments that explain most of the change, largest share first.
    pub segments: Vec<Segment>,
    /// The share of the change the other segments of that dimension explain, in %.
    pub rest: f64,
    /// Every dimension examined, each with all its segments (largest share first).
    pub by_dimension: Vec<DimensionBreakdown>,
    /// One plain sentence (also the end of the alert's description).
    pub sentence: String,
}

/// The change of one dimension, segment by segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DimensionBreakdown {
    /// The dimension.
    pub dimension: String,
    /// Its segments, largest share of the change first.
    pub segments: Vec<Segment>,
}

/// A notification channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Slack (Block Kit message).
    Slack,
    /// Telegram (`sendMessage` body).
    Telegram,
    /// A generic JSON webhook.
    Webhook,
    /// Email (subject, text and HTML).
    Email,
}

/// One delivery attempt of a notification, as the host application reported it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationAttempt {
    /// The channel.
    pub channel: Channel,
    /// Why it was sent: `firing`, `resolved` or `updated` (a higher severity).
    pub event: String,
    /// `sent` or `failed`.
    pub outcome: String,
    /// When (engine clock).
    pub at: DateTime<Utc>,
    /// What the receiver answered (status line or error), at most 1,000 characters.
    pub response: Option<String>,
}

/// One alert: raised once per `(appId, rule, country, window)` and updated while it lasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    /// Application id.
    pub app_id: String,
    /// Stable id: `<rule>:<country>:<window label>` (a rule, country and window raise one alert).
    pub alert_id: String,
    /// The rule's id (`revenue_drop`, …, or a user rule's id).
    pub rule: String,
    /// The rule's kind (`revenue_drop` for the built-ins, else `below_baseline`, `above_baseline`,
    /// `threshold`, `hourly_count`, `anomaly`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Severity (the highest reached while it lasted).
    pub severity: Severity,
    /// Lifecycle status.
    pub status: AlertStatus,
    /// One line.
    pub title: String,
    /// A few plain sentences, the root cause last.
    pub description: String,
    /// The catalog path of the metric (`revenue.total`) or the hourly count (`moderation.flags`).
    pub metric: String,
    /// The window's value (`null`: no data).
    pub current_value: Option<f64>,
    /// The value the rule compared against (baseline × (1 ± pct), or the threshold).
    pub threshold_value: Option<f64>,
    /// The baseline (mean of the previous days, or of the same weekday), if the rule has one.
    pub baseline_value: Option<f64>,
    /// `(current − baseline) / baseline × 100` (or against the threshold for static rules).
    pub deviation: Option<f64>,
    /// `ALL`, a code or `UNKNOWN`.
    pub country: String,
    /// The evaluated window.
    pub time_window: TimeWindow,
    /// The rule as it was evaluated.
    pub config: serde_json::Value,
    /// What else the rule saw (the baseline's days and values, the error of an `error` state).
    pub related_data: serde_json::Value,
    /// Why the metric changed (drops and spikes).
    pub root_cause: Option<RootCause>,
    /// First seen (pending or firing).
    pub created_at: DateTime<Utc>,
    /// Last evaluated.
    pub updated_at: DateTime<Utc>,
    /// When it started firing.
    pub fired_at: Option<DateTime<Utc>>,
    /// When it was acknowledged, and by whom.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it (as the caller named them).
    pub acknowledged_by: Option<String>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// `auto` (the condition cleared) or who resolved it.
    pub resolved_by: Option<String>,
    /// Until when a resolved alert keeps the rule quiet for this country.
    pub cooldown_until: Option<DateTime<Utc>>,
    /// Since when a firing alert's condition has been clear (it resolves after `keepFiringFor`).
    #[serde(default)]
    pub cleared_at: Option<DateTime<Utc>>,
    /// Every notification attempt, oldest first.
    pub notifications: Vec<NotificationAttempt>,
}
