//! Unit tests of the anomaly detectors. Reference quantiles are R's `qt` (equal to SciPy's
//! `t.isf(tail, df)` to the digits given).

#![allow(clippy::unwrap_used)]

use super::shesd::generalized_esd;
use super::stats::{
    ln_gamma, sorted_mad_raw, sorted_median, sorted_quantile7, student_t_upper_quantile,
    student_t_upper_tail,
};
use super::*;
use crate::ErrorCategory;

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1.0)
}

#[test]
fn t_quantiles_match_r() {
    // (upper tail, df, qt(1 - tail, df))
    let known = [
        (0.025, 1.0, 12.706_204_736_174_694),
        (0.025, 2.0, 4.302_652_729_749_462),
        (0.025, 10.0, 2.228_138_851_986_274),
        (0.05, 5.0, 2.015_048_373_333_023),
        (0.005, 20.0, 2.845_339_709_786_108),
        (0.001, 100.0, 3.173_739_493_738_783),
        (1.736_352_271_186_625e-6, 14_396.0, 4.642_493_258_481_022),
        (3.571_428_571_436_108e-6, 13_998.0, 4.491_083_284_282_646),
        (9.999_999_994_736_442e-8, 3.0, 222.571_590_986_251_24),
        (0.4, 7.0, 0.263_166_861_352_023),
    ];
    for (tail, df, want) in known {
        let got = student_t_upper_quantile(tail, df, None);
        assert!(
            close(got, want, 1e-10),
            "qt tail {tail} df {df}: {got} vs {want}"
        );
        // A warm start far off converges to the same value.
        let warm = student_t_upper_quantile(tail, df, Some(want * 3.0));
        assert!(
            close(warm, want, 1e-10),
            "warm start tail {tail} df {df}: {warm}"
        );
        assert!(close(student_t_upper_tail(want, df), tail, 1e-9));
    }
    assert_eq!(student_t_upper_quantile(0.5, 4.0, None), 0.0);
}

#[test]
fn ln_gamma_matches_known_values() {
    assert!(close(ln_gamma(1.0), 0.0, 1e-14));
    assert!(close(
        ln_gamma(0.5),
        std::f64::consts::PI.sqrt().ln(),
        1e-14
    ));
    assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-14));
    assert!(close(ln_gamma(100.5), 361.435_540_467_777_57, 1e-14));
}

#[test]
fn order_statistics_are_rs() {
    let v = [1.0, 2.0, 3.0, 4.0, 100.0];
    assert_eq!(sorted_median(&v), 3.0);
    assert_eq!(sorted_median(&v[..4]), 2.5);
    // |v - 3| = 2 1 0 1 97 -> median 1
    assert_eq!(sorted_mad_raw(&v, 3.0), 1.0);
    // |v - 2.5| over 1..4 = 1.5 .5 .5 1.5 -> median 1
    assert_eq!(sorted_mad_raw(&v[..4], 2.5), 1.0);
    let odd = [-7.0, -1.0, 0.0, 0.5, 9.0, 10.0, 30.0];
    let brute = {
        let m = sorted_median(&odd);
        let mut d: Vec<f64> = odd.iter().map(|x| (x - m).abs()).collect();
        d.sort_by(f64::total_cmp);
        sorted_median(&d)
    };
    assert_eq!(sorted_mad_raw(&odd, 0.5), brute);
    // quantile(c(1, 2, 3, 4, 100), .95) = 80.8 in R.
    assert!(close(sorted_quantile7(&v, 0.95), 80.8, 1e-12));
    assert_eq!(sorted_quantile7(&v, 0.5), 3.0);
}

#[test]
fn generalized_esd_on_a_hand_made_series() {
    // Median 0, MAD 1.4826 * 1: R_1 = |9 - 0| / 1.4826 ≈ 6.07 > λ_1 ≈ 2.29 (n = 11, two-sided, alpha 0.05).
    let x = [0.0, 1.0, -1.0, 0.5, -0.5, 9.0, 0.0, 1.0, -1.0, 0.2, -6.0];
    let both = generalized_esd(&x, 3, 0.05, Direction::Both);
    assert_eq!(both, vec![5, 10]);
    assert_eq!(generalized_esd(&x, 3, 0.05, Direction::Pos), vec![5]);
    assert_eq!(generalized_esd(&x, 3, 0.05, Direction::Neg), vec![10]);
    // One step allowed: only the farthest.
    assert_eq!(generalized_esd(&x, 1, 0.05, Direction::Both), vec![5]);
    // Equal scores: the first in series order goes first.
    let tie = [0.0, 1.0, -1.0, 8.0, 0.5, -0.5, 8.0, 0.0, -8.0];
    assert_eq!(generalized_esd(&tie, 1, 0.05, Direction::Both), vec![3]);
    // No scale, no test.
    assert!(generalized_esd(&[2.0; 12], 5, 0.05, Direction::Both).is_empty());
}

/// A daily cycle of `period` points over `days` days with a slow trend and deterministic small noise.
fn seasonal_series(period: usize, days: usize) -> Vec<f64> {
    (0..period * days)
        .map(|i| {
            let phase = (i % period) as f64 / period as f64 * std::f64::consts::TAU;
            let noise = ((i * 7919) % 101) as f64 / 100.0 - 0.5;
            100.0 + 0.01 * i as f64 + 30.0 * phase.sin() + 10.0 * (2.0 * phase).cos() + noise
        })
        .collect()
}

#[test]
fn a_single_spike_in_a_clean_seasonal_signal_is_found_and_nothing_else() {
    let mut v = seasonal_series(48, 7);
    let spike = 48 * 5 + 17;
    v[spike] += 40.0;
    for direction in [Direction::Pos, Direction::Both] {
        let opts = ShesdOptions {
            direction,
            e_value: true,
            ..ShesdOptions::new(48)
        };
        let found = seasonal_hybrid_esd(&v, &opts).unwrap();
        assert_eq!(found.len(), 1, "{direction:?}: {found:?}");
        assert_eq!(found[0].index, spike);
        assert_eq!(found[0].value, v[spike]);
        let expected = found[0].expected.unwrap();
        assert!(
            (expected - (v[spike] - 40.0)).abs() < 2.0,
            "expected {expected}"
        );
    }
    // A positive spike is no negative anomaly.
    let neg = ShesdOptions {
        direction: Direction::Neg,
        ..ShesdOptions::new(48)
    };
    assert!(seasonal_hybrid_esd(&v, &neg).unwrap().is_empty());
    // The robust z-score rule sees it too (the seasonal swing inside one hour is small).
    let z = robust_zscore(
        &v,
        &MadOptions {
            window: 5,
            ..MadOptions::default()
        },
    )
    .unwrap();
    assert!(z.iter().any(|a| a.index == spike));
}

#[test]
fn only_last_keeps_the_final_day_or_hour() {
    let mut v = seasonal_series(48, 6);
    let n = v.len();
    let early = 48 * 2 + 5;
    let last_day = n - 30;
    let last_hour = n - 1;
    for i in [early, last_day, last_hour] {
        v[i] += 50.0;
    }
    let opts = |only_last| ShesdOptions {
        only_last,
        points_per_day: Some(48),
        ..ShesdOptions::new(48)
    };
    let idx = |o| -> Vec<usize> {
        seasonal_hybrid_esd(&v, &opts(o))
            .unwrap()
            .iter()
            .map(|a| a.index)
            .collect()
    };
    assert_eq!(idx(None), vec![early, last_day, last_hour]);
    assert_eq!(idx(Some(OnlyLast::Day)), vec![last_day, last_hour]);
    // 48 points a day: the last hour is the last 2 points.
    assert_eq!(idx(Some(OnlyLast::Hr)), vec![last_hour]);
}

#[test]
fn threshold_drops_anomalies_below_the_daily_maxima() {
    let mut v = seasonal_series(48, 6);
    // A dip is an anomaly in both directions but lies below every daily maximum.
    v[100] -= 60.0;
    v[200] += 60.0;
    let opts = |threshold| ShesdOptions {
        direction: Direction::Both,
        threshold,
        ..ShesdOptions::new(48)
    };
    let idx = |t| -> Vec<usize> {
        seasonal_hybrid_esd(&v, &opts(t))
            .unwrap()
            .iter()
            .map(|a| a.index)
            .collect()
    };
    assert_eq!(idx(None), vec![100, 200]);
    assert_eq!(idx(Some(Threshold::MedMax)), vec![200]);
    assert_eq!(idx(Some(Threshold::P99)), vec![200]);
}

#[test]
fn a_constant_series_has_no_anomaly() {
    let v = vec![5.0; 24 * 5];
    let opts = ShesdOptions {
        direction: Direction::Both,
        ..ShesdOptions::new(24)
    };
    assert!(seasonal_hybrid_esd(&v, &opts).unwrap().is_empty());
    assert!(robust_zscore(&v, &MadOptions::default())
        .unwrap()
        .is_empty());
}

#[test]
fn robust_zscore_with_zero_mad_flags_any_departure_in_its_direction() {
    // Mostly zeros: MAD 0 in every window.
    let mut v = vec![0.0; 40];
    v[10] = 1.0;
    v[30] = -2.0;
    let run = |direction| -> Vec<(usize, Option<f64>)> {
        let opts = MadOptions {
            window: 5,
            threshold: 3.5,
            direction,
        };
        robust_zscore(&v, &opts)
            .unwrap()
            .iter()
            .map(|a| (a.index, a.expected))
            .collect()
    };
    assert_eq!(run(Direction::Both), vec![(10, Some(0.0)), (30, Some(0.0))]);
    assert_eq!(run(Direction::Pos), vec![(10, Some(0.0))]);
    assert_eq!(run(Direction::Neg), vec![(30, Some(0.0))]);
}

#[test]
fn robust_zscore_scores_against_the_trailing_window() {
    // Window [1, 2, 3, 4, 5]: median 3, MAD 1 -> scale 1.4826; 9 scores 4.05, 8 scores 3.37.
    let v = [1.0, 2.0, 3.0, 4.0, 5.0, 9.0];
    let opts = MadOptions {
        window: 5,
        ..MadOptions::default()
    };
    assert_eq!(robust_zscore(&v, &opts).unwrap()[0].index, 5);
    let v = [1.0, 2.0, 3.0, 4.0, 5.0, 8.0];
    assert!(robust_zscore(&v, &opts).unwrap().is_empty());
    // Too short for one full window: nothing to score.
    assert!(robust_zscore(&v[..5], &opts).unwrap().is_empty());
}

fn invalid(r: Result<Vec<Anomaly>>, name: &str) -> String {
    match r {
        Err(e @ Error::InvalidArgument { .. }) => {
            assert_eq!(e.category(), ErrorCategory::InvalidInput);
            let text = e.to_string();
            assert!(text.contains(name), "{text}");
            text
        }
        other => panic!("expected invalid {name}, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let v = seasonal_series(24, 3);
    let ok = ShesdOptions::new(24);
    let with = |f: &dyn Fn(&mut ShesdOptions)| {
        let mut o = ok.clone();
        f(&mut o);
        seasonal_hybrid_esd(&v, &o)
    };
    let text = invalid(seasonal_hybrid_esd(&v[..48], &ok), "period");
    assert!(text.contains("more than two periods"), "{text}");
    invalid(with(&|o| o.period = 1), "period");
    invalid(with(&|o| o.max_anoms = 0.5), "maxAnoms");
    invalid(with(&|o| o.max_anoms = -0.1), "maxAnoms");
    invalid(with(&|o| o.max_anoms = f64::NAN), "maxAnoms");
    invalid(with(&|o| o.alpha = 0.0), "alpha");
    invalid(with(&|o| o.alpha = 1.0), "alpha");
    invalid(with(&|o| o.points_per_day = Some(0)), "pointsPerDay");
    invalid(with(&|o| o.longterm_period = Some(100)), "longtermPeriod");
    invalid(
        with(&|o| {
            o.longterm = true;
            o.longterm_period = Some(48);
        }),
        "longtermPeriod",
    );
    let mut bad = v.clone();
    bad[7] = f64::NAN;
    let text = invalid(seasonal_hybrid_esd(&bad, &ok), "values");
    assert!(text.contains("point 7"), "{text}");
    bad[7] = f64::INFINITY;
    invalid(robust_zscore(&bad, &MadOptions::default()), "values");
    let long = vec![0.0; MAX_POINTS + 1];
    invalid(seasonal_hybrid_esd(&long, &ok), "values");
    invalid(
        robust_zscore(
            &v,
            &MadOptions {
                window: 2,
                ..MadOptions::default()
            },
        ),
        "window",
    );
    invalid(
        robust_zscore(
            &v,
            &MadOptions {
                threshold: 0.0,
                ..MadOptions::default()
            },
        ),
        "threshold",
    );
    // maxAnoms 0 is raised to one point, as R does.
    assert!(with(&|o| o.max_anoms = 0.0).is_ok());
}

#[test]
fn longterm_windows_cover_the_series_and_agree_on_a_short_one() {
    let mut v = seasonal_series(24, 30);
    v[24 * 3 + 2] += 40.0;
    v[24 * 29 + 5] -= 40.0;
    let opts = ShesdOptions {
        direction: Direction::Both,
        longterm: true,
        e_value: true,
        ..ShesdOptions::new(24)
    };
    let found: Vec<usize> = seasonal_hybrid_esd(&v, &opts)
        .unwrap()
        .iter()
        .map(|a| a.index)
        .collect();
    assert_eq!(found, vec![24 * 3 + 2, 24 * 29 + 5]);
}

#[test]
fn options_deserialize_in_camel_case_with_defaults() {
    let o: ShesdOptions = serde_json::from_str(
        r#"{"period": 1440, "maxAnoms": 0.02, "direction": "both", "onlyLast": "day", "threshold": "med_max"}"#,
    )
    .unwrap();
    assert_eq!(o.alpha, DEFAULT_ALPHA);
    assert_eq!(o.only_last, Some(OnlyLast::Day));
    assert_eq!(o.threshold, Some(Threshold::MedMax));
    assert!(serde_json::from_str::<ShesdOptions>(r#"{"period": 24, "maxAnom": 0.1}"#).is_err());
    let m: MadOptions = serde_json::from_str("{}").unwrap();
    assert_eq!(m, MadOptions::default());
    let a = serde_json::to_string(&Anomaly {
        index: 3,
        value: 1.5,
        expected: None,
    })
    .unwrap();
    assert_eq!(a, r#"{"index":3,"value":1.5}"#);
}
