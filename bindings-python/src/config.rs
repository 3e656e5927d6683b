//! The engine configuration from keyword arguments (core `api::ConfigOptions`), and back as a dict;
//! the data source of `Engine.from_directory` (core `api::DataSource`).
//!
//! The keywords are the fields of the core's `ConfigOptions` in snake_case; they are translated into
//! its JSON form and read by `api::decode`, so defaults, the environment variables read with
//! `read_env=True` (`REPORTS_TZ`, `ANALYTICS_APP_ID`, `USD_TO_NPR`, `ANALYTICS_PSEUDONYM_KEY`,
//! `REPORTS_STORAGE_DIR`,
//! `ANALYTICS_MAX_RANGE_DAYS`, `ANALYTICS_SETTLE_MINUTES`, `ALERT_*`), unknown `alerts` keys and every
//! bound are the core's decisions, with its messages. `now` is the one value translated here: a
//! timezone-aware `datetime` becomes its RFC 3339 text (`request::instant`).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use halobuzz_analytics::api::{ConfigOptions, DataSource};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::Result;

use crate::convert::to_py;
use crate::request::{decimal, decode, instant, int, json, put, raise, Object, Renames, SAME};

/// The data source's request field is `data`; the Python parameter is `path`.
const SOURCE: Renames = &[("data", "path")];

/// The configuration keyword arguments shared by `Engine.from_directory` and `Engine.generate`.
pub(crate) struct ConfigArgs<'py> {
    pub(crate) read_env: bool,
    pub(crate) timezone: Option<String>,
    pub(crate) app_id: Option<String>,
    pub(crate) usd_to_npr: Option<Bound<'py, PyAny>>,
    pub(crate) pseudonym_key: Option<String>,
    pub(crate) reveal_user_ids: Option<bool>,
    pub(crate) ephemeral_pseudonym_key: bool,
    pub(crate) alerts: Option<Bound<'py, PyDict>>,
    pub(crate) max_range_days: Option<i128>,
    pub(crate) settle_minutes: Option<i128>,
    pub(crate) backfill_concurrency: Option<i128>,
    pub(crate) now: Option<Bound<'py, PyAny>>,
    pub(crate) reports_dir: Option<PathBuf>,
}

impl ConfigArgs<'_> {
    /// The core's configuration request (checked by the core when the engine is opened).
    pub(crate) fn options(&self) -> PyResult<ConfigOptions> {
        let mut o = Object::new();
        o.insert("read_env".to_owned(), Value::Bool(self.read_env));
        put(&mut o, "timezone", self.timezone.clone().map(Value::String));
        put(&mut o, "app_id", self.app_id.clone().map(Value::String));
        let rate = self.usd_to_npr.as_ref();
        put(
            &mut o,
            "usd_to_npr",
            rate.map(|r| decimal("usd_to_npr", r)).transpose()?,
        );
        put(
            &mut o,
            "pseudonym_key",
            self.pseudonym_key.clone().map(Value::String),
        );
        put(
            &mut o,
            "reveal_user_ids",
            self.reveal_user_ids.map(Value::Bool),
        );
        o.insert(
            "ephemeral_pseudonym_key".to_owned(),
            Value::Bool(self.ephemeral_pseudonym_key),
        );
        let alerts = self.alerts.as_ref();
        put(
            &mut o,
            "alerts",
            alerts.map(|a| json("alerts", a.as_any())).transpose()?,
        );
        put(&mut o, "max_range_days", self.max_range_days.map(int));
        put(&mut o, "settle_minutes", self.settle_minutes.map(int));
        put(
            &mut o,
            "backfill_concurrency",
            self.backfill_concurrency.map(int),
        );
        let now = self.now.as_ref();
        put(&mut o, "now", now.map(|n| instant("now", n)).transpose()?);
        put(
            &mut o,
            "reports_dir",
            self.reports_dir
                .as_ref()
                .map(|d| Value::String(d.to_string_lossy().into_owned())),
        );
        decode("config", o, SAME)
    }
}

/// The configuration as a dict (the pseudonym key, a secret, is left out).
pub(crate) fn config_dict<'py>(py: Python<'py>, c: &Config) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("timezone", c.calendar.tz().name())?;
    d.set_item("app_id", &c.app_id)?;
    d.set_item("usd_to_npr", c.usd_to_npr.map(|r| r.to_string()))?;
    d.set_item("alerts", to_py(py, &c.alerts)?)?;
    d.set_item("reveal_user_ids", c.reveal_user_ids)?;
    d.set_item("max_range_days", c.max_range_days)?;
    d.set_item("settle_minutes", c.settle_minutes)?;
    d.set_item("backfill_concurrency", c.backfill_concurrency)?;
    d.set_item(
        "reports_dir",
        c.reports_dir
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned()),
    )?;
    Ok(d.into_any())
}

/// The data source of `from_directory`: the core decides between a directory and a MongoDB URI.
pub(crate) fn data_source(path: &std::path::Path, database: Option<&str>) -> PyResult<DataSource> {
    parse_source(path, database).map_err(|e| raise(e, SOURCE))
}

/// A path that is not UTF-8 cannot be a URI, and stays the exact path the caller gave.
fn parse_source(path: &std::path::Path, database: Option<&str>) -> Result<DataSource> {
    match path.to_str() {
        Some(text) => DataSource::parse(text, database),
        None => match DataSource::parse(&path.to_string_lossy(), database)? {
            DataSource::Directory(_) => Ok(DataSource::Directory(path.to_owned())),
            other => Ok(other),
        },
    }
}
