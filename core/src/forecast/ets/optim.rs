//! A Nelder–Mead simplex minimiser on the unit box [0, 1]^d.
//!
//! The ETS parameters are mapped onto the unit box by the caller (see `model::Params::from_unit`), so
//! the only constraint left here is the box itself: every trial point is clamped into it. Clamping
//! (rather than a penalty) keeps the objective smooth near the usual bounds, where the maximum
//! likelihood estimates of ETS smoothing parameters often lie.

/// The result of a minimisation: the best point and its value.
pub(super) struct Minimum {
    pub(super) x: Vec<f64>,
    pub(super) value: f64,
}

fn clamp_unit(x: &mut [f64]) {
    for v in x {
        *v = v.clamp(0.0, 1.0);
    }
}

/// Non-finite values (a diverging recursion) rank worst, so the simplex moves away from them.
fn eval(f: &mut impl FnMut(&[f64]) -> f64, x: &[f64]) -> f64 {
    let v = f(x);
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// Minimises `f` from `start` with an initial simplex of edge `step`, spending at most `max_evals`
/// evaluations. Stops early when the simplex's values agree to `tol` (relative).
pub(super) fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    max_evals: usize,
    tol: f64,
) -> Minimum {
    let d = start.len();
    let mut x0 = start.to_vec();
    clamp_unit(&mut x0);
    // The initial simplex: the start and one point per axis, stepping inwards when the start sits
    // on the upper face so that the simplex is never degenerate.
    let mut simplex: Vec<Vec<f64>> = vec![x0.clone()];
    for i in 0..d {
        let mut p = x0.clone();
        p[i] = if p[i] + step <= 1.0 {
            p[i] + step
        } else {
            p[i] - step
        };
        simplex.push(p);
    }
    let mut values: Vec<f64> = simplex.iter().map(|p| eval(&mut f, p)).collect();
    let mut evals = d + 1;
    while evals < max_evals {
        // Order the vertices best first.
        let mut order: Vec<usize> = (0..=d).collect();
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        values = order.iter().map(|&i| values[i]).collect();
        let (best, worst) = (values[0], values[d]);
        if worst.is_finite() && (worst - best).abs() <= tol * (best.abs() + tol) {
            break;
        }
        let mut centroid = vec![0.0; d];
        for p in &simplex[..d] {
            for (c, v) in centroid.iter_mut().zip(p) {
                *c += v / d as f64;
            }
        }
        let towards = |coef: f64| -> Vec<f64> {
            let mut p: Vec<f64> = centroid
                .iter()
                .zip(&simplex[d])
                .map(|(c, w)| c + coef * (w - c))
                .collect();
            clamp_unit(&mut p);
            p
        };
        let reflected = towards(-1.0);
        let fr = eval(&mut f, &reflected);
        evals += 1;
        if fr < values[0] {
            let expanded = towards(-2.0);
            let fe = eval(&mut f, &expanded);
            evals += 1;
            if fe < fr {
                simplex[d] = expanded;
                values[d] = fe;
            } else {
                simplex[d] = reflected;
                values[d] = fr;
            }
            continue;
        }
        if fr < values[d - 1] {
            simplex[d] = reflected;
            values[d] = fr;
            continue;
        }
        // Contract outside when the reflection improved on the worst, inside otherwise.
        let (contracted, fc) = if fr < values[d] {
            let p = towards(-0.5);
            let v = eval(&mut f, &p);
            (p, v)
        } else {
            let p = towards(0.5);
            let v = eval(&mut f, &p);
            (p, v)
        };
        evals += 1;
        if fc < values[d].min(fr) {
            simplex[d] = contracted;
            values[d] = fc;
            continue;
        }
        // Shrink every vertex towards the best one.
        for i in 1..=d {
            let p: Vec<f64> = simplex[0]
                .iter()
                .zip(&simplex[i])
                .map(|(b, v)| b + 0.5 * (v - b))
                .collect();
            values[i] = eval(&mut f, &p);
            simplex[i] = p;
        }
        evals += d;
    }
    let best = (0..=d)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    Minimum {
        x: simplex[best].clone(),
        value: values[best],
    }
}
