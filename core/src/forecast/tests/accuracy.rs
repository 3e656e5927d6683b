use super::close;
use crate::forecast::accuracy::*;
use crate::forecast::{Forecast, Interval};

const ACTUAL: [f64; 4] = [2.0, 4.0, 0.0, 5.0];
const POINT: [f64; 4] = [3.0, 4.0, 0.0, 1.0];
const LOWER: [f64; 4] = [1.0, 4.5, -1.0, 2.0];
const UPPER: [f64; 4] = [3.0, 5.0, 1.0, 4.0];
const INSAMPLE: [f64; 5] = [1.0, 3.0, 2.0, 5.0, 4.0];

#[test]
fn point_metrics_by_hand() {
    // Errors −1, 0, 0, 4.
    close(mae(&ACTUAL, &POINT).unwrap(), 1.25, 1e-12);
    close(rmse(&ACTUAL, &POINT).unwrap(), 4.25f64.sqrt(), 1e-12);
    // 200·1/5 = 40, 0, 0/0 → 0, 200·4/6 = 133.33…: mean 43.33….
    close(
        smape(&ACTUAL, &POINT).unwrap(),
        (40.0 + 400.0 / 3.0) / 4.0,
        1e-12,
    );
    close(smape(&[0.0, 0.0], &[0.0, 0.0]).unwrap(), 0.0, 0.0);
    close(smape(&[0.0], &[3.0]).unwrap(), 200.0, 1e-12);
    // Scale m = 1: (2 + 1 + 3 + 1)/4 = 1.75; m = 2: (1 + 2 + 2)/3.
    close(mase_scale(&INSAMPLE, 1).unwrap(), 1.75, 1e-12);
    close(
        mase(&ACTUAL, &POINT, &INSAMPLE, 1).unwrap(),
        1.25 / 1.75,
        1e-12,
    );
    close(mase(&ACTUAL, &POINT, &INSAMPLE, 2).unwrap(), 0.75, 1e-12);
}

#[test]
fn interval_metrics_by_hand() {
    // Inside, below, inside, above.
    close(coverage(&ACTUAL, &LOWER, &UPPER).unwrap(), 0.5, 0.0);
    // Widths 2 + 0.5 + 2 + 2 = 6.5; penalties (2/0.2)(4.5 − 4) = 5 and (2/0.2)(5 − 4) = 10.
    close(
        interval_score(&ACTUAL, &LOWER, &UPPER, 80.0).unwrap(),
        21.5 / 4.0,
        1e-12,
    );
    close(
        msis(&ACTUAL, &LOWER, &UPPER, 80.0, &INSAMPLE, 1).unwrap(),
        21.5 / 4.0 / 1.75,
        1e-12,
    );
    // At 95 % the penalty factor is 2/0.05 = 40.
    close(
        interval_score(&ACTUAL, &LOWER, &UPPER, 95.0).unwrap(),
        (6.5 + 20.0 + 40.0) / 4.0,
        1e-9,
    );
}

#[test]
fn geometric_mean_by_hand() {
    close(geometric_mean(&[1.0, 4.0, 16.0]).unwrap(), 4.0, 1e-12);
    close(geometric_mean(&[2.0, 8.0]).unwrap(), 4.0, 1e-12);
    for bad in [
        &[][..],
        &[1.0, 0.0],
        &[1.0, -2.0],
        &[f64::NAN],
        &[f64::INFINITY],
    ] {
        assert_eq!(geometric_mean(bad), None, "{bad:?}");
    }
}

#[test]
fn evaluate_collects_every_metric() {
    let forecast = Forecast {
        point: POINT.to_vec(),
        intervals: vec![Interval {
            level: 80.0,
            lower: LOWER.to_vec(),
            upper: UPPER.to_vec(),
        }],
    };
    let a = evaluate(&ACTUAL, &forecast, &INSAMPLE, 1);
    assert_eq!(a.count, 4);
    assert_eq!(a.mae, mae(&ACTUAL, &POINT));
    assert_eq!(a.intervals[0].coverage, Some(0.5));
    assert_eq!(
        a.intervals[0].msis,
        msis(&ACTUAL, &LOWER, &UPPER, 80.0, &INSAMPLE, 1)
    );
}

#[test]
fn undefined_metrics_are_none() {
    let nan = [2.0, f64::NAN, 0.0, 5.0];
    for (a, f) in [
        (&[][..], &[][..]),
        (&ACTUAL[..], &POINT[..3]),
        (&nan[..], &POINT[..]),
        (&ACTUAL[..], &nan[..]),
    ] {
        assert_eq!(mae(a, f), None);
        assert_eq!(rmse(a, f), None);
        assert_eq!(smape(a, f), None);
        assert_eq!(mase(a, f, &INSAMPLE, 1), None);
        assert_eq!(coverage(a, f, f), None);
    }
    // A zero, short or non-finite scale.
    assert_eq!(mase_scale(&[3.0, 3.0, 3.0], 1), None);
    assert_eq!(mase_scale(&[1.0, 2.0, 1.0, 2.0], 2), None);
    assert_eq!(mase_scale(&INSAMPLE, 5), None);
    assert_eq!(mase_scale(&INSAMPLE, 0), None);
    assert_eq!(mase_scale(&[1.0, f64::NAN, 2.0], 1), None);
    assert_eq!(mase(&ACTUAL, &POINT, &[3.0, 3.0], 1), None);
    assert_eq!(msis(&ACTUAL, &LOWER, &UPPER, 80.0, &[3.0, 3.0], 1), None);
    for level in [0.0, 100.0, f64::NAN] {
        assert_eq!(interval_score(&ACTUAL, &LOWER, &UPPER, level), None);
    }
    // Overflow is undefined, not infinite.
    assert_eq!(rmse(&[1e200], &[-1e200]), None);
}
