//! The engine's configuration as a request: every option optional, the previous service's environment
//! variables optionally read first, every value validated here (so the CLI, Node and Python accept and
//! refuse the same configurations, with the same messages).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::config::{
    parse_rate, Config, BACKFILL_CONCURRENCY_LIMIT, MAX_RANGE_DAYS_LIMIT, SETTLE_MINUTES_LIMIT,
};
use crate::{Error, Result};

/// A number or its decimal text (`133.5` or `"133.5"`; text keeps an exact decimal exact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Decimalish {
    /// Decimal text.
    Text(String),
    /// A number (its shortest decimal form is used: `133.5`, not `133.500000001`).
    Number(serde_json::Number),
}

impl Decimalish {
    fn text(&self) -> String {
        match self {
            Decimalish::Text(s) => s.clone(),
            Decimalish::Number(n) => n.to_string(),
        }
    }
}

/// Alert thresholds; each one left out keeps its default (METRICS.md "Alerts").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertOptions {
    /// Revenue below its 7-day mean by more than this % (default 15).
    pub drop_pct: Option<f64>,
    /// Payer rate below its 7-day mean by more than this % (default 10).
    pub payer_drop_pct: Option<f64>,
    /// Moderation flags in one clock hour (default 50).
    pub abuse_threshold: Option<u64>,
    /// `error_event`s in one clock hour (default 100).
    pub infra_threshold: Option<u64>,
    /// Churn rate above its 7-day mean by more than this % (default 20).
    pub churn_threshold: Option<f64>,
    /// DAU below its 7-day mean by more than this % (default 15).
    pub engagement_drop_pct: Option<f64>,
}

/// Serialises a secret as `null` (it never leaves the engine), reads it as a string.
mod secret {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(_: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_none()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<String>::deserialize(d)
    }
}

/// How to configure an engine. Options given here win over the environment variables.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigOptions {
    /// Read the previous service's variables from the process environment first (`REPORTS_TZ`,
    /// `ANALYTICS_APP_ID`, `USD_TO_NPR`, `ANALYTICS_PSEUDONYM_KEY`, `ALERT_*`).
    #[serde(default)]
    pub read_env: bool,
    /// The same variables given explicitly (read after the process environment, if both).
    pub env: Option<HashMap<String, Option<String>>>,
    /// Reporting time zone, an IANA name (default `Australia/Sydney`).
    #[serde(alias = "tz")]
    pub timezone: Option<String>,
    /// Application id, the first part of every analytics key (default `halobuzz`).
    pub app_id: Option<String>,
    /// NPR per USD. No default: a report that meets a USD amount without a rate fails.
    pub usd_to_npr: Option<Decimalish>,
    /// Key of the keyed hash that pseudonymises user ids in outputs (a secret: never printed).
    #[serde(default, with = "secret")]
    pub pseudonym_key: Option<String>,
    /// Put raw user ids in outputs instead of pseudonyms (default `false`).
    pub reveal_user_ids: Option<bool>,
    /// Without a `pseudonymKey`, use a random key of this process (pseudonyms then change with every
    /// process): for demos and tests. Default `false`: no key is a configuration error.
    #[serde(default)]
    pub ephemeral_pseudonym_key: bool,
    /// Alert thresholds.
    pub alerts: Option<AlertOptions>,
    /// The longest range a request may span, in days (1–36,600; default 3,660).
    pub max_range_days: Option<u32>,
    /// Minutes after a day's end before its rollup is stored (0–10,080; default 60).
    pub settle_minutes: Option<u32>,
    /// How many days a backfill rolls up at once (1–16; default 1).
    pub backfill_concurrency: Option<u32>,
    /// Freeze the engine's clock at this instant (RFC 3339, e.g. `2026-04-10T00:00:00Z`): which days
    /// are over, and the bound of valid dates, are then decided as of it. For tests, replays and
    /// reproducible runs; the system clock otherwise.
    pub now: Option<String>,
    /// Where stored reports' files are written (`REPORTS_STORAGE_DIR`).
    #[serde(default)]
    pub reports_dir: Option<String>,
}

impl std::fmt::Debug for ConfigOptions {
    /// Everything but secrets: the pseudonym key and the `env` values (which may hold keys).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigOptions")
            .field("read_env", &self.read_env)
            .field(
                "env",
                &self.env.as_ref().map(|e| e.keys().collect::<Vec<_>>()),
            )
            .field("timezone", &self.timezone)
            .field("app_id", &self.app_id)
            .field("usd_to_npr", &self.usd_to_npr)
            .field(
                "pseudonym_key",
                &self.pseudonym_key.as_ref().map(|_| "<redacted>"),
            )
            .field("ephemeral_pseudonym_key", &self.ephemeral_pseudonym_key)
            .field("reveal_user_ids", &self.reveal_user_ids)
            .field("alerts", &self.alerts)
            .field("max_range_days", &self.max_range_days)
            .field("settle_minutes", &self.settle_minutes)
            .field("backfill_concurrency", &self.backfill_concurrency)
            .field("now", &self.now)
            .finish()
    }
}

impl ConfigOptions {
    /// The configuration: the defaults, then the environment (if asked), then every option given.
    pub fn into_config(self) -> Result<Config> {
        let mut vars: HashMap<String, String> = HashMap::new();
        if self.read_env {
            vars.extend(std::env::vars());
        }
        if let Some(env) = self.env {
            vars.extend(env.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        }
        let mut c = Config::from_vars(&vars)?;
        if let Some(tz) = self.timezone {
            c.calendar = Calendar::parse(&tz).map_err(|_| {
                Error::invalid_argument(
                    "timezone",
                    format!("`{tz}` is not an IANA time zone name such as `Australia/Sydney`"),
                )
            })?;
        }
        if let Some(app) = self.app_id {
            if app.trim().is_empty() {
                return Err(Error::invalid_argument("appId", "must not be empty"));
            }
            c.app_id = app;
        }
        if let Some(rate) = self.usd_to_npr {
            c.usd_to_npr = Some(parse_rate(&rate.text())?);
        }
        if let Some(key) = self.pseudonym_key {
            if key.is_empty() {
                return Err(Error::invalid_argument("pseudonymKey", "must not be empty"));
            }
            c.pseudonym_key = Some(key);
        }
        if self.ephemeral_pseudonym_key && c.pseudonym_key.is_none() {
            c = c.with_ephemeral_pseudonym_key();
        }
        if let Some(reveal) = self.reveal_user_ids {
            c.reveal_user_ids = reveal;
        }
        if let Some(n) = self.max_range_days {
            if !(1..=MAX_RANGE_DAYS_LIMIT).contains(&n) {
                return Err(Error::invalid_argument(
                    "maxRangeDays",
                    format!("{n} is not between 1 and {MAX_RANGE_DAYS_LIMIT}"),
                ));
            }
            c.max_range_days = n;
        }
        if let Some(n) = self.settle_minutes {
            if n > SETTLE_MINUTES_LIMIT {
                return Err(Error::invalid_argument(
                    "settleMinutes",
                    format!("{n} is more than {SETTLE_MINUTES_LIMIT} (a week)"),
                ));
            }
            c.settle_minutes = n;
        }
        if let Some(n) = self.backfill_concurrency {
            if !(1..=BACKFILL_CONCURRENCY_LIMIT).contains(&n) {
                return Err(Error::invalid_argument(
                    "backfillConcurrency",
                    format!("{n} is not between 1 and {BACKFILL_CONCURRENCY_LIMIT}"),
                ));
            }
            c.backfill_concurrency = n;
        }
        if let Some(dir) = self.reports_dir {
            if dir.trim().is_empty() {
                return Err(Error::invalid_argument("reportsDir", "must not be empty"));
            }
            c.reports_dir = Some(dir.into());
        }
        if let Some(now) = self.now {
            let at = chrono::DateTime::parse_from_rfc3339(now.trim())
                .map_err(|e| {
                    Error::invalid_argument(
                        "now",
                        format!(
                            "`{}` is not an RFC 3339 instant such as 2026-04-10T00:00:00Z: {e}",
                            crate::model::shown(&now)
                        ),
                    )
                })?
                .with_timezone(&chrono::Utc);
            c.clock = crate::clock::ClockHandle::new(crate::clock::FixedClock(at));
        }
        if let Some(a) = self.alerts {
            let t = &mut c.alerts;
            for (name, value, slot) in [
                ("alerts.dropPct", a.drop_pct, &mut t.drop_pct),
                (
                    "alerts.payerDropPct",
                    a.payer_drop_pct,
                    &mut t.payer_drop_pct,
                ),
                (
                    "alerts.churnThreshold",
                    a.churn_threshold,
                    &mut t.churn_threshold,
                ),
                (
                    "alerts.engagementDropPct",
                    a.engagement_drop_pct,
                    &mut t.engagement_drop_pct,
                ),
            ] {
                if let Some(x) = value {
                    if !(x.is_finite() && x >= 0.0) {
                        return Err(Error::invalid_argument(
                            name,
                            format!("{x} is not a non-negative number"),
                        ));
                    }
                    *slot = x;
                }
            }
            if let Some(n) = a.abuse_threshold {
                t.abuse_threshold = n;
            }
            if let Some(n) = a.infra_threshold {
                t.infra_threshold = n;
            }
        }
        Ok(c)
    }
}
