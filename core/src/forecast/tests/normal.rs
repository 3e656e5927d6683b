use super::close;
use crate::forecast::normal::{central_multiplier, normal_quantile};

/// Reference quantiles (R `qnorm`, printed with 16 digits).
const KNOWN: [(f64, f64); 12] = [
    (0.5, 0.0),
    (0.6, 0.2533471031357997),
    (0.8, 0.8416212335729143),
    (0.9, 1.2815515655446004),
    (0.95, 1.6448536269514722),
    (0.975, 1.959963984540054),
    (0.995, 2.5758293035489004),
    (0.999, 3.090232306167813),
    (0.025, -1.959963984540054),
    (0.05, -1.6448536269514729),
    (1e-5, -4.264890793922825),
    (1e-10, -6.361340902404056),
];

#[test]
fn matches_known_quantiles_to_1e_9() {
    for (p, z) in KNOWN {
        close(normal_quantile(p).unwrap(), z, 1e-9);
    }
}

/// Φ(x): below −3 by the continued fraction of Mills' ratio, Φ(x) = φ(x) / (|x| + 1/(|x| + 2/(|x| + …)))
/// (the Taylor series would cancel there), else by the Taylor series 1/2 + φ(x) Σ x^(2k+1) / (2k+1)!!.
fn phi(x: f64) -> f64 {
    let density = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    if x < -3.0 {
        let a = -x;
        let mut tail = 0.0;
        for k in (1..=400).rev() {
            tail = f64::from(k) / (a + tail);
        }
        return density / (a + tail);
    }
    let mut term = x;
    let mut sum = x;
    let mut k = 1.0;
    while term.abs() > 1e-18 * sum.abs().max(1e-300) {
        term *= x * x / (2.0 * k + 1.0);
        sum += term;
        k += 1.0;
    }
    0.5 + density * sum
}

#[test]
fn inverts_the_normal_cdf_across_all_three_regions() {
    // The central region, the intermediate tail (r ≤ 5) and the far tail (p < e^-25).
    for p in [
        1e-12, 1e-11, 1e-8, 0.001, 0.02, 0.07, 0.075, 0.3, 0.5, 0.7, 0.93, 0.999_9,
    ] {
        let z = normal_quantile(p).unwrap();
        let back = phi(z);
        assert!(((back - p) / p).abs() < 1e-9, "p {p}: Φ(Φ⁻¹(p)) = {back}");
        // Symmetry, on a pair whose sum is exactly 1 in f64 (1 − 1e-12 is not exact, its complement is).
        let upper = 1.0 - p;
        let z = normal_quantile(1.0 - upper).unwrap();
        close(
            normal_quantile(upper).unwrap(),
            -z,
            1e-12 * z.abs().max(1.0),
        );
    }
}

#[test]
fn is_undefined_outside_the_open_unit_interval() {
    for p in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(normal_quantile(p), None, "p {p}");
        assert_eq!(central_multiplier(p), None, "level {p}");
    }
    close(central_multiplier(0.95).unwrap(), 1.959963984540054, 1e-12);
    close(central_multiplier(0.8).unwrap(), 1.2815515655446004, 1e-12);
}
