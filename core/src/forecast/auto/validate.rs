//! Validation of the automatic forecaster's candidates on rolling origins, and the calibration of the
//! chosen model's intervals on that validation's errors (docs/forecast.md, steps 3, 4 and 6).

use serde::{Deserialize, Serialize};

use super::{mean_forecast, FittedModel, Method, Options};
use crate::forecast::accuracy::{self, Accuracy, IntervalAccuracy};
use crate::forecast::types::{Forecast, Interval};
use crate::Result;

/// One candidate's validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateScore {
    /// The candidate's method.
    pub method: Method,
    /// Its model's name.
    pub name: String,
    /// Its accuracy over the validation origins (MASE the mean of the origins').
    pub accuracy: Accuracy,
}

/// How the chosen model was validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Origins: the last `origins × horizon` values were forecast `horizon` at a time.
    pub origins: usize,
    /// Steps forecast from each origin.
    pub horizon: usize,
    /// The season of the MASE and MSIS scale.
    pub season: usize,
    /// Every candidate validated, the chosen one first.
    pub candidates: Vec<CandidateScore>,
}

/// The calibration of one level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LevelCalibration {
    /// The level, percent.
    pub level: f64,
    /// The coverage the model's own intervals reached in validation.
    pub validation_coverage: Option<f64>,
    /// The factor the half-widths were multiplied by (1: unchanged).
    pub factor: f64,
}

/// What validation measured: per candidate (aligned with the fitted candidates; `None` when it could
/// not be validated) its accuracy and, per origin, (actual, forecast).
pub(super) struct Validated {
    origins: usize,
    horizon: usize,
    pub(super) runs: Vec<Option<CandidateRun>>,
    /// The candidate with the lowest validation MASE (MAE when no MASE exists).
    pub(super) best: usize,
}

pub(super) struct CandidateRun {
    method: Method,
    name: String,
    accuracy: Accuracy,
    windows: Vec<(Vec<f64>, Forecast)>,
}

impl Validated {
    pub(super) fn into_report(self, chosen: usize, season: usize) -> Validation {
        let mut candidates = Vec::with_capacity(self.runs.len());
        let mut runs = self.runs;
        if let Some(Some(c)) = runs.get_mut(chosen).map(Option::take) {
            candidates.push(score(c));
        }
        candidates.extend(runs.into_iter().flatten().map(score));
        Validation {
            origins: self.origins,
            horizon: self.horizon,
            season,
            candidates,
        }
    }
}

fn score(c: CandidateRun) -> CandidateScore {
    CandidateScore {
        method: c.method,
        name: c.name,
        accuracy: c.accuracy,
    }
}

/// Rolling-origin validation: origin i of k forecasts values[n − (k − i)·hv ..][..hv] from the values
/// before it, every candidate with the smoothing parameters fitted on the whole series (re-running
/// only the decomposition and the states), so that validating costs a pass, not a fit, per origin.
pub(super) fn validate(
    values: &[f64],
    fitted: &[(Method, FittedModel)],
    options: &Options,
    season: usize,
    levels: &[f64],
) -> Result<Option<Validated>> {
    let n = values.len();
    let k = options.validation_origins;
    if k == 0 {
        return Ok(None);
    }
    let longest = fitted
        .iter()
        .map(|(_, f)| min_training(f))
        .max()
        .unwrap_or(2)
        .max(2 * season + 1);
    if n <= longest + k {
        return Ok(None);
    }
    let hv = options.horizon.min((n - longest) / k);
    if hv == 0 {
        return Ok(None);
    }
    // Candidates are compared on points alone; only the chosen one's intervals are needed (for its
    // coverage and the calibration), so only its windows are forecast again with them.
    let run = |model: &FittedModel, method: Method, levels: &[f64]| -> Option<CandidateRun> {
        let mut windows = Vec::with_capacity(k);
        for i in 0..k {
            let origin = n - (k - i) * hv;
            let f = model
                .with_params_on(&values[..origin])
                .and_then(|m| m.forecast(hv, levels))
                .ok()
                .filter(|f| f.point.iter().all(|v| v.is_finite()))?;
            windows.push((values[origin..origin + hv].to_vec(), f));
        }
        Some(CandidateRun {
            method,
            name: model.name(),
            accuracy: pooled_accuracy(values, &windows, n - k * hv, hv, season),
            windows,
        })
    };
    let mut runs: Vec<Option<CandidateRun>> = Vec::with_capacity(fitted.len());
    for (method, model) in fitted {
        // The combination's points are the mean of its members' points, which were just validated:
        // averaging them saves re-running the members (an MSTL decomposition per origin).
        let reused = match model {
            FittedModel::Combination { models } => {
                combine_runs(&runs, fitted, models).map(|windows| CandidateRun {
                    method: *method,
                    name: model.name(),
                    accuracy: pooled_accuracy(values, &windows, n - k * hv, hv, season),
                    windows,
                })
            }
            _ => None,
        };
        runs.push(reused.or_else(|| run(model, *method, &[])));
    }
    let key = |r: &Option<CandidateRun>| {
        r.as_ref()
            .and_then(|c| c.accuracy.mase.or(c.accuracy.mae))
            .unwrap_or(f64::INFINITY)
    };
    if runs.iter().all(Option::is_none) {
        return Ok(None);
    }
    let best = (0..runs.len())
        .min_by(|&a, &b| key(&runs[a]).total_cmp(&key(&runs[b])))
        .unwrap_or(0);
    let chosen = if options.method == Method::Auto {
        best
    } else {
        0
    };
    if !levels.is_empty() {
        if let Some((method, model)) = fitted.get(chosen) {
            runs[chosen] = run(model, *method, levels);
        }
    }
    Ok(Some(Validated {
        origins: k,
        horizon: hv,
        runs,
        best,
    }))
}

/// The validation windows of a combination from its members' runs (points only), when every member
/// was validated as a candidate of its own.
fn combine_runs(
    runs: &[Option<CandidateRun>],
    fitted: &[(Method, FittedModel)],
    members: &[FittedModel],
) -> Option<Vec<(Vec<f64>, Forecast)>> {
    let member_runs: Vec<&CandidateRun> = members
        .iter()
        .map(|m| {
            let i = fitted.iter().position(|(_, f)| f == m)?;
            runs.get(i)?.as_ref()
        })
        .collect::<Option<_>>()?;
    let first = member_runs.first()?;
    Some(
        (0..first.windows.len())
            .map(|w| {
                let forecasts: Vec<Forecast> =
                    member_runs.iter().map(|r| r.windows[w].1.clone()).collect();
                (first.windows[w].0.clone(), mean_forecast(&forecasts))
            })
            .collect(),
    )
}

/// The fewest values a model's validation refit needs.
fn min_training(model: &FittedModel) -> usize {
    match model {
        FittedModel::Mstl(m) => 2 * m.periods.last().copied().unwrap_or(1) + 1,
        FittedModel::Ets(e) => 2 * e.season_length + 2,
        FittedModel::Baseline(b) => b.method.min_points(),
        FittedModel::Combination { models } => models.iter().map(min_training).max().unwrap_or(2),
    }
}

/// MAE, RMSE, sMAPE and coverage over every validation value; MASE and MSIS the mean of the origins'
/// (each scaled by its own training values).
fn pooled_accuracy(
    values: &[f64],
    windows: &[(Vec<f64>, Forecast)],
    first_origin: usize,
    hv: usize,
    season: usize,
) -> Accuracy {
    let actual: Vec<f64> = windows
        .iter()
        .flat_map(|(a, _)| a.iter().copied())
        .collect();
    let point: Vec<f64> = windows
        .iter()
        .flat_map(|(_, f)| f.point.iter().copied())
        .collect();
    let scale_season = |train: &[f64]| {
        if accuracy::mase_scale(train, season).is_some() {
            season
        } else {
            1
        }
    };
    let per_origin: Vec<Accuracy> = windows
        .iter()
        .enumerate()
        .map(|(i, (a, f))| {
            let train = &values[..first_origin + i * hv];
            accuracy::evaluate(a, f, train, scale_season(train))
        })
        .collect();
    let mean = |get: &dyn Fn(&Accuracy) -> Option<f64>| -> Option<f64> {
        let v: Vec<f64> = per_origin.iter().filter_map(get).collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let levels: Vec<f64> = windows
        .first()
        .map(|(_, f)| f.intervals.iter().map(|i| i.level).collect())
        .unwrap_or_default();
    let intervals = levels
        .iter()
        .map(|&level| {
            let lower: Vec<f64> = windows
                .iter()
                .flat_map(|(_, f)| {
                    f.interval(level)
                        .map(|i| i.lower.clone())
                        .unwrap_or_default()
                })
                .collect();
            let upper: Vec<f64> = windows
                .iter()
                .flat_map(|(_, f)| {
                    f.interval(level)
                        .map(|i| i.upper.clone())
                        .unwrap_or_default()
                })
                .collect();
            IntervalAccuracy {
                level,
                coverage: accuracy::coverage(&actual, &lower, &upper),
                msis: mean(&|a: &Accuracy| {
                    a.intervals
                        .iter()
                        .find(|x| x.level == level)
                        .and_then(|x| x.msis)
                }),
            }
        })
        .collect();
    Accuracy {
        count: actual.len(),
        mae: accuracy::mae(&actual, &point),
        rmse: accuracy::rmse(&actual, &point),
        smape: accuracy::smape(&actual, &point),
        mase: mean(&|a: &Accuracy| a.mase),
        intervals,
    }
}

/// Scaled split-conformal calibration: each validation error is divided by its interval's half-width
/// at the level (on the side the error fell), and the rank-⌈(N + 1)·level⌉ of those ratios is the
/// factor that would have covered the level (see [`calibration_factor`]).
pub(super) fn calibrate(run: &CandidateRun, levels: &[f64]) -> Vec<LevelCalibration> {
    let calibrated = levels
        .iter()
        .map(|&level| {
            let mut ratios = Vec::new();
            let mut inside = 0usize;
            let mut total = 0usize;
            for (actual, f) in &run.windows {
                let Some(i) = f.interval(level) else { continue };
                for (j, y) in actual.iter().enumerate() {
                    let (p, l, u) = (f.point[j], i.lower[j], i.upper[j]);
                    total += 1;
                    if (l..=u).contains(y) {
                        inside += 1;
                    }
                    let half = if *y >= p { u - p } else { p - l };
                    let err = (y - p).abs();
                    if half > 0.0 {
                        ratios.push(err / half);
                    } else if err > 0.0 {
                        ratios.push(f64::INFINITY);
                    } else {
                        ratios.push(0.0);
                    }
                }
            }
            let coverage = (total > 0).then(|| inside as f64 / total as f64);
            ratios.sort_by(f64::total_cmp);
            let factor = calibration_factor(&ratios, level);
            let measurable =
                ((ratios.len() + 1) as f64 * level / 100.0 - 1e-9).ceil() as usize <= ratios.len();
            (
                LevelCalibration {
                    level,
                    validation_coverage: coverage,
                    factor,
                },
                measurable,
            )
        })
        .collect::<Vec<_>>();
    // A level too high to calibrate on this many errors (95 % needs 19) still widens at least as much
    // as the highest lower level that was widened: otherwise a calibrated 80 % interval could end up
    // wider than the uncalibrated 95 % one.
    let mut out = Vec::with_capacity(levels.len());
    for (cal, measurable) in &calibrated {
        let mut cal = cal.clone();
        if !measurable {
            let inherited = calibrated
                .iter()
                .filter(|(c, m)| *m && c.level < cal.level)
                .map(|(c, _)| c.factor)
                .fold(1.0, f64::max);
            cal.factor = cal.factor.max(inherited);
        }
        out.push(cal);
    }
    out
}

/// Makes the intervals nest: each contains every interval of a lower level (a higher level's interval
/// is widened to the union where calibration left it narrower).
pub(super) fn nest(intervals: &mut [Interval]) {
    for a in 0..intervals.len() {
        for b in 0..intervals.len() {
            if intervals[b].level >= intervals[a].level {
                continue;
            }
            let (lower, upper) = (intervals[b].lower.clone(), intervals[b].upper.clone());
            let high = &mut intervals[a];
            high.lower
                .iter_mut()
                .zip(&lower)
                .for_each(|(h, l)| *h = h.min(*l));
            high.upper
                .iter_mut()
                .zip(&upper)
                .for_each(|(h, u)| *h = h.max(*u));
        }
    }
}

/// The factor of the half-widths from the sorted ratios |error| / half-width: the conformal quantile q
/// at rank ⌈(N + 1)·level⌉ when it exceeds 1 (the intervals under-covered: widen). Narrowing needs
/// more evidence, since too-narrow intervals cost more than too-wide ones: the one-sided 99 % upper
/// confidence bound of that quantile (the rank plus 2.326 binomial standard deviations) must be below
/// 1, and the intervals are narrowed only to it. 1 when the sample is too small for the rank.
fn calibration_factor(sorted_ratios: &[f64], level: f64) -> f64 {
    let n = sorted_ratios.len();
    let p = level / 100.0;
    let rank = ((n + 1) as f64 * p - 1e-9).ceil() as usize;
    if rank == 0 || rank > n {
        return 1.0;
    }
    let q = sorted_ratios[rank - 1];
    if !q.is_finite() {
        return 1.0;
    }
    if q >= 1.0 {
        return q;
    }
    let upper_rank = rank + (2.326 * (n as f64 * p * (1.0 - p)).sqrt()).ceil() as usize;
    match sorted_ratios.get(upper_rank.saturating_sub(1)) {
        Some(&hi) if upper_rank <= n && hi < 1.0 && hi > 0.0 => hi,
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_widens_on_evidence_and_narrows_only_on_strong_evidence() {
        // 99 ratios 0.01 … 0.99 (all inside): the 80 % conformal quantile is rank 80, 0.80; its 99 %
        // upper bound is rank 80 + ⌈2.326·√(99·0.16)⌉ = 90, 0.90 < 1: narrowed to 0.90.
        let inside: Vec<f64> = (1..=99).map(|i| i as f64 / 100.0).collect();
        assert_eq!(calibration_factor(&inside, 80.0), 0.9);
        // Scaled up 1.5 times, the quantile 1.2 exceeds 1: widened by it.
        let outside: Vec<f64> = inside.iter().map(|r| r * 1.5).collect();
        assert!((calibration_factor(&outside, 80.0) - 1.2).abs() < 1e-12);
        // The upper bound at 0.99 × 1.5 > 1 is no evidence for narrowing a 95 % interval: ratios
        // 0.01 … 0.99 scaled by 1.02 give q(95) = 0.969 but an upper bound above 1.
        let near: Vec<f64> = inside.iter().map(|r| r * 1.02).collect();
        assert_eq!(calibration_factor(&near, 95.0), 1.0);
        // Too few ratios for the rank: unchanged.
        assert_eq!(calibration_factor(&[0.1; 10], 95.0), 1.0);
        assert_eq!(calibration_factor(&[], 80.0), 1.0);
    }

    #[test]
    fn intervals_nest_after_calibration() {
        let mut v = vec![
            Interval {
                level: 95.0,
                lower: vec![0.0, 1.0],
                upper: vec![10.0, 9.0],
            },
            Interval {
                level: 80.0,
                lower: vec![-1.0, 2.0],
                upper: vec![8.0, 9.5],
            },
        ];
        nest(&mut v);
        assert_eq!(v[0].lower, vec![-1.0, 1.0]);
        assert_eq!(v[0].upper, vec![10.0, 9.5]);
        assert_eq!(v[1].lower, vec![-1.0, 2.0]);
    }
}
