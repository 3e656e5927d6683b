//! Root cause of a drop or spike: the change of the metric split by country, payment method and OG
//! tier (hourly counts: by country), each segment's share of the change in %, and the segments that
//! explain most of it named in one plain sentence (`docs/alerts.md`).
//!
//! Shares are of the sum of the segments' changes, so a dimension's shares add up to exactly 100 (a
//! segment that moved against the change has a negative share). Only metrics that add up over segments
//! are split (sums and counts); a rate's change is not a sum of its segments' changes.

use chrono::NaiveDate;

use super::evaluate::{daily_values, Evaluation};
use super::record::{DimensionBreakdown, RootCause, Segment};
use crate::calendar::DateRange;
use crate::kpi::catalog::{Metric, MetricKind};
use crate::model::CountryFilter;
use crate::store::StoreExt;
use crate::{Engine, Result};

/// The most segments a root cause names.
const NAMED: usize = 3;

/// A segment's value now and its baseline.
struct Part {
    value: String,
    current: f64,
    baseline: f64,
}

/// The root cause of a breach, or `None` when the metric does not split into segments.
pub fn root_cause(engine: &Engine, e: &Evaluation) -> Result<Option<RootCause>> {
    if !e.by_country.is_empty() {
        let parts = e
            .by_country
            .iter()
            .map(|(c, n)| Part {
                value: c.key(),
                current: *n,
                baseline: 0.0,
            })
            .collect();
        let d = breakdown("country", parts);
        return Ok(Some(finish(e, vec![d])));
    }
    let Ok(metric) = Metric::parse(&e.metric) else {
        return Ok(None);
    };
    // `dau` is a mean over days, but a daily rule reads one day: that day's distinct active users.
    let additive = matches!(metric.kind, MetricKind::Sum | MetricKind::DistinctCount)
        || metric.id == "engagement.dau";
    if e.baseline.is_none() {
        return Ok(None);
    }
    if !additive {
        return rate_by_country(engine, e, metric);
    }
    let Ok(day) = NaiveDate::parse_from_str(&e.window.label, "%Y-%m-%d") else {
        return Ok(None);
    };
    let days: Vec<NaiveDate> = e.baseline_days.iter().map(|d| d.date).collect();
    let first = days.iter().copied().min().unwrap_or(day);
    let range = DateRange::new(first, day)?;
    let part = |m: &Metric, c: CountryFilter, value: String| -> Result<Part> {
        let v = daily_values(engine, m, range, c)?;
        let known: Vec<f64> = days
            .iter()
            .filter_map(|d| v.get(d).copied().flatten())
            .collect();
        Ok(Part {
            value,
            current: v.get(&day).copied().flatten().unwrap_or(0.0),
            baseline: if known.is_empty() {
                0.0
            } else {
                known.iter().sum::<f64>() / known.len() as f64
            },
        })
    };
    let mut dims = Vec::new();
    if e.country == CountryFilter::All {
        let dir = engine.directory()?;
        let mut countries: Vec<CountryFilter> = dir
            .countries()
            .into_iter()
            .map(CountryFilter::Code)
            .collect();
        countries.push(CountryFilter::Unknown);
        let parts = countries
            .into_iter()
            .map(|c| part(metric, c, c.key()))
            .collect::<Result<Vec<_>>>()?;
        dims.push(breakdown("country", parts));
    }
    if matches!(metric.id, "engagement.dau" | "engagement.activeUsers")
        && e.country == CountryFilter::All
    {
        dims.push(breakdown(
            "platform",
            platform_parts(engine, day, &days, e)?,
        ));
    }
    if metric.id == "revenue.total" {
        let mut parts = Vec::new();
        for m in ["esewa", "khalti", "stripe", "paypal", "other"] {
            let path = format!("revenue.byPaymentMethod.{m}");
            parts.push(part(Metric::parse(&path)?, e.country, m.to_owned())?);
        }
        dims.push(breakdown("paymentMethod", parts));
        let mut parts = Vec::new();
        for t in 1..=5 {
            let path = format!("revenue.byOGTier.tier{t}");
            parts.push(part(Metric::parse(&path)?, e.country, format!("tier{t}"))?);
        }
        // What is not an OG purchase of a known tier: top-ups less refunds, and unknown tiers.
        let (tiers_now, tiers_before) = parts
            .iter()
            .fold((0.0, 0.0), |(a, b), p| (a + p.current, b + p.baseline));
        parts.push(Part {
            value: "notOg".to_owned(),
            current: e.value.unwrap_or(0.0) - tiers_now,
            baseline: e.baseline.unwrap_or(0.0) - tiers_before,
        });
        dims.push(breakdown("ogTier", parts));
    }
    if dims.is_empty() {
        return Ok(None);
    }
    Ok(Some(finish(e, dims)))
}

/// The parts of a rate whose numerator adds up over countries: `(rate, numerator, denominator)`.
const RATES: [(&str, &str, &str); 1] = [(
    "monetization.payerRate",
    "monetization.payingUsers",
    "engagement.activeUsers",
)];

/// A rate's change by country: the rate is Σ numerator_c / denominator over countries (exactly, but for
/// users active in two countries), so country c's part of the change is its numerator over the whole's
/// denominator now, less the same in the baseline (a shift-share split, rate and mix effects together).
fn rate_by_country(engine: &Engine, e: &Evaluation, rate: &Metric) -> Result<Option<RootCause>> {
    let Some((_, num, den)) = RATES.iter().find(|(r, _, _)| *r == rate.id) else {
        return Ok(None);
    };
    if e.country != CountryFilter::All {
        return Ok(None);
    }
    let Ok(day) = NaiveDate::parse_from_str(&e.window.label, "%Y-%m-%d") else {
        return Ok(None);
    };
    let days: Vec<NaiveDate> = e.baseline_days.iter().map(|d| d.date).collect();
    let range = DateRange::new(days.iter().copied().min().unwrap_or(day), day)?;
    let (num, den) = (Metric::parse(num)?, Metric::parse(den)?);
    let whole = daily_values(engine, den, range, CountryFilter::All)?;
    // A day's share: numerator_c / denominator × 100, in the rate's unit (%).
    let share =
        |v: &std::collections::BTreeMap<NaiveDate, Option<f64>>, d: &NaiveDate| -> Option<f64> {
            let n = v.get(d).copied().flatten()?;
            let w = whole.get(d).copied().flatten().filter(|w| *w > 0.0)?;
            Some(n / w * 100.0)
        };
    let dir = engine.directory()?;
    let mut countries: Vec<CountryFilter> = dir
        .countries()
        .into_iter()
        .map(CountryFilter::Code)
        .collect();
    countries.push(CountryFilter::Unknown);
    let mut parts = Vec::new();
    for c in countries {
        let v = daily_values(engine, num, range, c)?;
        let base: Vec<f64> = days.iter().filter_map(|d| share(&v, d)).collect();
        parts.push(Part {
            value: c.key(),
            current: share(&v, &day).unwrap_or(0.0),
            baseline: if base.is_empty() {
                0.0
            } else {
                base.iter().sum::<f64>() / base.len() as f64
            },
        });
    }
    Ok(Some(finish(e, vec![breakdown("country", parts)])))
}

/// Active users of a day by platform: each user counts once, under the platform of their first event
/// of the day that names one (`properties.platform`); active users without one are `unknown`, so the
/// parts add up to the day's active users.
fn platform_parts(
    engine: &Engine,
    day: NaiveDate,
    baseline_days: &[NaiveDate],
    e: &Evaluation,
) -> Result<Vec<Part>> {
    use std::collections::{BTreeMap, HashMap};
    let cal = engine.config().calendar;
    let by_day = |d: NaiveDate, active: f64| -> Result<BTreeMap<String, f64>> {
        let mut first: HashMap<bson::oid::ObjectId, (chrono::DateTime<chrono::Utc>, String)> =
            HashMap::new();
        engine
            .store()
            .each::<crate::model::AnalyticsEvent>(Some(cal.day_range(d)), |ev| {
                let (Some(u), Some(p)) = (ev.user_id, ev.platform.as_deref()) else {
                    return;
                };
                let slot = first.entry(u).or_insert((ev.timestamp, p.to_owned()));
                if ev.timestamp < slot.0 {
                    *slot = (ev.timestamp, p.to_owned());
                }
            })?;
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for (_, p) in first.into_values() {
            *out.entry(p).or_default() += 1.0;
        }
        let known: f64 = out.values().sum();
        out.insert("unknown".to_owned(), (active - known).max(0.0));
        Ok(out)
    };
    let now = by_day(day, e.value.unwrap_or(0.0))?;
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    let mut n = 0.0;
    for (d, v) in baseline_days.iter().zip(&e.baseline_days) {
        let Some(active) = v.value else { continue };
        for (p, c) in by_day(*d, active)? {
            *sums.entry(p).or_default() += c;
        }
        n += 1.0;
    }
    let mut names: Vec<&String> = now.keys().chain(sums.keys()).collect();
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|p| Part {
            value: p.clone(),
            current: now.get(p).copied().unwrap_or(0.0),
            baseline: if n > 0.0 {
                sums.get(p).copied().unwrap_or(0.0) / n
            } else {
                0.0
            },
        })
        .collect())
}

/// A dimension's segments with their shares of the change, largest share first.
fn breakdown(dimension: &str, parts: Vec<Part>) -> DimensionBreakdown {
    let total: f64 = parts.iter().map(|p| p.current - p.baseline).sum();
    // Shares of the baseline; a count without one (an hourly spike) is shared by its current values.
    let base: f64 = parts.iter().map(|p| p.baseline).sum();
    let size: f64 = if base != 0.0 {
        base
    } else {
        parts.iter().map(|p| p.current).sum()
    };
    let mut segments: Vec<Segment> = parts
        .into_iter()
        .filter(|p| p.current != 0.0 || p.baseline != 0.0)
        .map(|p| {
            let delta = p.current - p.baseline;
            Segment {
                dimension: dimension.to_owned(),
                value: p.value,
                current: p.current,
                baseline: p.baseline,
                delta,
                contribution: if total != 0.0 {
                    delta / total * 100.0
                } else {
                    0.0
                },
                share: if size != 0.0 {
                    (if base != 0.0 { p.baseline } else { p.current }) / size * 100.0
                } else {
                    0.0
                },
            }
        })
        .collect();
    segments.sort_by(|a, b| {
        b.contribution
            .total_cmp(&a.contribution)
            .then(a.value.cmp(&b.value))
    });
    DimensionBreakdown {
        dimension: dimension.to_owned(),
        segments,
    }
}

/// How much a dimension's segments moved out of proportion: the largest share of the change above
/// the segment's share of the baseline, in points.
fn surprise(d: &DimensionBreakdown) -> f64 {
    d.segments
        .iter()
        .map(|s| s.contribution - s.share)
        .fold(f64::MIN, f64::max)
}

/// The most a segment's share of the change may exceed its share of the baseline for the change to
/// count as spread in proportion (no segment singled out).
const PROPORTIONAL: f64 = 15.0;

/// Picks the dimension whose segments moved most out of proportion, names the segments that explain
/// most of the change, and says it in a sentence.
fn finish(e: &Evaluation, by_dimension: Vec<DimensionBreakdown>) -> RootCause {
    let hourly = !e.by_country.is_empty();
    let best = by_dimension
        .iter()
        .max_by(|a, b| surprise(a).total_cmp(&surprise(b)))
        .cloned()
        .unwrap_or(DimensionBreakdown {
            dimension: "country".to_owned(),
            segments: Vec::new(),
        });
    let what = |d: &str| match d {
        "paymentMethod" => "payment method".to_owned(),
        "ogTier" => "OG tier".to_owned(),
        other => other.to_owned(),
    };
    // Name segments until they explain 80 % of the change (at most three, each a real part of it).
    let mut named = Vec::new();
    let mut explained = 0.0;
    for s in &best.segments {
        if named.len() == NAMED || explained >= 80.0 || s.contribution <= 0.0 {
            break;
        }
        explained += s.contribution;
        named.push(s.clone());
    }
    let spread = !hourly && surprise(&best) < PROPORTIONAL;
    let sentence = if named.is_empty() {
        format!("No single {} explains the change.", what(&best.dimension))
    } else if spread {
        format!(
            "The change is spread over every {} in proportion to its size (largest: {}, {:.0}% of it).",
            what(&best.dimension),
            named[0].value,
            named[0].contribution
        )
    } else if hourly {
        let parts: Vec<String> = named
            .iter()
            .map(|s| format!("{} ({:.0}, {:.0}%)", s.value, s.current, s.contribution))
            .collect();
        format!("By country, the count is mostly {}.", parts.join(", "))
    } else {
        let parts: Vec<String> = named
            .iter()
            .map(|s| {
                format!(
                    "{} ({:.2} → {:.2}, {:.0}% of the change while {:.0}% of the baseline)",
                    s.value, s.baseline, s.current, s.contribution, s.share
                )
            })
            .collect();
        format!(
            "By {}, the change is in {}.",
            what(&best.dimension),
            parts.join(", ")
        )
    };
    RootCause {
        dimension: best.dimension.clone(),
        segments: named,
        rest: 100.0 - explained,
        by_dimension,
        sentence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(v: &str, current: f64, baseline: f64) -> Part {
        Part {
            value: v.to_owned(),
            current,
            baseline,
        }
    }

    /// Shares add up to 100 and the segment that moved most is first.
    #[test]
    fn shares_of_the_change() {
        let d = breakdown(
            "country",
            vec![
                part("NP", 100.0, 400.0),
                part("IN", 190.0, 200.0),
                part("US", 60.0, 50.0),
            ],
        );
        let shares: Vec<(String, f64)> = d
            .segments
            .iter()
            .map(|s| (s.value.clone(), s.contribution))
            .collect();
        // Δ = −300 − 10 + 10 = −300: NP −300 (100 %), IN −10 (3.3 %), US +10 (−3.3 %).
        assert_eq!(shares[0].0, "NP");
        assert!((shares[0].1 - 100.0).abs() < 1e-9);
        let total: f64 = shares.iter().map(|(_, c)| c).sum();
        assert!((total - 100.0).abs() < 1e-9);
    }
}
