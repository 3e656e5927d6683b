//! Text shared by every channel: values cleaned of control characters, numbers written for people,
//! escaping for Slack and HTML, and truncation that never cuts an entity in half.

use crate::kpi::catalog::{Metric, Unit};

use super::super::{Alert, Severity};
use super::NotificationEvent;

/// The ellipsis that marks a truncated value.
pub(crate) const ELLIPSIS: char = '…';

/// `s` without control characters or bidirectional overrides: a country, metric or segment name comes
/// from data and could otherwise break a line of a subject, a Telegram tag or the reading order of a
/// message. Line breaks and tabs become spaces so that words stay apart.
pub(crate) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => out.push(' '),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// How a value is escaped for a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// Plain text.
    None,
    /// Slack's three reserved characters.
    Slack,
    /// HTML text and attribute values (Telegram accepts `&quot;`, email HTML everything here).
    Html,
}

/// How a channel counts the length of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measure {
    /// Unicode scalar values (Slack's limits).
    Chars,
    /// UTF-16 code units (Telegram counts an emoji as two).
    Utf16,
}

impl Measure {
    pub(crate) fn of(self, s: &str) -> usize {
        match self {
            Measure::Chars => s.chars().count(),
            Measure::Utf16 => s.encode_utf16().count(),
        }
    }
}

fn escape_char(c: char, esc: Escape, out: &mut String) {
    match (esc, c) {
        (Escape::Slack | Escape::Html, '&') => out.push_str("&amp;"),
        (Escape::Slack | Escape::Html, '<') => out.push_str("&lt;"),
        (Escape::Slack | Escape::Html, '>') => out.push_str("&gt;"),
        (Escape::Html, '"') => out.push_str("&quot;"),
        (Escape::Html, '\'') => out.push_str("&#39;"),
        _ => out.push(c),
    }
}

/// `s` cleaned and escaped, at most `max` long as `measure` counts once escaped: a longer value is cut
/// at a character (never inside an entity) and ends with an ellipsis.
pub(crate) fn fit(s: &str, max: usize, esc: Escape, measure: Measure) -> String {
    let cleaned = clean(s);
    let mut full = String::with_capacity(cleaned.len());
    for c in cleaned.chars() {
        escape_char(c, esc, &mut full);
    }
    if measure.of(&full) <= max {
        return full;
    }
    let budget = max.saturating_sub(measure.of(ELLIPSIS.encode_utf8(&mut [0; 4])));
    let mut out = String::new();
    let mut used = 0;
    let mut piece = String::new();
    for c in cleaned.chars() {
        piece.clear();
        escape_char(c, esc, &mut piece);
        let n = measure.of(&piece);
        if used + n > budget {
            break;
        }
        used += n;
        out.push_str(&piece);
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    if max > 0 {
        out.push(ELLIPSIS);
    }
    out
}

/// `s` cleaned, at most `max` characters, unescaped.
pub(crate) fn plain(s: &str, max: usize) -> String {
    fit(s, max, Escape::None, Measure::Chars)
}

/// `v` rounded to `decimals` with thousands separators: `-1,234,567.89`. Not finite: `n/a`.
pub(crate) fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    // A value that rounds to zero is shown unsigned: `-0.00` reads as a (tiny) loss.
    if v < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('-');
    }
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// A change in %, signed, one decimal: `+12.5%`, `-35.2%`, `0.0%`.
pub(crate) fn signed_pct(v: f64) -> String {
    let text = grouped(v, 1);
    if v > 0.0 && text != "0.0" && v.is_finite() {
        format!("+{text}%")
    } else if v.is_finite() {
        format!("{text}%")
    } else {
        text
    }
}

/// The unit of the alert's metric, when the catalog knows it (hourly counts such as
/// `moderation.flags` are counts).
pub(crate) fn unit_of(alert: &Alert) -> Unit {
    Metric::find(&alert.metric).map_or(Unit::Count, |m| m.unit)
}

/// A metric value as people read it: money with 2 decimals, counts whole (one decimal when a mean).
pub(crate) fn value(v: Option<f64>, unit: Unit) -> String {
    let Some(v) = v else {
        return "no data".to_owned();
    };
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let whole_or_one = |v: f64| {
        if v.fract() == 0.0 {
            grouped(v, 0)
        } else {
            grouped(v, 1)
        }
    };
    match unit {
        Unit::Npr => format!("NPR {}", grouped(v, 2)),
        Unit::Coins => format!("{} coins", whole_or_one(v)),
        Unit::Percent => format!("{}%", grouped(v, 1)),
        Unit::Minutes => format!("{} min", grouped(v, 1)),
        Unit::Seconds => format!("{} s", grouped(v, 1)),
        Unit::Days => format!("{} days", grouped(v, 1)),
        Unit::Score => grouped(v, 1),
        Unit::Count | Unit::Viewers => whole_or_one(v),
    }
}

/// A deviation, or `n/a`.
pub(crate) fn deviation(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), signed_pct)
}

/// The tag that starts every subject and headline.
pub(crate) fn tag(alert: &Alert, event: NotificationEvent) -> String {
    let sev = alert.severity.as_str().to_ascii_uppercase();
    match event {
        NotificationEvent::Firing => sev,
        NotificationEvent::Updated => format!("ESCALATED TO {sev}"),
        NotificationEvent::Resolved => "RESOLVED".to_owned(),
    }
}

/// The one-line headline (cleaned, not escaped, at most `max` characters): `[CRITICAL] Revenue dropped
/// 35.2% on 2026-04-10 (ALL)`. The country is appended unless the title already ends with it.
pub(crate) fn headline(alert: &Alert, event: NotificationEvent, max: usize) -> String {
    let title = clean(&alert.title);
    let title = title.trim();
    let country = clean(&alert.country);
    let suffix = format!("({})", country.trim());
    let mut line = format!("[{}] {title}", tag(alert, event));
    if !country.trim().is_empty() && !title.ends_with(&suffix) {
        // The country survives a long title: it is what tells two alerts of one rule apart.
        let room = max.saturating_sub(suffix.chars().count() + 1);
        line = plain(&line, room);
        line.push(' ');
        line.push_str(&suffix);
    }
    plain(&line, max)
}

/// The severity's emoji (Slack's short names).
pub(crate) fn slack_emoji(alert: &Alert, event: NotificationEvent) -> &'static str {
    match (event, alert.severity) {
        (NotificationEvent::Resolved, _) => ":white_check_mark:",
        (_, Severity::Critical) => ":rotating_light:",
        (_, Severity::High) => ":red_circle:",
        (_, Severity::Medium) => ":large_orange_circle:",
        (_, Severity::Low) => ":large_yellow_circle:",
    }
}

/// The same as a Unicode emoji (Telegram, email).
pub(crate) fn emoji(alert: &Alert, event: NotificationEvent) -> &'static str {
    match (event, alert.severity) {
        (NotificationEvent::Resolved, _) => "✅",
        (_, Severity::Critical) => "🚨",
        (_, Severity::High) => "🔴",
        (_, Severity::Medium) => "🟠",
        (_, Severity::Low) => "🟡",
    }
}

/// When the event happened: the firing, the resolution, or the last evaluation (an escalation).
pub(crate) fn event_time(alert: &Alert, event: NotificationEvent) -> String {
    let at = match event {
        NotificationEvent::Firing => alert.fired_at.unwrap_or(alert.updated_at),
        NotificationEvent::Resolved => alert.resolved_at.unwrap_or(alert.updated_at),
        NotificationEvent::Updated => alert.updated_at,
    };
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The description without its last sentence when that is the root cause's (shown on its own).
pub(crate) fn description_without_cause(alert: &Alert) -> String {
    let description = alert.description.trim();
    match &alert.root_cause {
        Some(rc) if !rc.sentence.trim().is_empty() => description
            .strip_suffix(rc.sentence.trim())
            .unwrap_or(description)
            .trim_end()
            .to_owned(),
        _ => description.to_owned(),
    }
}

/// The window as people read it: `2026-04-10 (Asia/Kathmandu)`.
pub(crate) fn window(alert: &Alert) -> String {
    format!(
        "{} ({})",
        clean(&alert.time_window.label),
        clean(&alert.time_window.timezone)
    )
}

/// The at most `n` top segments of the root cause, one line each, unescaped: `NP: NPR -30,000.00
/// (85.7% of the change)`.
pub(crate) fn segment_lines(alert: &Alert, n: usize, max_each: usize) -> Vec<String> {
    let unit = unit_of(alert);
    let Some(rc) = &alert.root_cause else {
        return Vec::new();
    };
    rc.segments
        .iter()
        .take(n)
        .map(|s| {
            plain(
                &format!(
                    "{}: {} ({}% of the change)",
                    clean(&s.value),
                    value(Some(s.delta), unit),
                    grouped(s.contribution, 1)
                ),
                max_each,
            )
        })
        .collect()
}

/// The dashboard link of an alert: `{alertId}` in the configured URL replaced by the percent-encoded id.
pub(crate) fn dashboard_link(url: Option<&str>, alert: &Alert) -> Option<String> {
    let url = url?;
    let mut id = String::new();
    for b in alert.alert_id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            id.push(b as char);
        } else {
            id.push_str(&format!("%{b:02X}"));
        }
    }
    Some(url.replace("{alertId}", &id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_people_write_them() {
        assert_eq!(grouped(1234567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-999.999, 2), "-1,000.00");
        assert_eq!(grouped(-0.001, 2), "0.00");
        assert_eq!(grouped(100.0, 0), "100");
        assert_eq!(grouped(f64::NAN, 2), "n/a");
        assert_eq!(signed_pct(-35.24), "-35.2%");
        assert_eq!(signed_pct(12.46), "+12.5%");
        assert_eq!(signed_pct(0.04), "0.0%");
        assert_eq!(signed_pct(-0.04), "0.0%");
        assert_eq!(value(Some(65000.0), Unit::Npr), "NPR 65,000.00");
        assert_eq!(value(Some(1234.0), Unit::Count), "1,234");
        assert_eq!(value(Some(1234.56), Unit::Count), "1,234.6");
        assert_eq!(value(None, Unit::Count), "no data");
    }

    #[test]
    fn fit_never_cuts_an_entity_and_marks_the_cut() {
        assert_eq!(fit("a<b", 10, Escape::Slack, Measure::Chars), "a&lt;b");
        // `&lt;` does not fit in 4 with the ellipsis: the cut falls before it.
        assert_eq!(fit("ab<cd", 6, Escape::Html, Measure::Chars), "ab…");
        assert_eq!(
            fit("x\u{7}y\nz\u{202E}", 10, Escape::None, Measure::Chars),
            "xy z"
        );
        let emoji = "🚨".repeat(10);
        let cut = fit(&emoji, 9, Escape::None, Measure::Utf16);
        assert_eq!(cut.encode_utf16().count(), 9, "{cut}");
    }
}
