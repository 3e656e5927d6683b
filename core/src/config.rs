//! Engine configuration: reporting time zone, application id, USD→NPR rate and alert thresholds, from code
//! or from the environment variables the previous Node service read.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::clock::ClockHandle;
use crate::{Error, Result};

/// Thresholds of the alert rules (METRICS.md "Alerts"), in percent or events per hour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertThresholds {
    /// `ALERT_DROP_PCT`: revenue below its 7-day mean by more than this % (default 15).
    pub drop_pct: f64,
    /// `ALERT_PAYER_DROP_PCT`: payer rate below its 7-day mean by more than this % (default 10).
    pub payer_drop_pct: f64,
    /// `ALERT_ABUSE_THRESHOLD`: moderation flags in one clock hour (default 50).
    pub abuse_threshold: u64,
    /// `ALERT_INFRA_THRESHOLD`: `error_event`s in one clock hour (default 100).
    pub infra_threshold: u64,
    /// `ALERT_CHURN_THRESHOLD`: churn rate above its 7-day mean by more than this % (default 20).
    pub churn_threshold: f64,
    /// `ALERT_ENGAGEMENT_DROP_PCT`: DAU below its 7-day mean by more than this % (default 15).
    pub engagement_drop_pct: f64,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            drop_pct: 15.0,
            payer_drop_pct: 10.0,
            abuse_threshold: 50,
            infra_threshold: 100,
            churn_threshold: 20.0,
            engagement_drop_pct: 15.0,
        }
    }
}

/// Everything the engine needs besides data.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// Reporting time zone (default `Australia/Sydney`).
    #[serde(with = "tz_name")]
    pub calendar: Calendar,
    /// Application id, the first part of every analytics key (default `halobuzz`).
    pub app_id: String,
    /// NPR per USD. There is deliberately no default: a report that meets a USD amount without a rate
    /// fails with [`Error::InvalidArgument`] instead of guessing.
    pub usd_to_npr: Option<Decimal>,
    /// Alert thresholds.
    pub alerts: AlertThresholds,
    /// Key of the keyed hash that pseudonymises user ids in outputs (`ANALYTICS_PSEUDONYM_KEY`). There
    /// is no built-in key (a key in the source would let anyone map pseudonyms back to users): without
    /// one, an output that needs pseudonyms fails with a configuration error, unless the caller asked
    /// for [`Config::with_ephemeral_pseudonym_key`] or `revealUserIds`. Never serialised or printed.
    #[serde(skip)]
    pub pseudonym_key: Option<String>,
    /// Put raw user ids in outputs instead of pseudonyms (off unless the caller asks).
    #[serde(default)]
    pub reveal_user_ids: bool,
    /// The longest date range a request may span, in days (default 3,660, about ten years).
    #[serde(default = "default_max_range_days")]
    pub max_range_days: u32,
    /// Minutes after a day's end before its rollup may be stored (default 60: "daily KPIs updated
    /// within 1 hour of day end"), so that documents arriving late are in it.
    #[serde(default = "default_settle_minutes")]
    pub settle_minutes: u32,
    /// How many days a backfill rolls up at once (default 1; `ANALYTICS_BACKFILL_CONCURRENCY`, at most
    /// [`BACKFILL_CONCURRENCY_LIMIT`]). Each day is still computed and published whole by one thread.
    #[serde(default = "default_backfill_concurrency")]
    pub backfill_concurrency: u32,
    /// The clock that says which days are over and bounds valid dates (the system clock by default; a
    /// fixed or stepping clock in tests and simulations). Never serialised.
    #[serde(skip)]
    pub clock: ClockHandle,
    /// Where stored reports' files are written (`REPORTS_STORAGE_DIR`); without it, reports are
    /// produced as bytes but not stored.
    #[serde(default)]
    pub reports_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pseudonym key is a secret: never printed.
        f.debug_struct("Config")
            .field("timezone", &self.calendar.tz().name())
            .field("app_id", &self.app_id)
            .field("usd_to_npr", &self.usd_to_npr)
            .field("alerts", &self.alerts)
            .field("reveal_user_ids", &self.reveal_user_ids)
            .field("max_range_days", &self.max_range_days)
            .field("settle_minutes", &self.settle_minutes)
            .field("backfill_concurrency", &self.backfill_concurrency)
            .field("clock", &self.clock)
            .field("reports_dir", &self.reports_dir)
            .finish_non_exhaustive()
    }
}

fn default_max_range_days() -> u32 {
    3660
}

fn default_settle_minutes() -> u32 {
    60
}

fn default_backfill_concurrency() -> u32 {
    1
}

/// The most days a backfill may roll up at once.
pub const BACKFILL_CONCURRENCY_LIMIT: u32 = 16;

/// The bounds of the range options: a request of up to 100 years, a settle delay of up to a week.
pub const MAX_RANGE_DAYS_LIMIT: u32 = 36_600;
/// See [`MAX_RANGE_DAYS_LIMIT`].
pub const SETTLE_MINUTES_LIMIT: u32 = 7 * 24 * 60;

impl Default for Config {
    fn default() -> Self {
        Config {
            calendar: Calendar::default(),
            app_id: "halobuzz".to_owned(),
            usd_to_npr: None,
            alerts: AlertThresholds::default(),
            pseudonym_key: None,
            reveal_user_ids: false,
            max_range_days: default_max_range_days(),
            settle_minutes: default_settle_minutes(),
            backfill_concurrency: default_backfill_concurrency(),
            clock: ClockHandle::default(),
            reports_dir: None,
        }
    }
}

mod tz_name {
    use super::Calendar;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(c: &Calendar, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(c.tz().name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Calendar, D::Error> {
        let name = String::deserialize(d)?;
        Calendar::parse(&name).map_err(serde::de::Error::custom)
    }
}

impl Config {
    /// Reads the process environment (see [`Config::from_vars`]).
    pub fn from_env() -> Result<Self> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Reads the variables of the previous service: `REPORTS_TZ`, `ANALYTICS_APP_ID`, `USD_TO_NPR`,
    /// `ANALYTICS_PSEUDONYM_KEY`, `REPORTS_STORAGE_DIR`,
    /// `ALERT_DROP_PCT`, `ALERT_PAYER_DROP_PCT`, `ALERT_ABUSE_THRESHOLD`, `ALERT_INFRA_THRESHOLD`,
    /// `ALERT_CHURN_THRESHOLD`, `ALERT_ENGAGEMENT_DROP_PCT`. Unset or empty variables keep the defaults;
    /// a malformed one is an error naming it.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self> {
        let get = |k: &str| vars.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let mut c = Config::default();
        if let Some(tz) = get("REPORTS_TZ") {
            c.calendar = Calendar::parse(tz)?;
        }
        if let Some(app) = get("ANALYTICS_APP_ID") {
            c.app_id = app.to_owned();
        }
        if let Some(key) = get("ANALYTICS_PSEUDONYM_KEY") {
            c.pseudonym_key = Some(key.to_owned());
        }
        if let Some(dir) = get("REPORTS_STORAGE_DIR") {
            c.reports_dir = Some(dir.into());
        }
        if let Some(rate) = get("USD_TO_NPR") {
            c.usd_to_npr = Some(parse_rate(rate)?);
        }
        let pct = |k: &'static str, v: &mut f64| -> Result<()> {
            if let Some(s) = get(k) {
                *v = s
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && *x >= 0.0)
                    .ok_or_else(|| {
                        Error::invalid_argument(k, format!("`{s}` is not a non-negative number"))
                    })?;
            }
            Ok(())
        };
        let count = |k: &'static str, v: &mut u64| -> Result<()> {
            if let Some(s) = get(k) {
                *v = s.parse::<u64>().map_err(|_| {
                    Error::invalid_argument(k, format!("`{s}` is not a whole number"))
                })?;
            }
            Ok(())
        };
        let bounded = |k: &'static str, v: &mut u32, max: u32| -> Result<()> {
            if let Some(s) = get(k) {
                *v = s
                    .parse::<u32>()
                    .ok()
                    .filter(|n| {
                        (1..=max).contains(n) || (k == "ANALYTICS_SETTLE_MINUTES" && *n == 0)
                    })
                    .ok_or_else(|| {
                        Error::invalid_argument(
                            k,
                            format!("`{s}` is not a whole number up to {max}"),
                        )
                    })?;
            }
            Ok(())
        };
        bounded(
            "ANALYTICS_MAX_RANGE_DAYS",
            &mut c.max_range_days,
            MAX_RANGE_DAYS_LIMIT,
        )?;
        bounded(
            "ANALYTICS_SETTLE_MINUTES",
            &mut c.settle_minutes,
            SETTLE_MINUTES_LIMIT,
        )?;
        pct("ALERT_DROP_PCT", &mut c.alerts.drop_pct)?;
        pct("ALERT_PAYER_DROP_PCT", &mut c.alerts.payer_drop_pct)?;
        count("ALERT_ABUSE_THRESHOLD", &mut c.alerts.abuse_threshold)?;
        count("ALERT_INFRA_THRESHOLD", &mut c.alerts.infra_threshold)?;
        pct("ALERT_CHURN_THRESHOLD", &mut c.alerts.churn_threshold)?;
        pct(
            "ALERT_ENGAGEMENT_DROP_PCT",
            &mut c.alerts.engagement_drop_pct,
        )?;
        Ok(c)
    }

    /// The pseudonymiser of this configuration: raw ids when `reveal_user_ids`, else keyed pseudonyms;
    /// an `INVALID_ARGUMENT` configuration error when no key is configured.
    pub fn pseudonymizer(&self) -> Result<crate::privacy::Pseudonymizer> {
        if self.reveal_user_ids {
            return Ok(crate::privacy::Pseudonymizer::reveal());
        }
        match &self.pseudonym_key {
            Some(key) => Ok(crate::privacy::Pseudonymizer::new(key.as_bytes())),
            None => Err(Error::invalid_argument(
                "pseudonymKey",
                "no pseudonymisation key is configured: set ANALYTICS_PSEUDONYM_KEY (or the \
                 `pseudonymKey` option) to a secret, or ask for an ephemeral per-process key \
                 (`ephemeralPseudonymKey`; pseudonyms then change with every process), or for raw \
                 ids (`revealUserIds`)",
            )),
        }
    }

    /// Uses a random key of this process (pseudonyms are stable within the process only): for demos
    /// and tests, only when asked for explicitly.
    pub fn with_ephemeral_pseudonym_key(mut self) -> Self {
        self.pseudonym_key = Some(crate::privacy::process_key());
        self
    }

    /// The validation context of raw documents at the clock's current time.
    pub fn decode_context(&self) -> crate::model::DecodeContext {
        crate::model::DecodeContext {
            now: self.clock.now(),
        }
    }

    /// Sets the USD→NPR rate from text (exact decimal).
    pub fn with_usd_to_npr(mut self, rate: &str) -> Result<Self> {
        self.usd_to_npr = Some(parse_rate(rate)?);
        Ok(self)
    }
}

/// The largest plausible NPR per USD (about 750 times today's rate): beyond it a rate is a typo or an
/// attack, and products with it could overflow a total.
pub const MAX_USD_TO_NPR: u32 = 100_000;

/// A positive exact rate, at most [`MAX_USD_TO_NPR`].
pub fn parse_rate(s: &str) -> Result<Decimal> {
    let rate = s
        .trim()
        .parse::<Decimal>()
        .ok()
        .filter(|d| d.is_sign_positive() && !d.is_zero())
        .ok_or_else(|| {
            Error::invalid_argument(
                "usdToNpr",
                format!("`{}` is not a positive number", crate::model::shown(s)),
            )
        })?;
    if rate > Decimal::from(MAX_USD_TO_NPR) {
        return Err(Error::invalid_argument(
            "usdToNpr",
            format!("{rate} is beyond the largest plausible rate, {MAX_USD_TO_NPR} NPR per USD"),
        ));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_old_services_variables() {
        let vars: HashMap<String, String> = [
            ("REPORTS_TZ", "Asia/Kathmandu"),
            ("USD_TO_NPR", "133.25"),
            ("ALERT_DROP_PCT", "25"),
            ("ALERT_ABUSE_THRESHOLD", "80"),
            ("ALERT_CHURN_THRESHOLD", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let c = Config::from_vars(&vars).unwrap();
        assert_eq!(c.calendar.tz().name(), "Asia/Kathmandu");
        assert_eq!(c.usd_to_npr.unwrap().to_string(), "133.25");
        assert_eq!(c.alerts.drop_pct, 25.0);
        assert_eq!(c.alerts.abuse_threshold, 80);
        assert_eq!(c.alerts.churn_threshold, 20.0);
        assert_eq!(c.app_id, "halobuzz");
        let vars: HashMap<String, String> = [(
            "ANALYTICS_PSEUDONYM_KEY".to_owned(),
            "s3cret-key".to_owned(),
        )]
        .into();
        let c = Config::from_vars(&vars).unwrap();
        assert_eq!(c.pseudonym_key.as_deref(), Some("s3cret-key"));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!serde_json::to_string(&c).unwrap().contains("s3cret"));
    }

    #[test]
    fn malformed_variables_are_named() {
        let vars: HashMap<String, String> =
            [("ALERT_INFRA_THRESHOLD".to_owned(), "lots".to_owned())].into();
        let e = Config::from_vars(&vars).unwrap_err();
        assert!(e.to_string().contains("ALERT_INFRA_THRESHOLD"), "{e}");
        let vars: HashMap<String, String> =
            [("REPORTS_TZ".to_owned(), "Mars/Olympus".to_owned())].into();
        assert!(Config::from_vars(&vars)
            .unwrap_err()
            .to_string()
            .contains("Mars/Olympus"));
        assert!(parse_rate("-1").is_err() && parse_rate("0").is_err());
    }
}
