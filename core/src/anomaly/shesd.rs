//! Seasonal-hybrid ESD: R's `AnomalyDetectionVec` driver (piecewise windows, thresholds, last-day filter)
//! around `detect_anoms` (decomposition and generalized ESD).

use super::stats::{
    esd_critical_value, sorted_mad_raw, sorted_median, sorted_quantile7, MAD_CONSTANT,
};
use super::stl::stl_periodic_robust;
use super::{
    check_range, check_series, Anomaly, Direction, OnlyLast, ShesdOptions, Threshold, MAX_POINTS,
};
use crate::{Error, Result};

/// Days in R's default `longterm` window (`piecewise_median_period_weeks = 2`).
const DEFAULT_LONGTERM_DAYS: usize = 14;

/// The options once checked, with their defaults resolved.
struct Plan {
    period: usize,
    max_anoms: f64,
    points_per_day: usize,
    /// The piecewise window, when `longterm`.
    window: Option<usize>,
}

fn plan(values: &[f64], opts: &ShesdOptions) -> Result<Plan> {
    check_series(values)?;
    let n = values.len();
    let period = opts.period;
    if period < 2 {
        return Err(Error::invalid_argument(
            "period",
            format!("{period} is too short: a seasonal period has at least 2 points"),
        ));
    }
    // R's `stl` refuses a series of two periods or fewer ("series is not periodic or has less than two
    // periods"): the cycle-subseries need three values to be smoothed and extended.
    if n <= period.saturating_mul(2) {
        return Err(Error::invalid_argument(
            "period",
            format!(
                "the series has {n} points but the seasonal decomposition needs more than two periods \
                 (at least {} points for a period of {period}); give a longer series or a shorter period",
                period.saturating_mul(2).saturating_add(1)
            ),
        ));
    }
    check_range(
        "maxAnoms",
        opts.max_anoms,
        false,
        0.0,
        super::MAX_ANOMS_LIMIT,
        false,
    )?;
    check_range("alpha", opts.alpha, true, 0.0, 1.0, true)?;
    let points_per_day = opts.points_per_day.unwrap_or(period);
    if points_per_day == 0 || points_per_day > MAX_POINTS {
        return Err(Error::invalid_argument(
            "pointsPerDay",
            format!("{points_per_day} is outside 1 to {MAX_POINTS}"),
        ));
    }
    let window = match (opts.longterm, opts.longterm_period) {
        (false, None) => None,
        (false, Some(_)) => {
            return Err(Error::invalid_argument(
                "longtermPeriod",
                "is only used with `longterm: true`; set it or drop longtermPeriod",
            ))
        }
        (true, given) => {
            let window = given.unwrap_or(points_per_day.saturating_mul(DEFAULT_LONGTERM_DAYS));
            if window <= period.saturating_mul(2)
                || window > MAX_POINTS.saturating_mul(DEFAULT_LONGTERM_DAYS)
            {
                return Err(Error::invalid_argument(
                    "longtermPeriod",
                    format!(
                        "{window} points: each piecewise window is decomposed on its own, so it needs more \
                         than two periods ({} points), and at most {} points",
                        period.saturating_mul(2).saturating_add(1),
                        MAX_POINTS.saturating_mul(DEFAULT_LONGTERM_DAYS)
                    ),
                ));
            }
            Some(window)
        }
    };
    Ok(Plan {
        period,
        // R raises a fraction below one point to one point.
        max_anoms: opts.max_anoms.max(1.0 / n as f64),
        points_per_day,
        window,
    })
}

/// Anomalies of `values` by Twitter's seasonal-hybrid ESD, in index order (see `docs/anomaly.md`).
///
/// Errors: [`Error::InvalidArgument`] for a series too long, holding a non-finite value or shorter than two
/// periods and one point, or for an option out of its domain.
pub fn seasonal_hybrid_esd(values: &[f64], opts: &ShesdOptions) -> Result<Vec<Anomaly>> {
    let plan = plan(values, opts)?;
    let n = values.len();
    let windows = piecewise_windows(n, plan.window);
    let mut kept = vec![false; n];
    let mut expected = if opts.e_value {
        vec![f64::NAN; n]
    } else {
        Vec::new()
    };
    for (start, end) in windows {
        let chunk = &values[start..end];
        // R truncates the product, as `trunc(num_obs * k)`.
        let max_outliers = (chunk.len() as f64 * plan.max_anoms) as usize;
        if max_outliers == 0 {
            return Err(Error::invalid_argument(
                "maxAnoms",
                format!(
                    "{} of a {}-point window allows no anomaly at all; raise maxAnoms or longtermPeriod",
                    opts.max_anoms,
                    chunk.len()
                ),
            ));
        }
        let decomposition = stl_periodic_robust(chunk, plan.period);
        let median = median_of(chunk);
        let residuals: Vec<f64> = chunk
            .iter()
            .zip(&decomposition.seasonal)
            .map(|(v, s)| v - s - median)
            .collect();
        let found = generalized_esd(&residuals, max_outliers, opts.alpha, opts.direction);
        let floor = opts
            .threshold
            .map(|t| daily_max_statistic(chunk, plan.points_per_day, t));
        for i in found {
            if floor.is_none_or(|f| chunk[i] >= f) {
                kept[start + i] = true;
            }
        }
        // R keeps the first window's decomposition where windows overlap.
        if opts.e_value {
            let fitted = decomposition.trend.iter().zip(&decomposition.seasonal);
            for (slot, (t, s)) in expected[start..end].iter_mut().zip(fitted) {
                if slot.is_nan() {
                    *slot = t + s;
                }
            }
        }
    }
    let first_kept = match opts.only_last {
        None => 0,
        Some(OnlyLast::Day) => n.saturating_sub(plan.points_per_day),
        Some(OnlyLast::Hr) => n.saturating_sub(plan.points_per_day.div_ceil(24)),
    };
    Ok((first_kept..n)
        .filter(|&i| kept[i])
        .map(|i| Anomaly {
            index: i,
            value: values[i],
            expected: expected.get(i).copied(),
        })
        .collect())
}

/// R's piecewise windows: consecutive windows of `window` points from the start, the last one replaced by
/// the series' final `window` points when fewer remain (so it overlaps its predecessor).
fn piecewise_windows(n: usize, window: Option<usize>) -> Vec<(usize, usize)> {
    let Some(w) = window else {
        return vec![(0, n)];
    };
    (0..n)
        .step_by(w)
        .map(|start| {
            if start + w <= n {
                (start, start + w)
            } else {
                (n.saturating_sub(w), n)
            }
        })
        .collect()
}

fn median_of(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    sorted_median(&sorted)
}

/// The chosen statistic of the maxima of consecutive days (`points_per_day` points from the window's
/// start, as R's `AnomalyDetectionVec` groups them).
fn daily_max_statistic(values: &[f64], points_per_day: usize, which: Threshold) -> f64 {
    let mut maxima: Vec<f64> = values
        .chunks(points_per_day)
        .map(|day| day.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        .collect();
    maxima.sort_unstable_by(f64::total_cmp);
    match which {
        Threshold::MedMax => sorted_median(&maxima),
        Threshold::P95 => sorted_quantile7(&maxima, 0.95),
        Threshold::P99 => sorted_quantile7(&maxima, 0.99),
    }
}

/// The generalized ESD test (Rosner, 1983) with the median and the MAD in place of the mean and the
/// standard deviation, as R's `detect_anoms`: up to `max_outliers` steps each remove the point farthest
/// from the median (the first in series order among equals) and compare its scaled distance `R_i` with the
/// critical value `λ_i`; the anomalies are the points removed up to the last step where `R_i > λ_i`.
/// Returns their indices in `x`, in the order removed.
///
/// The remaining points are kept sorted: the farthest point is always at one end, the median is read in
/// O(1) and the MAD in O(log n), so a step costs O(log n) instead of R's O(n).
pub(crate) fn generalized_esd(
    x: &[f64],
    max_outliers: usize,
    alpha: f64,
    direction: Direction,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut vals: Vec<f64> = order.iter().map(|&i| x[i]).collect();
    let (mut lo, mut hi) = (0, vals.len());
    let mut removed = Vec::with_capacity(max_outliers.min(x.len()));
    let mut statistics = Vec::with_capacity(max_outliers.min(x.len()));
    let upper = matches!(direction, Direction::Pos | Direction::Both);
    let lower = matches!(direction, Direction::Neg | Direction::Both);
    for _ in 0..max_outliers {
        if hi - lo < 3 {
            break;
        }
        let window = &vals[lo..hi];
        let median = sorted_median(window);
        let sigma = MAD_CONSTANT * sorted_mad_raw(window, median);
        // A (nearly) constant remainder has no scale: R stops there.
        if sigma == 0.0 {
            break;
        }
        let score = |v: f64| match direction {
            Direction::Pos => (v - median) / sigma,
            Direction::Neg => (median - v) / sigma,
            Direction::Both => (v - median).abs() / sigma,
        };
        let top = if upper {
            score(vals[hi - 1])
        } else {
            f64::NEG_INFINITY
        };
        let bottom = if lower {
            score(vals[lo])
        } else {
            f64::NEG_INFINITY
        };
        let r = top.max(bottom);
        // Scores are monotone towards each end, so the points scoring `r` are contiguous there; R takes the
        // first of them in series order.
        let mut pick: Option<usize> = None;
        let better = |p: usize, best: Option<usize>| best.is_none_or(|b| order[p] < order[b]);
        if top == r {
            let mut p = hi;
            while p > lo && score(vals[p - 1]) == r {
                p -= 1;
                if better(p, pick) {
                    pick = Some(p);
                }
            }
        }
        if bottom == r {
            let mut p = lo;
            while p < hi && score(vals[p]) == r {
                if better(p, pick) {
                    pick = Some(p);
                }
                p += 1;
            }
        }
        let Some(p) = pick else { break };
        removed.push(order[p]);
        statistics.push(r);
        // Close the gap towards the end the point came from, keeping the rest sorted.
        if hi - 1 - p <= p - lo {
            vals[p..hi].rotate_left(1);
            order[p..hi].rotate_left(1);
            hi -= 1;
        } else {
            vals[lo..=p].rotate_right(1);
            order[lo..=p].rotate_right(1);
            lo += 1;
        }
    }
    // The anomalies are the first `i` removed for the largest `i` with R_i > λ_i: scan from the last step,
    // reusing each t quantile as the next one's starting guess.
    let n = x.len();
    let mut guess = None;
    let mut count = 0;
    for (step, &r) in statistics.iter().enumerate().rev() {
        let (lambda, t) =
            esd_critical_value(n, step + 1, alpha, direction == Direction::Both, guess);
        guess = Some(t);
        if r > lambda {
            count = step + 1;
            break;
        }
    }
    removed.truncate(count);
    removed
}
