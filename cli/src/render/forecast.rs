//! Forecast tables: one row per step (or day) with the point forecast and its bounds at each level,
//! then the chosen model, its validation accuracy, the other candidates, the series' summary and the
//! notes. Ids, metric names and notes come from the caller or the data: all go through [`cell`].

use std::fmt::Write as _;

use halobuzz_analytics::api::forecast::{ModelReport, PredictionBound};
use halobuzz_analytics::api::{ForecastBatchResponse, MetricForecast, SeriesForecastResponse};
use halobuzz_analytics::forecast::accuracy::Accuracy;
use halobuzz_analytics::forecast::auto::{LevelCalibration, Validation};
use halobuzz_analytics::forecast::summary::SeriesSummary;

use super::{cell, clipped};

/// A number as a forecast table shows it: two decimals, thousands grouped, `—` when not finite.
fn num(x: f64) -> String {
    if !x.is_finite() {
        "—".to_owned()
    } else if x.abs() < 1e15 {
        // Always two decimals, so that the columns line up (fmt_num drops a zero fraction).
        let s = format!("{x:.2}");
        match s.split_once('.') {
            Some((int, frac)) => format!("{}.{frac}", super::group(int)),
            None => s,
        }
    } else {
        // Rounding to cents would overflow near f64::MAX; such values read better in e-notation.
        format!("{x:.6e}")
    }
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "—".to_owned(), |x| format!("{x:.digits$}"))
}

fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
}

/// A level as a column name: `80`, `97.5`.
fn level(l: f64) -> String {
    format!("{l}")
}

/// A table row: its step or day, the point forecast, and the (lower, upper) bounds per level.
type Row = (String, f64, Vec<(f64, f64)>);

/// The table: `label` names the first column.
fn table(label: &str, levels: &[f64], rows: &[Row]) -> String {
    let mut out = String::new();
    let mut head = format!("  {label:<12} {:>14}", "forecast");
    for l in levels {
        let _ = write!(
            head,
            " {:>14} {:>14}",
            format!("lo {}%", level(*l)),
            format!("hi {}%", level(*l))
        );
    }
    let _ = writeln!(out, "{head}");
    for (key, point, bounds) in rows {
        let mut line = format!("  {key:<12} {:>14}", num(*point));
        for (lo, hi) in bounds {
            let _ = write!(line, " {:>14} {:>14}", num(*lo), num(*hi));
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The model, its accuracy, the candidates, the summary and the notes.
fn about(
    out: &mut String,
    model: &ModelReport,
    validation: Option<&Validation>,
    calibration: &[LevelCalibration],
    summary: &SeriesSummary,
    notes: &[String],
) {
    let seasons = if model.season_lengths.is_empty() {
        "none".to_owned()
    } else {
        model
            .season_lengths
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "  model: {} (method {}, intervals {}, seasons {seasons})",
        cell(&model.name),
        model.method.key(),
        cell(&model.interval_method)
    );
    match validation.and_then(|v| v.candidates.first().map(|c| (v, c))) {
        Some((v, chosen)) => {
            let _ = writeln!(
                out,
                "  validation ({} origin(s) × {} steps, the model's own intervals): {}",
                v.origins,
                v.horizon,
                accuracy(&chosen.accuracy)
            );
            if !calibration.is_empty() {
                let factors: Vec<String> = calibration
                    .iter()
                    .map(|c| format!("{}% ×{:.2}", level(c.level), c.factor))
                    .collect();
                let _ = writeln!(
                    out,
                    "  calibration (half-widths scaled to the validation errors): {}",
                    factors.join(", ")
                );
            }
            if v.candidates.len() > 1 {
                let all: Vec<String> = v
                    .candidates
                    .iter()
                    .map(|c| format!("{} {}", cell(&c.name), opt(c.accuracy.mase, 3)))
                    .collect();
                let _ = writeln!(out, "  candidates' MASE: {}", all.join(", "));
            }
        }
        None => {
            let _ = writeln!(out, "  validation: none (series too short or no origins)");
        }
    }
    let _ = writeln!(
        out,
        "  trend {:?} ({} against the last {} values), historical growth {}, volatility {}",
        summary.trend,
        pct(summary.forecast_change_percent),
        summary.window,
        pct(summary.historical_growth_percent),
        pct(summary.volatility_percent),
    );
    for n in notes.iter().take(20) {
        let _ = writeln!(out, "  note: {}", clipped(n, 200));
    }
}

/// `MASE 0.812, sMAPE 7.3%, coverage 80% 78.0%, 95% 93.1%`.
pub fn accuracy(a: &Accuracy) -> String {
    let mut s = format!(
        "MASE {}, sMAPE {}",
        opt(a.mase, 3),
        a.smape
            .filter(|x| x.is_finite())
            .map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
    );
    if !a.intervals.is_empty() {
        let cov: Vec<String> = a
            .intervals
            .iter()
            .map(|i| format!("{}% {}", level(i.level), pct(i.coverage.map(|c| c * 100.0))))
            .collect();
        let _ = write!(s, ", coverage {}", cov.join(", "));
    }
    s
}

/// One series' forecast.
pub fn series_forecast(f: &SeriesForecastResponse) -> String {
    let mut out = match &f.id {
        Some(id) => format!("Forecast of {} ({} steps)\n", cell(id), f.horizon),
        None => format!("Forecast ({} steps)\n", f.horizon),
    };
    let levels: Vec<f64> = f.intervals.iter().map(|i| i.level).collect();
    let rows: Vec<_> = f
        .point
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let key = f
                .dates
                .as_ref()
                .and_then(|d| d.get(i))
                .map_or_else(|| (i + 1).to_string(), ToString::to_string);
            let bounds = f
                .intervals
                .iter()
                .map(|iv| {
                    (
                        iv.lower.get(i).copied().unwrap_or(f64::NAN),
                        iv.upper.get(i).copied().unwrap_or(f64::NAN),
                    )
                })
                .collect();
            (key, *p, bounds)
        })
        .collect();
    let label = if f.dates.is_some() { "date" } else { "step" };
    out.push_str(&table(label, &levels, &rows));
    if f.filled > 0 {
        let _ = writeln!(out, "  {} missing value(s) filled", f.filled);
    }
    about(
        &mut out,
        &f.model,
        f.validation.as_ref(),
        &f.calibration,
        &f.summary,
        &f.notes,
    );
    out
}

/// A batch: each forecast, then the series that failed.
pub fn forecast_batch(b: &ForecastBatchResponse) -> String {
    let mut out = String::new();
    for f in &b.forecasts {
        out.push_str(&series_forecast(f));
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} series forecast, {} failed",
        b.forecasts.len(),
        b.failures.len()
    );
    for f in b.failures.iter().take(100) {
        let _ = writeln!(
            out,
            "  series {} ({}): error[{}] {}",
            f.index,
            cell(f.id.as_deref().unwrap_or("—")),
            f.code,
            clipped(&f.message, 200)
        );
    }
    if b.failures.len() > 100 {
        let _ = writeln!(out, "  … and {} more", b.failures.len() - 100);
    }
    out
}

fn bounds(b: &[PredictionBound]) -> Vec<(f64, f64)> {
    b.iter().map(|x| (x.lower, x.upper)).collect()
}

/// The unit as JSON names it (`npr`, `count`).
fn unit(f: &MetricForecast) -> String {
    serde_json::to_value(f.unit)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A metric's forecast.
pub fn metric_forecast(f: &MetricForecast) -> String {
    let mut out = format!(
        "Forecast of {} ({}, country {}), {} days after {} (history from {}, {})\n",
        cell(&f.metric),
        cell(&unit(f)),
        cell(&f.country.to_string()),
        f.horizon_days,
        f.history_to,
        f.history_from,
        cell(&f.timezone),
    );
    let levels: Vec<f64> = f
        .predictions
        .first()
        .map(|p| p.intervals.iter().map(|b| b.level).collect())
        .unwrap_or_default();
    let rows: Vec<_> = f
        .predictions
        .iter()
        .map(|p| (p.date.to_string(), p.value, bounds(&p.intervals)))
        .collect();
    out.push_str(&table("date", &levels, &rows));
    about(
        &mut out,
        &f.model,
        f.validation.as_ref(),
        &f.calibration,
        &f.summary,
        &f.notes,
    );
    out
}

/// The short form the demo prints: the days with the band at `level`, and the validation.
pub fn metric_forecast_short(f: &MetricForecast, level: f64) -> String {
    let mut out = format!(
        "{} forecast for the {} days after {} (country {})\n",
        cell(&f.metric),
        f.horizon_days,
        f.history_to,
        cell(&f.country.to_string())
    );
    let rows: Vec<_> = f
        .predictions
        .iter()
        .map(|p| {
            let b = p
                .intervals
                .iter()
                .find(|b| b.level == level)
                .map_or((f64::NAN, f64::NAN), |b| (b.lower, b.upper));
            (p.date.to_string(), p.value, vec![b])
        })
        .collect();
    out.push_str(&table("date", &[level], &rows));
    let _ = writeln!(out, "  model: {}", cell(&f.model.name));
    if let Some(a) = &f.accuracy {
        let _ = writeln!(out, "  validation (before calibration): {}", accuracy(a));
    }
    if let Some(c) = f.calibration.iter().find(|c| c.level == level) {
        let _ = writeln!(
            out,
            "  the {}% band is the model's scaled ×{:.2} to the validation errors",
            super::forecast::level(level),
            c.factor
        );
    }
    out
}

/// Stored forecasts: one line each.
pub fn stored_forecasts(list: &[MetricForecast]) -> String {
    if list.is_empty() {
        return "no stored forecasts\n".to_owned();
    }
    let mut out = format!(
        "  {:<28} {:<8} {:<10} {:>7}  {:<20} {:>8}  {}\n",
        "metric", "country", "history to", "horizon", "generated at", "MASE", "model"
    );
    for f in list {
        let _ = writeln!(
            out,
            "  {:<28} {:<8} {:<10} {:>7}  {:<20} {:>8}  {}",
            cell(&f.metric),
            cell(&f.country.to_string()),
            f.history_to,
            f.horizon_days,
            f.generated_at.format("%Y-%m-%d %H:%M UTC"),
            opt(f.accuracy.as_ref().and_then(|a| a.mase), 3),
            cell(&f.model.name)
        );
    }
    out
}
