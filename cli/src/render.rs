//! Tables a person reads: KPI reports and time series as aligned text. Every string in them that
//! comes from the data or the configuration (usernames, time zone, metric and country names) goes
//! through [`cell`], so a hostile value can neither drive the terminal (escape sequences, bells,
//! carriage returns) nor break the table's layout.

mod alerts;
mod forecast;
mod funnel;

use std::fmt::Write as _;

pub use alerts::{alert_check, alerts, evaluations};
pub use forecast::{
    forecast_batch, metric_forecast, metric_forecast_short, series_forecast, stored_forecasts,
};
pub use funnel::funnel;
use halobuzz_analytics::cohort::{CohortTable, Lifecycle, RetentionMatrix};
use halobuzz_analytics::hosts::HostPerformanceReport;
use halobuzz_analytics::kpi::{KpiReport, TimeSeries};

/// The longest text a cell shows of one value, in characters.
const CELL_MAX: usize = 48;

/// `text` as a table may show it: without control characters (`char::is_control`: C0 and C1 controls,
/// ESC included, so an escape sequence is left as inert text such as `[31m`) or the invisible
/// bidirectional overrides that reorder what a reader sees, and cut to [`CELL_MAX`] characters.
pub fn cell(text: &str) -> String {
    clipped(text, CELL_MAX)
}

/// A sentence as [`cell`] cleans it, cut to `max` characters (a description under a table row).
pub fn clipped(text: &str, max: usize) -> String {
    let bidi = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    let mut kept = text.chars().filter(|c| !c.is_control() && !bidi(*c));
    let mut out: String = kept.by_ref().take(max).collect();
    if kept.next().is_some() {
        out.push('…');
    }
    out
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or_else(|| "—".to_owned(), |x| fmt_num(x, unit))
}

fn fmt_num(x: f64, unit: &str) -> String {
    let body = if x.fract() == 0.0 && x.abs() < 1e15 {
        group(&format!("{x:.0}"))
    } else {
        let s = format!("{x:.2}");
        match s.split_once('.') {
            Some((int, frac)) => format!("{}.{frac}", group(int)),
            None => s,
        }
    };
    if unit.is_empty() {
        body
    } else {
        format!("{body} {unit}")
    }
}

/// Thousands separators for readability.
pub(crate) fn group(int: &str) -> String {
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn growth(g: Option<f64>) -> String {
    g.map_or_else(|| "growth —".to_owned(), |x| format!("growth {x:+.1}%"))
}

/// A KPI report as a sectioned table.
pub fn report(r: &KpiReport) -> String {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut section = |name: &str, extra: String| rows.push((format!("== {name}"), extra));
    let p = &r.period;
    let mut out = format!(
        "KPIs {} … {} ({} days, country {}, {}; previous period {} … {}); money in {}\n\n",
        p.from,
        p.to,
        p.days,
        cell(&p.country.to_string()),
        cell(&p.timezone),
        p.previous_from,
        p.previous_to,
        cell(&p.currency)
    );
    section("Revenue", growth(r.revenue.growth));
    let v = &r.revenue;
    let m = &v.by_payment_method;
    let add =
        |rows: &mut Vec<(String, String)>, k: &str, val: String| rows.push((format!("  {k}"), val));
    add(&mut rows, "total", fmt_num(v.total, "NPR"));
    add(&mut rows, "coin top-ups", fmt_num(v.coin_topups, "NPR"));
    add(
        &mut rows,
        "OG subscriptions",
        fmt_num(v.og_subscriptions, "NPR"),
    );
    add(&mut rows, "refunds", fmt_num(v.refunds, "NPR"));
    add(
        &mut rows,
        "by payment method",
        format!(
            "esewa {} · khalti {} · stripe {} · paypal {} · other {}",
            fmt_num(m.esewa, ""),
            fmt_num(m.khalti, ""),
            fmt_num(m.stripe, ""),
            fmt_num(m.paypal, ""),
            fmt_num(m.other, "")
        ),
    );
    let t = &v.by_og_tier;
    add(
        &mut rows,
        "by OG tier",
        format!(
            "1: {} · 2: {} · 3: {} · 4: {} · 5: {}{}",
            fmt_num(t.tier1, ""),
            fmt_num(t.tier2, ""),
            fmt_num(t.tier3, ""),
            fmt_num(t.tier4, ""),
            fmt_num(t.tier5, ""),
            t.unknown
                .map_or_else(String::new, |u| format!(" · unknown: {}", fmt_num(u, "")))
        ),
    );
    add(&mut rows, "gift revenue", fmt_num(v.gift_revenue, "coins"));
    add(
        &mut rows,
        "platform fees",
        fmt_num(v.platform_fees, "coins"),
    );

    let e = &r.engagement;
    rows.push(("== Engagement".into(), growth(e.growth)));
    add(&mut rows, "DAU (mean)", fmt_num(e.dau, "users"));
    add(
        &mut rows,
        "active users",
        fmt_num(e.active_users as f64, "users"),
    );
    add(
        &mut rows,
        "MAU (30 days to `to`)",
        fmt_num(e.mau as f64, "users"),
    );
    add(&mut rows, "stickiness", opt(e.stickiness, "%"));
    add(&mut rows, "avg session", opt(e.avg_session_duration, "min"));
    add(&mut rows, "streams", fmt_num(e.total_streams as f64, ""));
    add(
        &mut rows,
        "stream time",
        fmt_num(e.total_stream_duration, "min"),
    );
    add(
        &mut rows,
        "avg viewers / stream",
        opt(e.avg_viewers_per_stream, ""),
    );
    add(
        &mut rows,
        "battles joined",
        fmt_num(e.battle_participation as f64, ""),
    );
    add(&mut rows, "gifts sent", fmt_num(e.gift_sent as f64, ""));
    add(
        &mut rows,
        "messages sent",
        fmt_num(e.messages_sent as f64, ""),
    );

    let mo = &r.monetization;
    rows.push((
        "== Monetization".into(),
        format!("{} (of ARPU)", growth(mo.growth)),
    ));
    add(
        &mut rows,
        "paying users",
        fmt_num(mo.paying_users as f64, "users"),
    );
    add(&mut rows, "ARPU", opt(mo.arpu, "NPR"));
    add(&mut rows, "ARPPU", opt(mo.arppu, "NPR"));
    add(&mut rows, "payer rate", opt(mo.payer_rate, "%"));
    add(&mut rows, "avg gift value", opt(mo.avg_gift_value, "coins"));
    add(
        &mut rows,
        "coin top-ups",
        fmt_num(mo.coin_topup_count as f64, ""),
    );
    add(
        &mut rows,
        "coins bought",
        fmt_num(mo.coin_topup_volume, "coins"),
    );
    add(&mut rows, "OG conversion", opt(mo.og_conversion_rate, "%"));

    let re = &r.retention;
    rows.push(("== Retention".into(), format!("as of {}", p.to)));
    add(
        &mut rows,
        "D1 / D7 / D30",
        format!(
            "{} / {} / {}",
            opt(re.d1_retention, "%"),
            opt(re.d7_retention, "%"),
            opt(re.d30_retention, "%")
        ),
    );
    add(&mut rows, "churn rate", opt(re.churn_rate, "%"));
    add(&mut rows, "avg lifetime", opt(re.avg_lifetime_days, "days"));
    add(&mut rows, "churn risk", opt(re.churn_risk_score, "%"));

    let c = &r.creators;
    rows.push(("== Creators".into(), String::new()));
    add(
        &mut rows,
        "active hosts",
        fmt_num(c.active_hosts as f64, ""),
    );
    add(&mut rows, "new hosts", fmt_num(c.new_hosts as f64, ""));
    add(
        &mut rows,
        "top / avg host revenue",
        format!(
            "{} / {}",
            opt(c.top_host_revenue, "coins"),
            opt(c.avg_host_revenue, "coins")
        ),
    );
    add(&mut rows, "host retention", opt(c.host_retention_rate, "%"));
    for (i, t) in c.top_creators.iter().take(5).enumerate() {
        add(
            &mut rows,
            &format!(
                "#{} {}",
                i + 1,
                t.username
                    .as_deref()
                    .map(cell)
                    .filter(|u| !u.trim().is_empty())
                    .unwrap_or_else(|| "(no handle)".to_owned())
            ),
            format!(
                "{} · {} streams · {} viewers",
                fmt_num(t.revenue, "coins"),
                t.streams,
                t.viewers
            ),
        );
    }

    let s = &r.safety;
    rows.push((
        "== Safety".into(),
        format!("trend {:?}", s.trend).to_lowercase(),
    ));
    add(&mut rows, "safety score", opt(s.safety_score, "/ 100"));
    add(
        &mut rows,
        "flagged content",
        fmt_num(s.flagged_content as f64, ""),
    );
    add(
        &mut rows,
        "banned users",
        fmt_num(s.banned_users as f64, ""),
    );
    add(
        &mut rows,
        "appeals processed",
        fmt_num(s.appeals_processed as f64, ""),
    );
    add(
        &mut rows,
        "moderation actions",
        fmt_num(s.moderation_actions as f64, ""),
    );

    let g = &r.gaming;
    rows.push(("== Gaming".into(), String::new()));
    add(
        &mut rows,
        "games played",
        fmt_num(g.games_played as f64, ""),
    );
    add(
        &mut rows,
        "stakes / payouts",
        format!(
            "{} / {}",
            fmt_num(g.total_stakes, "coins"),
            fmt_num(g.total_payouts, "coins")
        ),
    );
    add(&mut rows, "house revenue", fmt_num(g.revenue, "coins"));
    add(&mut rows, "house edge", opt(g.house_edge, "%"));
    add(
        &mut rows,
        "active players",
        fmt_num(g.active_players as f64, ""),
    );
    add(&mut rows, "avg round", opt(g.avg_game_duration, "s"));

    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    for (k, v) in rows {
        if k.starts_with("==") && !out.ends_with("\n\n") {
            out.push('\n');
        }
        let pad = width - k.chars().count();
        let _ = writeln!(out, "{k}{}  {v}", " ".repeat(pad));
    }
    out
}

/// A time series as a table with a bar per point.
pub fn series(s: &TimeSeries) -> String {
    let mut out = format!(
        "{} by {} ({} … {}, country {})\n",
        cell(&s.metric),
        cell(&s.granularity.to_string()),
        s.from,
        s.to,
        cell(&s.country.to_string())
    );
    let max = s
        .points
        .iter()
        .filter_map(|p| p.value)
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    for p in &s.points {
        let bar = match p.value {
            Some(v) if max > 0.0 => "#".repeat(((v.abs() / max) * 40.0).round() as usize),
            _ => String::new(),
        };
        let span = if p.from == p.to {
            p.from.to_string()
        } else {
            format!("{} … {}", p.from, p.to)
        };
        let _ = writeln!(out, "  {span:<24} {:>16}  {bar}", opt(p.value, ""));
    }
    out
}

/// A retention matrix: one row per cohort, the share retained on each day N (and, below, on or after it).
pub fn retention(m: &RetentionMatrix) -> String {
    let mut out = format!(
        "Retention of {} signup cohorts {} … {} (country {}, activity to {})\n",
        cell(&m.granularity.to_string()),
        m.from,
        m.to,
        cell(&m.country.to_string()),
        m.as_of
    );
    let mut head = format!("  {:<12} {:>8}", "cohort", "users");
    for n in &m.days {
        let _ = write!(head, " {:>7}", format!("d{n}"));
    }
    let _ = writeln!(out, "{head}");
    let pct = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.1}%"));
    for (title, on_or_after) in [("on day N", false), ("on or after day N", true)] {
        let _ = writeln!(out, "  {title}");
        for c in &m.cohorts {
            let mut line = format!("  {:<12} {:>8}", c.cohort_date.to_string(), c.cohort_size);
            for x in &c.cells {
                let v = if on_or_after {
                    x.rate_on_or_after
                } else {
                    x.rate
                };
                let _ = write!(line, " {:>7}", pct(v));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// A cohort table: size, retention, revenue, engagement, churn and creators per cohort.
pub fn cohort_table(t: &CohortTable) -> String {
    let mut out = format!(
        "{} signup cohorts {} … {} (country {}, activity and money to {}, {})\n",
        cell(&t.granularity.to_string()),
        t.from,
        t.to,
        cell(&t.country.to_string()),
        t.as_of,
        cell(&t.currency)
    );
    let _ = writeln!(
        out,
        "  {:<12} {:>7} {:>7} {:>7} {:>7} {:>7} {:>12} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6}",
        "cohort",
        "users",
        "d1",
        "d7",
        "d30",
        "d90",
        "revenue",
        "per user",
        "sessions",
        "messages",
        "churned",
        "creators",
        "mature"
    );
    let pct = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.1}%"));
    let per = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.2}"));
    for c in &t.cohorts {
        let _ = writeln!(
            out,
            "  {:<12} {:>7} {:>7} {:>7} {:>7} {:>7} {:>12.2} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6}",
            c.cohort_date.to_string(),
            c.cohort_size,
            pct(c.retention.d1),
            pct(c.retention.d7),
            pct(c.retention.d30),
            pct(c.retention.d90),
            c.revenue.total_revenue,
            per(c.revenue.avg_revenue_per_user),
            per(c.engagement_per_member.sessions),
            per(c.engagement_per_member.messages),
            pct(c.churn_rate),
            pct(c.creator_rate),
            if c.mature { "yes" } else { "no" }
        );
    }
    out
}

/// Lifecycle per period.
pub fn lifecycle(l: &Lifecycle) -> String {
    let mut out = format!(
        "Lifecycle by {} {} … {} (country {})\n  {:<12} {:>9} {:>9} {:>10} {:>13} {:>9}\n",
        cell(&l.granularity.to_string()),
        l.from,
        l.to,
        cell(&l.country.to_string()),
        "period",
        "active",
        "new",
        "returning",
        "resurrecting",
        "dormant"
    );
    for p in &l.periods {
        let _ = writeln!(
            out,
            "  {:<12} {:>9} {:>9} {:>10} {:>13} {:>9}",
            p.period.to_string(),
            p.active,
            p.new,
            p.returning,
            p.resurrecting,
            p.dormant
        );
    }
    out
}

/// Host performance: one row per host, in the report's order.
pub fn hosts(r: &HostPerformanceReport) -> String {
    let mut out = format!(
        "Hosts {} … {} (country {}; growth against {} … {}), {} of {} by {:?} {:?}\n  {:>4} {:<28} {:<16} {:>7} {:>9} {:>9} {:>8} {:>11} {:>7} {:>10} {:>9}\n",
        r.from,
        r.to,
        cell(&r.country.to_string()),
        r.previous_from,
        r.previous_to,
        r.hosts.len(),
        r.total_hosts,
        r.sort_by,
        r.order,
        "rank",
        "host",
        "username",
        "streams",
        "minutes",
        "viewers",
        "peak",
        "coins",
        "gifters",
        "engagement",
        "growth",
    );
    for h in &r.hosts {
        let _ = writeln!(
            out,
            "  {:>4} {:<28} {:<16} {:>7} {:>9} {:>9} {:>8} {:>11} {:>7} {:>10} {:>9}",
            h.rank.revenue,
            cell(&h.host_id),
            cell(h.username.as_deref().unwrap_or("—")),
            h.streams,
            fmt_num(h.duration_minutes, ""),
            fmt_num(h.viewers as f64, ""),
            fmt_num(h.peak_viewers as f64, ""),
            fmt_num(h.coins, ""),
            h.unique_gifters,
            fmt_num(h.engagement as f64, ""),
            opt(h.growth.revenue, "%"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use halobuzz_analytics::kpi::TopCreator;

    #[test]
    fn data_cannot_drive_the_terminal() {
        let hostile = "\u{1b}[31mred\u{7}\r\u{9b}2J\u{202e}txt.exe";
        assert_eq!(cell(hostile), "[31mred2Jtxt.exe");
        assert_eq!(cell(&"x".repeat(100)).chars().count(), CELL_MAX + 1);
        let mut r = KpiReport::default();
        r.creators.top_creators.push(TopCreator {
            username: Some("\u{1b}[31mmallory\u{7}".to_owned()),
            ..TopCreator::default()
        });
        r.creators.top_creators.push(TopCreator {
            username: Some("\u{1b}\u{7}".to_owned()),
            ..TopCreator::default()
        });
        let table = report(&r);
        assert!(
            !table.chars().any(|c| c.is_control() && c != '\n'),
            "{table:?}"
        );
        assert!(table.contains("#1 [31mmallory "), "{table}");
        assert!(table.contains("#2 (no handle)"), "{table}");
    }
}
