//! The report's written summary: one paragraph a business owner reads first. It says how revenue and
//! daily active users moved against the previous period, which payment method moved revenue most, the
//! other largest movers, the open alerts with their root causes, and the revenue forecast. Every number
//! in it is printed by [`super::format`], as in the tables.

use super::content::{KpiRow, ReportContent};
use super::format::{grouped, value};
use crate::kpi::Unit;

/// A move smaller than this (in %) is not a "largest mover".
const MOVER_MIN_PCT: f64 = 5.0;
/// How many other movers the paragraph names.
const MOVERS: usize = 3;
/// How many alert root causes it quotes.
const CAUSES: usize = 2;

/// `up 12.3%`, `down 4.0%`, `unchanged`.
fn direction(pct: f64) -> String {
    if (pct * 10.0).round() == 0.0 {
        "unchanged".to_owned()
    } else if pct > 0.0 {
        format!("up {}%", grouped(pct, 1))
    } else {
        format!("down {}%", grouped(-pct, 1))
    }
}

fn row<'a>(c: &'a ReportContent, metric: &str) -> Option<&'a KpiRow> {
    c.sections
        .iter()
        .flat_map(|s| s.rows.iter())
        .find(|r| r.metric == metric)
}

/// A sentence on one headline metric.
fn headline(c: &ReportContent, metric: &str, what: &str, versus: &str) -> Option<String> {
    let r = row(c, metric)?;
    let v = r.value?;
    let text = value(Some(v), r.unit);
    Some(match r.change_pct {
        Some(p) => format!(
            "{what} {text}, {} on the {versus} ({}).",
            direction(p),
            value(r.previous, r.unit)
        ),
        None if r.previous == Some(0.0) && v != 0.0 => {
            format!("{what} {text}, against none in the {versus}.")
        }
        None => format!("{what} {text}."),
    })
}

/// The change of revenue per payment method, `(label, current − previous)`, for the driver sentence.
pub type MethodDeltas = Vec<(String, f64)>;

/// The paragraph. `method_deltas` is the revenue change per payment method (NPR).
pub fn summary(c: &ReportContent, method_deltas: &MethodDeltas) -> String {
    let versus = match c.period.as_str() {
        "daily" => "day before",
        "weekly" => "week before",
        "monthly" => "month before",
        _ => "period before",
    };
    let any_value = c
        .sections
        .iter()
        .flat_map(|s| s.rows.iter())
        .any(|r| r.value.is_some_and(|v| v != 0.0));
    if !any_value && !c.daily.has_data() {
        return format!(
            "No data for {} to {}: nothing was recorded in this period.",
            c.from, c.to
        );
    }
    let mut parts: Vec<String> = Vec::new();
    parts.extend(headline(c, "revenue.total", "Revenue was", versus));
    // The payment method that moved revenue most, when revenue moved.
    let revenue_change = row(c, "revenue.total")
        .and_then(|r| Some(r.value? - r.previous?))
        .unwrap_or(0.0);
    if revenue_change != 0.0 {
        let driver = method_deltas
            .iter()
            .filter(|(_, d)| d.is_finite() && d.signum() == revenue_change.signum())
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()));
        if let Some((label, d)) = driver {
            let sign = if *d > 0.0 { "+" } else { "−" };
            parts.push(format!(
                "{label} moved it most ({sign}{}).",
                value(Some(d.abs()), Unit::Npr)
            ));
        }
    }
    parts.extend(headline(
        c,
        "engagement.dau",
        "Daily active users averaged",
        versus,
    ));
    let mut movers: Vec<&KpiRow> = c
        .sections
        .iter()
        .flat_map(|s| s.rows.iter())
        .filter(|r| r.metric != "revenue.total" && r.metric != "engagement.dau")
        .filter(|r| !r.metric.contains(".by"))
        .filter(|r| r.change_pct.is_some_and(|p| p.abs() >= MOVER_MIN_PCT))
        // A count that went from 2 to 3 is not news.
        .filter(|r| !matches!(r.unit, Unit::Count) || r.previous.is_some_and(|p| p >= 20.0))
        .collect();
    movers.sort_by(|a, b| {
        let (x, y) = (a.change_pct.unwrap_or(0.0), b.change_pct.unwrap_or(0.0));
        y.abs().total_cmp(&x.abs())
    });
    if !movers.is_empty() {
        let list: Vec<String> = movers
            .iter()
            .take(MOVERS)
            .map(|r| {
                format!(
                    "{} {} to {}",
                    r.label.to_lowercase_first(),
                    direction(r.change_pct.unwrap_or(0.0)),
                    value(r.value, r.unit)
                )
            })
            .collect();
        parts.push(format!("Other large moves: {}.", list.join("; ")));
    }
    match c.alerts.len() {
        0 => parts.push("No alerts are open.".to_owned()),
        n => {
            // Each root cause after the title of its alert, so a reader knows which change it explains.
            let causes: Vec<String> = c
                .alerts
                .iter()
                .filter_map(|a| Some(format!("{}: {}", a.title, a.root_cause.as_deref()?)))
                .take(CAUSES)
                .collect();
            let head = if n == 1 {
                "One alert is open".to_owned()
            } else {
                format!("{n} alerts are open")
            };
            if causes.is_empty() {
                let titles: Vec<&str> = c
                    .alerts
                    .iter()
                    .take(CAUSES)
                    .map(|a| a.title.as_str())
                    .collect();
                parts.push(format!("{head}: {}.", titles.join("; ")));
            } else {
                parts.push(format!("{head}. {}", causes.join(" ")));
            }
        }
    }
    if let Some(f) = &c.forecast {
        parts.push(format!(
            "Revenue for the next {} days is forecast at {} in total.",
            f.points.len(),
            value(Some(f.total), f.unit)
        ));
    }
    parts.join(" ")
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    /// "Paying users" → "paying users"; acronyms ("ARPU", "OG tier 1") stay as they are.
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match (chars.next(), chars.next()) {
            (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
                let mut s: String = a.to_lowercase().collect();
                s.push(b);
                s.extend(chars);
                s
            }
            _ => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture::{sample, sample_without_data};

    #[test]
    fn names_revenue_driver_movers_alerts_and_forecast() {
        let c = sample();
        let s = summary(
            &c,
            &vec![("eSewa".into(), 120_000.0), ("Khalti".into(), 20_000.0)],
        );
        assert!(
            s.starts_with(
                "Revenue was NPR 1,378,412.55, up 14.2% on the month before (NPR 1,207,330.10)."
            ),
            "{s}"
        );
        assert!(s.contains("eSewa moved it most (+NPR 120,000.00)."), "{s}");
        assert!(
            s.contains("Daily active users averaged 5,311.4, up 4.7%"),
            "{s}"
        );
        assert!(s.contains("refunds down 22.0% to NPR 12,400.00"), "{s}");
        assert!(
            s.contains("One alert is open. Revenue drop in NP: By payment method, the change is in khalti (12400.00 → 6152.00"),
            "{s}"
        );
        assert!(s.contains("forecast at NPR"), "{s}");
        assert!(!s.contains("NaN") && !s.contains("inf"));
    }

    #[test]
    fn says_no_data() {
        let s = summary(&sample_without_data(), &vec![]);
        assert!(s.starts_with("No data for 2026-10-01 to 2026-10-31"), "{s}");
    }
}
