//! Known-answer and hostile-input tests of the ETS family.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::Error;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let unit = |r: &mut ChaCha8Rng| (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    let u1 = 1.0 - unit(rng);
    let u2 = unit(rng);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn spec(error: ErrorType, trend: TrendType, damped: bool, season: SeasonType) -> EtsSpec {
    EtsSpec::new(error, trend, damped, season)
}

const ANN: EtsSpec = EtsSpec {
    error: ErrorType::Additive,
    trend: TrendType::None,
    damped: false,
    season: SeasonType::None,
};

/// ETS(A,A,A) simulated from its state-space equations (written here independently of the
/// implementation's error-correction form): y = l + b + s₋ₘ + e; l += b + αe; b += βe; s = s₋ₘ + γe.
fn holt_winters_additive(
    n: usize,
    m: usize,
    alpha: f64,
    beta: f64,
    gamma: f64,
    seed: u64,
) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut l, mut b) = (100.0, 0.1);
    let mut s: Vec<f64> = (0..m)
        .map(|k| 10.0 * (std::f64::consts::TAU * k as f64 / m as f64).sin())
        .collect();
    (0..n)
        .map(|t| {
            let e = normal(&mut rng);
            let y = l + b + s[t % m] + e;
            l += b + alpha * e;
            b += beta * e;
            s[t % m] += gamma * e;
            y
        })
        .collect()
}

#[test]
fn holt_winters_parameters_are_recovered() {
    let (alpha, beta, gamma) = (0.3, 0.02, 0.15);
    let y = holt_winters_additive(720, 12, alpha, beta, gamma, 7);
    let aaa = spec(
        ErrorType::Additive,
        TrendType::Additive,
        false,
        SeasonType::Additive,
    );
    let f = fit(&y, 12, aaa).unwrap();
    // Tolerances: the estimators' standard errors at n = 720 are about 0.02 for α and γ (seed 7 gives 0.295 and 0.139).
    assert!(
        (f.params.alpha - alpha).abs() < 0.05,
        "α = {}",
        f.params.alpha
    );
    let g = f.params.gamma.unwrap();
    assert!((g - gamma).abs() < 0.05, "γ = {g}");
    let auto = auto_ets(&y, 12).unwrap();
    assert_ne!(auto.spec.season, SeasonType::None, "picked {}", auto.name);
    assert!(auto.note.is_none());
}

#[test]
fn log_likelihood_matches_hand_computation_for_fixed_parameters() {
    // ETS(A,N,N), α = 0.5, l₀ = mean of the first min(10, n) values = 1.8:
    // e = −0.8, 0.6, 1.3, −0.35, −1.175, Σe² = 4.193125.
    let y = [1.0, 2.0, 3.0, 2.0, 1.0];
    let init = model::initial_states(&ANN, &y, 1);
    assert!((init.level - 1.8).abs() < 1e-12);
    let p = Params {
        alpha: 0.5,
        beta: None,
        gamma: None,
        phi: None,
    };
    let pass = model::pass(&ANN, &p, &init, &y).unwrap();
    assert!((pass.sse - 4.193125).abs() < 1e-12);
    assert!((pass.last.level - 1.5875).abs() < 1e-12);
    let lik = model::minus_two_log_lik(&ANN, &pass, 5, 1.8);
    assert!((lik - 5.0 * 4.193125f64.ln()).abs() < 1e-12);

    // ETS(M,N,N), same α: relative errors and the 2Σlog|ŷ| term.
    let mnn = spec(
        ErrorType::Multiplicative,
        TrendType::None,
        false,
        SeasonType::None,
    );
    let pass = model::pass(&mnn, &p, &init, &y).unwrap();
    let fitted = [1.8, 1.4, 1.7, 2.35, 2.175];
    let sse: f64 = y
        .iter()
        .zip(fitted)
        .map(|(y, f)| ((y - f) / f).powi(2))
        .sum();
    let logs: f64 = fitted.iter().map(|f: &f64| f.ln()).sum();
    let lik = model::minus_two_log_lik(&mnn, &pass, 5, 1.8);
    assert!((lik - (5.0 * sse.ln() + 2.0 * logs)).abs() < 1e-10);
}

#[test]
fn fitted_likelihood_and_aicc_agree_with_an_independent_recursion() {
    let y = [
        3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 12.0, 10.0, 13.0, 15.0, 14.0,
    ];
    let aan = spec(
        ErrorType::Additive,
        TrendType::Additive,
        false,
        SeasonType::None,
    );
    let f = fit(&y, 1, aan).unwrap();
    let (alpha, beta) = (f.params.alpha, f.params.beta.unwrap());
    let (mut l, mut b) = (f.initial_states.level, f.initial_states.trend.unwrap());
    let mut sse = 0.0;
    for &v in &y {
        let e = v - (l + b);
        sse += e * e;
        l += b + alpha * e;
        b += beta * e;
    }
    let n = y.len() as f64;
    assert!((f.log_likelihood.unwrap() - (-0.5 * n * sse.ln())).abs() < 1e-9);
    // k = α, β, l₀, b₀, σ² = 5.
    assert_eq!(f.parameter_count, 5);
    let k = 5.0;
    let aicc = -2.0 * f.log_likelihood.unwrap() + 2.0 * k + 2.0 * k * (k + 1.0) / (n - k - 1.0);
    assert!((f.aicc.unwrap() - aicc).abs() < 1e-9);
    assert!((f.sigma2 - sse / (n - 4.0)).abs() < 1e-9);
    // The final states are those of the same recursion.
    assert!((l - f.final_states.level).abs() < 1e-9);
}

#[test]
fn intervals_widen_with_the_horizon_and_match_the_class_one_variance() {
    let y = holt_winters_additive(240, 12, 0.3, 0.02, 0.15, 11);
    let f = fit(&y, 12, ANN).unwrap();
    let fc = f.forecast(24, &[80.0, 95.0]).unwrap();
    assert_eq!(f.interval_method(), IntervalMethod::Analytic);
    let z = 1.959963984540054;
    let i95 = &fc.intervals[1];
    for h in 1..=24 {
        let half = (i95.upper[h - 1] - i95.lower[h - 1]) / 2.0;
        let var = f.sigma2 * (1.0 + f.params.alpha.powi(2) * (h as f64 - 1.0));
        assert!(
            (half - z * var.sqrt()).abs() < 1e-9 * half.max(1.0),
            "h = {h}"
        );
    }
    for model in [
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            true,
            SeasonType::Additive,
        ),
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            false,
            SeasonType::Multiplicative,
        ),
        spec(
            ErrorType::Multiplicative,
            TrendType::Additive,
            false,
            SeasonType::Multiplicative,
        ),
    ] {
        let f = fit(&y, 12, model).unwrap();
        let fc = f.forecast(36, &[50.0, 95.0]).unwrap();
        let width = |iv: &crate::forecast::Interval, h: usize| iv.upper[h] - iv.lower[h];
        for iv in &fc.intervals {
            assert!(width(iv, 35) > width(iv, 0), "{}", f.name);
            for h in 0..36 {
                assert!(iv.lower[h] <= fc.point[h] + 1e-9 && fc.point[h] <= iv.upper[h] + 1e-9);
            }
        }
        // The wider level contains the narrower one.
        assert!(width(&fc.intervals[1], 10) > width(&fc.intervals[0], 10));
        if model.season == SeasonType::Multiplicative {
            assert_eq!(f.interval_method(), IntervalMethod::Simulated);
        }
    }
}

#[test]
fn white_noise_selects_a_non_seasonal_model() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let y: Vec<f64> = (0..240).map(|_| 50.0 + 2.0 * normal(&mut rng)).collect();
    let f = auto_ets(&y, 12).unwrap();
    assert_eq!(f.spec.season, SeasonType::None, "picked {}", f.name);
}

#[test]
fn constant_and_very_short_series_give_finite_forecasts() {
    let check = |f: &FittedEts| {
        let fc = f.forecast(30, &[95.0]).unwrap();
        assert!(fc.point.iter().all(|v| v.is_finite()));
        let iv = &fc.intervals[0];
        assert!(iv.lower.iter().chain(&iv.upper).all(|v| v.is_finite()));
        assert!(f.log_likelihood.is_none_or(f64::is_finite) && f.sigma2.is_finite());
        fc
    };
    let c = auto_ets(&[5.0; 30], 12).unwrap();
    assert!(c.note.is_some());
    let fc = check(&c);
    assert!(fc.point.iter().all(|&v| v == 5.0));
    assert_eq!(fc.intervals[0].lower, fc.intervals[0].upper);
    // An explicit model on a constant series fits too (every parameter is as good as any other).
    let aaa = spec(
        ErrorType::Additive,
        TrendType::Additive,
        true,
        SeasonType::Additive,
    );
    let c = fit(&[5.0; 30], 12, aaa).unwrap();
    assert!(c.note.is_some());
    check(&c);

    for y in [&[1.0, 2.0, 4.0][..], &[7.0][..], &[1.0, 3.0][..]] {
        let f = auto_ets(y, 12).unwrap();
        assert!(f.note.is_some(), "{y:?}");
        assert!(f.aicc.is_none());
        check(&f);
        let holt = fit(
            y,
            1,
            spec(
                ErrorType::Additive,
                TrendType::Additive,
                true,
                SeasonType::None,
            ),
        )
        .unwrap();
        check(&holt);
    }
    // An exact fit (a straight line under Holt's model) stays finite thanks to the Σe² floor.
    let line: Vec<f64> = (0..20).map(|t| 2.0 + 0.5 * t as f64).collect();
    let f = fit(
        &line,
        1,
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            false,
            SeasonType::None,
        ),
    )
    .unwrap();
    check(&f);
    assert!(f.aicc.unwrap().is_finite());
}

fn invalid(r: Result<impl std::fmt::Debug>, field: &str, needle: &str) {
    match r {
        Err(Error::InvalidArgument { name, reason }) => {
            assert_eq!(name, field);
            assert!(reason.contains(needle), "{reason}");
        }
        other => panic!("expected invalid {field}, got {other:?}"),
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    invalid(fit(&[], 1, ANN), "values", "empty");
    invalid(fit(&[1.0, f64::NAN, 2.0], 1, ANN), "values", "value 1");
    invalid(auto_ets(&[1.0, 2.0, f64::INFINITY], 1), "values", "value 2");
    invalid(auto_ets(&[1.0, 2.0], 0), "seasonLength", "0");
    invalid(
        auto_ets(&[1.0, 2.0], MAX_SEASON_LENGTH + 1),
        "seasonLength",
        "1001",
    );
    let big = vec![1.0; MAX_VALUES + 1];
    invalid(auto_ets(&big, 1), "values", "more than");
    let ana = spec(
        ErrorType::Additive,
        TrendType::None,
        false,
        SeasonType::Additive,
    );
    invalid(fit(&[1.0; 23], 12, ana), "values", "two seasons");
    invalid(fit(&[1.0; 30], 1, ana), "seasonLength", "at least 2");
    let anm = spec(
        ErrorType::Additive,
        TrendType::None,
        false,
        SeasonType::Multiplicative,
    );
    invalid(fit(&[1.0, -2.0, 3.0, 4.0], 2, anm), "values", "value 1");
    let damped_none = spec(ErrorType::Additive, TrendType::None, true, SeasonType::None);
    invalid(fit(&[1.0, 2.0], 1, damped_none), "spec.damped", "trend");
    // Values so large that every recursion overflows.
    invalid(
        fit(&[1e300, -1e300, 1e300, -1e300], 1, ANN),
        "values",
        "diverges",
    );

    let f = fit(&[1.0, 2.0, 3.0, 2.5, 2.0, 3.5], 1, ANN).unwrap();
    invalid(f.forecast(0, &[95.0]), "horizon", "0");
    invalid(f.forecast(10_001, &[95.0]), "horizon", "10001");
    for bad in [0.0, 100.0, -5.0, f64::NAN] {
        invalid(f.forecast(3, &[80.0, bad]), "levels", "level 1");
    }
    // A tampered fitted model (from JSON) is refused, not used.
    let mut t = f.clone();
    t.final_states.season = vec![1.0; 3];
    invalid(t.forecast(3, &[95.0]), "fitted", "agree");
    let mut t = f.clone();
    t.sigma2 = f64::NAN;
    invalid(t.forecast(3, &[95.0]), "fitted", "agree");
}

#[test]
fn selection_considers_only_admissible_candidates() {
    let positive = vec![1.0; 30];
    let mut mixed = positive.clone();
    mixed[4] = -1.0;
    let all = candidates(&positive, 12);
    assert!(all.iter().any(|s| s.season == SeasonType::Multiplicative));
    assert!(candidates(&mixed, 12)
        .iter()
        .all(|s| { s.error == ErrorType::Additive && s.season != SeasonType::Multiplicative }));
    // n < 2m: no seasonal candidates.
    assert!(candidates(&positive[..23], 12)
        .iter()
        .all(|s| s.season == SeasonType::None));
    assert_eq!(candidates(&positive[..23], 12).len(), 6);
}

#[test]
fn multiplicative_seasonality_is_fitted_and_serialises() {
    // Positive data with seasonal amplitude proportional to a growing level.
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let y: Vec<f64> = (0..144)
        .map(|t| {
            let level = 50.0 + 0.5 * t as f64;
            let season = 1.0 + 0.3 * (std::f64::consts::TAU * (t % 12) as f64 / 12.0).sin();
            level * season * (1.0 + 0.02 * normal(&mut rng))
        })
        .collect();
    let f = auto_ets(&y, 12).unwrap();
    assert_ne!(f.spec.season, SeasonType::None, "picked {}", f.name);
    let fc = f.forecast(12, &[95.0]).unwrap();
    assert!(fc.point.iter().all(|v| v.is_finite() && *v > 0.0));
    // The fitted model round-trips through camelCase JSON and forecasts the same.
    let json = serde_json::to_string(&f).unwrap();
    assert!(json.contains("\"seasonLength\":12") && json.contains("\"finalStates\""));
    let back: FittedEts = serde_json::from_str(&json).unwrap();
    // serde_json parses floats to within an ulp (not bit-exact without its float_roundtrip feature).
    let again = back.forecast(12, &[95.0]).unwrap();
    let near = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs())
    };
    assert!(near(&again.point, &fc.point));
    assert!(near(&again.intervals[0].lower, &fc.intervals[0].lower));
    assert!(near(&again.intervals[0].upper, &fc.intervals[0].upper));
}

#[test]
fn normal_quantiles_and_the_optimiser_are_right() {
    assert!((predict::normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
    assert!((predict::normal_quantile(0.9) - 1.2815515655446004).abs() < 1e-12);
    assert!(predict::normal_quantile(0.5).abs() < 1e-12);
    let min = optim::nelder_mead(
        |x| (x[0] - 0.3).powi(2) + 10.0 * (x[1] - 0.7).powi(2),
        &[0.9, 0.1],
        0.1,
        2_000,
        1e-14,
    );
    assert!((min.x[0] - 0.3).abs() < 1e-5 && (min.x[1] - 0.7).abs() < 1e-5);
    // A minimum outside the box ends on its face.
    let min = optim::nelder_mead(|x| (x[0] - 2.0).powi(2), &[0.5], 0.1, 500, 1e-14);
    assert!((min.x[0] - 1.0).abs() < 1e-9);
}

#[test]
fn analytic_intervals_agree_with_simulated_sample_paths() {
    // The class-1 variance (with its β·j and γ·[j mod m = 0] terms) against 5,000 simulated paths of
    // the same fitted models: the 90 % half-widths agree within the sampling error (~3 %).
    let y = holt_winters_additive(240, 12, 0.3, 0.02, 0.15, 11);
    for model in [
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            false,
            SeasonType::Additive,
        ),
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            true,
            SeasonType::Additive,
        ),
        spec(
            ErrorType::Additive,
            TrendType::Additive,
            false,
            SeasonType::None,
        ),
    ] {
        let f = fit(&y, 12, model).unwrap();
        let fc = f.forecast(30, &[90.0]).unwrap();
        assert_eq!(f.interval_method(), IntervalMethod::Analytic);
        let sim = f.simulated(30, &[90.0]);
        for h in [0, 11, 12, 13, 29] {
            let analytic = fc.intervals[0].upper[h] - fc.intervals[0].lower[h];
            let simulated = sim[0].upper[h] - sim[0].lower[h];
            assert!(
                (analytic / simulated - 1.0).abs() < 0.06,
                "{} h = {}: {analytic} vs {simulated}",
                f.name,
                h + 1
            );
        }
    }
}

#[test]
fn analytic_seasonal_variance_agrees_with_simulation_at_every_step() {
    // A hand-built ETS(A,A,A) whose γ dominates (α = 0.1, β = 0.05, γ = 0.8, m = 4), so a wrong
    // seasonal term of c_j (placed at the wrong j, or missing) moves the width far beyond sampling error.
    let states = States {
        level: 10.0,
        trend: Some(0.5),
        season: vec![1.0, -1.0, 2.0, -2.0],
    };
    let f = FittedEts {
        spec: spec(
            ErrorType::Additive,
            TrendType::Additive,
            false,
            SeasonType::Additive,
        ),
        name: "ETS(A,A,A)".to_string(),
        season_length: 4,
        params: Params {
            alpha: 0.1,
            beta: Some(0.05),
            gamma: Some(0.8),
            phi: None,
        },
        initial_states: states.clone(),
        final_states: states,
        sigma2: 4.0,
        log_likelihood: Some(0.0),
        aicc: None,
        parameter_count: 8,
        n: 100,
        note: None,
    };
    let fc = f.forecast(12, &[90.0]).unwrap();
    assert_eq!(fc.point[..5], [11.5, 10.0, 13.5, 10.0, 13.5]);
    let sim = f.simulated(12, &[90.0]);
    for h in 0..12 {
        let analytic = fc.intervals[0].upper[h] - fc.intervals[0].lower[h];
        let simulated = sim[0].upper[h] - sim[0].lower[h];
        assert!(
            (analytic / simulated - 1.0).abs() < 0.06,
            "h = {}: {analytic} vs {simulated}",
            h + 1
        );
    }
}
