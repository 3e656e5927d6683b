//! Notifications: payload snapshots per channel for a critical revenue drop (`tests/fixtures/notify/`,
//! rewritten with `UPDATE_SNAPSHOTS=1` and then reviewed by eye), hostile values, Slack and Telegram
//! limits, delivery records, and (feature `webhook`) the HTTP sender against a loopback server.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use halobuzz_analytics::alert::notify::{
    deliver, payloads, slack_limits, was_sent, ChannelConfig, DeliveryOutcome, DeliveryResult,
    EmailConfig, Notification, NotificationEvent, TelegramConfig, MAX_ATTEMPTS_KEPT,
    TELEGRAM_TEXT_MAX,
};
use halobuzz_analytics::alert::{
    Alert, AlertStatus, Channel, DimensionBreakdown, RootCause, Segment, Severity, TimeWindow,
    WindowKind,
};
use halobuzz_analytics::clock::{Clock, FixedClock, SteppingClock};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn segment(value: &str, current: f64, baseline: f64, contribution: f64) -> Segment {
    Segment {
        dimension: "country".into(),
        value: value.into(),
        current,
        baseline,
        delta: current - baseline,
        contribution,
        share: baseline / 1_000.0,
    }
}

/// A critical revenue drop on 2026-04-10, explained by Nepal.
fn revenue_drop() -> Alert {
    let segments = vec![
        segment("NP", 52_000.0, 82_000.0, 85.3),
        segment("IN", 6_000.0, 10_000.0, 11.4),
    ];
    let sentence = "NP explains 85.3% of the drop (NPR -30,000.00 against its baseline).";
    Alert {
        app_id: "halobuzz".into(),
        alert_id: "revenue_drop:ALL:2026-04-10".into(),
        rule: "revenue_drop".into(),
        kind: "revenue_drop".into(),
        severity: Severity::Critical,
        status: AlertStatus::Active,
        title: "Revenue dropped 35.2% on 2026-04-10".into(),
        description: format!(
            "Revenue (revenue.total) was NPR 64,820.50 on 2026-04-10, 35.2% below its 7-day mean of \
             NPR 100,000.00. {sentence}"
        ),
        metric: "revenue.total".into(),
        current_value: Some(64_820.5),
        threshold_value: Some(85_000.0),
        baseline_value: Some(100_000.0),
        deviation: Some(-35.1795),
        country: "ALL".into(),
        time_window: TimeWindow {
            kind: WindowKind::Day,
            from: at("2026-04-09T18:15:00Z"),
            to: at("2026-04-10T18:15:00Z"),
            label: "2026-04-10".into(),
            timezone: "Asia/Kathmandu".into(),
        },
        config: json!({ "dropPct": 15 }),
        related_data: json!({}),
        root_cause: Some(RootCause {
            dimension: "country".into(),
            segments: segments.clone(),
            rest: 3.3,
            by_dimension: vec![DimensionBreakdown {
                dimension: "country".into(),
                segments,
            }],
            sentence: sentence.into(),
        }),
        created_at: at("2026-04-11T00:20:00Z"),
        updated_at: at("2026-04-11T00:20:00Z"),
        fired_at: Some(at("2026-04-11T00:20:00Z")),
        acknowledged_at: None,
        acknowledged_by: None,
        resolved_at: None,
        resolved_by: None,
        cooldown_until: None,
        cleared_at: None,
        notifications: Vec::new(),
    }
}

fn all_channels() -> ChannelConfig {
    ChannelConfig {
        channels: vec![
            Channel::Slack,
            Channel::Telegram,
            Channel::Webhook,
            Channel::Email,
        ],
        telegram: Some(TelegramConfig {
            chat_id: "-1001234567890".into(),
        }),
        email: Some(EmailConfig {
            to: vec![
                "ops@halobuzz.example".into(),
                "finance@halobuzz.example".into(),
            ],
            from: "HaloBuzz Alerts <alerts@halobuzz.example>".into(),
        }),
        dashboard_url: Some(
            "https://analytics.halobuzz.example/alerts/{alertId}?tab=overview&range=7d".into(),
        ),
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/notify")
        .join(name)
}

/// Compares `actual` with the fixture `name` (or writes it under `UPDATE_SNAPSHOTS=1`).
fn snapshot(name: &str, actual: &str) {
    let path = fixture(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_SNAPSHOTS=1 writes it)", path.display()));
    assert!(
        expected == actual,
        "{name} differs from its fixture (UPDATE_SNAPSHOTS=1 rewrites it; review the diff):\n{actual}"
    );
}

fn by_channel(ns: &[Notification], c: Channel) -> &Notification {
    ns.iter().find(|n| n.channel == c).unwrap()
}

#[test]
fn snapshots_per_channel() {
    let alert = revenue_drop();
    let ns = payloads(&alert, NotificationEvent::Firing, &all_channels());
    assert_eq!(
        ns.iter().map(|n| n.channel).collect::<Vec<_>>(),
        all_channels().channels
    );
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap() + "\n";
    snapshot(
        "slack.json",
        &pretty(&by_channel(&ns, Channel::Slack).payload),
    );
    snapshot(
        "telegram.json",
        &pretty(&by_channel(&ns, Channel::Telegram).payload),
    );
    snapshot(
        "webhook.json",
        &pretty(&by_channel(&ns, Channel::Webhook).payload),
    );
    let email = by_channel(&ns, Channel::Email);
    snapshot("email-envelope.json", &pretty(&email.payload));
    let body = email.email.as_ref().unwrap();
    assert_eq!(
        body.subject,
        "[CRITICAL] Revenue dropped 35.2% on 2026-04-10 (ALL)"
    );
    snapshot("email.txt", &body.text);
    snapshot("email.html", &body.html);
    let telegram = by_channel(&ns, Channel::Telegram).payload["text"]
        .as_str()
        .unwrap();
    snapshot("telegram.txt", &format!("{telegram}\n"));

    let resolved = payloads(&alert, NotificationEvent::Resolved, &all_channels());
    let subject = &by_channel(&resolved, Channel::Email)
        .email
        .as_ref()
        .unwrap()
        .subject;
    assert_eq!(
        subject,
        "[RESOLVED] Revenue dropped 35.2% on 2026-04-10 (ALL)"
    );
    let updated = payloads(&alert, NotificationEvent::Updated, &all_channels());
    assert_eq!(
        by_channel(&updated, Channel::Webhook).payload["event"],
        "updated"
    );
}

/// Every string of a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The tags of an HTML text (`b`, `/b`, `a`, …), and whether every `&` starts an entity.
fn tags(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map(|j| i + j).unwrap();
        let inner = &rest[i + 1..end];
        out.push(
            inner
                .split([' ', '\n'])
                .next()
                .unwrap()
                .to_ascii_lowercase(),
        );
        rest = &rest[end + 1..];
    }
    out
}

fn entities_only(s: &str) -> bool {
    s.match_indices('&').all(|(i, _)| {
        ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .any(|e| s[i..].starts_with(e))
    })
}

fn hostile() -> Alert {
    let mut a = revenue_drop();
    let evil = "<script>alert(1)</script> & <!channel> <@U123> *bold* \u{7}\u{0}\r\nBcc: evil@x.y \u{202E}";
    a.title = evil.repeat(10_000 / evil.len() + 1);
    assert!(a.title.len() >= 10_000);
    a.description = evil.repeat(200);
    a.country = "<b>NP</b>&\u{1b}[31m".into();
    a.metric = "revenue.total\n<i>x</i>".into();
    a.alert_id = format!("revenue_drop:{}:2026-04-10", a.country);
    a.time_window.label = "2026-04-10\r\n<a href=x>".into();
    let rc = a.root_cause.as_mut().unwrap();
    rc.sentence = evil.repeat(100);
    rc.segments = (0..40)
        .map(|i| segment(&format!("{evil}{i}"), 1.0, 2.0, 2.5))
        .collect();
    a
}

#[test]
fn hostile_values_are_escaped_and_bounded_on_every_channel() {
    for alert in [hostile(), {
        let mut a = hostile();
        a.title = "🚨&".repeat(5_000);
        a
    }] {
        let ns = payloads(&alert, NotificationEvent::Firing, &all_channels());
        assert_eq!(ns.len(), 4);
        for n in &ns {
            let mut all = Vec::new();
            strings(&n.payload, &mut all);
            for s in &all {
                assert!(
                    !s.chars().any(|c| c.is_control() && c != '\n'),
                    "{:?}: {s:?}",
                    n.channel
                );
                assert!(!s.contains('\u{202E}'), "{:?}", n.channel);
            }
        }

        let slack = &by_channel(&ns, Channel::Slack).payload;
        let mut all = Vec::new();
        strings(slack, &mut all);
        for s in all.iter().filter(|s| !s.starts_with("https://")) {
            assert!(!s.contains('<') && !s.contains('>'), "{s}");
            assert!(entities_only(s), "{s}");
        }
        let blocks = slack["blocks"].as_array().unwrap();
        assert!(blocks.len() <= slack_limits::BLOCKS_MAX);
        let header = blocks[0]["text"]["text"].as_str().unwrap();
        assert!(header.chars().count() <= slack_limits::HEADER_MAX);
        assert!(header.ends_with('…'), "{header}");
        for b in blocks {
            if let Some(t) = b["text"]["text"].as_str() {
                assert!(t.chars().count() <= slack_limits::SECTION_MAX);
            }
            if let Some(fields) = b["fields"].as_array() {
                assert!(fields.len() <= slack_limits::FIELDS_MAX);
                for f in fields {
                    assert!(f["text"].as_str().unwrap().chars().count() <= slack_limits::FIELD_MAX);
                }
            }
        }
        assert!(slack["text"].as_str().unwrap().chars().count() <= slack_limits::TEXT_MAX);

        let tg = by_channel(&ns, Channel::Telegram).payload["text"]
            .as_str()
            .unwrap();
        assert!(
            tg.encode_utf16().count() <= TELEGRAM_TEXT_MAX,
            "{}",
            tg.encode_utf16().count()
        );
        for t in tags(tg) {
            assert!(
                ["b", "/b", "i", "/i", "code", "/code", "a", "/a"].contains(&t.as_str()),
                "<{t}>"
            );
        }
        assert!(entities_only(tg));

        let email = by_channel(&ns, Channel::Email).email.clone().unwrap();
        assert!(!email.subject.contains(['\r', '\n']));
        assert!(email.subject.chars().count() <= 200);
        assert!(
            email.subject.ends_with("(<b>NP</b>&[31m)"),
            "{}",
            email.subject
        );
        let allowed = [
            "!doctype", "html", "/html", "head", "/head", "meta", "title", "/title", "body",
            "/body", "h2", "/h2", "h3", "/h3", "p", "/p", "table", "/table", "tr", "/tr", "th",
            "/th", "td", "/td", "ul", "/ul", "li", "/li", "a", "/a",
        ];
        for t in tags(&email.html) {
            assert!(allowed.contains(&t.as_str()), "<{t}>");
        }
        assert!(entities_only(&email.html));
        assert!(!email.html.contains("src=") && !email.html.contains("url("));
        assert!(!email.text.chars().any(|c| c.is_control() && c != '\n'));

        let hook = &by_channel(&ns, Channel::Webhook).payload;
        assert!(hook["title"].as_str().unwrap().chars().count() <= 500);
        assert!(hook["rootCause"]["segments"].as_array().unwrap().len() <= 10);
    }
}

#[test]
fn missing_values_and_partial_configs() {
    let mut alert = revenue_drop();
    alert.current_value = None;
    alert.baseline_value = None;
    alert.deviation = None;
    alert.root_cause = None;
    alert.metric = "moderation.flags".into();
    let config = ChannelConfig {
        channels: vec![Channel::Slack, Channel::Slack, Channel::Webhook],
        ..Default::default()
    };
    let ns = payloads(&alert, NotificationEvent::Firing, &config);
    assert_eq!(ns.len(), 2, "a channel listed twice is built once");
    let hook = &ns[1].payload;
    assert_eq!(hook["currentValue"], Value::Null);
    assert_eq!(hook["formatted"]["currentValue"], "no data");
    assert_eq!(hook["formatted"]["thresholdValue"], "85,000");
    assert_eq!(hook["rootCause"], Value::Null);
    assert_eq!(hook["dashboardUrl"], Value::Null);
    // Settings a channel needs but an unvalidated configuration lacks: the channel is left out.
    let config = ChannelConfig {
        channels: vec![Channel::Telegram, Channel::Email],
        ..Default::default()
    };
    assert!(payloads(&alert, NotificationEvent::Firing, &config).is_empty());
    assert_eq!(config.validate().unwrap_err().code(), "INVALID_ARGUMENT");
}

#[test]
fn channel_config_is_strict() {
    let ok: ChannelConfig = serde_json::from_value(json!({
        "channels": ["slack", "telegram", "email"],
        "telegram": { "chatId": "@halobuzz_alerts" },
        "email": { "to": ["ops@halobuzz.example"], "from": "alerts@halobuzz.example" },
        "dashboardUrl": "https://analytics.halobuzz.example/alerts/{alertId}",
    }))
    .unwrap();
    ok.validate().unwrap();
    // A secret has no field: a bot token given anyway is refused, not stored.
    let e = serde_json::from_value::<ChannelConfig>(json!({
        "channels": ["telegram"],
        "telegram": { "chatId": "-100", "botToken": "123456:AAAA" },
    }))
    .unwrap_err();
    assert!(e.to_string().contains("botToken"), "{e}");
    for (bad, field) in [
        (json!({ "channels": ["slack", "slack"] }), "channels"),
        (json!({ "channels": ["telegram"] }), "telegram"),
        (
            json!({ "telegram": { "chatId": "12 34" } }),
            "telegram.chatId",
        ),
        (
            json!({ "email": { "to": ["a@b.c\r\nBcc: x@y.z"], "from": "a@b.c" } }),
            "email.to[0]",
        ),
        (
            json!({ "email": { "to": [], "from": "a@b.c" } }),
            "email.to",
        ),
        (
            json!({ "email": { "to": ["a@b.c"], "from": "\"x\" <a@b.c>" } }),
            "email.from",
        ),
        (
            json!({ "dashboardUrl": "javascript:alert(1)" }),
            "dashboardUrl",
        ),
        (
            json!({ "dashboardUrl": "https://x.y/a b?token=SECRET" }),
            "dashboardUrl",
        ),
    ] {
        let config: ChannelConfig = serde_json::from_value(bad.clone()).unwrap();
        let e = config.validate().unwrap_err();
        assert!(
            e.to_string().starts_with(&format!("invalid {field}:")),
            "{bad}: {e}"
        );
        assert!(!e.to_string().contains("SECRET"), "{e}");
    }
}

#[test]
fn delivery_records_every_attempt_with_the_engine_clock() {
    let mut alert = revenue_drop();
    let ns = payloads(&alert, NotificationEvent::Firing, &all_channels());
    let clock = SteppingClock::with_step(at("2026-04-11T00:20:00Z"), Duration::seconds(1));
    let calls = AtomicUsize::new(0);
    // Fails the first time (with a response quoting its secret URL), then succeeds.
    let flaky = |n: &Notification| {
        if calls.fetch_add(1, Ordering::SeqCst) == 0 {
            DeliveryResult::failed(format!(
                "POST https://hooks.slack.com/services/T0/B0/SECRETPATH for {}: 503",
                n.alert_id
            ))
        } else {
            DeliveryResult::sent("ok")
        }
    };
    let slack = &ns[..1];
    let first = deliver(&mut alert, slack, &flaky, || clock.now()).unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    assert!(!was_sent(&alert, Channel::Slack, NotificationEvent::Firing));
    let second = deliver(&mut alert, slack, &flaky, || clock.now()).unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));
    assert!(was_sent(&alert, Channel::Slack, NotificationEvent::Firing));

    let a = &alert.notifications;
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].outcome.as_str(), a[1].outcome.as_str()),
        ("failed", "sent")
    );
    assert_eq!(a[0].at, at("2026-04-11T00:20:00Z"));
    assert_eq!(a[1].at, at("2026-04-11T00:20:01Z"));
    assert_eq!(a[0].event, "firing");
    let response = a[0].response.as_deref().unwrap();
    assert!(!response.contains("SECRETPATH"), "{response}");
    assert!(
        response.contains("https://hooks.slack.com/***"),
        "{response}"
    );
    assert_eq!(a[1].response.as_deref(), Some("ok"));

    // A notifier that panics or hand-builds an unbounded, secret-bearing answer.
    let panics = |_: &Notification| -> DeliveryResult { panic!("host bug") };
    let fixed = FixedClock(at("2026-04-11T01:00:00Z"));
    deliver(&mut alert, &ns, &panics, || fixed.now()).unwrap();
    assert_eq!(alert.notifications.len(), 6);
    assert!(alert.notifications[2..]
        .iter()
        .all(|a| a.outcome == "failed" && a.at == fixed.now()));
    let raw = |_: &Notification| DeliveryResult {
        outcome: DeliveryOutcome::Sent,
        response: Some(format!(
            "bot123456789:{} {}",
            "A".repeat(35),
            "x".repeat(5_000)
        )),
    };
    deliver(&mut alert, &ns[..1], &raw, || fixed.now()).unwrap();
    let last = alert
        .notifications
        .last()
        .unwrap()
        .response
        .clone()
        .unwrap();
    assert!(
        last.chars().count() <= 1_000 && !last.contains("AAAA"),
        "{last}"
    );

    // Bounded: the oldest attempts go.
    clock.set(at("2026-04-11T02:00:00Z"));
    for _ in 0..60 {
        deliver(&mut alert, &ns, &flaky, || clock.now()).unwrap();
    }
    assert_eq!(alert.notifications.len(), MAX_ATTEMPTS_KEPT);
    assert!(alert
        .notifications
        .iter()
        .all(|a| a.at > at("2026-04-11T01:00:00Z")));

    // Notifications of another alert are refused before anything is sent.
    let mut other = revenue_drop();
    other.alert_id = "revenue_drop:NP:2026-04-10".into();
    let e = deliver(&mut other, &ns, &flaky, || clock.now()).unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT");
    assert!(other.notifications.is_empty());
}

#[cfg(feature = "webhook")]
mod webhook_sender {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};
    use std::thread::JoinHandle;
    use std::time::Duration;

    use halobuzz_analytics::alert::notify::{
        DeliveryOutcome, Notifier, RetryPolicy, WebhookSender,
    };
    use halobuzz_analytics::alert::Channel;

    use super::*;

    /// A loopback server answering each request with the next `(status, extra header)` of `script`;
    /// returns its port and, once done, the bodies it received.
    fn serve(script: Vec<(u16, &'static str)>) -> (u16, JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for (status, header) in script {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream);
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                }
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                bodies.push(String::from_utf8(body).unwrap());
                let answer = format!("status {status}");
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n{header}\r\n{answer}",
                    answer.len()
                );
                reader.get_mut().write_all(response.as_bytes()).unwrap();
            }
            bodies
        });
        (port, handle)
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            max_total: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
        }
    }

    fn sender(port: u16, waits: &Arc<Mutex<Vec<Duration>>>) -> WebhookSender {
        let waits = waits.clone();
        WebhookSender::new(format!(
            "http://127.0.0.1:{port}/hooks/T0/SECRETTOKEN?key=SECRETKEY"
        ))
        .unwrap()
        .with_env_proxy(false)
        .with_policy(policy())
        .unwrap()
        .with_sleep(move |d| waits.lock().unwrap().push(d))
    }

    fn webhook_notification() -> Notification {
        let alert = revenue_drop();
        let config = ChannelConfig {
            channels: vec![Channel::Webhook],
            ..Default::default()
        };
        payloads(&alert, NotificationEvent::Firing, &config).remove(0)
    }

    #[test]
    fn retries_server_errors_then_sends() {
        let (port, server) = serve(vec![(500, ""), (500, ""), (200, "")]);
        let waits = Arc::new(Mutex::new(Vec::new()));
        let n = webhook_notification();
        let result = sender(port, &waits).send(&n);
        assert_eq!(result.outcome, DeliveryOutcome::Sent, "{result:?}");
        let response = result.response.unwrap();
        assert!(
            response.starts_with("HTTP 200 after 3 attempts"),
            "{response}"
        );
        assert!(!response.contains("SECRET"), "{response}");
        assert_eq!(
            *waits.lock().unwrap(),
            [Duration::from_millis(100), Duration::from_millis(200)]
        );
        let bodies = server.join().unwrap();
        assert_eq!(bodies.len(), 3);
        let posted: Value = serde_json::from_str(&bodies[2]).unwrap();
        assert_eq!(posted, n.payload);

        // The whole engine path records the sender's single outcome.
        let (port, server) = server_ok();
        let mut alert = revenue_drop();
        let fixed = FixedClock(at("2026-04-11T00:21:00Z"));
        deliver(&mut alert, &[n], &sender(port, &waits), || fixed.now()).unwrap();
        assert_eq!(alert.notifications[0].outcome, "sent");
        server.join().unwrap();
    }

    fn server_ok() -> (u16, JoinHandle<Vec<String>>) {
        serve(vec![(204, "")])
    }

    #[test]
    fn client_errors_are_not_retried_but_429_is() {
        let (port, server) = serve(vec![(400, "")]);
        let waits = Arc::new(Mutex::new(Vec::new()));
        let result = sender(port, &waits).send(&webhook_notification());
        assert_eq!(result.outcome, DeliveryOutcome::Failed);
        let response = result.response.unwrap();
        assert!(
            response.starts_with("failed after 1 attempt (not retried): 400"),
            "{response}"
        );
        assert!(waits.lock().unwrap().is_empty());
        assert_eq!(server.join().unwrap().len(), 1);

        // Retry-After is honoured up to the longest backoff.
        let (port, server) = serve(vec![(429, "Retry-After: 60\r\n"), (200, "")]);
        let result = sender(port, &waits).send(&webhook_notification());
        assert_eq!(result.outcome, DeliveryOutcome::Sent);
        assert_eq!(*waits.lock().unwrap(), [Duration::from_secs(2)]);
        server.join().unwrap();
    }

    #[test]
    fn an_unreachable_receiver_fails_within_the_bounds() {
        // A port that was just free: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let waits = Arc::new(Mutex::new(Vec::new()));
        let sender = sender(port, &waits);
        let result = sender.send(&webhook_notification());
        assert_eq!(result.outcome, DeliveryOutcome::Failed);
        let response = result.response.unwrap();
        assert!(
            response.starts_with("failed after 4 attempts (no attempts left)"),
            "{response}"
        );
        assert!(!response.contains("SECRET"), "{response}");
        assert_eq!(waits.lock().unwrap().len(), 3);

        // The total time bounds the attempts too: the third wait (400 ms) would pass 350 ms.
        let waits = Arc::new(Mutex::new(Vec::new()));
        let short = super::webhook_sender::sender(port, &waits)
            .with_policy(RetryPolicy {
                max_total: Duration::from_millis(350),
                ..policy()
            })
            .unwrap();
        let response = short.send(&webhook_notification()).response.unwrap();
        assert!(
            response.starts_with("failed after 3 attempts (out of time)"),
            "{response}"
        );

        // The URL's token shows nowhere.
        let shown = format!("{sender:?} {}", sender.shown_url());
        assert!(
            !shown.contains("SECRET") && shown.contains("127.0.0.1"),
            "{shown}"
        );
        let e = WebhookSender::new("ftp://host/SECRETTOKEN").unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        let email = payloads(&revenue_drop(), NotificationEvent::Firing, &all_channels()).remove(3);
        assert_eq!(sender.send(&email).outcome, DeliveryOutcome::Failed);
    }
}
