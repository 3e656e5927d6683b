//! The engine's configuration from JavaScript (the core's `config`): the reporting time zone, application
//! id, USD→NPR rate, pseudonym key and alert thresholds, optionally starting from the environment
//! variables the previous Node service read (`REPORTS_TZ`, `USD_TO_NPR`, `ALERT_DROP_PCT`, …, see
//! `Config::from_vars`).

use std::collections::HashMap;

use halobuzz_analytics::calendar::Calendar;
use halobuzz_analytics::config::{parse_rate, Config};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{invalid_argument, Outcome};

/// How to configure an engine. Every option is optional; an option given here wins over `env`.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EngineConfig {
    /// Variables to read first, as the previous analytics service did: pass `process.env`. Reads
    /// `REPORTS_TZ`, `ANALYTICS_APP_ID`, `USD_TO_NPR`, `ANALYTICS_PSEUDONYM_KEY`, `ALERT_DROP_PCT`,
    /// `ALERT_PAYER_DROP_PCT`, `ALERT_ABUSE_THRESHOLD`, `ALERT_INFRA_THRESHOLD`, `ALERT_CHURN_THRESHOLD`,
    /// `ALERT_ENGAGEMENT_DROP_PCT`; unset or empty ones keep the defaults.
    #[napi(ts_type = "Record<string, string | undefined>")]
    pub env: Option<HashMap<String, Option<String>>>,
    /// Reporting time zone, an IANA name (default `Australia/Sydney`).
    pub tz: Option<String>,
    /// Application id, the first part of every rollup key (default `halobuzz`).
    pub app_id: Option<String>,
    /// NPR per USD, a positive number or decimal string (`'133.5'`; a string keeps it exact). There is
    /// no default: a report that meets a USD amount without a rate rejects with `INVALID_ARGUMENT`.
    #[napi(ts_type = "number | string")]
    pub usd_to_npr: Option<Value>,
    /// Key of the keyed hash that pseudonymises user ids in outputs (`topCreators[].hostId`). The
    /// default key is public: set your own in production.
    pub pseudonym_key: Option<String>,
    /// Put raw user ids in outputs instead of pseudonyms (default `false`).
    pub reveal_user_ids: Option<bool>,
    /// Alert thresholds (METRICS.md "Alerts"); each one left out keeps its default.
    pub alerts: Option<AlertThresholdsConfig>,
}

/// Alert thresholds, in percent or events per clock hour.
#[napi(object)]
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertThresholdsConfig {
    /// Revenue below its 7-day mean by more than this % (default 15).
    pub drop_pct: Option<f64>,
    /// Payer rate below its 7-day mean by more than this % (default 10).
    pub payer_drop_pct: Option<f64>,
    /// Moderation flags in one clock hour (default 50).
    pub abuse_threshold: Option<u32>,
    /// `error_event`s in one clock hour (default 100).
    pub infra_threshold: Option<u32>,
    /// Churn rate above its 7-day mean by more than this % (default 20).
    pub churn_threshold: Option<f64>,
    /// DAU below its 7-day mean by more than this % (default 15).
    pub engagement_drop_pct: Option<f64>,
}

impl EngineConfig {
    /// The core configuration: `env` first (or the defaults), then every option given.
    pub fn into_config(self) -> Outcome<Config> {
        let mut c = match self.env {
            Some(vars) => {
                let vars: HashMap<String, String> = vars
                    .into_iter()
                    .filter_map(|(k, v)| v.map(|v| (k, v)))
                    .collect();
                Config::from_vars(&vars)?
            }
            None => Config::default(),
        };
        if let Some(tz) = self.tz {
            c.calendar = Calendar::parse(&tz)?;
        }
        if let Some(app) = self.app_id {
            if app.trim().is_empty() {
                return Err(invalid_argument("appId", "must not be empty"));
            }
            c.app_id = app;
        }
        if let Some(rate) = self.usd_to_npr {
            let text = match rate {
                Value::String(s) => s,
                // The shortest decimal that reads back as the same double: `133.5`, not `133.500000001`.
                Value::Number(n) => n.to_string(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            c.usd_to_npr = Some(parse_rate(&text)?);
        }
        if let Some(key) = self.pseudonym_key {
            if key.is_empty() {
                return Err(invalid_argument("pseudonymKey", "must not be empty"));
            }
            c.pseudonym_key = key;
        }
        if let Some(reveal) = self.reveal_user_ids {
            c.reveal_user_ids = reveal;
        }
        if let Some(a) = self.alerts {
            let t = &mut c.alerts;
            let pct = |name: &'static str, v: Option<f64>, into: &mut f64| -> Outcome<()> {
                match v {
                    Some(x) if !(x.is_finite() && x >= 0.0) => Err(invalid_argument(
                        name,
                        format!("{x} is not a non-negative number"),
                    )),
                    Some(x) => {
                        *into = x;
                        Ok(())
                    }
                    None => Ok(()),
                }
            };
            pct("alerts.dropPct", a.drop_pct, &mut t.drop_pct)?;
            pct(
                "alerts.payerDropPct",
                a.payer_drop_pct,
                &mut t.payer_drop_pct,
            )?;
            pct(
                "alerts.churnThreshold",
                a.churn_threshold,
                &mut t.churn_threshold,
            )?;
            pct(
                "alerts.engagementDropPct",
                a.engagement_drop_pct,
                &mut t.engagement_drop_pct,
            )?;
            if let Some(n) = a.abuse_threshold {
                t.abuse_threshold = u64::from(n);
            }
            if let Some(n) = a.infra_threshold {
                t.infra_threshold = u64::from(n);
            }
        }
        Ok(c)
    }
}
