//! Forecasting (docs/forecast.md): statistical models that fit a numeric series and forecast it with
//! prediction intervals.
//!
//! - [`ets`]: the exponential-smoothing state-space family ETS (error, trend, season) of Hyndman,
//!   Koehler, Ord & Snyder, fitted by maximum likelihood and selected by AICc.

pub mod ets;
