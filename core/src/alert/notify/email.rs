//! Email: a one-line subject, a plain-text body and an HTML body with every value escaped and no
//! external resource (no images, fonts or style sheets to fetch, so opening it tells no tracker
//! anything). The host's mailer sends it; the envelope (`from`, `to`, `subject`) is the payload.

use serde_json::{json, Value};

use super::super::Alert;
use super::config::EmailConfig;
use super::format::{self, plain, Escape, Measure};
use super::{Email, NotificationEvent};

/// A subject's length limit (characters); RFC 5322 advises lines under 78, mail clients show ~100.
pub const SUBJECT_MAX: usize = 200;

fn html(s: &str, max: usize) -> String {
    format::fit(s, max, Escape::Html, Measure::Chars)
}

/// The rows of the summary table: label and value (unescaped).
fn rows(alert: &Alert) -> Vec<(&'static str, String)> {
    let unit = format::unit_of(alert);
    let mut rows = vec![
        ("Metric", plain(&alert.metric, 200)),
        ("Current", format::value(alert.current_value, unit)),
    ];
    if alert.baseline_value.is_some() {
        rows.push(("Baseline", format::value(alert.baseline_value, unit)));
    }
    if alert.threshold_value.is_some() {
        rows.push(("Threshold", format::value(alert.threshold_value, unit)));
    }
    rows.push(("Deviation", format::deviation(alert.deviation)));
    rows.push(("Country", plain(&alert.country, 100)));
    rows.push(("Window", plain(&format::window(alert), 200)));
    rows.push(("Severity", alert.severity.as_str().to_owned()));
    rows
}

fn footer(alert: &Alert, event: NotificationEvent) -> String {
    format!(
        "Alert {} · rule {} · {} {}",
        plain(&alert.alert_id, 300),
        plain(&alert.rule, 200),
        event.verb(),
        format::event_time(alert, event)
    )
}

/// The email and its envelope.
pub(crate) fn build(
    alert: &Alert,
    event: NotificationEvent,
    config: Option<&EmailConfig>,
    dashboard: Option<&str>,
) -> (Value, Email) {
    // `headline` is cleaned, so the subject cannot carry a CR or LF into the message's headers.
    let subject = format::headline(alert, event, SUBJECT_MAX);
    let description = plain(&format::description_without_cause(alert), 4_000);
    let link = format::dashboard_link(dashboard, alert);
    let rows = rows(alert);
    let segments = format::segment_lines(alert, 5, 300);
    let cause = alert
        .root_cause
        .as_ref()
        .map(|rc| plain(&rc.sentence, 1_000));

    let mut text = format!("{subject}\n\n");
    if !description.is_empty() {
        text.push_str(&description);
        text.push_str("\n\n");
    }
    for (label, v) in &rows {
        text.push_str(&format!("{:<11}{v}\n", format!("{label}:")));
    }
    if let Some(cause) = &cause {
        text.push_str(&format!("\nRoot cause: {cause}\n"));
        for s in &segments {
            text.push_str(&format!("  - {s}\n"));
        }
    }
    text.push_str(&format!("\n{}\n", footer(alert, event)));
    if let Some(url) = &link {
        text.push_str(&format!("Dashboard: {url}\n"));
    }

    let color = match event {
        NotificationEvent::Resolved => "#1e7e34",
        _ => "#b00020",
    };
    let mut h = String::from("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n</head>\n",
        html(&subject, usize::MAX)
    ));
    h.push_str("<body style=\"font-family:Arial,Helvetica,sans-serif;color:#1d1d1f;\">\n");
    h.push_str(&format!(
        "<h2 style=\"color:{color};\">{}</h2>\n",
        html(&subject, usize::MAX)
    ));
    if !description.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", html(&description, usize::MAX)));
    }
    h.push_str("<table cellpadding=\"4\" style=\"border-collapse:collapse;\">\n");
    for (label, v) in &rows {
        h.push_str(&format!(
            "<tr><th align=\"left\">{label}</th><td>{}</td></tr>\n",
            html(v, usize::MAX)
        ));
    }
    h.push_str("</table>\n");
    if let Some(cause) = &cause {
        h.push_str(&format!(
            "<h3>Root cause</h3>\n<p>{}</p>\n",
            html(cause, usize::MAX)
        ));
        if !segments.is_empty() {
            h.push_str("<ul>\n");
            for s in &segments {
                h.push_str(&format!("<li>{}</li>\n", html(s, usize::MAX)));
            }
            h.push_str("</ul>\n");
        }
    }
    h.push_str(&format!(
        "<p style=\"color:#666666;font-size:12px;\">{}</p>\n",
        html(&footer(alert, event), usize::MAX)
    ));
    if let Some(url) = &link {
        h.push_str(&format!(
            "<p><a href=\"{}\">Open dashboard</a></p>\n",
            html(url, usize::MAX)
        ));
    }
    h.push_str("</body>\n</html>\n");

    let envelope = json!({
        // Validated addresses hold no line break; cleaning again guards a config that skipped validation.
        "from": config.map(|c| format::clean(&c.from)),
        "to": config.map(|c| c.to.iter().map(|t| format::clean(t)).collect::<Vec<_>>()).unwrap_or_default(),
        "subject": subject,
    });
    (
        envelope,
        Email {
            subject,
            text,
            html: h,
        },
    )
}
