//! Order statistics and Student-t quantiles, computed as R computes them (`median`, `mad`,
//! `quantile(type = 7)`, `qt`), so that the generalized ESD test takes the same decisions as the R
//! package it reproduces.

/// R's `mad` constant: it makes the MAD a consistent estimator of a normal standard deviation.
pub const MAD_CONSTANT: f64 = 1.4826;

/// The median of a sorted, non-empty slice, as R's `median` (the mean of the two middle values of an even
/// count).
pub(crate) fn sorted_median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The median of the absolute deviations of a sorted, non-empty slice from `center` (which must lie
/// within its range), without allocating: the deviations are two sorted runs (below and above `center`),
/// so each order statistic is a selection over two sorted sequences, O(log n). This keeps the ESD loop
/// and the trailing-window rule at O(log n) per step instead of R's O(n).
pub(crate) fn sorted_mad_raw(sorted: &[f64], center: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let split = sorted.partition_point(|&v| v < center);
    let (below, above) = sorted.split_at(split);
    // Deviations below the center grow as the index falls: read `below` backwards.
    let low = |j: usize| center - below[below.len() - 1 - j];
    let high = |j: usize| above[j] - center;
    let kth = |k: usize| kth_of_two(below.len(), above.len(), k, &low, &high);
    if n % 2 == 1 {
        kth(n / 2)
    } else {
        (kth(n / 2 - 1) + kth(n / 2)) / 2.0
    }
}

/// The `k`-th smallest (0-based) of the union of two ascending sequences of lengths `p` and `q`, given as
/// accessors. Binary search on how many elements come from the first sequence.
fn kth_of_two(
    p: usize,
    q: usize,
    k: usize,
    a: &dyn Fn(usize) -> f64,
    b: &dyn Fn(usize) -> f64,
) -> f64 {
    debug_assert!(k < p + q);
    // Take `i` elements from `a` and `k + 1 - i` from `b`; the answer is the largest taken.
    let mut lo = (k + 1).saturating_sub(q);
    let mut hi = (k + 1).min(p);
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        let j = k + 1 - i;
        // Too few from `a` when a's next element is smaller than b's last taken one.
        if j > 0 && i < p && a(i) < b(j - 1) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    let i = lo;
    let j = k + 1 - i;
    let from_a = if i > 0 { a(i - 1) } else { f64::NEG_INFINITY };
    let from_b = if j > 0 { b(j - 1) } else { f64::NEG_INFINITY };
    from_a.max(from_b)
}

/// R's `quantile(x, prob, type = 7)` of a sorted, non-empty slice.
pub(crate) fn sorted_quantile7(sorted: &[f64], prob: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * prob;
    let lo = h.floor();
    // `lo` is within 0..n because 0 <= prob <= 1.
    let lo_i = (lo as usize).min(n - 1);
    let hi_i = (h.ceil() as usize).min(n - 1);
    let frac = h - lo;
    if frac == 0.0 || sorted[hi_i] == sorted[lo_i] {
        sorted[lo_i]
    } else {
        (1.0 - frac) * sorted[lo_i] + frac * sorted[hi_i]
    }
}

/// `ln Γ(x)` for `x > 0`: Stirling's series once `x` is large enough for it to be exact to a few ulps,
/// after shifting up with `Γ(x + 1) = x Γ(x)`.
pub(crate) fn ln_gamma(x: f64) -> f64 {
    let mut x = x;
    let mut shift = 0.0;
    while x < 15.0 {
        shift += x.ln();
        x += 1.0;
    }
    let z = 1.0 / (x * x);
    // Bernoulli terms B2k / (2k (2k - 1) x^(2k-1)), k = 1..7.
    let series = (1.0 / 12.0
        - z * (1.0 / 360.0
            - z * (1.0 / 1260.0
                - z * (1.0 / 1680.0 - z * (1.0 / 1188.0 - z * (691.0 / 360_360.0 - z / 156.0))))))
        / x;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The regularized incomplete beta function `I_x(a, b)`, given `x` and `y = 1 - x` separately so that a
/// caller who knows `1 - x` exactly does not lose it to cancellation.
fn regularized_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let ln_front = a * ln_x + b * ln_y - ln_beta(a, b);
    // The continued fraction converges fast only below the mean of the beta law; use the symmetry
    // I_x(a, b) = 1 - I_y(b, a) above it.
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_fraction(b, a, y) / b
    }
}

/// The continued fraction of the incomplete beta function, evaluated with the modified Lentz method.
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-16;
    const MAX_TERMS: u32 = 20_000;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = f64::from(m);
        let even = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 / guard(1.0 + even * d);
        c = guard(1.0 + even / c);
        h *= d * c;
        let odd = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 / guard(1.0 + odd * d);
        c = guard(1.0 + odd / c);
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `P(T > t)` for Student's t with `df` degrees of freedom and `t >= 0`.
pub(crate) fn student_t_upper_tail(t: f64, df: f64) -> f64 {
    let t2 = t * t;
    0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))
}

fn ln_student_t_density(t: f64, df: f64) -> f64 {
    -ln_beta(df / 2.0, 0.5) - 0.5 * df.ln() - (df + 1.0) / 2.0 * (t * t / df).ln_1p()
}

/// The `t >= 0` with `P(T > t) = tail` for Student's t with `df` degrees of freedom (`0 < tail <= 0.5`,
/// `df >= 1`): R's `qt(1 - tail, df)`. Newton's method on `ln P(T > t)`, kept inside a bracket that only
/// shrinks so it cannot diverge; `guess` (the previous ESD step's answer) makes it converge in a few steps.
pub(crate) fn student_t_upper_quantile(tail: f64, df: f64, guess: Option<f64>) -> f64 {
    if tail >= 0.5 {
        return 0.0;
    }
    let target = tail.ln();
    let mut lo = 0.0_f64; // P(T > lo) > tail
    let mut hi = f64::INFINITY; // P(T > hi) <= tail
    let mut t = guess.filter(|g| g.is_finite() && *g > 0.0).unwrap_or(2.0);
    for _ in 0..400 {
        let upper = student_t_upper_tail(t, df);
        let gap = upper.ln() - target;
        if gap > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        // d/dt ln P(T > t) = -f(t) / P(T > t).
        let slope = -(ln_student_t_density(t, df) - upper.ln()).exp();
        let mut next = t - gap / slope;
        // Outside the bracket (or not a number): bisect instead.
        let inside = next > lo && next < hi;
        if !inside {
            next = if hi.is_finite() {
                lo + (hi - lo) / 2.0
            } else {
                2.0 * t.max(1.0)
            };
        }
        let converged = (next - t).abs() <= 4.0 * f64::EPSILON * t;
        if converged || (hi.is_finite() && hi - lo <= 4.0 * f64::EPSILON * hi) {
            return next;
        }
        t = next;
    }
    t
}

/// The ESD critical value `λ_i` of step `i` (1-based) for `n` points: R's
/// `qt(p, n - i - 1) * (n - i) / sqrt((n - i - 1 + t^2) * (n - i + 1))` with `p = 1 - alpha / (n - i + 1)`
/// (one tail) or `1 - alpha / (2 (n - i + 1))` (two tails). The tail probability is passed to the quantile
/// as it is rather than as `1 - p`, which keeps digits R rounds away; the difference is far below any
/// test statistic's precision.
pub(crate) fn esd_critical_value(
    n: usize,
    i: usize,
    alpha: f64,
    two_tailed: bool,
    guess: Option<f64>,
) -> (f64, f64) {
    let remaining = (n - i + 1) as f64;
    let tail = if two_tailed {
        alpha / (2.0 * remaining)
    } else {
        alpha / remaining
    };
    let df = (n - i - 1) as f64;
    let t = student_t_upper_quantile(tail, df, guess);
    let lambda = t * (n - i) as f64 / ((df + t * t) * remaining).sqrt();
    (lambda, t)
}
