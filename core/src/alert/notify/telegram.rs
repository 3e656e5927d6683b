//! Telegram: the JSON body of the Bot API's `sendMessage` in `HTML` parse mode. Only tags Telegram
//! supports are used (`b`, `i`, `code`, `a`); every value is cleaned and HTML-escaped. Telegram counts a
//! message's length in UTF-16 code units after parsing; the raw text is kept within 4,096 of them,
//! which bounds the parsed one too.

use serde_json::{json, Value};

use super::super::Alert;
use super::format::{self, Escape, Measure};
use super::NotificationEvent;

/// A message's length limit (UTF-16 code units).
pub const TEXT_MAX: usize = 4_096;

fn esc(s: &str, max: usize) -> String {
    format::fit(s, max, Escape::Html, Measure::Utf16)
}

/// The `sendMessage` body for `chat_id` (the host posts it to `…/bot<token>/sendMessage`).
pub(crate) fn payload(
    alert: &Alert,
    event: NotificationEvent,
    chat_id: &str,
    dashboard: Option<&str>,
) -> Value {
    json!({
        "chat_id": chat_id,
        "text": text(alert, event, dashboard),
        "parse_mode": "HTML",
        "disable_web_page_preview": true,
    })
}

// Each piece has its own cap, and the caps add up (tags included) to less than TEXT_MAX, so no cut
// ever has to fall inside a tag.
fn text(alert: &Alert, event: NotificationEvent, dashboard: Option<&str>) -> String {
    let unit = format::unit_of(alert);
    let mut t = format!(
        "{} <b>{}</b>",
        format::emoji(alert, event),
        esc(&format::headline(alert, event, 400), 250)
    );
    let description = format::description_without_cause(alert);
    if !description.is_empty() {
        t.push_str("\n\n");
        t.push_str(&esc(&description, 500));
    }
    t.push('\n');
    let mut row = |label: &str, v: &str, code: bool| {
        let v = esc(v, 100);
        if code {
            t.push_str(&format!("\n<b>{label}:</b> <code>{v}</code>"));
        } else {
            t.push_str(&format!("\n<b>{label}:</b> {v}"));
        }
    };
    row("Metric", &alert.metric, true);
    row("Current", &format::value(alert.current_value, unit), false);
    if alert.baseline_value.is_some() {
        row(
            "Baseline",
            &format::value(alert.baseline_value, unit),
            false,
        );
    }
    if alert.threshold_value.is_some() {
        row(
            "Threshold",
            &format::value(alert.threshold_value, unit),
            false,
        );
    }
    row("Deviation", &format::deviation(alert.deviation), false);
    row("Country", &alert.country, false);
    row("Window", &format::window(alert), false);
    if let Some(rc) = &alert.root_cause {
        t.push_str(&format!(
            "\n\n<b>Root cause:</b> {}",
            esc(&rc.sentence, 400)
        ));
        for line in format::segment_lines(alert, 5, 100) {
            t.push_str("\n• ");
            t.push_str(&esc(&line, 100));
        }
    }
    t.push_str(&format!(
        "\n\n<i>Alert {} · rule {} · {} {}</i>",
        esc(&alert.alert_id, 150),
        esc(&alert.rule, 100),
        event.verb(),
        format::event_time(alert, event)
    ));
    if let Some(url) = format::dashboard_link(dashboard, alert) {
        let href = esc(&url, usize::MAX);
        // A cut URL would lead somewhere else: a link too long after escaping is left out.
        if Measure::Utf16.of(&href) <= 1_000 {
            t.push_str(&format!("\n<a href=\"{href}\">Open dashboard</a>"));
        }
    }
    t
}
