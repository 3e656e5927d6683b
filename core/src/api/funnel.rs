//! The funnel operation as one request (`funnel`): the built-in signup funnels per signup day, or a
//! custom funnel when `steps` names events (`docs/funnels.md`).

use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::calendar::DateRange;
use crate::funnel::{
    BuiltinFunnels, ConversionWindow, CustomFunnel, FunnelBreakdown, FunnelOrder,
    DEFAULT_WINDOW_DAYS,
};
use crate::model::CountryFilter;
use crate::{Engine, Error, Result};

/// Funnels of a range of days (`funnel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunnelRequest {
    /// First day: of signups (built-in funnels) or of entering events (custom funnels).
    pub from: Day,
    /// Last day, inclusive.
    pub to: Day,
    /// A custom funnel's event names, in order (2 to 20, each at most 200 characters); without
    /// them, the built-in signup funnels.
    #[serde(default)]
    pub steps: Option<Vec<String>>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code: users by `users.country` (built-in),
    /// entering events by their country (custom).
    #[serde(default)]
    pub country: CountryFilter,
    /// Conversion window in calendar days of the reporting zone (default 7; 1 to 90).
    #[serde(default)]
    pub window_days: Option<u32>,
    /// Custom funnels only: the conversion window in seconds instead (1 to 7,776,000).
    #[serde(default)]
    pub window_seconds: Option<u64>,
    /// Custom funnels only: `ordered` (default) or `consecutive`.
    #[serde(default)]
    pub order: Option<FunnelOrder>,
    /// Custom funnels only: `country` or `platform`.
    #[serde(default)]
    pub breakdown: Option<FunnelBreakdown>,
}

/// What a funnel request answers: the built-in funnels or a custom one, told apart by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FunnelResult {
    /// The built-in signup funnels (no `steps`).
    Builtin(BuiltinFunnels),
    /// A custom funnel.
    Custom(CustomFunnel),
}

impl FunnelRequest {
    /// The days, checked.
    pub fn range(&self) -> Result<DateRange> {
        DateRange::new(self.from.0, self.to.0)
    }

    /// The funnels.
    pub fn run(&self, engine: &Engine) -> Result<FunnelResult> {
        let range = self.range()?;
        let Some(steps) = &self.steps else {
            let custom_only = [
                ("windowSeconds", self.window_seconds.is_some()),
                ("order", self.order.is_some()),
                ("breakdown", self.breakdown.is_some()),
            ];
            if let Some((name, _)) = custom_only.iter().find(|(_, given)| *given) {
                return Err(Error::invalid_argument(
                    *name,
                    "applies to custom funnels only (give `steps`)",
                ));
            }
            let days = self.window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
            return engine
                .builtin_funnels(range, self.country, days)
                .map(FunnelResult::Builtin);
        };
        let window = match (self.window_days, self.window_seconds) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "windowSeconds",
                    "give `windowDays` or `windowSeconds`, not both",
                ))
            }
            (_, Some(s)) => ConversionWindow::seconds(s)?,
            (d, None) => ConversionWindow::days(d.unwrap_or(DEFAULT_WINDOW_DAYS))?,
        };
        engine
            .custom_funnel(
                range,
                steps,
                window,
                self.order.unwrap_or_default(),
                self.country,
                self.breakdown,
            )
            .map(FunnelResult::Custom)
    }
}
