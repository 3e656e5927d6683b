//! The built-in HTTP sender (cargo feature `webhook`): POSTs a notification's JSON payload to one URL
//! with a timeout, retrying with exponential backoff what may succeed later (5xx, 429, network errors)
//! within a bounded number of attempts and total time. The same sender posts Slack messages to an
//! incoming-webhook URL and Telegram bodies to `…/bot<token>/sendMessage`: the URL is the secret, so it
//! is never shown whole (`Debug`, errors and responses show `scheme://host/***`).

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{Error, Result};

use super::super::Channel;
use super::deliver::{DeliveryResult, Notifier};
use super::Notification;

/// How a [`WebhookSender`] retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 to 10).
    pub max_attempts: u32,
    /// The wait before the second attempt; each later wait doubles.
    pub initial_backoff: Duration,
    /// The longest wait (also caps a receiver's `Retry-After`).
    pub max_backoff: Duration,
    /// The most time requests and waits may take together: no wait starts that would pass it.
    pub max_total: Duration,
    /// One request's timeout (connecting, sending and reading the answer).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_total: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    fn validate(&self) -> Result<()> {
        if !(1..=10).contains(&self.max_attempts) {
            return Err(Error::invalid_argument(
                "maxAttempts",
                "expected 1 to 10 attempts",
            ));
        }
        if self.timeout.is_zero() || self.max_total.is_zero() {
            return Err(Error::invalid_argument(
                "timeout",
                "the request timeout and the total time must be positive",
            ));
        }
        Ok(())
    }

    /// The wait after attempt `n` (1-based).
    fn backoff(&self, n: u32) -> Duration {
        let factor = 1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }
}

/// A function that waits (the thread's sleep unless a test injects another).
pub type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// A [`Notifier`] that POSTs payloads over HTTP(S).
#[derive(Clone)]
pub struct WebhookSender {
    url: String,
    shown: String,
    policy: RetryPolicy,
    env_proxy: bool,
    agent: ureq::Agent,
    sleep: Sleep,
}

impl fmt::Debug for WebhookSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSender")
            .field("url", &self.shown)
            .field("policy", &self.policy)
            .field("env_proxy", &self.env_proxy)
            .finish_non_exhaustive()
    }
}

/// `scheme://host[:port]/***`: what may be shown of a URL whose path or query may hold a token.
fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = &rest[..host_end];
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    format!("{scheme}://{host}/***")
}

impl WebhookSender {
    /// A sender to `url` (`http://` or `https://`) with the default [`RetryPolicy`], using the
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment like other HTTP clients.
    pub fn new(url: impl Into<String>) -> Result<Self> {
        let url = url.into();
        let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
            || url.parse::<ureq::http::Uri>().is_err()
        {
            // The URL itself is not quoted: it may hold the token.
            return Err(Error::invalid_argument(
                "url",
                format!(
                    "expected an http:// or https:// URL, got `{}`",
                    shown_url(&url)
                ),
            ));
        }
        let policy = RetryPolicy::default();
        Ok(WebhookSender {
            shown: shown_url(&url),
            agent: agent(&policy, true),
            url,
            policy,
            env_proxy: true,
            sleep: Arc::new(std::thread::sleep),
        })
    }

    /// The same sender retrying as `policy` says.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Result<Self> {
        policy.validate()?;
        self.policy = policy;
        self.agent = agent(&self.policy, self.env_proxy);
        Ok(self)
    }

    /// The same sender with or without the environment's proxy settings.
    pub fn with_env_proxy(mut self, on: bool) -> Self {
        self.env_proxy = on;
        self.agent = agent(&self.policy, on);
        self
    }

    /// The same sender waiting between attempts with `sleep` (a test records the waits instead).
    pub fn with_sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleep = Arc::new(sleep);
        self
    }

    /// The URL as it may be shown: `https://hooks.slack.com/***`.
    pub fn shown_url(&self) -> &str {
        &self.shown
    }

    /// POSTs `body` (JSON), retrying as the policy says.
    pub fn post(&self, body: &[u8]) -> DeliveryResult {
        let mut spent = Duration::ZERO;
        let mut statuses: Vec<String> = Vec::new();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = self.attempt(body);
            spent += started.elapsed();
            let (retryable, retry_after) = match outcome {
                Attempt::Accepted { status, answer } => {
                    statuses.push(status.to_string());
                    return DeliveryResult::sent(self.scrub(&format!(
                        "HTTP {status} after {attempt} attempt{} ({}): {answer}",
                        if attempt == 1 { "" } else { "s" },
                        statuses.join(", ")
                    )));
                }
                Attempt::Refused {
                    status,
                    answer,
                    retry_after,
                } => {
                    statuses.push(format!("{status}: {answer}"));
                    (status == 429 || status >= 500, retry_after)
                }
                Attempt::Unreachable(why) => {
                    statuses.push(why);
                    (true, None)
                }
            };
            let wait = retry_after
                .unwrap_or_else(|| self.policy.backoff(attempt))
                .min(self.policy.max_backoff);
            let why_stop = if !retryable {
                Some("not retried")
            } else if attempt >= self.policy.max_attempts {
                Some("no attempts left")
            } else if spent + wait > self.policy.max_total {
                Some("out of time")
            } else {
                None
            };
            if let Some(why) = why_stop {
                return DeliveryResult::failed(self.scrub(&format!(
                    "failed after {attempt} attempt{} ({why}): {}",
                    if attempt == 1 { "" } else { "s" },
                    statuses.join("; ")
                )));
            }
            (self.sleep)(wait);
            spent += wait;
        }
    }

    fn attempt(&self, body: &[u8]) -> Attempt {
        let response = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .send(body);
        let mut response = match response {
            Ok(r) => r,
            Err(e) => return Attempt::Unreachable(e.to_string()),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        // Enough of the answer to show what the receiver said; the rest is not worth the wait.
        let mut buf = Vec::new();
        let answer = match response
            .body_mut()
            .as_reader()
            .take(2_048)
            .read_to_end(&mut buf)
        {
            Ok(_) => String::from_utf8_lossy(&buf).trim().to_owned(),
            Err(e) => format!("(answer unreadable: {e})"),
        };
        if (200..300).contains(&status) {
            Attempt::Accepted { status, answer }
        } else {
            Attempt::Refused {
                status,
                answer,
                retry_after,
            }
        }
    }

    fn scrub(&self, text: &str) -> String {
        text.replace(&self.url, &self.shown)
    }
}

enum Attempt {
    Accepted {
        status: u16,
        answer: String,
    },
    Refused {
        status: u16,
        answer: String,
        retry_after: Option<Duration>,
    },
    Unreachable(String),
}

fn agent(policy: &RetryPolicy, env_proxy: bool) -> ureq::Agent {
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(policy.timeout))
        .http_status_as_error(false)
        // A redirected POST is ambiguous (some clients turn it into a GET): a 3xx is reported, not
        // followed.
        .max_redirects(0)
        .user_agent(concat!("halobuzz-analytics/", env!("CARGO_PKG_VERSION")));
    if !env_proxy {
        config = config.proxy(None);
    }
    ureq::Agent::new_with_config(config.build())
}

impl Notifier for WebhookSender {
    fn send(&self, notification: &Notification) -> DeliveryResult {
        if notification.channel == Channel::Email {
            return DeliveryResult::failed("the webhook sender does not send email");
        }
        match serde_json::to_vec(&notification.payload) {
            Ok(body) => self.post(&body),
            Err(e) => DeliveryResult::failed(format!("cannot encode the payload: {e}")),
        }
    }
}
