use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{assert_invalid, close};
use crate::forecast::backtest::{backtest, BacktestOptions};
use crate::forecast::baseline::{fit, BaselineMethod};
use crate::forecast::conformal::calibrate;
use crate::forecast::{Forecast, Interval};
use crate::Result;

#[test]
fn quantile_rank_by_hand() {
    // |errors| 1 … 9, n = 9: ranks ⌈10·0.8⌉ = 8, ⌈10·0.5⌉ = 5, ⌈10·0.9⌉ = 9.
    let errors = vec![
        vec![1.0, -2.0, 3.0, -4.0, 5.0, -6.0, 7.0, -8.0, 9.0],
        vec![0.5; 9],
    ];
    let c = calibrate(&errors, &[80.0, 50.0, 90.0]).unwrap();
    assert_eq!(c.count, 9);
    assert_eq!(c.horizon(), 2);
    assert_eq!(c.levels[0].radius, vec![8.0, 0.5]);
    assert_eq!(c.levels[1].radius, vec![5.0, 0.5]);
    assert_eq!(c.levels[2].radius, vec![9.0, 0.5]);
    // ⌈10·0.95⌉ = 10 > 9: no finite radius; n ≥ 19 is needed (⌈20·0.95⌉ = 19).
    assert_invalid(calibrate(&errors, &[95.0]), "errors", "at least 19");
    let nineteen = vec![(1..=19).map(f64::from).collect::<Vec<_>>()];
    assert_eq!(
        calibrate(&nineteen, &[95.0]).unwrap().levels[0].radius,
        vec![19.0]
    );
    // 99 % needs 99: ⌈100·0.99⌉ = 99, ⌈99·0.99⌉ = 99 > 98.
    assert_invalid(
        calibrate(&[vec![1.0; 98]], &[99.0]),
        "errors",
        "at least 99",
    );
    assert!(calibrate(&[vec![1.0; 99]], &[99.0]).is_ok());
    // 80 % needs 4: ⌈5·0.8⌉ = 4.
    assert_invalid(calibrate(&[vec![1.0; 3]], &[80.0]), "errors", "at least 4");
    assert_eq!(
        calibrate(&[vec![1.0, 2.0, 3.0, 4.0]], &[80.0])
            .unwrap()
            .levels[0]
            .radius,
        vec![4.0]
    );
}

#[test]
fn apply_is_never_narrower_than_the_analytic_interval() {
    let errors = vec![vec![1.0, -2.0, 3.0, -4.0, 5.0, -6.0, 7.0, -8.0, 9.0]];
    let c = calibrate(&errors, &[80.0]).unwrap();
    let with = |lower: f64, upper: f64| Forecast {
        point: vec![10.0],
        intervals: vec![Interval {
            level: 80.0,
            lower: vec![lower],
            upper: vec![upper],
        }],
    };
    let widened = c.apply(&with(9.0, 12.0)).unwrap();
    assert_eq!(widened.intervals[0].lower, vec![2.0]);
    assert_eq!(widened.intervals[0].upper, vec![18.0]);
    let widened = c.apply(&with(0.0, 12.0)).unwrap();
    assert_eq!(
        (widened.intervals[0].lower[0], widened.intervals[0].upper[0]),
        (0.0, 18.0)
    );
    // A point forecast gains the interval; other levels are kept as they are.
    let mut f = Forecast {
        point: vec![10.0],
        intervals: Vec::new(),
    };
    let widened = c.apply(&f).unwrap();
    assert_eq!(widened.intervals.len(), 1);
    assert_eq!(
        (widened.intervals[0].lower[0], widened.intervals[0].upper[0]),
        (2.0, 18.0)
    );
    f.intervals.push(Interval {
        level: 50.0,
        lower: vec![9.5],
        upper: vec![10.5],
    });
    let widened = c.apply(&f).unwrap();
    assert_eq!(widened.intervals[0], f.intervals[0]);
    assert_eq!(widened.intervals[1].level, 80.0);
    // Bad inputs.
    assert_invalid(
        c.apply(&Forecast {
            point: vec![1.0, 2.0],
            intervals: Vec::new(),
        }),
        "forecast",
        "covers 1",
    );
    assert_invalid(
        c.apply(&Forecast {
            point: vec![f64::NAN],
            intervals: Vec::new(),
        }),
        "forecast",
        "non-finite",
    );
    assert_invalid(calibrate(&[], &[80.0]), "errors", "between 1");
    assert_invalid(
        calibrate(&[vec![1.0; 5], vec![1.0; 4]], &[80.0]),
        "errors",
        "step 2 has 4",
    );
    assert_invalid(
        calibrate(&[vec![1.0, f64::NAN, 1.0, 1.0]], &[80.0]),
        "errors",
        "non-finite",
    );
    assert_invalid(
        calibrate(&[vec![1.0; 5]], &[100.0]),
        "levels",
        "strictly between",
    );
}

/// A standard normal draw (Box–Muller).
fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The point forecast of a baseline, without intervals, so that coverage measures calibration alone.
fn points(method: BaselineMethod) -> impl Fn(&[f64], usize, &[f64]) -> Result<Forecast> {
    move |series, h, _| {
        let point = fit(series, method)?.forecast(h, &[])?.point;
        Ok(Forecast {
            point,
            intervals: Vec::new(),
        })
    }
}

/// Over `series_count` seeded series: backtest `forecast` with 19 origins on all but the last `h`
/// values, calibrate at 80 %, then forecast those last values from the rest and count how many fall
/// inside the calibrated interval. Returns (coverage, coverage of `forecast`'s own interval if any).
fn measured_coverage(
    series_count: u64,
    h: usize,
    generate: impl Fn(&mut ChaCha8Rng, usize) -> Vec<f64>,
    forecast: impl Fn(&[f64], usize, &[f64]) -> Result<Forecast>,
) -> (f64, f64) {
    let (mut inside, mut inside_raw, mut total) = (0usize, 0usize, 0usize);
    for seed in 0..series_count {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let series = generate(&mut rng, 40 + 20 * h);
        let (history, future) = series.split_at(series.len() - h);
        let options = BacktestOptions {
            levels: vec![80.0],
            ..BacktestOptions::new(h, 19)
        };
        let b = backtest(history, &options, &forecast).unwrap();
        let calibration = calibrate(&b.errors, &[80.0]).unwrap();
        let raw = forecast(history, h, &[80.0]).unwrap();
        let widened = calibration.apply(&raw).unwrap();
        let interval = widened.interval(80.0).unwrap();
        for (j, y) in future.iter().enumerate() {
            total += 1;
            inside += usize::from(interval.lower[j] <= *y && *y <= interval.upper[j]);
            if let Some(r) = raw.interval(80.0) {
                inside_raw += usize::from(r.lower[j] <= *y && *y <= r.upper[j]);
            }
        }
    }
    (
        inside as f64 / total as f64,
        inside_raw as f64 / total as f64,
    )
}

fn random_walk(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    let mut level = 100.0;
    (0..n)
        .map(|_| {
            level += gauss(rng);
            level
        })
        .collect()
}

#[test]
fn coverage_is_near_nominal_on_random_walks() {
    let (coverage, _) = measured_coverage(600, 5, random_walk, points(BaselineMethod::Naive));
    assert!((0.75..=0.85).contains(&coverage), "coverage {coverage}");
}

#[test]
fn coverage_is_near_nominal_on_heavy_tailed_seasonal_series() {
    // A weekly pattern plus noise that is 4 times wider one time in ten: not normal.
    let seasonal = |rng: &mut ChaCha8Rng, n: usize| -> Vec<f64> {
        let pattern = [0.0, 3.0, 5.0, 4.0, 1.0, -2.0, -6.0];
        (0..n)
            .map(|t| {
                let scale = if rng.random::<f64>() < 0.1 { 4.0 } else { 1.0 };
                50.0 + 2.0 * pattern[t % 7] + scale * gauss(rng)
            })
            .collect()
    };
    let (coverage, _) = measured_coverage(
        600,
        7,
        seasonal,
        points(BaselineMethod::SeasonalNaive { period: 7 }),
    );
    assert!((0.75..=0.85).contains(&coverage), "coverage {coverage}");
}

#[test]
fn calibration_repairs_intervals_that_are_too_narrow() {
    // Naive intervals from half the true σ cover far less than 80 %; calibrated, they are near 80 %.
    let narrow = |series: &[f64], h: usize, levels: &[f64]| -> Result<Forecast> {
        let mut f = fit(series, BaselineMethod::Naive)?.forecast(h, levels)?;
        for interval in &mut f.intervals {
            for j in 0..h {
                let half = (interval.upper[j] - interval.lower[j]) / 4.0;
                interval.lower[j] = f.point[j] - half;
                interval.upper[j] = f.point[j] + half;
            }
        }
        Ok(f)
    };
    let (coverage, raw) = measured_coverage(600, 5, random_walk, narrow);
    assert!(raw < 0.55, "raw coverage {raw}");
    assert!((0.75..=0.85).contains(&coverage), "coverage {coverage}");
    close(coverage, 0.8, 0.05);
}
