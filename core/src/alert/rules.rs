//! Alert rules: the six built-in rules of METRICS.md "Alerts" (thresholds from the configuration, so
//! from `ALERT_*` variables or code) and user rules on any metric of the catalog, with the Prometheus /
//! Grafana knobs: a pending period (`for`), `keepFiringFor`, a cooldown after resolution, a recovery
//! threshold (hysteresis) and what to do without data or on an error (`docs/alerts.md`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::record::Severity;
use crate::config::AlertThresholds;
use crate::kpi::catalog::Metric;
use crate::model::CountryFilter;
use crate::{Error, Result};

/// The longest `for`, `keepFiringFor` or `cooldown`: 30 days.
pub const MAX_DURATION_SECONDS: i64 = 30 * 86_400;
/// The most days or weeks a baseline may span.
pub const MAX_BASELINE_PERIODS: u32 = 52;
/// The most countries one rule may watch.
pub const MAX_RULE_COUNTRIES: usize = 300;
/// The most severity levels of one rule.
pub const MAX_SEVERITY_LEVELS: usize = 8;

/// A duration in whole seconds, written as Prometheus writes them (`90s`, `15m`, `2h`, `1d`, `1w`) or
/// as a number of seconds; at most 30 days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub i64);

impl Duration {
    /// Parses `90s`, `15m`, `2h`, `1d`, `1w` or a bare number of seconds.
    pub fn parse(s: &str) -> Result<Duration> {
        let s = s.trim();
        let bad = || {
            Error::invalid_argument(
                "duration",
                format!(
                    "`{}` is not a duration such as 90s, 15m, 2h, 1d or 1w",
                    crate::model::shown(s)
                ),
            )
        };
        let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
        let n: i64 = digits.parse().map_err(|_| bad())?;
        let scale = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        Duration::seconds(n.checked_mul(scale).ok_or_else(bad)?)
    }

    /// `n` seconds, checked against the bound.
    pub fn seconds(n: i64) -> Result<Duration> {
        if !(0..=MAX_DURATION_SECONDS).contains(&n) {
            return Err(Error::invalid_argument(
                "duration",
                format!("{n} s is outside 0 … {MAX_DURATION_SECONDS} s (30 days)"),
            ));
        }
        Ok(Duration(n))
    }

    /// As a chrono duration.
    pub fn chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(self.0)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}s", self.0))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Seconds(i64),
            Text(String),
        }
        let parsed = match Form::deserialize(d)? {
            Form::Seconds(n) => Duration::seconds(n),
            Form::Text(s) => Duration::parse(&s),
        };
        parsed.map_err(|e| serde::de::Error::custom(e.serde_reason()))
    }
}

/// What a daily value is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Baseline {
    /// The mean of the previous `days` days.
    Mean {
        /// Days (1 … 52).
        days: u32,
    },
    /// The mean of the same weekday of the previous `weeks` weeks.
    SameWeekday {
        /// Weeks (1 … 52).
        weeks: u32,
    },
}

impl Baseline {
    /// The days back (1 = the day before) whose values make the baseline.
    pub fn offsets(self) -> Vec<i64> {
        match self {
            Baseline::Mean { days } => (1..=i64::from(days)).collect(),
            Baseline::SameWeekday { weeks } => (1..=i64::from(weeks)).map(|w| 7 * w).collect(),
        }
    }

    fn check(self) -> Result<()> {
        let n = match self {
            Baseline::Mean { days } => days,
            Baseline::SameWeekday { weeks } => weeks,
        };
        if n == 0 || n > MAX_BASELINE_PERIODS {
            return Err(Error::invalid_argument(
                "baseline",
                format!("between 1 and {MAX_BASELINE_PERIODS} days or weeks"),
            ));
        }
        Ok(())
    }
}

/// What an hourly rule counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HourlySource {
    /// `moderationflags` created in the hour.
    ModerationFlags,
    /// `analyticsevents` of type `error_event` in the hour.
    ErrorEvents,
}

impl HourlySource {
    /// The name an alert's `metric` field shows.
    pub fn metric(self) -> &'static str {
        match self {
            HourlySource::ModerationFlags => "moderation.flagsPerHour",
            HourlySource::ErrorEvents => "infra.errorEventsPerHour",
        }
    }
}

/// The condition of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Condition {
    /// The latest complete day's value below its baseline by more than `pct` %.
    #[serde(rename_all = "camelCase")]
    BelowBaseline {
        /// A catalog metric.
        metric: String,
        /// Percent (0 < pct ≤ 100).
        pct: f64,
        /// The baseline (default: mean of the previous 7 days).
        #[serde(default = "seven_days")]
        baseline: Baseline,
    },
    /// The latest complete day's value above its baseline by more than `pct` %.
    #[serde(rename_all = "camelCase")]
    AboveBaseline {
        /// A catalog metric.
        metric: String,
        /// Percent (0 < pct ≤ 100,000).
        pct: f64,
        /// The baseline (default: mean of the previous 7 days).
        #[serde(default = "seven_days")]
        baseline: Baseline,
    },
    /// The latest complete day's value above `above` or below `below` (a static threshold).
    #[serde(rename_all = "camelCase")]
    Threshold {
        /// A catalog metric.
        metric: String,
        /// Breached when the value is greater.
        #[serde(default)]
        above: Option<f64>,
        /// Breached when the value is smaller.
        #[serde(default)]
        below: Option<f64>,
    },
    /// The latest complete day's value is an anomaly of the metric's recent daily series: seasonal
    /// hybrid ESD (weekly period) or the robust z-score, over `historyDays` days ending on it.
    #[serde(rename_all = "camelCase")]
    Anomaly {
        /// A catalog metric.
        metric: String,
        /// Days of history, the evaluated day included (15 … 366; default 56).
        #[serde(default = "eight_weeks")]
        history_days: u32,
        /// `shesd` (default) or `zscore`.
        #[serde(default)]
        method: AnomalyMethod,
        /// S-H-ESD options (default: period 7, maxAnoms 0.1, alpha 0.05, both directions).
        #[serde(default)]
        shesd: Option<crate::anomaly::ShesdOptions>,
        /// Robust z-score options (default: threshold 3.5 over the history before the day, both
        /// directions).
        #[serde(default)]
        zscore: Option<crate::anomaly::MadOptions>,
    },
    /// More than `above` documents of `source` in the latest complete clock hour.
    #[serde(rename_all = "camelCase")]
    HourlyCount {
        /// What is counted.
        source: HourlySource,
        /// Breached when the count is greater.
        above: u64,
    },
}

/// How an anomaly rule tests the latest day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnomalyMethod {
    /// Seasonal hybrid ESD (`docs/anomaly.md`).
    #[default]
    Shesd,
    /// Robust z-score (median / MAD).
    Zscore,
}

/// The most days of history an anomaly rule may read.
pub const MAX_HISTORY_DAYS: u32 = 366;
/// The fewest: two weekly periods and the day itself.
pub const MIN_HISTORY_DAYS: u32 = 15;

fn eight_weeks() -> u32 {
    56
}

fn seven_days() -> Baseline {
    Baseline::Mean { days: 7 }
}

impl Condition {
    /// The catalog metric of a daily condition.
    pub fn metric(&self) -> Option<&str> {
        match self {
            Condition::BelowBaseline { metric, .. }
            | Condition::AboveBaseline { metric, .. }
            | Condition::Threshold { metric, .. }
            | Condition::Anomaly { metric, .. } => Some(metric),
            Condition::HourlyCount { .. } => None,
        }
    }

    /// The condition's kind as alerts name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::BelowBaseline { .. } => "below_baseline",
            Condition::AboveBaseline { .. } => "above_baseline",
            Condition::Threshold { .. } => "threshold",
            Condition::Anomaly { .. } => "anomaly",
            Condition::HourlyCount { .. } => "hourly_count",
        }
    }
}

/// One severity step: a breach whose measure (|deviation| in % for baseline rules, the value for
/// thresholds and counts) is greater than `above` has `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeverityLevel {
    /// Strictly greater than this.
    pub above: f64,
    /// The severity.
    pub severity: Severity,
}

/// How a breach's severity is decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeverityRule {
    /// The severity of a breach no level reaches.
    pub default: Severity,
    /// Steps, any order: the highest `above` the measure exceeds wins.
    #[serde(default)]
    pub levels: Vec<SeverityLevel>,
}

impl SeverityRule {
    /// The severity of a breach of `measure`.
    pub fn of(&self, measure: f64) -> Severity {
        self.levels
            .iter()
            .filter(|l| measure > l.above)
            .max_by(|a, b| a.above.total_cmp(&b.above))
            .map_or(self.default, |l| l.severity)
    }
}

impl Default for SeverityRule {
    fn default() -> Self {
        SeverityRule {
            default: Severity::Medium,
            levels: Vec::new(),
        }
    }
}

/// What a rule's alert becomes when the window has no value (Grafana's "no data" handling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoDataState {
    /// An alert in state `no_data` (not notified).
    #[default]
    NoData,
    /// As if the condition held.
    Alerting,
    /// As if it did not.
    Ok,
}

/// What a rule's alert becomes when it cannot be evaluated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorState {
    /// An alert in state `error` (not notified).
    #[default]
    Error,
    /// As if the condition held.
    Alerting,
    /// As if it did not.
    Ok,
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRule {
    /// Its id: 1–64 of `a-z`, `0-9`, `_`, `-` (the built-ins are `revenue_drop`, …).
    pub id: String,
    /// The condition.
    pub condition: Condition,
    /// The country selections it watches, each its own alert (default `[ALL]`).
    #[serde(default = "all_countries")]
    pub countries: Vec<CountryFilter>,
    /// How a breach's severity is decided.
    #[serde(default)]
    pub severity: SeverityRule,
    /// How long the condition must hold before the alert fires (`pending` until then; default 0).
    #[serde(default, rename = "for")]
    pub pending_for: Duration,
    /// How long a firing alert keeps firing after the condition cleared (default 0).
    #[serde(default)]
    pub keep_firing_for: Duration,
    /// After a resolution, how long a new breach of the same rule and country stays quiet (default 0).
    #[serde(default)]
    pub cooldown: Duration,
    /// Hysteresis: a firing baseline rule clears only once the deviation is back within this % (a
    /// threshold rule: once the value is back past this value); default: the firing threshold itself.
    #[serde(default)]
    pub recovery: Option<f64>,
    /// Without a value for the window.
    #[serde(default)]
    pub no_data_state: NoDataState,
    /// When the evaluation fails.
    #[serde(default)]
    pub error_state: ErrorState,
    /// Whether it is evaluated (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// What it is for, in a line (shown in alerts).
    #[serde(default)]
    pub description: Option<String>,
}

fn all_countries() -> Vec<CountryFilter> {
    vec![CountryFilter::All]
}

fn yes() -> bool {
    true
}

/// The ids of the built-in rules, in METRICS.md order.
pub const BUILT_IN: [&str; 6] = [
    "revenue_drop",
    "payer_rate_drop",
    "abuse_spike",
    "infra_errors",
    "churn_spike",
    "engagement_drop",
];

impl AlertRule {
    /// Checks what a caller could get wrong; the message names the field.
    pub fn validate(&self) -> Result<()> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(Error::invalid_argument(
                "id",
                format!(
                    "`{}` must be 1–64 characters of a-z, 0-9, `_` and `-`",
                    crate::model::shown(&self.id)
                ),
            ));
        }
        if self.countries.is_empty() || self.countries.len() > MAX_RULE_COUNTRIES {
            return Err(Error::invalid_argument(
                "countries",
                format!("between 1 and {MAX_RULE_COUNTRIES} country selections"),
            ));
        }
        if self.severity.levels.len() > MAX_SEVERITY_LEVELS
            || self.severity.levels.iter().any(|l| !l.above.is_finite())
        {
            return Err(Error::invalid_argument(
                "severity",
                format!("at most {MAX_SEVERITY_LEVELS} levels, each with a finite `above`"),
            ));
        }
        if self.recovery.is_some_and(|r| !r.is_finite()) {
            return Err(Error::invalid_argument("recovery", "a finite number"));
        }
        if self
            .description
            .as_ref()
            .is_some_and(|d| d.chars().count() > 500)
        {
            return Err(Error::invalid_argument(
                "description",
                "at most 500 characters",
            ));
        }
        let pct_ok = |pct: f64, max: f64| pct.is_finite() && pct > 0.0 && pct <= max;
        match &self.condition {
            Condition::BelowBaseline {
                metric,
                pct,
                baseline,
            } => {
                Metric::parse(metric)?;
                baseline.check()?;
                if !pct_ok(*pct, 100.0) {
                    return Err(Error::invalid_argument(
                        "pct",
                        "a percentage above 0, at most 100",
                    ));
                }
            }
            Condition::AboveBaseline {
                metric,
                pct,
                baseline,
            } => {
                Metric::parse(metric)?;
                baseline.check()?;
                if !pct_ok(*pct, 100_000.0) {
                    return Err(Error::invalid_argument(
                        "pct",
                        "a percentage above 0, at most 100,000",
                    ));
                }
            }
            Condition::Threshold {
                metric,
                above,
                below,
            } => {
                Metric::parse(metric)?;
                let finite = |v: &Option<f64>| v.is_none_or(|v| v.is_finite());
                if (above.is_none() && below.is_none()) || !finite(above) || !finite(below) {
                    return Err(Error::invalid_argument(
                        "condition",
                        "a threshold needs a finite `above`, `below` or both",
                    ));
                }
            }
            Condition::Anomaly {
                metric,
                history_days,
                ..
            } => {
                Metric::parse(metric)?;
                if !(MIN_HISTORY_DAYS..=MAX_HISTORY_DAYS).contains(history_days) {
                    return Err(Error::invalid_argument(
                        "historyDays",
                        format!("between {MIN_HISTORY_DAYS} and {MAX_HISTORY_DAYS} days"),
                    ));
                }
            }
            Condition::HourlyCount { .. } => {}
        }
        Ok(())
    }

    /// Whether the rule is one of the six of METRICS.md.
    pub fn is_built_in(&self) -> bool {
        BUILT_IN.contains(&self.id.as_str())
    }

    /// The alert `type` of this rule: the id of a built-in, else the condition's kind.
    pub fn alert_type(&self) -> String {
        if self.is_built_in() {
            self.id.clone()
        } else {
            self.condition.kind().to_owned()
        }
    }
}

fn level(above: f64, severity: Severity) -> SeverityLevel {
    SeverityLevel { above, severity }
}

fn rule(
    id: &str,
    condition: Condition,
    default: Severity,
    levels: Vec<SeverityLevel>,
) -> AlertRule {
    AlertRule {
        id: id.to_owned(),
        condition,
        countries: all_countries(),
        severity: SeverityRule { default, levels },
        pending_for: Duration(0),
        keep_firing_for: Duration(0),
        cooldown: Duration(0),
        recovery: None,
        no_data_state: NoDataState::NoData,
        error_state: ErrorState::Error,
        enabled: true,
        description: None,
    }
}

/// The six rules of METRICS.md "Alerts" with the configured thresholds.
pub fn built_in_rules(t: &AlertThresholds) -> Vec<AlertRule> {
    use Severity::*;
    let below = |metric: &str, pct: f64| Condition::BelowBaseline {
        metric: metric.to_owned(),
        pct,
        baseline: seven_days(),
    };
    vec![
        rule(
            "revenue_drop",
            below("revenue.total", t.drop_pct),
            Medium,
            vec![level(20.0, High), level(30.0, Critical)],
        ),
        rule(
            "payer_rate_drop",
            below("monetization.payerRate", t.payer_drop_pct),
            Medium,
            vec![level(20.0, High)],
        ),
        rule(
            "abuse_spike",
            Condition::HourlyCount {
                source: HourlySource::ModerationFlags,
                above: t.abuse_threshold,
            },
            High,
            vec![level(100.0, Critical)],
        ),
        rule(
            "infra_errors",
            Condition::HourlyCount {
                source: HourlySource::ErrorEvents,
                above: t.infra_threshold,
            },
            High,
            vec![level(500.0, Critical)],
        ),
        rule(
            "churn_spike",
            Condition::AboveBaseline {
                metric: "retention.churnRate".to_owned(),
                pct: t.churn_threshold,
                baseline: seven_days(),
            },
            High,
            vec![level(50.0, Critical)],
        ),
        rule(
            "engagement_drop",
            below("engagement.dau", t.engagement_drop_pct),
            Medium,
            vec![level(25.0, High)],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_prometheus_writes_them() {
        for (text, seconds) in [
            ("90s", 90),
            ("15m", 900),
            ("2h", 7200),
            ("1d", 86_400),
            ("1w", 604_800),
            ("0", 0),
        ] {
            assert_eq!(
                Duration::parse(text).map(|d| d.0).ok(),
                Some(seconds),
                "{text}"
            );
        }
        for bad in ["", "h", "1.5h", "-1h", "31d", "5y", "99999999999999999999d"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
        let d: Duration = serde_json::from_value(serde_json::json!(600)).expect("seconds");
        assert_eq!(d, Duration(600));
    }

    #[test]
    fn built_in_severities_follow_metrics_md() {
        let rules = built_in_rules(&AlertThresholds::default());
        let of = |id: &str, m: f64| rules.iter().find(|r| r.id == id).map(|r| r.severity.of(m));
        assert_eq!(of("revenue_drop", 35.0), Some(Severity::Critical));
        assert_eq!(of("revenue_drop", 30.0), Some(Severity::High));
        assert_eq!(of("revenue_drop", 16.0), Some(Severity::Medium));
        assert_eq!(of("abuse_spike", 101.0), Some(Severity::Critical));
        assert_eq!(of("abuse_spike", 60.0), Some(Severity::High));
        assert_eq!(of("engagement_drop", 26.0), Some(Severity::High));
        for r in &rules {
            r.validate().expect("built-ins are valid");
            assert!(r.is_built_in());
        }
    }

    #[test]
    fn user_rules_are_validated() {
        let rule: AlertRule = serde_json::from_value(serde_json::json!({
            "id": "gift_revenue_low",
            "condition": { "kind": "threshold", "metric": "revenue.giftRevenue", "below": 1000 },
            "for": "2d", "cooldown": "1d"
        }))
        .expect("rule");
        rule.validate().expect("valid");
        assert_eq!(rule.pending_for, Duration(172_800));
        let bad = AlertRule {
            id: "Bad Id".into(),
            ..rule.clone()
        };
        assert!(bad.validate().is_err());
        let bad = AlertRule {
            condition: Condition::Threshold {
                metric: "revenue.nope".into(),
                above: Some(1.0),
                below: None,
            },
            ..rule
        };
        assert!(bad.validate().is_err());
    }
}
