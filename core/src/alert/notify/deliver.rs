//! Delivery: the host application sends (a [`Notifier`]: a closure, a JavaScript function or a Python
//! callable behind a binding, or the built-in webhook sender), and [`deliver`] records every attempt's
//! outcome on the alert, so the alert itself says who was told and when.

use std::panic::{catch_unwind, AssertUnwindSafe};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

use super::super::{Alert, Channel, NotificationAttempt};
use super::format;
use super::{Notification, NotificationEvent};

/// The most attempts an alert keeps (the oldest go first): a receiver down for days must not grow the
/// stored alert without bound.
pub const MAX_ATTEMPTS_KEPT: usize = 100;
/// The longest response recorded (characters).
pub const MAX_RESPONSE_LEN: usize = 1_000;

/// Whether a notification reached its receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryOutcome {
    /// The receiver accepted it.
    Sent,
    /// It did not (after any retries of the notifier's own).
    Failed,
}

impl DeliveryOutcome {
    /// `sent` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Sent => "sent",
            DeliveryOutcome::Failed => "failed",
        }
    }
}

/// What a notifier reports for one notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResult {
    /// Sent or failed.
    pub outcome: DeliveryOutcome,
    /// What the receiver answered (a status line, an error): redacted, at most 1,000 characters once
    /// recorded.
    pub response: Option<String>,
}

impl DeliveryResult {
    /// Sent, with the receiver's answer (redacted and bounded here).
    pub fn sent(response: impl AsRef<str>) -> Self {
        DeliveryResult {
            outcome: DeliveryOutcome::Sent,
            response: Some(redact_response(response.as_ref())),
        }
    }

    /// Failed, with the reason (redacted and bounded here).
    pub fn failed(response: impl AsRef<str>) -> Self {
        DeliveryResult {
            outcome: DeliveryOutcome::Failed,
            response: Some(redact_response(response.as_ref())),
        }
    }
}

/// Something that sends a notification: the engine calls it once per notification and records what it
/// reports. It may retry on its own; it must not panic (a panic is caught and recorded as a failure).
pub trait Notifier: Send + Sync {
    /// Sends `notification`.
    fn send(&self, notification: &Notification) -> DeliveryResult;
}

impl<F> Notifier for F
where
    F: Fn(&Notification) -> DeliveryResult + Send + Sync,
{
    fn send(&self, notification: &Notification) -> DeliveryResult {
        self(notification)
    }
}

/// How many notifications [`deliver`] sent and how many failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    /// Sent.
    pub sent: usize,
    /// Failed.
    pub failed: usize,
}

/// Sends each notification once through `notifier` and records one [`NotificationAttempt`] per
/// notification on `alert`, stamped by `now` (the engine's clock) after the attempt; keeps the last
/// [`MAX_ATTEMPTS_KEPT`]. Retrying a failed channel later is the caller's choice ([`was_sent`] tells
/// what already went out). Fails, sending nothing, when a notification is about another alert.
pub fn deliver<N: Notifier + ?Sized>(
    alert: &mut Alert,
    notifications: &[Notification],
    notifier: &N,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<DeliverySummary> {
    if let Some(n) = notifications.iter().find(|n| n.alert_id != alert.alert_id) {
        return Err(Error::invalid_argument(
            "notifications",
            format!(
                "a notification for alert `{}` was given to deliver alert `{}`",
                format::plain(&n.alert_id, 200),
                format::plain(&alert.alert_id, 200)
            ),
        ));
    }
    let mut summary = DeliverySummary::default();
    for n in notifications {
        // A host callback that panics (or a binding's that throws and panics) fails this notification,
        // not the evaluation of every other alert.
        let result = catch_unwind(AssertUnwindSafe(|| notifier.send(n)))
            .unwrap_or_else(|_| DeliveryResult::failed("the notifier panicked"));
        match result.outcome {
            DeliveryOutcome::Sent => summary.sent += 1,
            DeliveryOutcome::Failed => summary.failed += 1,
        }
        alert.notifications.push(NotificationAttempt {
            channel: n.channel,
            event: n.event.as_str().to_owned(),
            outcome: result.outcome.as_str().to_owned(),
            at: now(),
            // Redacted again: a notifier may have built its result by hand.
            response: result.response.as_deref().map(redact_response),
        });
    }
    let excess = alert.notifications.len().saturating_sub(MAX_ATTEMPTS_KEPT);
    alert.notifications.drain(..excess);
    Ok(summary)
}

/// Whether the alert's attempts include a sent notification of `event` on `channel`.
pub fn was_sent(alert: &Alert, channel: Channel, event: NotificationEvent) -> bool {
    alert.notifications.iter().any(|a| {
        a.channel == channel
            && a.event == event.as_str()
            && a.outcome == DeliveryOutcome::Sent.as_str()
    })
}

/// `text` as an attempt records it: without URI passwords, URL paths and queries (where Slack webhooks
/// and Telegram bots keep their tokens), bot or Slack tokens, or control characters; at most
/// [`MAX_RESPONSE_LEN`] characters. Redacted before cut, so a cut cannot leave a token's prefix.
pub fn redact_response(text: &str) -> String {
    let text = crate::store::redact_secrets(text);
    let text = redact_url_paths(&text);
    let text = redact_tokens(&text);
    format::plain(&text, MAX_RESPONSE_LEN)
}

fn ends_url(c: char) -> bool {
    c.is_whitespace() || "\"'`<>()[]{}|\\^".contains(c)
}

/// `https://hooks.example.com/services/T0/B0/XYZ?x=1` becomes `https://hooks.example.com/***`.
fn redact_url_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (before, after) = rest.split_at(i + 3);
        out.push_str(before);
        let url_len = after.find(ends_url).unwrap_or(after.len());
        let url = &after[..url_len];
        let host_len = url.find(['/', '?', '#']).unwrap_or(url.len());
        out.push_str(&url[..host_len]);
        let tail = url[host_len..].trim_end_matches(['.', ',', ';', ':']);
        if !tail.is_empty() && tail != "/" {
            out.push_str("/***");
        } else {
            out.push_str(tail);
        }
        out.push_str(&url[host_len + tail.len()..]);
        rest = &after[url_len..];
    }
    out.push_str(rest);
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':'
}

/// Whether a word is a Telegram bot token (`[bot]123456789:AAE…`, 30 and more characters after the
/// colon) or a Slack token (`xoxb-…`, `xapp-…`).
fn is_token(word: &str) -> bool {
    let w = word.strip_prefix("bot").unwrap_or(word);
    if let Some((id, secret)) = w.split_once(':') {
        if id.len() >= 6 && id.bytes().all(|b| b.is_ascii_digit()) && secret.len() >= 30 {
            return true;
        }
    }
    let b = word.as_bytes();
    (word.starts_with("xox") && b.len() > 5 && b"abposr".contains(&b[3]) && b[4] == b'-')
        || word.starts_with("xapp-")
}

fn redact_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if is_token(word) {
            out.push_str("***");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if is_token_char(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_lose_their_secrets() {
        let token = "123456789:AAEhBP0av28sYqB4lPf3e-X9x2uN0yZ6abc";
        for (text, absent) in [
            (
                format!("POST https://api.telegram.org/bot{token}/sendMessage: 401"),
                "AAEhBP0",
            ),
            (
                "error sending to https://hooks.slack.com/services/T000/B000/XXXXSECRET".to_owned(),
                "XXXXSECRET",
            ),
            (
                "smtp://mailer:hunter2@mail.example.com:587 refused".to_owned(),
                "hunter2",
            ),
            (format!("token {token} rejected"), "AAEhBP0"),
            (
                "invalid_auth for xoxb-1234-5678-abcdef".to_owned(),
                "abcdef",
            ),
        ] {
            let shown = redact_response(&text);
            assert!(!shown.contains(absent), "{shown}");
        }
        assert_eq!(
            redact_response("https://hooks.example.com/x/y?z=1, then 200 OK"),
            "https://hooks.example.com/***, then 200 OK"
        );
        assert_eq!(redact_response("HTTP 200 OK\r\nok"), "HTTP 200 OK  ok");
        assert_eq!(
            redact_response(&"x".repeat(5_000)).chars().count(),
            MAX_RESPONSE_LEN
        );
    }
}
