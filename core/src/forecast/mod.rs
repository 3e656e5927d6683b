//! Forecast evaluation: simple baselines every model must beat, point and interval accuracy metrics,
//! rolling-origin backtesting and split-conformal calibration of prediction intervals (formulas and
//! choices: `docs/forecast-evaluation.md`).
//!
//! - [`baseline`]: naive, seasonal naive, drift and mean forecasts with analytic normal intervals.
//! - [`accuracy`]: MAE, RMSE, sMAPE, MASE, interval coverage, MSIS and the geometric mean.
//! - [`backtest`]: rolling-origin evaluation of any forecasting closure.
//! - [`conformal`]: widening intervals to the errors a backtest measured.
//! - [`types`]: the [`Forecast`] every model returns.
//!
//! Series are `&[f64]`, oldest first, evenly spaced, without gaps. Interval levels are fractions in
//! (0, 1) (`0.8` is an 80 % interval). Every input is bounded and checked: a bad one is an
//! [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the argument in its camelCase spelling.

pub mod accuracy;
pub mod backtest;
pub mod baseline;
pub mod conformal;
pub mod normal;
#[cfg(test)]
mod tests;
pub mod types;

pub use types::{Forecast, Interval};
