//! Options of the seeded synthetic data generator from JavaScript (the core's `generate`). The same
//! options always generate the same data, and the same data as the CLI's
//! `halobuzz-analytics generate --users … --days … --seed …`.

use halobuzz_analytics::generate::{GeneratorConfig, RevenueDrop};
use napi_derive::napi;
use serde::Deserialize;

use crate::calendar::{day_text, optional_day_text, parse_day};
use crate::error::{invalid_argument, Outcome};

/// What to generate; every option left out keeps the CLI's default.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorOptions {
    /// Number of users (default 2000).
    pub users: Option<u32>,
    /// Number of days of activity (default 60).
    pub days: Option<u32>,
    /// Random seed, a non-negative integer (default 42).
    pub seed: Option<i64>,
    /// First day `'YYYY-MM-DD'` (default: the window is centred on the Sydney DST change of 2026-04-05).
    #[serde(default, deserialize_with = "optional_day_text")]
    pub start: Option<String>,
    /// An injected drop of money payments on one day.
    pub revenue_drop: Option<RevenueDropOptions>,
    /// Share (0–0.5) of extra invalid documents per collection (default 0.002).
    pub invalid_rate: Option<f64>,
    /// Share (0–0.5) of extra exact duplicates per collection (default 0.0005).
    pub duplicate_rate: Option<f64>,
}

/// A revenue drop to inject.
#[napi(object)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevenueDropOptions {
    /// The day `'YYYY-MM-DD'` (Australia/Sydney).
    #[serde(deserialize_with = "day_text")]
    pub day: String,
    /// Percentage (0–100] of money payments skipped that day.
    pub pct: f64,
}

impl GeneratorOptions {
    /// The core configuration (validated by the generator itself).
    pub fn into_config(self) -> Outcome<GeneratorConfig> {
        let d = GeneratorConfig::default();
        let seed = match self.seed {
            None => d.seed,
            Some(s) => u64::try_from(s).map_err(|_| {
                invalid_argument("seed", format!("{s} is not a non-negative integer"))
            })?,
        };
        Ok(GeneratorConfig {
            users: self.users.unwrap_or(d.users),
            days: self.days.unwrap_or(d.days),
            seed,
            start: self.start.map(|s| parse_day("start", &s)).transpose()?,
            revenue_drop: self
                .revenue_drop
                .map(|r| {
                    Ok::<_, crate::error::Failure>(RevenueDrop {
                        day: parse_day("revenueDrop.day", &r.day)?,
                        pct: r.pct,
                    })
                })
                .transpose()?,
            invalid_rate: self.invalid_rate.unwrap_or(d.invalid_rate),
            duplicate_rate: self.duplicate_rate.unwrap_or(d.duplicate_rate),
        })
    }
}
