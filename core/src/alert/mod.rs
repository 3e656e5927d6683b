//! Alerts (METRICS.md "Alerts", `docs/alerts.md`): rules evaluated on the latest complete day or clock
//! hour as of the engine's clock, alert records with a Prometheus/Grafana lifecycle, root causes, and
//! ready-to-send notification payloads.

pub mod evaluate;
pub mod lifecycle;
pub mod notify;
pub mod record;
pub mod rootcause;
pub mod rules;

pub use crate::engine::alerts::{AlertCheck, AlertFilter, AlertRuleDoc};
pub use evaluate::{Decision, Evaluation};
pub use lifecycle::Transition;
pub use notify::{ChannelConfig, Notification, NotificationEvent, Notifier};
pub use record::{
    Alert, AlertStatus, Channel, DimensionBreakdown, NotificationAttempt, RootCause, Segment,
    Severity, TimeWindow, WindowKind,
};
pub use rules::{AlertRule, Condition, Duration};
