use std::cell::RefCell;

use super::{assert_invalid, close};
use crate::forecast::backtest::{backtest, BacktestOptions};
use crate::forecast::baseline::{forecaster, BaselineMethod};
use crate::forecast::{Forecast, Interval};
use crate::Error;

fn linear(n: usize) -> Vec<f64> {
    (0..n).map(|t| t as f64).collect()
}

#[test]
fn origins_are_placed_as_documented() {
    let series = linear(30);
    let seen = RefCell::new(Vec::new());
    let record = |training: &[f64], h: usize, _: &[f64]| {
        seen.borrow_mut()
            .push((training.len(), *training.last().unwrap_or(&-1.0), h));
        Ok(Forecast {
            point: vec![0.0; h],
            intervals: Vec::new(),
        })
    };
    // Default step = h = 3: origins T − h − (k − 1 − i)·h = 18, 21, 24, 27.
    let b = backtest(&series, &BacktestOptions::new(3, 4), record).unwrap();
    let origins: Vec<usize> = b.origins.iter().map(|o| o.origin).collect();
    assert_eq!(origins, vec![18, 21, 24, 27]);
    assert_eq!(b.step, 3);
    assert_eq!(
        *seen.borrow(),
        vec![(18, 17.0, 3), (21, 20.0, 3), (24, 23.0, 3), (27, 26.0, 3)]
    );
    // Step 2: overlapping windows, the last still ending at the end of the series.
    let options = BacktestOptions {
        step: Some(2),
        ..BacktestOptions::new(3, 4)
    };
    let b = backtest(&series, &options, |_: &[f64], h: usize, _: &[f64]| {
        Ok(Forecast {
            point: vec![0.0; h],
            intervals: Vec::new(),
        })
    })
    .unwrap();
    let origins: Vec<usize> = b.origins.iter().map(|o| o.origin).collect();
    assert_eq!(origins, vec![21, 23, 25, 27]);
}

#[test]
fn metrics_of_naive_and_drift_on_a_line() {
    // On y(t) = t the naive forecast from origin o is o − 1 and the actual at step j is o + j − 1:
    // the error is j at every origin.
    let series = linear(30);
    let options = BacktestOptions {
        levels: vec![80.0],
        ..BacktestOptions::new(3, 4)
    };
    let b = backtest(&series, &options, forecaster(BaselineMethod::Naive)).unwrap();
    assert_eq!(b.errors, vec![vec![1.0; 4], vec![2.0; 4], vec![3.0; 4]]);
    for o in &b.origins {
        close(o.accuracy.mae.unwrap(), 2.0, 1e-12);
        // The in-sample naive MAE of a line is 1.
        close(o.accuracy.mase.unwrap(), 2.0, 1e-12);
    }
    assert_eq!(b.pooled.count, 12);
    close(b.pooled.mae.unwrap(), 2.0, 1e-12);
    close(b.pooled.rmse.unwrap(), (14.0f64 / 3.0).sqrt(), 1e-12);
    close(b.pooled.mase.unwrap(), 2.0, 1e-12);
    // The differences of a line are all 1, so σ = 1 and the 80 % half-width is 1.2816 √h: it holds the
    // step-1 error 1 but not 2 > 1.81 nor 3 > 2.22.
    close(b.pooled.intervals[0].coverage.unwrap(), 1.0 / 3.0, 1e-12);
    // Drift is exact on a line.
    let b = backtest(&series, &options, forecaster(BaselineMethod::Drift)).unwrap();
    assert_eq!(b.pooled.mae, Some(0.0));
    assert_eq!(b.pooled.mase, Some(0.0));
    assert_eq!(b.pooled.intervals[0].coverage, Some(1.0));
    assert_eq!(b.pooled.intervals[0].msis, Some(0.0));
}

#[test]
fn a_level_missing_at_one_origin_is_left_out_of_the_pooled_metrics() {
    let series = linear(20);
    let calls = RefCell::new(0);
    let options = BacktestOptions {
        levels: vec![80.0],
        ..BacktestOptions::new(2, 3)
    };
    let b = backtest(&series, &options, |_: &[f64], h: usize, _: &[f64]| {
        *calls.borrow_mut() += 1;
        let intervals = if *calls.borrow() == 2 {
            Vec::new()
        } else {
            vec![Interval {
                level: 80.0,
                lower: vec![0.0; h],
                upper: vec![100.0; h],
            }]
        };
        Ok(Forecast {
            point: vec![0.0; h],
            intervals,
        })
    })
    .unwrap();
    assert!(b.pooled.intervals.is_empty());
    assert_eq!(b.origins[0].accuracy.intervals[0].coverage, Some(1.0));
    assert!(b.origins[1].accuracy.intervals.is_empty());
}

#[test]
fn bad_inputs_are_typed_errors() {
    let series = linear(30);
    let naive = || forecaster(BaselineMethod::Naive);
    assert_invalid(
        backtest(&series, &BacktestOptions::new(0, 4), naive()),
        "horizon",
        "between 1",
    );
    assert_invalid(
        backtest(&series, &BacktestOptions::new(10_001, 4), naive()),
        "horizon",
        "10000",
    );
    assert_invalid(
        backtest(&series, &BacktestOptions::new(3, 0), naive()),
        "origins",
        "between 1 and 100",
    );
    assert_invalid(
        backtest(&series, &BacktestOptions::new(3, 101), naive()),
        "origins",
        "between 1 and 100",
    );
    let o = BacktestOptions {
        step: Some(0),
        ..BacktestOptions::new(3, 4)
    };
    assert_invalid(backtest(&series, &o, naive()), "step", "between 1");
    let o = BacktestOptions {
        season: 0,
        ..BacktestOptions::new(3, 4)
    };
    assert_invalid(backtest(&series, &o, naive()), "season", "between 1");
    let o = BacktestOptions {
        levels: vec![150.0],
        ..BacktestOptions::new(3, 4)
    };
    assert_invalid(backtest(&series, &o, naive()), "levels", "strictly between");
    // 3 + 3·3 + 2·1 = 14 values are needed; with season 7, 3 + 9 + 14 = 26.
    assert_invalid(
        backtest(&series[..13], &BacktestOptions::new(3, 4), naive()),
        "series",
        "at least",
    );
    assert_invalid(
        backtest(&series[..13], &BacktestOptions::new(3, 4), naive()),
        "series",
        "= 14",
    );
    assert!(backtest(&series[..14], &BacktestOptions::new(3, 4), naive()).is_ok());
    let o = BacktestOptions {
        season: 7,
        ..BacktestOptions::new(3, 4)
    };
    assert_invalid(backtest(&series[..25], &o, naive()), "series", "= 26");
    assert_invalid(
        backtest(&[], &BacktestOptions::new(3, 4), naive()),
        "series",
        "at least 1",
    );
    let mut with_nan = series.clone();
    with_nan[5] = f64::NAN;
    assert_invalid(
        backtest(&with_nan, &BacktestOptions::new(3, 4), naive()),
        "series",
        "value 5",
    );
    // A malformed forecast names the forecaster.
    let short = |_: &[f64], h: usize, _: &[f64]| {
        Ok(Forecast {
            point: vec![0.0; h - 1],
            intervals: Vec::new(),
        })
    };
    assert_invalid(
        backtest(&series, &BacktestOptions::new(3, 4), short),
        "forecaster",
        "2 points",
    );
    let nan = |_: &[f64], h: usize, _: &[f64]| {
        Ok(Forecast {
            point: vec![f64::NAN; h],
            intervals: Vec::new(),
        })
    };
    assert_invalid(
        backtest(&series, &BacktestOptions::new(3, 4), nan),
        "forecaster",
        "non-finite",
    );
    let crossed = |_: &[f64], h: usize, _: &[f64]| {
        Ok(Forecast {
            point: vec![0.0; h],
            intervals: vec![Interval {
                level: 80.0,
                lower: vec![1.0; h],
                upper: vec![-1.0; h],
            }],
        })
    };
    assert_invalid(
        backtest(&series, &BacktestOptions::new(3, 4), crossed),
        "forecaster",
        "lower > upper",
    );
    // The forecaster's own error comes back unchanged: too short a window for seasonal naive.
    let o = BacktestOptions::new(3, 4);
    let r = backtest(
        &series[..14],
        &o,
        forecaster(BaselineMethod::SeasonalNaive { period: 5 }),
    );
    assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{r:?}");
}
