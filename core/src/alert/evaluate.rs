//! Evaluating one rule for one country at one instant: the window (the latest complete local day, or
//! the latest complete clock hour, in the reporting zone as of the instant), its value, the baseline
//! and the decision, with every number a dry run explains (`docs/alerts.md`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::record::{Severity, TimeWindow, WindowKind};
use super::rules::{AlertRule, AnomalyMethod, Condition, HourlySource};
use crate::anomaly::{
    robust_zscore, seasonal_hybrid_esd, Direction, MadOptions, ShesdOptions, MIN_ZSCORE_WINDOW,
};
use crate::calendar::{add_days, DateRange, Granularity, TimeRange};
use crate::kpi::catalog::Metric;
use crate::model::{AnalyticsEvent, CountryFilter, EventType, ModerationFlag};
use crate::store::StoreExt;
use crate::{Engine, Error, Result};

/// What an evaluation decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The condition does not hold.
    Ok,
    /// The condition holds.
    Breach,
    /// The window has no value (or the baseline has none).
    NoData,
    /// The rule could not be evaluated.
    Error,
}

/// One day of a baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaselineDay {
    /// The local day.
    pub date: NaiveDate,
    /// Its value (`null`: none).
    pub value: Option<f64>,
}

/// A rule's evaluation for one country selection and window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// The rule's id.
    pub rule: String,
    /// The alert `type` it raises.
    pub alert_type: String,
    /// The country selection.
    pub country: CountryFilter,
    /// The metric path (or hourly count name).
    pub metric: String,
    /// The evaluated window.
    pub window: TimeWindow,
    /// The window's value.
    pub value: Option<f64>,
    /// The baseline (mean of the baseline days' values), for baseline rules.
    pub baseline: Option<f64>,
    /// The baseline days, oldest first.
    pub baseline_days: Vec<BaselineDay>,
    /// The value the rule compared with.
    pub threshold: Option<f64>,
    /// `(value − baseline) / baseline × 100` (against the threshold for static rules and counts).
    pub deviation: Option<f64>,
    /// The decision.
    pub decision: Decision,
    /// The severity of a breach.
    pub severity: Option<Severity>,
    /// Whether the value is back past the recovery threshold (what clears a firing alert).
    pub recovered: bool,
    /// Why an evaluation failed.
    pub error: Option<String>,
    /// Counts of the window by country (hourly rules on `ALL`): the root cause's input.
    #[serde(skip)]
    pub by_country: Vec<(CountryFilter, f64)>,
    /// The decision in one sentence.
    pub explanation: String,
}

/// The latest complete local day at `at`.
pub fn latest_day(engine: &Engine, at: DateTime<Utc>) -> NaiveDate {
    add_days(engine.config().calendar.day_of(at), -1)
}

/// The latest complete clock hour of the reporting zone at `at`: the hour before the one holding `at`
/// (an hour boundary is where the local clock shows :00, so in a zone offset by 45 minutes it is :15 UTC).
pub fn latest_hour(engine: &Engine, at: DateTime<Utc>) -> TimeRange {
    let tz = engine.config().calendar.tz();
    let local = tz.from_utc_datetime(&at.naive_utc());
    // Offsets are whole minutes, so the local hour began the minutes and seconds the local clock
    // shows past :00 before `at`.
    let into_hour = i64::from(local.minute()) * 60 + i64::from(local.second());
    let start = at
        - Duration::seconds(into_hour)
        - Duration::nanoseconds(i64::from(at.nanosecond() % 1_000_000_000));
    TimeRange {
        start: start - Duration::hours(1),
        end: start,
    }
}

fn day_window(engine: &Engine, d: NaiveDate) -> TimeWindow {
    let cal = engine.config().calendar;
    let r = cal.day_range(d);
    TimeWindow {
        kind: WindowKind::Day,
        from: r.start,
        to: r.end,
        label: d.format("%Y-%m-%d").to_string(),
        timezone: cal.tz().name().to_owned(),
    }
}

fn hour_window(engine: &Engine, r: TimeRange) -> TimeWindow {
    let tz = engine.config().calendar.tz();
    let local = tz.from_utc_datetime(&r.start.naive_utc());
    TimeWindow {
        kind: WindowKind::Hour,
        from: r.start,
        to: r.end,
        // The offset is in the label: an hour that a DST change repeats is told apart.
        label: local.format("%Y-%m-%dT%H:00%:z").to_string(),
        timezone: tz.name().to_owned(),
    }
}

fn pct(num: f64, den: f64) -> Option<f64> {
    (den != 0.0 && num.is_finite()).then(|| num / den * 100.0)
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "no value".to_owned(), |v| format!("{v:.2}"))
}

/// Evaluates `rule` for `country` as of `at`.
pub fn evaluate(
    engine: &Engine,
    rule: &AlertRule,
    country: CountryFilter,
    at: DateTime<Utc>,
) -> Evaluation {
    let mut e = match &rule.condition {
        Condition::HourlyCount { source, .. } => {
            let hour = latest_hour(engine, at);
            blank(rule, country, source.metric(), hour_window(engine, hour))
        }
        c => {
            let day = latest_day(engine, at);
            blank(
                rule,
                country,
                c.metric().unwrap_or_default(),
                day_window(engine, day),
            )
        }
    };
    if let Err(err) = fill(engine, rule, &mut e) {
        e.decision = Decision::Error;
        e.severity = None;
        e.recovered = false;
        e.explanation = format!("{} could not be evaluated: {err}", rule.id);
        e.error = Some(err.to_string());
    }
    e
}

fn blank(rule: &AlertRule, country: CountryFilter, metric: &str, window: TimeWindow) -> Evaluation {
    Evaluation {
        rule: rule.id.clone(),
        alert_type: rule.alert_type(),
        country,
        metric: metric.to_owned(),
        window,
        value: None,
        baseline: None,
        baseline_days: Vec::new(),
        threshold: None,
        deviation: None,
        decision: Decision::NoData,
        severity: None,
        recovered: true,
        error: None,
        by_country: Vec::new(),
        explanation: String::new(),
    }
}

/// The values of `metric` per day of `range` for `country`.
pub(crate) fn daily_values(
    engine: &Engine,
    metric: &Metric,
    range: DateRange,
    country: CountryFilter,
) -> Result<BTreeMap<NaiveDate, Option<f64>>> {
    let series = engine.time_series(metric, range, Granularity::Day, country)?;
    Ok(series
        .points
        .into_iter()
        .map(|p| (p.from, p.value))
        .collect())
}

fn fill(engine: &Engine, rule: &AlertRule, e: &mut Evaluation) -> Result<()> {
    let decide = |e: &mut Evaluation, breach: bool, measure: f64, recovered: bool| {
        e.decision = if breach {
            Decision::Breach
        } else {
            Decision::Ok
        };
        e.severity = breach.then(|| rule.severity.of(measure));
        e.recovered = recovered;
    };
    match &rule.condition {
        Condition::BelowBaseline {
            metric,
            pct: p,
            baseline,
        }
        | Condition::AboveBaseline {
            metric,
            pct: p,
            baseline,
        } => {
            let below = matches!(rule.condition, Condition::BelowBaseline { .. });
            let m = Metric::parse(metric)?;
            let day = latest_day_of(e)?;
            let offsets = baseline.offsets();
            let earliest = add_days(day, -offsets.iter().copied().max().unwrap_or(1));
            let values = daily_values(engine, m, DateRange::new(earliest, day)?, e.country)?;
            e.value = values.get(&day).copied().flatten();
            let mut days: Vec<BaselineDay> = offsets
                .iter()
                .map(|o| {
                    let date = add_days(day, -o);
                    BaselineDay {
                        date,
                        value: values.get(&date).copied().flatten(),
                    }
                })
                .collect();
            days.sort_by_key(|d| d.date);
            let known: Vec<f64> = days.iter().filter_map(|d| d.value).collect();
            e.baseline =
                (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64);
            e.baseline_days = days;
            let (Some(v), Some(b)) = (e.value, e.baseline) else {
                e.explanation = format!(
                    "{} of {} has {} and its baseline {}: no data",
                    m.id,
                    e.window.label,
                    fmt(e.value),
                    fmt(e.baseline)
                );
                return Ok(());
            };
            let sign = if below { -1.0 } else { 1.0 };
            e.threshold = Some(b * (1.0 + sign * p / 100.0));
            e.deviation = pct(v - b, b);
            let Some(dev) = e.deviation else {
                // A zero baseline has no relative change: nothing to compare.
                decide(e, false, 0.0, true);
                e.explanation = format!(
                    "{} of {} is {v:.2} against a baseline of 0: no relative change",
                    m.id, e.window.label
                );
                return Ok(());
            };
            let breach = if below { dev < -p } else { dev > *p };
            let recovery = rule.recovery.unwrap_or(*p);
            let recovered = if below {
                dev >= -recovery
            } else {
                dev <= recovery
            };
            decide(e, breach, dev.abs(), recovered);
            e.explanation = format!(
                "{} of {} is {v:.2}, {:+.1}% against the baseline {b:.2} (mean of {} day(s)); the rule fires {} {:.1}%: {}",
                m.id,
                e.window.label,
                dev,
                e.baseline_days.len(),
                if below { "below" } else { "above" },
                sign * p,
                if breach { "breach" } else { "ok" }
            );
        }
        Condition::Threshold {
            metric,
            above,
            below,
        } => {
            let m = Metric::parse(metric)?;
            let day = latest_day_of(e)?;
            let values = daily_values(engine, m, DateRange::day(day), e.country)?;
            e.value = values.get(&day).copied().flatten();
            let Some(v) = e.value else {
                e.explanation = format!("{} of {} has no value: no data", m.id, e.window.label);
                return Ok(());
            };
            let over = above.filter(|a| v > *a);
            let under = below.filter(|b| v < *b);
            let crossed = over.or(under).or(*above).or(*below);
            e.threshold = crossed;
            e.deviation = crossed.and_then(|t| pct(v - t, t.abs()));
            let breach = over.is_some() || under.is_some();
            let recovered = match (rule.recovery, over, under) {
                (Some(r), Some(_), _) => v <= r,
                (Some(r), _, Some(_)) => v >= r,
                _ => !breach,
            };
            decide(e, breach, v, recovered);
            e.explanation = format!(
                "{} of {} is {v:.2}; thresholds above {} / below {}: {}",
                m.id,
                e.window.label,
                fmt(*above),
                fmt(*below),
                if breach { "breach" } else { "ok" }
            );
        }
        Condition::Anomaly {
            metric,
            history_days,
            method,
            shesd,
            zscore,
        } => {
            let m = Metric::parse(metric)?;
            let day = latest_day_of(e)?;
            let first = add_days(day, 1 - i64::from(*history_days));
            let values = daily_values(engine, m, DateRange::new(first, day)?, e.country)?;
            e.value = values.get(&day).copied().flatten();
            // A day without a value (a rate without its denominator) leaves no series to test.
            let series: Option<Vec<f64>> = values.values().copied().collect();
            let (Some(v), Some(series)) = (e.value, series) else {
                e.explanation = format!(
                    "{} has a day without a value in {first} … {day}: no data",
                    m.id
                );
                return Ok(());
            };
            let last = series.len().saturating_sub(1);
            let found = match method {
                AnomalyMethod::Shesd => {
                    // A daily history is short: up to 30 % of it may be tested (still each
                    // anomaly must pass the ESD test).
                    let mut o = shesd.clone().unwrap_or_else(|| ShesdOptions {
                        direction: Direction::Both,
                        max_anoms: 0.3,
                        ..ShesdOptions::new(7)
                    });
                    o.e_value = true;
                    seasonal_hybrid_esd(&series, &o)?
                }
                AnomalyMethod::Zscore => {
                    let o = zscore.clone().unwrap_or(MadOptions {
                        window: last.max(MIN_ZSCORE_WINDOW),
                        direction: Direction::Both,
                        ..MadOptions::default()
                    });
                    robust_zscore(&series, &o)?
                }
            };
            let hit = found.iter().find(|a| a.index == last);
            e.baseline = hit.and_then(|a| a.expected);
            e.threshold = e.baseline;
            e.deviation = e.baseline.and_then(|b| pct(v - b, b));
            let breach = hit.is_some();
            decide(e, breach, e.deviation.map_or(0.0, f64::abs), !breach);
            e.explanation = format!(
                "{} of {} is {v:.2}; {} over the {} days ending on it {}",
                m.id,
                e.window.label,
                match method {
                    AnomalyMethod::Shesd => "seasonal hybrid ESD",
                    AnomalyMethod::Zscore => "the robust z-score",
                },
                series.len(),
                match (breach, e.baseline) {
                    (true, Some(b)) => format!("finds it anomalous (expected {b:.2}): breach"),
                    (true, None) => "finds it anomalous: breach".to_owned(),
                    (false, _) => "finds nothing unusual: ok".to_owned(),
                }
            );
        }
        Condition::HourlyCount { source, above } => {
            let range = TimeRange {
                start: e.window.from,
                end: e.window.to,
            };
            let counts = hourly_counts(engine, *source, range)?;
            let count: u64 = counts
                .iter()
                .filter(|(c, _)| e.country == CountryFilter::All || **c == e.country)
                .map(|(_, n)| *n)
                .sum();
            e.value = Some(count as f64);
            e.threshold = Some(*above as f64);
            e.deviation = pct(count as f64 - *above as f64, *above as f64);
            if e.country == CountryFilter::All {
                e.by_country = counts.iter().map(|(c, n)| (*c, *n as f64)).collect();
            }
            let recovery = rule.recovery.unwrap_or(*above as f64);
            decide(e, count > *above, count as f64, count as f64 <= recovery);
            e.explanation = format!(
                "{} in the hour {}: {count}; the rule fires above {above}: {}",
                source.metric(),
                e.window.label,
                if count > *above { "breach" } else { "ok" }
            );
        }
    }
    Ok(())
}

fn latest_day_of(e: &Evaluation) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&e.window.label, "%Y-%m-%d")
        .map_err(|_| Error::Internal(format!("a day window labelled `{}`", e.window.label)))
}

/// Documents of `source` in `range`, by country (their own, else their user's, else `UNKNOWN`).
pub(crate) fn hourly_counts(
    engine: &Engine,
    source: HourlySource,
    range: TimeRange,
) -> Result<BTreeMap<CountryFilter, u64>> {
    let dir = engine.directory()?;
    let store = engine.store();
    let mut out: BTreeMap<CountryFilter, u64> = BTreeMap::new();
    let mut count = |c: CountryFilter| {
        let n = out.entry(c).or_default();
        *n = n.saturating_add(1);
    };
    match source {
        HourlySource::ModerationFlags => store.each::<ModerationFlag>(Some(range), |f| {
            count(CountryFilter::of(
                f.country.or_else(|| dir.country(&f.user_id)),
            ));
        })?,
        HourlySource::ErrorEvents => store.each::<AnalyticsEvent>(Some(range), |ev| {
            if ev.event_type == EventType::ErrorEvent {
                let user = ev.user_id.as_ref().and_then(|u| dir.country(u));
                count(CountryFilter::of(ev.country.or(user)));
            }
        })?,
    }
    Ok(out)
}
