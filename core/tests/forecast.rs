//! Forecasting through the request layer and the engine: the automatic forecaster on simulated series
//! (a seasonal model for a seasonal series, calibrated coverage), the edge cases of docs/forecast.md
//! (missing values, dates with gaps, constant, short and tiny series), batches, and metric forecasts
//! from generated platform data stored as `analyticsforecasts`.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use halobuzz_analytics::api::{
    self, ConfigOptions, Decimalish, ForecastBatchRequest, ForecastRequest, GenerateRequest,
    NameStyle, SeriesForecastRequest, StoredForecastsRequest,
};
use halobuzz_analytics::forecast::auto::{forecast, Method, Options};
use halobuzz_analytics::forecast::mstl;
use halobuzz_analytics::ErrorCategory;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A level doing a random walk plus a fixed weekly pattern plus noise.
fn weekly(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pattern = [0.0, 12.0, 18.0, 15.0, 9.0, -25.0, -29.0];
    let mut level = 200.0;
    (0..n)
        .map(|t| {
            level += 1.5 * normal(&mut rng);
            level + pattern[t % 7] + 4.0 * normal(&mut rng)
        })
        .collect()
}

fn options(h: usize, seasons: Vec<usize>) -> Options {
    Options {
        horizon: h,
        season_lengths: seasons,
        levels: vec![80.0, 95.0],
        method: Method::Auto,
        validation_origins: 3,
        calibrate: true,
    }
}

fn request(value: serde_json::Value) -> SeriesForecastRequest {
    api::decode("forecast", value, NameStyle::Camel).unwrap()
}

#[test]
fn a_weekly_series_gets_a_seasonal_model_whose_intervals_widen() {
    let y = weekly(364, 1);
    let f = forecast(&y, &options(28, vec![7])).unwrap();
    let name = &f.model_name;
    assert!(
        name.contains("MSTL(7)")
            || name.contains(",A)")
            || name.contains(",M)")
            || name.contains("Seasonal"),
        "picked {name}"
    );
    let v = f.validation.as_ref().unwrap();
    assert_eq!(v.origins, 3);
    assert_eq!(v.horizon, 28);
    assert!(v.candidates.len() >= 4, "{:?}", v.candidates.len());
    assert_eq!(v.candidates[0].name, *name);
    // The chosen candidate is the one with the lowest validation MASE.
    let best = v.candidates[0].accuracy.mase.unwrap();
    assert!(v
        .candidates
        .iter()
        .all(|c| c.accuracy.mase.is_none_or(|m| m >= best)));
    // The forecast follows the weekly pattern: the weekend (t % 7 = 5, 6) is lowest.
    let p = &f.forecast.point;
    assert!(p.iter().all(|v| v.is_finite()));
    let day = |k: usize| (0..4).map(|w| p[w * 7 + k]).sum::<f64>() / 4.0;
    // Step i + 1 is time 364 + i, whose phase is (364 + i) % 7 = i % 7.
    assert!(
        day(6) < day(2) - 20.0,
        "weekend {} vs midweek {}",
        day(6),
        day(2)
    );
    for i in &f.forecast.intervals {
        let w = |j: usize| i.upper[j] - i.lower[j];
        assert!(w(27) > w(0), "{} % interval does not widen", i.level);
        assert!((0..28).all(|j| i.lower[j] <= p[j] && p[j] <= i.upper[j]));
    }
    let (i80, i95) = (&f.forecast.intervals[0], &f.forecast.intervals[1]);
    assert!((0..28).all(|j| i95.upper[j] - i95.lower[j] > i80.upper[j] - i80.lower[j]));
    // The series is described.
    assert!(f.summary.volatility_percent.unwrap() > 0.0);
    assert_eq!(f.summary.window, 28);
}

#[test]
fn mstl_sees_a_season_where_there_is_one_and_none_in_white_noise() {
    let seasonal = weekly(364, 2);
    let m = mstl::fit(&seasonal, &[7]).unwrap();
    assert!(m.seasonal_strength[0] > 0.8, "{:?}", m.seasonal_strength);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let noise: Vec<f64> = (0..364).map(|_| 100.0 + 5.0 * normal(&mut rng)).collect();
    let m = mstl::fit(&noise, &[7]).unwrap();
    assert!(m.seasonal_strength[0] < 0.4, "{:?}", m.seasonal_strength);
    // Its forecast of white noise stays near the mean with a flat trend model.
    let f = m.forecast(14, &[95.0]).unwrap();
    assert!(
        f.point.iter().all(|v| (v - 100.0).abs() < 6.0),
        "{:?}",
        f.point
    );
}

/// 80 % and 95 % intervals cover close to 80 % and 95 % of what happened next, over many simulated
/// series (a random walk with a weekly season: the kind of series the engine forecasts).
#[test]
fn intervals_are_calibrated_on_simulated_series() {
    let (h, runs) = (14, 60);
    let (mut inside80, mut inside95, mut total) = (0usize, 0usize, 0usize);
    for seed in 0..runs {
        let y = weekly(300 + h, 100 + seed);
        let (train, test) = y.split_at(300);
        let f = forecast(train, &options(h, vec![7])).unwrap();
        for (j, actual) in test.iter().enumerate() {
            let within = |k: usize| {
                let i = &f.forecast.intervals[k];
                (i.lower[j]..=i.upper[j]).contains(actual)
            };
            inside80 += usize::from(within(0));
            inside95 += usize::from(within(1));
            total += 1;
        }
    }
    let (c80, c95) = (
        inside80 as f64 / total as f64,
        inside95 as f64 / total as f64,
    );
    assert!((0.72..=0.9).contains(&c80), "80 % coverage {c80}");
    assert!((0.9..=0.99).contains(&c95), "95 % coverage {c95}");
}

#[test]
fn missing_values_are_filled_and_dates_with_gaps_are_days() {
    // 56 days with a gap of two days (Mar 10, 11 absent) and a NaN-free null.
    let mut dates = Vec::new();
    let mut values = Vec::new();
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    for d in 0..58 {
        if d == 9 || d == 10 {
            continue;
        }
        dates.push((start + chrono::Duration::days(d)).to_string());
        values.push(if d == 20 {
            json!(null)
        } else {
            json!(100.0 + (d % 7) as f64 * 3.0)
        });
    }
    let r =
        request(json!({ "values": values, "dates": dates, "horizon": 7, "fill": "interpolate" }))
            .run()
            .unwrap();
    assert_eq!(r.filled, 3);
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("3 missing value(s) filled by linear interpolation")));
    let dates = r.dates.unwrap();
    assert_eq!(dates[0].to_string(), "2026-04-28");
    assert_eq!(dates[6].to_string(), "2026-05-04");
    // With dates the default seasons are 7 and 365; 365 does not fit twice in 58 days.
    assert_eq!(r.model.season_lengths, vec![7]);
    assert!(r
        .notes
        .iter()
        .any(|n| n.contains("season length 365 ignored")));
    // Counts fill with zero.
    let r = request(
        json!({ "values": [3.0, null, 5.0, 4.0, null, 6.0], "horizon": 2, "fill": "zero" }),
    )
    .run()
    .unwrap();
    assert_eq!(r.filled, 2);
    assert!(r.notes.iter().any(|n| n.contains("filled as 0")));
}

#[test]
fn edge_cases_give_finite_forecasts_and_say_what_happened() {
    // Constant and all-zero series: the constant, zero-width intervals.
    for c in [42.0, 0.0] {
        let f = forecast(&[c; 50], &options(5, vec![7])).unwrap();
        assert_eq!(f.forecast.point, vec![c; 5]);
        assert!(f
            .forecast
            .intervals
            .iter()
            .all(|i| i.lower == vec![c; 5] && i.upper == vec![c; 5]));
        assert!(f.notes.iter().any(|n| n.contains("constant series")));
    }
    // Shorter than two seasons: the season is ignored, non-seasonal models forecast.
    let short = weekly(12, 4);
    let f = forecast(&short, &options(7, vec![7])).unwrap();
    assert!(f.season_lengths.is_empty());
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("season length 7 ignored")));
    assert!(f.forecast.point.iter().all(|v| v.is_finite()));
    // One, two and three values; zeros and negative values; a spike.
    for y in [
        vec![5.0],
        vec![5.0, 7.0],
        vec![5.0, 7.0, 6.0],
        vec![
            0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 4.0, 0.0,
        ],
        (0..40)
            .map(|t| if t % 2 == 0 { -3.0 } else { 2.5 })
            .collect(),
        (0..60).map(|t| if t == 30 { 1e6 } else { 10.0 }).collect(),
    ] {
        let f = forecast(&y, &options(10, vec![7])).unwrap();
        assert_eq!(f.forecast.point.len(), 10);
        assert!(f.forecast.point.iter().all(|v| v.is_finite()), "{y:?}");
        for i in &f.forecast.intervals {
            assert!(i.lower.iter().chain(&i.upper).all(|v| v.is_finite()));
        }
    }
    // Values at the edge of f64 are an error or a finite forecast, never a NaN or a panic.
    let huge: Vec<f64> = (0..30)
        .map(|t| if t % 2 == 0 { 1e307 } else { -1e307 })
        .collect();
    if let Ok(f) = forecast(&huge, &options(3, vec![7])) {
        assert!(f.forecast.point.iter().all(|v| v.is_finite()));
    }
}

#[test]
fn every_method_can_be_asked_for_by_name() {
    let y = weekly(120, 5);
    for method in Method::ALL {
        let mut o = options(14, vec![7]);
        o.method = method;
        let f = forecast(&y, &o).unwrap();
        if method != Method::Auto {
            assert_eq!(f.method, method, "{method:?}");
            assert_eq!(f.validation.as_ref().unwrap().candidates.len(), 1);
        }
        assert!(f.forecast.point.iter().all(|v| v.is_finite()));
    }
    // MSTL without a usable season falls back to ETS and says so.
    let mut o = options(5, vec![]);
    o.method = Method::Mstl;
    let f = forecast(&y, &o).unwrap();
    assert_eq!(f.method, Method::Ets);
    assert!(f.notes.iter().any(|n| n.contains("fell back to ETS")));
}

#[test]
fn bad_requests_are_typed_errors_naming_the_field() {
    let bad = |v: serde_json::Value, field: &str| {
        let e = api::decode::<SeriesForecastRequest>("forecast", v, NameStyle::Camel)
            .and_then(|r| r.run())
            .unwrap_err();
        assert_eq!(e.category(), ErrorCategory::InvalidInput, "{e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    };
    bad(json!({ "values": [1.0, 2.0], "horizon": 0 }), "horizon");
    bad(
        json!({ "values": [1.0, 2.0], "horizon": 10_001 }),
        "horizon",
    );
    bad(json!({ "values": [], "horizon": 3 }), "values");
    bad(json!({ "values": [null, null], "horizon": 3 }), "values");
    bad(
        json!({ "values": [1.0], "horizon": 3, "levels": [0.0] }),
        "levels",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "levels": [80, 80] }),
        "levels",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "seasonLength": 0 }),
        "seasonLength",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "seasonLength": 1e9 }),
        "seasonLength",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "seasonLength": [2, 3, 4, 5, 6] }),
        "seasonLength",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "validationOrigins": 21 }),
        "validationOrigins",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "method": "prophet" }),
        "method",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "unknown": 1 }),
        "unknown",
    );
    bad(
        json!({ "values": [1.0, 2.0], "dates": ["2026-01-02"], "horizon": 3 }),
        "dates",
    );
    bad(
        json!({ "values": [1.0, 2.0], "dates": ["2026-01-02", "2026-01-01"], "horizon": 3 }),
        "dates",
    );
    bad(
        json!({ "values": [1.0, 2.0], "dates": ["2026-01-01", "9999-01-01"], "horizon": 3 }),
        "dates",
    );
    bad(
        json!({ "values": [1.0], "horizon": 3, "id": "x".repeat(201) }),
        "id",
    );
    // 365.25 is a period of 365 days.
    let r = request(json!({ "values": weekly(800, 6), "horizon": 3, "seasonLength": [7, 365.25] }));
    assert_eq!(r.run().unwrap().model.season_lengths, vec![7, 365]);
}

#[test]
fn a_batch_runs_in_parallel_in_order_and_reports_failures_by_index() {
    let mut series = Vec::new();
    for i in 0..9 {
        series.push(json!({ "id": format!("s{i}"), "values": weekly(70 + i, i as u64), "horizon": 7, "seasonLength": 7 }));
    }
    series.insert(4, json!({ "id": "bad", "values": [1.0], "horizon": 0 }));
    let batch: ForecastBatchRequest = api::decode(
        "batch",
        json!({ "series": series, "threads": 3 }),
        NameStyle::Camel,
    )
    .unwrap();
    let r = batch.run().unwrap();
    let ids: Vec<_> = r.forecasts.iter().map(|f| f.id.clone().unwrap()).collect();
    assert_eq!(ids, ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]);
    assert_eq!(r.failures.len(), 1);
    assert_eq!(
        (r.failures[0].index, r.failures[0].id.as_deref()),
        (4, Some("bad"))
    );
    assert_eq!(r.failures[0].code, "INVALID_ARGUMENT");
    // The same series alone gives the same forecast.
    let alone = request(series[0].clone()).run().unwrap();
    assert_eq!(alone, r.forecasts[0]);
    let too_many: Result<ForecastBatchRequest, _> = api::decode(
        "batch",
        json!({ "series": [], "threads": 0 }),
        NameStyle::Camel,
    );
    assert!(too_many.unwrap().run().is_err());
}

#[test]
fn a_metric_forecast_from_platform_data_is_stored_and_read_back() {
    let options = ConfigOptions {
        usd_to_npr: Some(Decimalish::Text("133.5".into())),
        ephemeral_pseudonym_key: true,
        now: Some("2026-06-01T00:00:00Z".into()),
        ..ConfigOptions::default()
    };
    let gen = GenerateRequest {
        users: Some(400),
        days: Some(56),
        seed: Some(11),
        start: Some("2026-03-02".parse().unwrap()),
        ..GenerateRequest::default()
    };
    let engine = api::open_generated(gen, options).unwrap().engine;
    let ask = |v: serde_json::Value| -> ForecastRequest {
        api::decode("forecast", v, NameStyle::Camel).unwrap()
    };
    let f = ask(json!({ "metric": "revenue.total", "horizon": 14, "from": "2026-03-02", "to": "2026-04-26", "store": true }))
        .run(&engine)
        .unwrap();
    assert_eq!(f.metric, "revenue.total");
    assert_eq!(f.horizon_days, 14);
    assert_eq!(f.predictions.len(), 14);
    assert_eq!(f.predictions[0].date.to_string(), "2026-04-27");
    assert_eq!(f.timezone, "Australia/Sydney");
    assert_eq!(f.generated_at.to_rfc3339(), "2026-06-01T00:00:00+00:00");
    assert!(f.accuracy.is_some());
    // Revenue is never forecast below zero.
    for p in &f.predictions {
        assert!(
            p.value >= 0.0
                && p.intervals
                    .iter()
                    .all(|b| b.lower >= 0.0 && b.lower <= b.upper)
        );
        assert_eq!(p.intervals.len(), 2);
    }
    // A ratio (the payer rate, in %) stays within 0–100.
    let rate = ask(json!({ "metric": "monetization.payerRate", "horizon": 7, "from": "2026-03-02", "to": "2026-04-26" }))
        .run(&engine)
        .unwrap();
    assert!(rate
        .predictions
        .iter()
        .all(|p| (0.0..=100.0).contains(&p.value)));
    let stored = StoredForecastsRequest::default().run(&engine).unwrap();
    assert_eq!(stored, vec![f.clone()]);
    let other: StoredForecastsRequest = api::decode(
        "stored",
        json!({ "metric": "engagement.dau" }),
        NameStyle::Camel,
    )
    .unwrap();
    assert!(other.run(&engine).unwrap().is_empty());
    // The same forecast again replaces the stored one (same metric, country, history end, horizon).
    ask(json!({ "metric": "revenue.total", "horizon": 14, "from": "2026-03-02", "to": "2026-04-26", "store": true }))
        .run(&engine)
        .unwrap();
    assert_eq!(
        StoredForecastsRequest::default()
            .run(&engine)
            .unwrap()
            .len(),
        1
    );
    // A range without any revenue is an error that says so.
    let e = ask(json!({ "metric": "revenue.total", "from": "2026-05-10", "to": "2026-05-20" }))
        .run(&engine)
        .unwrap_err();
    assert!(e.to_string().contains("no non-zero value"), "{e}");
}
