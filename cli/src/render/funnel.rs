//! Funnel tables: the built-in signup funnels per signup day, and a custom funnel's steps with its
//! breakdown. Event names, countries and platforms come from the data or the caller: all go through
//! [`cell`].

use std::fmt::Write as _;

use halobuzz_analytics::api::FunnelResult;
use halobuzz_analytics::funnel::{BuiltinFunnels, Conversion, CustomFunnel, FunnelSeries};

use super::cell;

/// A funnel result as a table.
pub fn funnel(f: &FunnelResult) -> String {
    match f {
        FunnelResult::Builtin(b) => builtin(b),
        FunnelResult::Custom(c) => custom(c),
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{x:.digits$}"))
}

/// `converted (rate) median-days`.
fn conversion(c: &Conversion) -> String {
    format!(
        "{:>6} {:>7} {:>7}",
        c.converted,
        pct(c.conversion_rate),
        num(c.median_days_to_convert, 2)
    )
}

fn builtin(b: &BuiltinFunnels) -> String {
    let mut out = format!(
        "Signup funnels, signups {} … {} (country {}, window {} days in {}, as of {})\n",
        b.from,
        b.to,
        cell(&b.country.to_string()),
        b.window_days,
        cell(&b.timezone),
        b.as_of.format("%Y-%m-%d %H:%M UTC"),
    );
    let group = |name: &str| format!("{name:^22}");
    let _ = writeln!(
        out,
        "  {:<12} {:>7} | {} | {} | {} | window",
        "",
        "",
        group("first stream"),
        group("first gift sent"),
        group("first money payment"),
    );
    let sub = format!("{:>6} {:>7} {:>7}", "users", "rate", "med d");
    let _ = writeln!(
        out,
        "  {:<12} {:>7} | {sub} | {sub} | {sub} |",
        "signup day", "members"
    );
    let open = |complete: bool| if complete { "complete" } else { "open" };
    for d in &b.days {
        let _ = writeln!(
            out,
            "  {:<12} {:>7} | {} | {} | {} | {}",
            d.date.to_string(),
            d.members,
            conversion(&d.first_stream),
            conversion(&d.first_gift_sent),
            conversion(&d.first_money_payment),
            open(d.window_complete)
        );
    }
    let t = &b.total;
    let _ = writeln!(
        out,
        "  {:<12} {:>7} | {} | {} | {} | {}",
        "total",
        t.members,
        conversion(&t.first_stream),
        conversion(&t.first_gift_sent),
        conversion(&t.first_money_payment),
        open(t.window_complete)
    );
    let _ = writeln!(
        out,
        "  mean days to convert (total): stream {}, gift {}, money {}",
        num(t.first_stream.mean_days_to_convert, 2),
        num(t.first_gift_sent.mean_days_to_convert, 2),
        num(t.first_money_payment.mean_days_to_convert, 2)
    );
    out
}

fn custom(c: &CustomFunnel) -> String {
    let names: Vec<String> = c.steps.iter().map(|s| cell(s)).collect();
    let window = match (c.window_days, c.window_seconds) {
        (Some(d), _) => format!("{d} days"),
        (_, Some(s)) => format!("{s} s"),
        _ => "—".to_owned(),
    };
    let order = serde_json::to_value(c.order)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut out = format!(
        "Funnel {}, entering {} … {} (country {}, order {order}, window {window}, {})\n",
        names.join(" → "),
        c.from,
        c.to,
        cell(&c.country.to_string()),
        cell(&c.timezone),
    );
    let _ = writeln!(
        out,
        "  {:<4} {:<24} {:>8} {:>9} {:>9} {:>9} {:>12} {:>12}",
        "step", "event", "users", "from prev", "overall", "drop-off", "med s prev", "mean s prev"
    );
    for s in &c.total.steps {
        let _ = writeln!(
            out,
            "  {:<4} {:<24} {:>8} {:>9} {:>9} {:>9} {:>12} {:>12}",
            s.step,
            cell(&s.event),
            s.users,
            pct(s.conversion_from_previous),
            pct(s.conversion_overall),
            s.drop_off,
            num(s.median_seconds_from_previous, 1),
            num(s.mean_seconds_from_previous, 1)
        );
    }
    let _ = writeln!(
        out,
        "  entered {}, completed {}, conversion {}",
        c.total.entered,
        c.total.completed,
        pct(c.total.conversion_rate)
    );
    if let Some(by) = c.breakdown {
        let by = serde_json::to_value(by)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(out, "  by {by}: users reaching each step, conversion");
        for s in &c.breakdowns {
            let _ = writeln!(out, "  {}", series_line(s));
        }
    }
    out
}

fn series_line(s: &FunnelSeries) -> String {
    let users: Vec<String> = s.steps.iter().map(|x| x.users.to_string()).collect();
    format!(
        "{:<16} {} ({})",
        cell(&s.value),
        users.join(" → "),
        pct(s.conversion_rate)
    )
}
