//! Slack: a Block Kit message (header, fields, root cause, context, dashboard button) with a `text`
//! fallback for notifications and screen readers. Every value is cleaned and escaped (`&`, `<`, `>`, so
//! data can neither link nor mention `@channel`) and cut to Slack's limits, which reject a whole message
//! that exceeds any of them.

use serde_json::{json, Value};

use super::super::Alert;
use super::format::{self, Escape, Measure};
use super::NotificationEvent;

/// A header block's text limit.
pub const HEADER_MAX: usize = 150;
/// A section's text limit.
pub const SECTION_MAX: usize = 3_000;
/// A section field's text limit.
pub const FIELD_MAX: usize = 2_000;
/// The most fields in a section.
pub const FIELDS_MAX: usize = 10;
/// The most blocks in a message.
pub const BLOCKS_MAX: usize = 50;
/// A button's label limit.
pub const BUTTON_TEXT_MAX: usize = 75;
/// Kept well under Slack's 40,000-character truncation of `text`, as its guidance for fallbacks says.
pub const TEXT_MAX: usize = 3_000;

fn esc(s: &str, max: usize) -> String {
    format::fit(s, max, Escape::Slack, Measure::Chars)
}

fn mrkdwn(text: String) -> Value {
    json!({ "type": "mrkdwn", "text": text })
}

/// The message body for `chat.postMessage` or an incoming webhook (the host adds `channel` if it needs
/// one).
pub(crate) fn payload(alert: &Alert, event: NotificationEvent, dashboard: Option<&str>) -> Value {
    let unit = format::unit_of(alert);
    let headline = format::headline(alert, event, 400);
    let mut blocks = Vec::new();

    let header = format!("{} {headline}", format::slack_emoji(alert, event));
    blocks.push(json!({
        "type": "header",
        "text": { "type": "plain_text", "text": esc(&header, HEADER_MAX), "emoji": true },
    }));

    // A value in a field is short by nature: 300 characters keeps a hostile one from crowding the rest.
    let field = |label: &str, v: &str| mrkdwn(format!("*{label}*\n{}", esc(v, 300)));
    let mut fields = vec![
        field("Metric", &alert.metric),
        field("Current", &format::value(alert.current_value, unit)),
    ];
    if alert.baseline_value.is_some() {
        fields.push(field(
            "Baseline",
            &format::value(alert.baseline_value, unit),
        ));
    }
    if alert.threshold_value.is_some() {
        fields.push(field(
            "Threshold",
            &format::value(alert.threshold_value, unit),
        ));
    }
    fields.push(field("Deviation", &format::deviation(alert.deviation)));
    fields.push(field("Country", &alert.country));
    fields.push(field("Window", &format::window(alert)));
    fields.push(field("Severity", alert.severity.as_str()));
    fields.truncate(FIELDS_MAX);
    blocks.push(json!({ "type": "section", "fields": fields }));

    let description = format::description_without_cause(alert);
    if !description.is_empty() {
        blocks.push(json!({ "type": "section", "text": mrkdwn(esc(&description, SECTION_MAX)) }));
    }

    if let Some(rc) = &alert.root_cause {
        let mut text = format!("*Root cause*\n{}", esc(&rc.sentence, 1_000));
        for line in format::segment_lines(alert, 5, 200) {
            text.push_str("\n• ");
            text.push_str(&esc(&line, 300));
        }
        blocks.push(json!({ "type": "section", "text": mrkdwn(text) }));
    }

    let context = format!(
        "Alert `{}` · rule `{}` · {} {}",
        esc(&alert.alert_id, 300),
        esc(&alert.rule, 200),
        event.verb(),
        format::event_time(alert, event),
    );
    blocks.push(json!({ "type": "context", "elements": [mrkdwn(context)] }));

    if let Some(url) = format::dashboard_link(dashboard, alert) {
        // A URL is not escaped (Slack reads it as given) and was validated (no spaces, quotes or `<>`).
        if url.chars().count() <= 3_000 {
            blocks.push(json!({
                "type": "actions",
                "elements": [{
                    "type": "button",
                    "text": { "type": "plain_text", "text": esc("Open dashboard", BUTTON_TEXT_MAX) },
                    "url": url,
                }],
            }));
        }
    }
    blocks.truncate(BLOCKS_MAX);

    json!({
        "text": esc(&format!("{} {headline}", format::slack_emoji(alert, event)), TEXT_MAX),
        "blocks": blocks,
    })
}
