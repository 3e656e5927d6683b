//! The robust z-score rule: each point is compared with the median and the MAD of the points just before it.

use super::stats::{sorted_mad_raw, sorted_median, MAD_CONSTANT};
use super::{
    check_range, check_series, Anomaly, Direction, MadOptions, MAX_ZSCORE_WINDOW, MIN_ZSCORE_WINDOW,
};
use crate::{Error, Result};

/// The largest accepted `threshold` (a larger one could never fire on finite data of sensible scale).
const MAX_THRESHOLD: f64 = 1e6;

/// The points whose robust z-score `(x - median) / (1.4826 MAD)` over the `window` points before them
/// exceeds `threshold` in the chosen direction, in index order, each with the window's median as its
/// expected value. The first `window` points have no full history and are not scored, so a series of at
/// most `window` points yields nothing.
///
/// A window whose MAD is 0 (more than half its points equal) has no scale: a point equal to its median
/// scores 0 and any other point scores infinity, so it is anomalous in its direction. A rule on a series
/// that is mostly constant (error counts that are usually 0) thus fires on the first departure, which is
/// what such a rule is for; no division by zero happens.
///
/// Errors: [`Error::InvalidArgument`] for a series too long or holding a non-finite value, a window outside
/// 3 to 100,000 points, or a threshold outside (0, 1e6].
pub fn robust_zscore(values: &[f64], opts: &MadOptions) -> Result<Vec<Anomaly>> {
    check_series(values)?;
    if !(MIN_ZSCORE_WINDOW..=MAX_ZSCORE_WINDOW).contains(&opts.window) {
        return Err(Error::invalid_argument(
            "window",
            format!(
                "{} points is outside {MIN_ZSCORE_WINDOW} to {MAX_ZSCORE_WINDOW}",
                opts.window
            ),
        ));
    }
    check_range("threshold", opts.threshold, true, 0.0, MAX_THRESHOLD, false)?;
    let w = opts.window;
    if values.len() <= w {
        return Ok(Vec::new());
    }
    // The trailing window kept sorted: the median is read in O(1), the MAD in O(log w).
    let mut sorted: Vec<f64> = values[..w].to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut found = Vec::new();
    for i in w..values.len() {
        let x = values[i];
        let median = sorted_median(&sorted);
        let scale = MAD_CONSTANT * sorted_mad_raw(&sorted, median);
        let deviation = x - median;
        let z = if scale > 0.0 {
            deviation / scale
        } else if deviation == 0.0 {
            0.0
        } else {
            deviation.signum() * f64::INFINITY
        };
        let anomalous = match opts.direction {
            Direction::Pos => z > opts.threshold,
            Direction::Neg => -z > opts.threshold,
            Direction::Both => z.abs() > opts.threshold,
        };
        if anomalous {
            found.push(Anomaly {
                index: i,
                value: x,
                expected: Some(median),
            });
        }
        // Slide: drop the oldest point (any copy of its value), add this one.
        let old = values[i - w];
        let at = sorted.partition_point(|v| v.total_cmp(&old).is_lt());
        sorted.remove(at);
        let at = sorted.partition_point(|v| v.total_cmp(&x).is_lt());
        sorted.insert(at, x);
    }
    Ok(found)
}
