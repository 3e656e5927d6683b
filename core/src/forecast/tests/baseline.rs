use super::{assert_invalid, close};
use crate::forecast::baseline::{fit, forecaster, BaselineMethod};

const Z80: f64 = 1.2815515655446004;
const Z95: f64 = 1.959963984540054;
const Y: [f64; 5] = [1.0, 3.0, 2.0, 5.0, 4.0];

/// Checks the point forecasts and the half-width at each level against `z · sd`.
fn check(method: BaselineMethod, series: &[f64], point: &[f64], sd: &[f64]) {
    let f = fit(series, method)
        .unwrap()
        .forecast(point.len(), &[80.0, 95.0])
        .unwrap();
    assert_eq!(f.point.len(), point.len());
    for (got, want) in f.point.iter().zip(point) {
        close(*got, *want, 1e-12);
    }
    for (interval, z) in f.intervals.iter().zip([Z80, Z95]) {
        for (h, sd) in sd.iter().enumerate() {
            close(interval.upper[h] - f.point[h], z * sd, 1e-9);
            close(f.point[h] - interval.lower[h], z * sd, 1e-9);
        }
    }
    assert_eq!(f.intervals[0].level, 80.0);
    assert_eq!(f.intervals[1].level, 95.0);
}

#[test]
fn naive_by_hand() {
    // Differences 2, −1, 3, −1: σ² = 15 / 4; sd(h) = σ √h.
    let s = (15.0f64 / 4.0).sqrt();
    let sd: Vec<f64> = (1..=4).map(|h| s * f64::from(h).sqrt()).collect();
    check(BaselineMethod::Naive, &Y, &[4.0; 4], &sd);
}

#[test]
fn drift_by_hand() {
    // Slope (4 − 1)/4 = 0.75; residuals 1.25, −1.75, 2.25, −1.75: σ² = 12.75 / (4 − 1) = 4.25.
    // sd(h) = σ √(h (1 + h/5)).
    let sd = [
        (4.25f64 * 1.2).sqrt(),
        (4.25f64 * 2.0 * 1.4).sqrt(),
        (4.25f64 * 3.0 * 1.6).sqrt(),
    ];
    check(BaselineMethod::Drift, &Y, &[4.75, 5.5, 6.25], &sd);
}

#[test]
fn mean_by_hand() {
    // Mean 3; Σ (y − 3)² = 10: σ² = 10 / (5 − 1) = 2.5; sd = σ √(1 + 1/5) = √3 at every step.
    check(BaselineMethod::Mean, &Y, &[3.0; 3], &[3f64.sqrt(); 3]);
}

#[test]
fn seasonal_naive_by_hand() {
    // m = 2; residuals y(t) − y(t − 2) = 1, 2, 2, 1: σ² = 10 / 4. k = ⌊(h − 1)/2⌋ = 0, 0, 1, 1, 2.
    let series = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
    let s = 2.5f64.sqrt();
    let sd = [s, s, s * 2f64.sqrt(), s * 2f64.sqrt(), s * 3f64.sqrt()];
    check(
        BaselineMethod::SeasonalNaive { period: 2 },
        &series,
        &[4.0, 6.0, 4.0, 6.0, 4.0],
        &sd,
    );
    // m = 1 is the naive method.
    let a = fit(&Y, BaselineMethod::SeasonalNaive { period: 1 })
        .unwrap()
        .forecast(3, &[80.0])
        .unwrap();
    let b = fit(&Y, BaselineMethod::Naive)
        .unwrap()
        .forecast(3, &[80.0])
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn constant_series_gives_zero_width_and_forecaster_refits() {
    let f = fit(&[7.0; 4], BaselineMethod::Drift)
        .unwrap()
        .forecast(2, &[90.0])
        .unwrap();
    assert_eq!(f.point, vec![7.0, 7.0]);
    assert_eq!(f.intervals[0].lower, f.intervals[0].upper);
    let via_closure = forecaster(BaselineMethod::Mean)(&Y, 2, &[]).unwrap();
    assert_eq!(via_closure.point, vec![3.0, 3.0]);
    assert!(via_closure.intervals.is_empty());
}

#[test]
fn serde_is_camel_case() {
    let fitted = fit(&Y, BaselineMethod::SeasonalNaive { period: 2 }).unwrap();
    let json = serde_json::to_value(&fitted).unwrap();
    assert_eq!(json["method"]["method"], "seasonalNaive");
    assert_eq!(json["method"]["period"], 2);
    assert_eq!(json["lastSeason"], serde_json::json!([5.0, 4.0]));
    let f = fitted.forecast(1, &[80.0]).unwrap();
    let json = serde_json::to_value(&f).unwrap();
    assert!(json["intervals"][0]["lower"].is_array());
    let back: crate::forecast::Forecast = serde_json::from_value(json).unwrap();
    assert_eq!(back, f);
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert_invalid(fit(&[], BaselineMethod::Naive), "series", "at least 2");
    assert_invalid(fit(&[1.0], BaselineMethod::Mean), "series", "at least 2");
    assert_invalid(
        fit(&[1.0, 2.0], BaselineMethod::Drift),
        "series",
        "at least 3",
    );
    assert_invalid(
        fit(
            &[1.0, 2.0, 3.0],
            BaselineMethod::SeasonalNaive { period: 3 },
        ),
        "series",
        "at least 4",
    );
    assert_invalid(
        fit(&[1.0, f64::NAN, 3.0], BaselineMethod::Naive),
        "series",
        "value 1",
    );
    assert_invalid(
        fit(&[1.0, f64::INFINITY], BaselineMethod::Naive),
        "series",
        "finite",
    );
    assert_invalid(
        fit(&Y, BaselineMethod::SeasonalNaive { period: 0 }),
        "period",
        "between 1",
    );
    assert_invalid(
        fit(&[1e308, -1e308, 1e308], BaselineMethod::Naive),
        "series",
        "overflow",
    );
    let fitted = fit(&Y, BaselineMethod::Naive).unwrap();
    assert_invalid(fitted.forecast(0, &[]), "horizon", "between 1 and 10000");
    assert_invalid(
        fitted.forecast(10_001, &[]),
        "horizon",
        "between 1 and 10000",
    );
    for level in [0.0, 100.0, 150.0, -50.0, f64::NAN] {
        assert_invalid(
            fitted.forecast(1, &[level]),
            "levels",
            "strictly between 0 and 1",
        );
    }
    assert_invalid(fitted.forecast(1, &[80.0, 80.0]), "levels", "twice");
    assert_invalid(fitted.forecast(1, &[50.0; 17]), "levels", "at most 16");
}
