//! Forecasting (`docs/forecast.md`, `docs/forecast-evaluation.md`): statistical models that fit a
//! numeric series and forecast it with prediction intervals, the baselines every model must beat, and
//! how forecasts are evaluated.
//!
//! - [`ets`]: the exponential-smoothing state-space family ETS (error, trend, season) of Hyndman,
//!   Koehler, Ord & Snyder, fitted by maximum likelihood and selected by AICc.
//! - [`baseline`]: naive, seasonal naive, drift and mean forecasts with analytic normal intervals.
//! - [`accuracy`]: MAE, RMSE, sMAPE, MASE, interval coverage, MSIS and the geometric mean.
//! - [`backtest`]: rolling-origin evaluation of any forecasting closure.
//! - [`conformal`]: widening intervals to the errors a backtest measured.
//! - [`types`]: the [`Forecast`] the baselines return.
//!
//! Series are `&[f64]`, oldest first, evenly spaced, without gaps. Every input is bounded and checked:
//! a bad one is an [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the argument.

pub mod accuracy;
pub mod auto;
pub mod backtest;
pub mod baseline;
pub mod conformal;
pub mod ets;
pub mod fill;
pub mod mstl;
pub mod normal;
pub mod summary;
#[cfg(test)]
mod tests;
pub mod types;

pub use types::{Forecast, Interval};
