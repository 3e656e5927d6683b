//! Alert tables: a check's transitions and evaluations, a dry run's explanations, stored alerts.

use std::fmt::Write as _;

use halobuzz_analytics::alert::{Alert, Evaluation};
use halobuzz_analytics::api::CheckAlertsResponse;

use super::{cell, clipped};

/// The longest sentence printed under a row.
const SENTENCE_MAX: usize = 600;

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |v| format!("{v:+.1}%"))
}

/// Every rule's evaluation, one line each, then its explanation.
pub fn evaluations(evals: &[Evaluation]) -> String {
    let mut out = format!(
        "  {:<18} {:<8} {:<24} {:>14} {:>14} {:>9}  {}\n",
        "rule", "country", "window", "value", "baseline", "deviation", "decision"
    );
    for e in evals {
        let decision = match (e.decision, e.severity) {
            (d, Some(s)) => format!("{d:?} ({})", s.as_str()),
            (d, None) => format!("{d:?}"),
        };
        let _ = writeln!(
            out,
            "  {:<18} {:<8} {:<24} {:>14} {:>14} {:>9}  {}",
            cell(&e.rule),
            cell(&e.country.key()),
            cell(&e.window.label),
            num(e.value),
            num(e.baseline.or(e.threshold)),
            pct(e.deviation),
            decision.to_lowercase()
        );
        let _ = writeln!(out, "      {}", clipped(&e.explanation, SENTENCE_MAX));
    }
    out
}

/// What a check changed, then every evaluation.
pub fn alert_check(done: &CheckAlertsResponse) -> String {
    let c = &done.check;
    let mut out = format!("Alert check at {}\n", c.at.to_rfc3339());
    if c.transitions.is_empty() {
        out.push_str("  no alert changed\n");
    }
    for t in &c.transitions {
        let from = t.from.map_or("new", |s| s.as_str());
        let event = t
            .event
            .map_or(String::new(), |e| format!(" (notify: {})", e.as_str()));
        let _ = writeln!(
            out,
            "  {}: {from} → {}{event}",
            cell(&t.alert_id),
            t.to.as_str()
        );
        if let Some(a) = c.alerts.iter().find(|a| a.alert_id == t.alert_id) {
            let _ = writeln!(
                out,
                "      [{}] {}",
                a.severity.as_str(),
                clipped(&a.title, SENTENCE_MAX)
            );
            let _ = writeln!(out, "      {}", clipped(&a.description, SENTENCE_MAX));
        }
    }
    if !done.notifications.is_empty() {
        let _ = writeln!(
            out,
            "  {} notification payload(s) ready (--json prints them)",
            done.notifications.len()
        );
    }
    out.push('\n');
    out.push_str(&evaluations(&c.evaluations));
    out
}

/// Stored alerts, newest first.
pub fn alerts(alerts: &[Alert]) -> String {
    let mut out = format!(
        "  {:<44} {:<13} {:<9} {:>9}  {}\n",
        "alert", "status", "severity", "deviation", "updated"
    );
    for a in alerts {
        let _ = writeln!(
            out,
            "  {:<44} {:<13} {:<9} {:>9}  {}",
            cell(&a.alert_id),
            a.status.as_str(),
            a.severity.as_str(),
            pct(a.deviation),
            a.updated_at.to_rfc3339()
        );
    }
    if alerts.is_empty() {
        out.push_str("  no alert\n");
    }
    out
}
