//! The engine configuration from keyword arguments (core `config.rs`).
//!
//! Like the CLI, the configuration starts from the environment variables the previous service read
//! (`REPORTS_TZ`, `ANALYTICS_APP_ID`, `USD_TO_NPR`, `ANALYTICS_PSEUDONYM_KEY`, `ALERT_*`; see
//! `Config::from_vars`) unless `read_env=False`, and keyword arguments override them. Parsing and
//! validation are the core's: alert thresholds go through `Config::from_vars` under their variable names.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyType};

use halobuzz_analytics::calendar::Calendar;
use halobuzz_analytics::config::{parse_rate, Config};
use halobuzz_analytics::Error;

use crate::convert::to_py;
use crate::error::{invalid_input, ResultExt};

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `alerts` keys and the variable each one stands for.
const ALERT_KEYS: [(&str, &str); 6] = [
    ("drop_pct", "ALERT_DROP_PCT"),
    ("payer_drop_pct", "ALERT_PAYER_DROP_PCT"),
    ("abuse_threshold", "ALERT_ABUSE_THRESHOLD"),
    ("infra_threshold", "ALERT_INFRA_THRESHOLD"),
    ("churn_threshold", "ALERT_CHURN_THRESHOLD"),
    ("engagement_drop_pct", "ALERT_ENGAGEMENT_DROP_PCT"),
];

/// The configuration keyword arguments shared by `Engine.from_directory` and `Engine.generate`.
pub(crate) struct ConfigArgs<'py> {
    pub(crate) timezone: Option<String>,
    pub(crate) app_id: Option<String>,
    pub(crate) usd_to_npr: Option<Bound<'py, PyAny>>,
    pub(crate) pseudonym_key: Option<String>,
    pub(crate) reveal_user_ids: Option<bool>,
    pub(crate) alerts: Option<Bound<'py, PyDict>>,
    pub(crate) read_env: bool,
}

impl ConfigArgs<'_> {
    /// The core configuration.
    pub(crate) fn build(&self) -> PyResult<Config> {
        let mut vars: HashMap<String, String> = if self.read_env {
            std::env::vars().collect()
        } else {
            HashMap::new()
        };
        let mut given: Vec<&str> = Vec::new();
        if let Some(alerts) = &self.alerts {
            for (key, value) in alerts.iter() {
                let key: String = key.extract().map_err(|_| {
                    PyTypeError::new_err("alerts: keys must be strings such as 'drop_pct'")
                })?;
                let (key, var) = ALERT_KEYS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .copied()
                    .ok_or_else(|| {
                        let known: Vec<&str> = ALERT_KEYS.iter().map(|(k, _)| *k).collect();
                        invalid_input(
                            "alerts",
                            format!("unknown threshold `{key}`; use {}", known.join(", ")),
                        )
                    })?;
                vars.insert(var.to_owned(), number_text("alerts", &value)?);
                given.push(key);
            }
        }
        let mut config = Config::from_vars(&vars)
            .map_err(|e| match e {
                // A threshold given in `alerts` is named the way the caller wrote it, not by its
                // variable; a malformed variable from the environment keeps its name.
                Error::InvalidArgument { name, reason } => match ALERT_KEYS
                    .iter()
                    .find(|(k, v)| *v == name && given.contains(k))
                {
                    Some((key, _)) => Error::InvalidArgument {
                        name: "alerts",
                        reason: format!("`{key}`: {reason}"),
                    },
                    None => Error::InvalidArgument { name, reason },
                },
                other => other,
            })
            .or_raise()?;
        if let Some(tz) = &self.timezone {
            config.calendar = Calendar::parse(tz).or_raise()?;
        }
        if let Some(app_id) = &self.app_id {
            config.app_id.clone_from(app_id);
        }
        if let Some(rate) = &self.usd_to_npr {
            config.usd_to_npr = Some(parse_rate(&number_text("usd_to_npr", rate)?).or_raise()?);
        }
        if let Some(key) = &self.pseudonym_key {
            config.pseudonym_key.clone_from(key);
        }
        if let Some(reveal) = self.reveal_user_ids {
            config.reveal_user_ids = reveal;
        }
        Ok(config)
    }
}

/// A number given as `int`, `float`, `decimal.Decimal` or `str`, as text for the core's exact parsers.
fn number_text(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name}: expected a number, got bool"
        )));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if value.is_instance_of::<PyInt>() || value.is_instance_of::<PyFloat>() {
        // `str(float)` is the shortest text that reads back as the same float: 133.5 → "133.5".
        return Ok(value.str()?.to_cow()?.into_owned());
    }
    if value.is_instance(DECIMAL.import(value.py(), "decimal", "Decimal")?)? {
        // Fixed-point text: the core reads plain decimals, not `1E+2`.
        return value
            .call_method1("__format__", ("f",))?
            .extract::<String>();
    }
    Err(PyTypeError::new_err(format!(
        "{name}: expected a number (int, float, decimal.Decimal or str), got {}",
        value.get_type().name()?
    )))
}

/// The configuration as a dict (the pseudonym key, a secret, is left out).
pub(crate) fn config_dict<'py>(py: Python<'py>, c: &Config) -> PyResult<Bound<'py, PyAny>> {
    let d = PyDict::new(py);
    d.set_item("timezone", c.calendar.tz().name())?;
    d.set_item("app_id", &c.app_id)?;
    d.set_item("usd_to_npr", c.usd_to_npr.map(|r| r.to_string()))?;
    d.set_item("alerts", to_py(py, &c.alerts)?)?;
    d.set_item("reveal_user_ids", c.reveal_user_ids)?;
    Ok(d.into_any())
}
