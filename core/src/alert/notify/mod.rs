//! Notifications of alerts (`docs/notifications.md`): ready-to-send payloads for Slack (Block Kit),
//! Telegram (`sendMessage`), a generic JSON webhook and email, built by [`payloads`]; and their
//! delivery through a [`Notifier`] the host application provides (a closure, a JavaScript function, a
//! Python callable), each attempt recorded on the alert by [`deliver`]. With the cargo feature
//! `webhook`, [`WebhookSender`] POSTs payloads itself, with retries and backoff.
//!
//! Every value that comes from data (a title, a country, a segment) is cleaned of control characters,
//! escaped for its channel and cut to the channel's limits: a hostile name can neither format, link,
//! mention nor break a message. No secret (webhook URL, bot token, password) is part of a payload or
//! of the configuration.

mod config;
mod deliver;
mod email;
mod format;
#[cfg(feature = "webhook")]
mod http;
mod slack;
mod telegram;
mod webhook;

use serde::{Deserialize, Serialize};

use super::{Alert, Channel};

pub use config::{ChannelConfig, EmailConfig, TelegramConfig, MAX_RECIPIENTS, MAX_URL_LEN};
pub use deliver::{
    deliver, redact_response, was_sent, DeliveryOutcome, DeliveryResult, DeliverySummary, Notifier,
    MAX_ATTEMPTS_KEPT, MAX_RESPONSE_LEN,
};
#[cfg(feature = "webhook")]
pub use http::{RetryPolicy, WebhookSender};

/// Slack's limits that payloads respect.
pub mod slack_limits {
    pub use super::slack::{
        BLOCKS_MAX, BUTTON_TEXT_MAX, FIELDS_MAX, FIELD_MAX, HEADER_MAX, SECTION_MAX, TEXT_MAX,
    };
}
pub use email::SUBJECT_MAX as EMAIL_SUBJECT_MAX;
pub use telegram::TEXT_MAX as TELEGRAM_TEXT_MAX;
pub use webhook::VERSION as WEBHOOK_VERSION;

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationEvent {
    /// The alert started firing.
    Firing,
    /// The alert resolved.
    Resolved,
    /// The alert escalated to a higher severity while firing.
    Updated,
}

impl NotificationEvent {
    /// The lowercase name (as recorded in [`NotificationAttempt::event`](super::NotificationAttempt)).
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::Firing => "firing",
            NotificationEvent::Resolved => "resolved",
            NotificationEvent::Updated => "updated",
        }
    }

    /// The verb of a message's footer.
    fn verb(self) -> &'static str {
        match self {
            NotificationEvent::Firing => "fired",
            NotificationEvent::Resolved => "resolved",
            NotificationEvent::Updated => "escalated",
        }
    }
}

/// An email, ready for the host's mailer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// One line, no CR or LF: `[CRITICAL] Revenue dropped 35.2% on 2026-04-10 (ALL)`.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body: every value escaped, no external resource.
    pub html: String,
}

/// One message for one channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The channel.
    pub channel: Channel,
    /// Why it is sent.
    pub event: NotificationEvent,
    /// The alert it is about.
    pub alert_id: String,
    /// The body to POST: Slack's message, Telegram's `sendMessage` body, the webhook document; for
    /// email, the envelope (`from`, `to`, `subject`).
    pub payload: serde_json::Value,
    /// The email (email channel only).
    pub email: Option<Email>,
}

/// The notifications of `event` for `alert`, one per channel that is on, in the configured order. A
/// channel whose settings are missing (a configuration that skipped [`ChannelConfig::validate`]) is
/// left out rather than sent half-built.
pub fn payloads(
    alert: &Alert,
    event: NotificationEvent,
    channels: &ChannelConfig,
) -> Vec<Notification> {
    let dashboard = channels.dashboard_url.as_deref();
    let mut out = Vec::with_capacity(channels.channels.len());
    for (i, &channel) in channels.channels.iter().enumerate() {
        if channels.channels[..i].contains(&channel) {
            continue;
        }
        let (payload, email) = match channel {
            Channel::Slack => (slack::payload(alert, event, dashboard), None),
            Channel::Telegram => match &channels.telegram {
                Some(t) => (
                    telegram::payload(alert, event, &format::clean(&t.chat_id), dashboard),
                    None,
                ),
                None => continue,
            },
            Channel::Webhook => (webhook::payload(alert, event, dashboard), None),
            Channel::Email => match &channels.email {
                Some(c) => {
                    let (envelope, email) = email::build(alert, event, Some(c), dashboard);
                    (envelope, Some(email))
                }
                None => continue,
            },
        };
        out.push(Notification {
            channel,
            event,
            alert_id: alert.alert_id.clone(),
            payload,
            email,
        });
    }
    out
}
