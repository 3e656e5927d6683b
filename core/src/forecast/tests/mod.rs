//! Tests of forecast evaluation: hand-computed values, documented placements, simulated coverage and
//! typed errors for bad input.

mod accuracy;
mod backtest;
mod baseline;
mod conformal;
mod normal;

use crate::Error;

/// Asserts `result` is an invalid-argument error naming `name` whose reason contains `needle`.
fn assert_invalid<T: std::fmt::Debug>(result: crate::Result<T>, name: &str, needle: &str) {
    match result {
        Err(Error::InvalidArgument { name: n, reason }) => {
            assert_eq!(n, name, "wrong argument named ({reason})");
            assert!(
                reason.contains(needle),
                "reason {reason:?} lacks {needle:?}"
            );
        }
        other => panic!("expected invalid {name}, got {other:?}"),
    }
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (tolerance {tol})");
}
