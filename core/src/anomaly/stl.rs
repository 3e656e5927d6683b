//! Seasonal-trend decomposition by loess (Cleveland et al., 1990) as R's `stl(x, s.window = "periodic",
//! robust = TRUE)` computes it: the same parameters, inner and outer loops, robustness weights, loess
//! smoother with jumps and interpolation, and the final averaging that makes the seasonal component
//! exactly periodic. Positions are 1-based inside the smoothers (as in the method's definition) so the
//! window arithmetic reads as the paper's; arrays are indexed with `- 1`.

/// The components of a decomposition.
pub(crate) struct Decomposition {
    /// Exactly periodic seasonal component.
    pub seasonal: Vec<f64>,
    /// Trend component.
    pub trend: Vec<f64>,
}

/// R's `nextodd`.
fn next_odd(x: usize) -> usize {
    if x.is_multiple_of(2) {
        x + 1
    } else {
        x
    }
}

/// R's `stl(ts(y, frequency = period), s.window = "periodic", robust = TRUE)`.
/// The caller guarantees `period >= 2` and `y.len() > 2 * period`.
pub(crate) fn stl_periodic_robust(y: &[f64], period: usize) -> Decomposition {
    let n = y.len();
    // "periodic" means a seasonal window longer than the series and a degree-0 (mean) smoother.
    let s_window = 10 * n + 1;
    let t_window = next_odd((1.5 * period as f64 / (1.0 - 1.5 / s_window as f64)).ceil() as usize);
    let l_window = next_odd(period);
    let params = Params {
        period: period.max(2),
        s_window: next_odd(s_window.max(3)),
        t_window: next_odd(t_window.max(3)),
        l_window: next_odd(l_window.max(3)),
        s_degree: 0,
        t_degree: 1,
        l_degree: 1,
        s_jump: s_window.div_ceil(10),
        t_jump: t_window.div_ceil(10),
        l_jump: l_window.div_ceil(10),
    };
    // robust = TRUE: one inner pass, fifteen robustness iterations.
    const INNER: usize = 1;
    const OUTER: usize = 15;

    let mut work = Work::new(n, period);
    let mut seasonal = vec![0.0; n];
    let mut trend = vec![0.0; n];
    let mut weights = vec![1.0; n];
    let mut use_weights = false;
    let mut outer = 0;
    loop {
        inner_loop(
            y,
            &params,
            INNER,
            use_weights.then_some(&weights[..]),
            &mut seasonal,
            &mut trend,
            &mut work,
        );
        outer += 1;
        if outer > OUTER {
            break;
        }
        for ((f, s), t) in work.fit.iter_mut().zip(&seasonal).zip(&trend) {
            *f = t + s;
        }
        robustness_weights(y, &work.fit, &mut weights, &mut work.scratch);
        use_weights = true;
    }

    // Average each phase of the cycle so the seasonal component repeats exactly (R does this after the
    // Fortran routine for a periodic window).
    let mut sums = vec![0.0; period];
    let mut counts = vec![0_usize; period];
    for (i, s) in seasonal.iter().enumerate() {
        sums[i % period] += s;
        counts[i % period] += 1;
    }
    for (i, s) in seasonal.iter_mut().enumerate() {
        *s = sums[i % period] / counts[i % period] as f64;
    }
    Decomposition { seasonal, trend }
}

struct Params {
    period: usize,
    s_window: usize,
    t_window: usize,
    l_window: usize,
    s_degree: u8,
    t_degree: u8,
    l_degree: u8,
    s_jump: usize,
    t_jump: usize,
    l_jump: usize,
}

/// Buffers reused across iterations (all bounded by `n + 2 * period`).
struct Work {
    detrended: Vec<f64>,
    cycle: Vec<f64>,
    filtered: Vec<f64>,
    low_pass: Vec<f64>,
    fit: Vec<f64>,
    scratch: Vec<f64>,
    sub: Subseries,
}

/// Buffers of one cycle-subseries.
struct Subseries {
    y: Vec<f64>,
    w: Vec<f64>,
    fit: Vec<f64>,
}

impl Work {
    fn new(n: usize, period: usize) -> Self {
        let wide = n + 2 * period;
        let sub = n / period + 3;
        Work {
            detrended: vec![0.0; n],
            cycle: vec![0.0; wide],
            filtered: vec![0.0; wide],
            low_pass: vec![0.0; wide],
            fit: vec![0.0; n],
            scratch: vec![0.0; wide],
            sub: Subseries {
                y: Vec::with_capacity(sub),
                w: Vec::with_capacity(sub),
                fit: vec![0.0; sub],
            },
        }
    }
}

/// The inner loop: detrend, smooth the cycle-subseries, remove their low-pass part, then smooth the
/// deseasonalized series into the trend.
fn inner_loop(
    y: &[f64],
    p: &Params,
    passes: usize,
    rw: Option<&[f64]>,
    seasonal: &mut [f64],
    trend: &mut [f64],
    w: &mut Work,
) {
    let n = y.len();
    let np = p.period;
    for _ in 0..passes {
        for ((d, v), t) in w.detrended.iter_mut().zip(y).zip(trend.iter()) {
            *d = v - t;
        }
        subseries_smooth(
            &w.detrended,
            p,
            rw,
            &mut w.cycle,
            &mut w.sub,
            &mut w.scratch,
        );
        low_pass_filter(&w.cycle, np, &mut w.filtered, &mut w.scratch);
        loess(
            &w.filtered[..n],
            p.l_window,
            p.l_degree,
            p.l_jump,
            None,
            &mut w.low_pass[..n],
            &mut w.scratch,
        );
        for ((s, c), l) in seasonal.iter_mut().zip(&w.cycle[np..]).zip(&w.low_pass) {
            *s = c - l;
        }
        for ((d, v), s) in w.detrended.iter_mut().zip(y).zip(seasonal.iter()) {
            *d = v - s;
        }
        loess(
            &w.detrended,
            p.t_window,
            p.t_degree,
            p.t_jump,
            rw,
            trend,
            &mut w.scratch,
        );
    }
}

/// Smooths each cycle-subseries and extends it by one value at each end, writing `n + 2 * period` values
/// into `cycle`.
fn subseries_smooth(
    y: &[f64],
    p: &Params,
    rw: Option<&[f64]>,
    cycle: &mut [f64],
    w: &mut Subseries,
    scratch: &mut [f64],
) {
    let n = y.len();
    let np = p.period;
    for phase in 0..np {
        w.y.clear();
        w.y.extend(y.iter().skip(phase).step_by(np));
        let k = w.y.len();
        w.w.clear();
        if let Some(rw) = rw {
            w.w.extend(rw.iter().skip(phase).step_by(np));
        }
        let sub_rw = rw.map(|_| &w.w[..]);
        let fit = &mut w.fit[..k + 2];
        loess(
            &w.y,
            p.s_window,
            p.s_degree,
            p.s_jump,
            sub_rw,
            &mut fit[1..=k],
            scratch,
        );
        // One step beyond each end, from the windows at the ends.
        let right = p.s_window.min(k);
        fit[0] = loess_at(&w.y, p.s_window, p.s_degree, 0.0, 1, right, sub_rw, scratch)
            .unwrap_or(fit[1]);
        let left = (k + 1).saturating_sub(p.s_window).max(1);
        fit[k + 1] = loess_at(
            &w.y,
            p.s_window,
            p.s_degree,
            (k + 1) as f64,
            left,
            k,
            sub_rw,
            scratch,
        )
        .unwrap_or(fit[k]);
        for (m, v) in fit.iter().enumerate() {
            let at = m * np + phase;
            if at < n + 2 * np {
                cycle[at] = *v;
            }
        }
    }
}

/// Moving averages of lengths `period`, `period` and 3: `n + 2 * period` values in, `n` out.
fn low_pass_filter(x: &[f64], period: usize, out: &mut [f64], scratch: &mut [f64]) {
    let len = x.len();
    moving_average(x, period, &mut scratch[..len - period + 1]);
    moving_average(
        &scratch[..len - period + 1],
        period,
        &mut out[..len - 2 * period + 2],
    );
    moving_average(
        &out[..len - 2 * period + 2],
        3,
        &mut scratch[..len - 2 * period],
    );
    out[..len - 2 * period].copy_from_slice(&scratch[..len - 2 * period]);
}

/// Running mean of `window` values, updated by adding and dropping one value per step (as the original
/// routine does, so rounding matches it).
fn moving_average(x: &[f64], window: usize, out: &mut [f64]) {
    let count = x.len() + 1 - window;
    let flen = window as f64;
    let mut sum: f64 = x[..window].iter().sum();
    out[0] = sum / flen;
    for j in 1..count {
        sum = sum - x[j - 1] + x[j + window - 1];
        out[j] = sum / flen;
    }
}

/// Loess of `y` (positions 1..=n) with a window of `len` points and degree 0 or 1, evaluated every `jump`
/// positions and linearly interpolated in between; `res` is scratch of at least `n` values.
fn loess(
    y: &[f64],
    len: usize,
    degree: u8,
    jump: usize,
    rw: Option<&[f64]>,
    ys: &mut [f64],
    res: &mut [f64],
) {
    let n = y.len();
    if n < 2 {
        if let (Some(out), Some(v)) = (ys.first_mut(), y.first()) {
            *out = *v;
        }
        return;
    }
    let jump = jump.min(n - 1);
    let mut left = 1;
    let mut right = n;
    if len >= n {
        for i in (1..=n).step_by(jump) {
            ys[i - 1] = loess_at(y, len, degree, i as f64, 1, n, rw, res).unwrap_or(y[i - 1]);
        }
    } else if jump == 1 {
        let half = len.div_ceil(2);
        right = len;
        for i in 1..=n {
            if i > half && right != n {
                left += 1;
                right += 1;
            }
            ys[i - 1] =
                loess_at(y, len, degree, i as f64, left, right, rw, res).unwrap_or(y[i - 1]);
        }
    } else {
        let half = len.div_ceil(2);
        for i in (1..=n).step_by(jump) {
            if i < half {
                left = 1;
                right = len;
            } else if i + half > n {
                left = n - len + 1;
                right = n;
            } else {
                left = i + 1 - half;
                right = len + i - half;
            }
            ys[i - 1] =
                loess_at(y, len, degree, i as f64, left, right, rw, res).unwrap_or(y[i - 1]);
        }
    }
    if jump != 1 {
        let mut i = 1;
        while i + jump <= n {
            let delta = (ys[i + jump - 1] - ys[i - 1]) / jump as f64;
            for j in i + 1..i + jump {
                ys[j - 1] = ys[i - 1] + delta * (j - i) as f64;
            }
            i += jump;
        }
        let k = ((n - 1) / jump) * jump + 1;
        if k != n {
            ys[n - 1] =
                loess_at(y, len, degree, n as f64, left, right, rw, res).unwrap_or(y[n - 1]);
            if k != n - 1 {
                let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
                for j in k + 1..n {
                    ys[j - 1] = ys[k - 1] + delta * (j - k) as f64;
                }
            }
        }
    }
}

/// The loess estimate at position `xs` from the points `left..=right` (1-based) with tricube weights
/// (times the robustness weights when given); `None` when every weight is zero.
#[allow(clippy::too_many_arguments)] // the smoother's state, kept flat as the method states it
fn loess_at(
    y: &[f64],
    len: usize,
    degree: u8,
    xs: f64,
    left: usize,
    right: usize,
    rw: Option<&[f64]>,
    w: &mut [f64],
) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - left as f64).max(right as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let h9 = 0.999 * h;
    let h1 = 0.001 * h;
    let mut total = 0.0;
    for j in left..=right {
        w[j - 1] = 0.0;
        let r = (j as f64 - xs).abs();
        if r <= h9 {
            let mut wj = if r <= h1 {
                1.0
            } else {
                let q = r / h;
                let c = 1.0 - q * q * q;
                c * c * c
            };
            if let Some(rw) = rw {
                wj *= rw[j - 1];
            }
            w[j - 1] = wj;
            total += wj;
        }
    }
    if total <= 0.0 {
        return None;
    }
    for wj in &mut w[left - 1..right] {
        *wj /= total;
    }
    if h > 0.0 && degree > 0 {
        let mean: f64 = (left..=right).map(|j| w[j - 1] * j as f64).sum();
        let b = xs - mean;
        let c: f64 = (left..=right)
            .map(|j| {
                let d = j as f64 - mean;
                w[j - 1] * d * d
            })
            .sum();
        if c.sqrt() > 0.001 * range {
            let b = b / c;
            for j in left..=right {
                w[j - 1] *= b * (j as f64 - mean) + 1.0;
            }
        }
    }
    Some((left..=right).map(|j| w[j - 1] * y[j - 1]).sum())
}

/// Bisquare robustness weights of the residuals `y - fit`, scaled by six times their median.
fn robustness_weights(y: &[f64], fit: &[f64], rw: &mut [f64], scratch: &mut [f64]) {
    let n = y.len();
    let r = &mut scratch[..n];
    for ((ri, v), f) in r.iter_mut().zip(y).zip(fit) {
        *ri = (v - f).abs();
    }
    // The two middle order statistics (1-based n/2 + 1 and n - that + 1), as the original selects them.
    let mid1 = n / 2;
    let mid2 = n - (n / 2 + 1);
    r.select_nth_unstable_by(mid1, f64::total_cmp);
    let a = r[mid1];
    r.select_nth_unstable_by(mid2, f64::total_cmp);
    let b = r[mid2];
    let cmad = 3.0 * (a + b);
    let c9 = 0.999 * cmad;
    let c1 = 0.001 * cmad;
    for ((w, v), f) in rw.iter_mut().zip(y).zip(fit) {
        let r = (v - f).abs();
        *w = if r <= c1 {
            1.0
        } else if r <= c9 {
            let q = r / cmad;
            let c = 1.0 - q * q;
            c * c
        } else {
            0.0
        };
    }
}
