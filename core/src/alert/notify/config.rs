//! Which channels an application notifies, and the few settings a payload needs. Secrets (a Slack
//! webhook URL, a Telegram bot token, an SMTP password) are the host application's business and have no
//! field here, so a stored or logged configuration cannot leak one.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

use super::super::Channel;

/// The longest dashboard URL accepted (Slack's button URL limit is 3,000; a Telegram message 4,096).
pub const MAX_URL_LEN: usize = 1_000;
/// The most email recipients.
pub const MAX_RECIPIENTS: usize = 50;

/// The notification channels of an application (`docs/notifications.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChannelConfig {
    /// The channels that are on, each at most once, in the order notifications are built.
    #[serde(default)]
    pub channels: Vec<Channel>,
    /// Telegram settings (needed when `telegram` is on).
    #[serde(default)]
    pub telegram: Option<TelegramConfig>,
    /// Email settings (needed when `email` is on).
    #[serde(default)]
    pub email: Option<EmailConfig>,
    /// A link to the alert in a dashboard (`http` or `https`); `{alertId}` in it is replaced by the
    /// percent-encoded alert id.
    #[serde(default)]
    pub dashboard_url: Option<String>,
}

/// Where a Telegram message goes. The bot token is not here: the host puts it in the URL it posts to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TelegramConfig {
    /// A chat id (`-1001234567890`) or a public channel's username (`@halobuzz_alerts`).
    pub chat_id: String,
}

/// The envelope of alert emails (the host's mailer sends them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailConfig {
    /// Recipients: `ops@example.com` (1 to 50).
    pub to: Vec<String>,
    /// Sender: `alerts@example.com` or `HaloBuzz Alerts <alerts@example.com>`.
    pub from: String,
}

impl ChannelConfig {
    /// Checks every setting; the error names the field (`telegram.chatId`, `email.to[1]`, …).
    pub fn validate(&self) -> Result<()> {
        for (i, c) in self.channels.iter().enumerate() {
            if self.channels[..i].contains(c) {
                return Err(Error::invalid_argument(
                    "channels",
                    format!("`{}` is listed twice", channel_name(*c)),
                ));
            }
        }
        if let Some(t) = &self.telegram {
            if !is_chat_id(&t.chat_id) {
                return Err(Error::invalid_argument(
                    "telegram.chatId",
                    "expected a numeric chat id (`-1001234567890`) or a channel username (`@name`, 5 to 32 letters, digits or `_`)",
                ));
            }
        } else if self.channels.contains(&Channel::Telegram) {
            return Err(Error::invalid_argument(
                "telegram",
                "the telegram channel is on but has no `chatId`",
            ));
        }
        if let Some(e) = &self.email {
            if e.to.is_empty() || e.to.len() > MAX_RECIPIENTS {
                return Err(Error::invalid_argument(
                    "email.to",
                    format!("expected 1 to {MAX_RECIPIENTS} addresses"),
                ));
            }
            for (i, to) in e.to.iter().enumerate() {
                if !is_address(to) {
                    return Err(Error::invalid_argument(
                        format!("email.to[{i}]"),
                        "expected one address such as `ops@example.com`",
                    ));
                }
            }
            if !is_mailbox(&e.from) {
                return Err(Error::invalid_argument(
                    "email.from",
                    "expected `alerts@example.com` or `Name <alerts@example.com>`",
                ));
            }
        } else if self.channels.contains(&Channel::Email) {
            return Err(Error::invalid_argument(
                "email",
                "the email channel is on but has no `to` and `from`",
            ));
        }
        if let Some(url) = &self.dashboard_url {
            check_url(url)?;
        }
        Ok(())
    }
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Slack => "slack",
        Channel::Telegram => "telegram",
        Channel::Webhook => "webhook",
        Channel::Email => "email",
    }
}

fn is_chat_id(s: &str) -> bool {
    if let Some(name) = s.strip_prefix('@') {
        return (5..=32).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    (1..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A light check of `local@domain`: what matters is that nothing can add a header or a recipient
/// (no line breaks, commas, angle brackets or quotes), not full RFC 5322.
fn is_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.chars()
            .all(|c| c.is_alphanumeric() || ".!#$%&'*+-/=?^_{|}~@".contains(c))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

fn is_mailbox(s: &str) -> bool {
    match s.strip_suffix('>').and_then(|s| s.rsplit_once('<')) {
        Some((name, addr)) => {
            let name = name.trim();
            name.chars().count() <= 100
                && !name
                    .chars()
                    .any(|c| c.is_control() || "<>\",;:\\".contains(c))
                && is_address(addr)
        }
        None => is_address(s),
    }
}

fn check_url(url: &str) -> Result<()> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let why = if url.len() > MAX_URL_LEN {
        Some(format!("longer than {MAX_URL_LEN} characters"))
    } else if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        Some("expected an `http://` or `https://` URL".to_owned())
    } else if url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`\\".contains(c))
    {
        Some("a URL cannot hold spaces, quotes, angle brackets or control characters".to_owned())
    } else {
        None
    };
    match why {
        // The URL is not quoted back: a dashboard link may carry a sign-in token.
        Some(why) => Err(Error::invalid_argument("dashboardUrl", why)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_chat_ids() {
        assert!(is_address("ops@example.com"));
        assert!(!is_address("ops@example.com\r\nBcc: x@y.z"));
        assert!(!is_address("a@b.c, d@e.f"));
        assert!(!is_address("nobody"));
        assert!(is_mailbox("HaloBuzz Alerts <alerts@example.com>"));
        assert!(!is_mailbox("\"x\" <alerts@example.com>"));
        assert!(is_chat_id("-1001234567890"));
        assert!(is_chat_id("@halobuzz_alerts"));
        assert!(!is_chat_id("@x"));
        assert!(!is_chat_id("12 34"));
    }
}
