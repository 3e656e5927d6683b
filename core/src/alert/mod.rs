//! Alerts (METRICS.md "Alerts", `docs/alerts.md`): rules evaluated on the latest complete day or clock
//! hour as of the engine's clock, alert records with a Prometheus/Grafana lifecycle, root causes, and
//! ready-to-send notification payloads.

pub mod notify;
pub mod record;

pub use record::{
    Alert, AlertStatus, Channel, DimensionBreakdown, NotificationAttempt, RootCause, Segment,
    Severity, TimeWindow, WindowKind,
};
