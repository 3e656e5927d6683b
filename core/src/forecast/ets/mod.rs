//! The ETS family: exponential smoothing as innovations state-space models (Hyndman, Koehler, Ord &
//! Snyder, *Forecasting with Exponential Smoothing*, 2008), as R's `forecast::ets` fits them.
//!
//! A model is ETS(error, trend, season): additive or multiplicative errors, no / additive / damped
//! additive trend, no / additive / multiplicative season. [`fit`] estimates one model's smoothing
//! parameters by maximum likelihood from heuristic initial states; [`auto_ets`] fits every admissible
//! candidate and keeps the one with the lowest AICc; [`FittedEts::forecast`] gives point forecasts and
//! prediction intervals. docs/forecast.md has the formulas, the bounds and the fallbacks.

mod model;
mod optim;
mod predict;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub use predict::IntervalMethod;

/// The longest series accepted.
pub const MAX_VALUES: usize = 1_000_000;
/// The longest season accepted (a year of days fits; the simulated intervals keep m states a path).
pub const MAX_SEASON_LENGTH: usize = 1_000;
/// The lower bound of every smoothing parameter (forecast::ets's "usual" bounds).
const LOWER: f64 = 1e-4;
/// The upper bound of α.
const ALPHA_UPPER: f64 = 0.9999;
/// The bounds of the damping parameter φ.
const PHI_BOUNDS: (f64, f64) = (0.8, 0.98);
/// Evaluations of the likelihood per Nelder–Mead run (two runs per model).
const MAX_EVALS: usize = 1_000;
/// The relative change of −2 log L at which Nelder–Mead stops (about 5·10⁻⁴ on 700 values: far
/// below any AICc difference that matters; the restart tightens it 100-fold).
const TOLERANCE: f64 = 1e-7;

/// The error term: how the innovation enters the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorType {
    /// y = ŷ + ε.
    Additive,
    /// y = ŷ·(1 + ε) (strictly positive data only).
    Multiplicative,
}

/// The trend component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TrendType {
    /// No trend.
    None,
    /// An additive trend (damped when [`EtsSpec::damped`]).
    Additive,
}

/// The seasonal component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SeasonType {
    /// No season.
    None,
    /// Seasonal components added to the level.
    Additive,
    /// Seasonal factors multiplying the level (strictly positive data only).
    Multiplicative,
}

/// One ETS model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EtsSpec {
    /// The error type.
    pub error: ErrorType,
    /// The trend type.
    pub trend: TrendType,
    /// Whether the trend is damped (only with an additive trend).
    pub damped: bool,
    /// The season type.
    pub season: SeasonType,
}

impl EtsSpec {
    /// A spec from its parts.
    pub fn new(error: ErrorType, trend: TrendType, damped: bool, season: SeasonType) -> Self {
        EtsSpec {
            error,
            trend,
            damped,
            season,
        }
    }

    /// The conventional name, e.g. `ETS(A,Ad,M)`.
    pub fn name(&self) -> String {
        let e = match self.error {
            ErrorType::Additive => "A",
            ErrorType::Multiplicative => "M",
        };
        let t = match (self.trend, self.damped) {
            (TrendType::None, _) => "N",
            (TrendType::Additive, false) => "A",
            (TrendType::Additive, true) => "Ad",
        };
        let s = match self.season {
            SeasonType::None => "N",
            SeasonType::Additive => "A",
            SeasonType::Multiplicative => "M",
        };
        format!("ETS({e},{t},{s})")
    }
}

/// The smoothing parameters (absent when the model has no such component).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Params {
    /// The level's smoothing parameter α.
    pub alpha: f64,
    /// The trend's smoothing parameter β (state-space form: β = α·β*).
    pub beta: Option<f64>,
    /// The season's smoothing parameter γ.
    pub gamma: Option<f64>,
    /// The damping parameter φ.
    pub phi: Option<f64>,
}

/// The states of the model at one time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct States {
    /// The level.
    pub level: f64,
    /// The trend (slope), when the model has one.
    pub trend: Option<f64>,
    /// The seasonal components, `season_length` of them or none. In the initial states `season[k]`
    /// applies to observation k; in the final states to the forecast k + 1 steps ahead.
    pub season: Vec<f64>,
}

/// A fitted ETS model: what [`FittedEts::forecast`] needs, and how well it fits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FittedEts {
    /// The model.
    pub spec: EtsSpec,
    /// Its conventional name, e.g. `ETS(A,A,A)`.
    pub name: String,
    /// The season length used (1 for non-seasonal models).
    pub season_length: usize,
    /// The maximum likelihood smoothing parameters.
    pub params: Params,
    /// The heuristic initial states (before the first observation).
    pub initial_states: States,
    /// The states after the last observation.
    pub final_states: States,
    /// The innovations' variance: Σe² / (n − p), p the estimated parameters and initial states
    /// (relative errors for multiplicative-error models).
    pub sigma2: f64,
    /// log L without the constants every model of the same data shares (as forecast::ets); absent for
    /// a constant series, whose likelihood is unbounded (no error variance to estimate).
    pub log_likelihood: Option<f64>,
    /// AICc = −2 log L + 2k + 2k(k + 1)/(n − k − 1); absent when n ≤ k + 1.
    pub aicc: Option<f64>,
    /// k: the parameters counted by the AICc (smoothing parameters, initial states and σ²).
    pub parameter_count: usize,
    /// The number of observations fitted.
    pub n: usize,
    /// Why the result is not an ordinary fit, when it is not (constant or very short series).
    pub note: Option<String>,
}

fn check_values(values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::invalid_argument("values", "the series is empty"));
    }
    if values.len() > MAX_VALUES {
        return Err(Error::invalid_argument(
            "values",
            format!(
                "{} values, more than the {MAX_VALUES} accepted",
                values.len()
            ),
        ));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid_argument(
            "values",
            format!("value {i} is not finite ({})", values[i]),
        ));
    }
    Ok(())
}

fn check_season_length(season_length: usize) -> Result<()> {
    if season_length == 0 || season_length > MAX_SEASON_LENGTH {
        return Err(Error::invalid_argument(
            "seasonLength",
            format!("{season_length} is not in 1..={MAX_SEASON_LENGTH}"),
        ));
    }
    Ok(())
}

/// Whether `spec` can be fitted to `values` with this season length; the reason when not.
fn check_spec(values: &[f64], m: usize, spec: &EtsSpec) -> Result<()> {
    if spec.damped && spec.trend == TrendType::None {
        return Err(Error::invalid_argument(
            "spec.damped",
            "a damped model needs an additive trend",
        ));
    }
    if spec.season != SeasonType::None {
        if m < 2 {
            return Err(Error::invalid_argument(
                "seasonLength",
                "a seasonal model needs a season length of at least 2",
            ));
        }
        if values.len() < 2 * m {
            return Err(Error::invalid_argument(
                "values",
                format!(
                    "a seasonal model needs at least two seasons ({} values), got {}",
                    2 * m,
                    values.len()
                ),
            ));
        }
    }
    let multiplicative =
        spec.error == ErrorType::Multiplicative || spec.season == SeasonType::Multiplicative;
    if multiplicative {
        if let Some(i) = values.iter().position(|&v| v <= 0.0) {
            return Err(Error::invalid_argument(
                "values",
                format!(
                    "{} needs strictly positive data; value {i} is {}",
                    spec.name(),
                    values[i]
                ),
            ));
        }
    }
    Ok(())
}

/// The number of free smoothing parameters of `spec`.
fn free_params(spec: &EtsSpec) -> usize {
    1 + usize::from(spec.trend == TrendType::Additive)
        + usize::from(spec.season != SeasonType::None)
        + usize::from(spec.damped)
}

/// Maps a point of the unit box onto admissible parameters: each bound that depends on α (β ≤ α,
/// γ ≤ 1 − α) is scaled by α, so the box is exactly the usual admissible region.
fn params_from_unit(spec: &EtsSpec, u: &[f64]) -> Params {
    let mut it = u.iter().copied();
    let mut next = || it.next().unwrap_or(0.5);
    let alpha = LOWER + next() * (ALPHA_UPPER - LOWER);
    let beta = (spec.trend == TrendType::Additive).then(|| LOWER + next() * (alpha - LOWER));
    let gamma =
        (spec.season != SeasonType::None).then(|| LOWER + next() * (1.0 - alpha - LOWER).max(0.0));
    let phi = spec
        .damped
        .then(|| PHI_BOUNDS.0 + next() * (PHI_BOUNDS.1 - PHI_BOUNDS.0));
    Params {
        alpha,
        beta,
        gamma,
        phi,
    }
}

/// Fits the model `spec` to `values` (season length `season_length`, 1 when not seasonal) by maximum
/// likelihood from the heuristic initial states.
pub fn fit(values: &[f64], season_length: usize, spec: EtsSpec) -> Result<FittedEts> {
    check_values(values)?;
    check_season_length(season_length)?;
    check_spec(values, season_length, &spec)?;
    let mut fitted = fit_checked(values, season_length, spec)?;
    if is_constant(values) {
        fitted.note = Some(
            "constant series: every parameter fits equally well; the forecast is the constant \
             with zero-width intervals"
                .to_string(),
        );
    }
    Ok(fitted)
}

fn is_constant(values: &[f64]) -> bool {
    values.iter().all(|&v| v == values[0])
}

/// The data's scale, for the floor of Σe² (1 for an all-zero series).
fn scale(values: &[f64]) -> f64 {
    let s = values.iter().map(|v| v.abs()).sum::<f64>() / values.len() as f64;
    if s > 0.0 {
        s
    } else {
        1.0
    }
}

fn fit_checked(values: &[f64], m: usize, spec: EtsSpec) -> Result<FittedEts> {
    let seasonal = spec.season != SeasonType::None;
    let m_used = if seasonal { m } else { 1 };
    let init = model::initial_states(&spec, values, m_used);
    let n = values.len();
    let sc = scale(values);
    let objective = |u: &[f64]| -> f64 {
        let p = params_from_unit(&spec, u);
        match model::pass(&spec, &p, &init, values) {
            Some(pass) => model::minus_two_log_lik(&spec, &pass, n, sc),
            None => f64::INFINITY,
        }
    };
    // The likelihood can be multimodal (a small or a large α): Nelder–Mead starts from the best of
    // forecast::ets's starting values (α small, β and γ a small share of their range, φ near its
    // upper bound), the centre of the box and the same with α high, then restarts once from its
    // result (it often stalls on a collapsed simplex).
    let d = free_params(&spec);
    let mut r_start = vec![0.2 / m_used as f64];
    if spec.trend == TrendType::Additive {
        r_start.push(0.1);
    }
    if seasonal {
        r_start.push(0.05);
    }
    if spec.damped {
        r_start.push(0.99);
    }
    let mut starts = vec![r_start.clone(), vec![0.5; d]];
    let mut high = r_start.clone();
    high[0] = 0.9;
    starts.push(high);
    let start = starts
        .into_iter()
        .map(|x| {
            let v = objective(&x);
            (x, v)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(x, _)| x)
        .unwrap_or(r_start);
    let mut best = optim::nelder_mead(objective, &start, 0.1, MAX_EVALS, TOLERANCE);
    let again = optim::nelder_mead(objective, &best.x, 0.05, MAX_EVALS, TOLERANCE * 0.01);
    if again.value < best.value {
        best = again;
    }
    let params = params_from_unit(&spec, &best.x);
    let pass = model::pass(&spec, &params, &init, values)
        .filter(|_| best.value.is_finite())
        .ok_or_else(|| {
            Error::invalid_argument(
                "values",
                format!(
                    "{} diverges (or a multiplicative one-step forecast reaches 0) for every admissible parameter",
                    spec.name()
                ),
            )
        })?;
    let lik = model::minus_two_log_lik(&spec, &pass, n, sc);
    let states_count =
        1 + usize::from(spec.trend == TrendType::Additive) + if seasonal { m - 1 } else { 0 };
    let estimated = d + states_count;
    let k = estimated + 1;
    let sigma2 = if n > estimated {
        pass.sse / (n - estimated) as f64
    } else {
        pass.sse / n as f64
    };
    let aicc = (n > k + 1).then(|| {
        let kf = k as f64;
        lik + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (n as f64 - kf - 1.0)
    });
    Ok(FittedEts {
        spec,
        name: spec.name(),
        season_length: m_used,
        params,
        initial_states: init,
        final_states: pass.last,
        sigma2,
        log_likelihood: Some(-0.5 * lik),
        aicc,
        parameter_count: k,
        n,
        note: None,
    })
}

/// The candidates [`auto_ets`] considers for this data: additive errors with every trend and
/// season; multiplicative errors (no or multiplicative season, as forecast::ets restricts them) and
/// multiplicative seasons only for strictly positive data; seasonal ones only with m ≥ 2 and n ≥ 2m.
pub fn candidates(values: &[f64], season_length: usize) -> Vec<EtsSpec> {
    let positive = values.iter().all(|&v| v > 0.0);
    let seasonal = season_length >= 2 && values.len() >= 2 * season_length;
    let mut out = Vec::new();
    for error in [ErrorType::Additive, ErrorType::Multiplicative] {
        for (trend, damped) in [
            (TrendType::None, false),
            (TrendType::Additive, false),
            (TrendType::Additive, true),
        ] {
            for season in [
                SeasonType::None,
                SeasonType::Additive,
                SeasonType::Multiplicative,
            ] {
                let spec = EtsSpec::new(error, trend, damped, season);
                let ok = (season == SeasonType::None || seasonal)
                    && (positive
                        || (error == ErrorType::Additive && season != SeasonType::Multiplicative))
                    && !(error == ErrorType::Multiplicative && season == SeasonType::Additive);
                if ok {
                    out.push(spec);
                }
            }
        }
    }
    out
}

/// Fits every candidate (see [`candidates`]) and returns the one with the lowest AICc. A constant
/// series gets simple exponential smoothing with α fixed near 1 (as forecast::ets), a series too
/// short for any candidate's AICc gets ETS(A,N,N) fitted without selection; `note` says which.
pub fn auto_ets(values: &[f64], season_length: usize) -> Result<FittedEts> {
    auto_ets_among(values, season_length, |_| true)
}

/// [`auto_ets`] among the candidates `keep` accepts (e.g. the non-seasonal ones, as MSTL's trend
/// model). The fallbacks for a constant or a very short series are the same.
pub fn auto_ets_among(
    values: &[f64],
    season_length: usize,
    keep: impl Fn(&EtsSpec) -> bool,
) -> Result<FittedEts> {
    check_values(values)?;
    check_season_length(season_length)?;
    let ses = EtsSpec::new(
        ErrorType::Additive,
        TrendType::None,
        false,
        SeasonType::None,
    );
    if is_constant(values) {
        return Ok(constant_fit(values, ses));
    }
    let mut best: Option<FittedEts> = None;
    for spec in candidates(values, season_length)
        .into_iter()
        .filter(|s| keep(s))
    {
        // A candidate that diverges everywhere is simply not a candidate.
        let Ok(fitted) = fit_checked(values, season_length, spec) else {
            continue;
        };
        let Some(aicc) = fitted.aicc else { continue };
        if best
            .as_ref()
            .and_then(|b| b.aicc)
            .is_none_or(|b_aicc| aicc < b_aicc)
        {
            best = Some(fitted);
        }
    }
    match best {
        Some(b) => Ok(b),
        None => {
            let mut f = fit_checked(values, 1, ses)?;
            f.note = Some(format!(
                "{} values are too few for AICc selection: simple exponential smoothing, not selected",
                values.len()
            ));
            Ok(f)
        }
    }
}

/// Simple exponential smoothing of a constant series: the level is the constant and nothing varies.
fn constant_fit(values: &[f64], spec: EtsSpec) -> FittedEts {
    let states = States {
        level: values[0],
        trend: None,
        season: Vec::new(),
    };
    FittedEts {
        spec,
        name: spec.name(),
        season_length: 1,
        params: Params {
            alpha: ALPHA_UPPER,
            beta: None,
            gamma: None,
            phi: None,
        },
        initial_states: states.clone(),
        final_states: states,
        sigma2: 0.0,
        log_likelihood: None,
        aicc: None,
        parameter_count: 3,
        n: values.len(),
        note: Some(
            "constant series: simple exponential smoothing with α fixed at 0.9999, no selection; \
             the forecast is the constant with zero-width intervals"
                .to_string(),
        ),
    }
}

impl FittedEts {
    /// The same model with the same smoothing parameters run over other `values` (typically a
    /// prefix of the fitted series, for a cheap backtest): fresh heuristic initial states, one pass,
    /// σ² re-estimated; no optimisation, so `logLikelihood` and `aicc` are those of the new pass.
    pub fn with_params_on(&self, values: &[f64]) -> Result<FittedEts> {
        check_values(values)?;
        check_spec(values, self.season_length, &self.spec)?;
        let m = self.season_length;
        let init = model::initial_states(&self.spec, values, m);
        let pass = model::pass(&self.spec, &self.params, &init, values).ok_or_else(|| {
            Error::invalid_argument(
                "values",
                format!("{} diverges with the fitted parameters", self.name),
            )
        })?;
        let n = values.len();
        let lik = model::minus_two_log_lik(&self.spec, &pass, n, scale(values));
        let estimated = self.parameter_count.saturating_sub(1);
        let sigma2 = if n > estimated {
            pass.sse / (n - estimated) as f64
        } else {
            pass.sse / n as f64
        };
        let k = self.parameter_count as f64;
        let aicc = (n as f64 > k + 1.0)
            .then(|| lik + 2.0 * k + 2.0 * k * (k + 1.0) / (n as f64 - k - 1.0));
        Ok(FittedEts {
            initial_states: init,
            final_states: pass.last,
            sigma2,
            log_likelihood: Some(-0.5 * lik),
            aicc,
            n,
            note: None,
            ..self.clone()
        })
    }
}
