//! The request layer: every operation's request and response as serde types, validated here, so that
//! the CLI, the Node binding and the Python binding only translate between their language and these
//! types. They cannot disagree on a date format, an option name, a default or a bound, because none of
//! them decides one.
//!
//! - [`day`]: a local day, strictly `YYYY-MM-DD`;
//! - [`config`]: the engine's configuration options ([`ConfigOptions`]);
//! - [`open`]: one way to open an engine over a directory, a MongoDB URI or generated data;
//! - [`kpi`]: the KPI operations (report, time series, backfill, rollups of a day, metric listing);
//! - [`alert`]: checking, explaining, listing, acknowledging and resolving alerts, and their rules;
//! - [`cohort`]: cohort tables (computed, refreshed into the store, stored), retention matrices and
//!   lifecycle;
//! - [`funnel`]: built-in signup funnels and custom event funnels.
//! - [`hosts`]: host performance;
//! - [`forecast`]: forecasts of any series, many series, and catalog metrics;
//! - [`schedule`]: the scheduler's options, next runs, passes and run history.
//!
//! Names: requests and responses are camelCase (JSON, JavaScript); a front end whose language spells
//! names otherwise (Python's snake_case, the CLI's kebab-case flags) passes its [`NameStyle`] to
//! [`decode`] and [`restyle`], which apply the one rule of [`crate::naming`] both ways.

pub mod alert;
pub mod cohort;
pub mod config;
pub mod day;
pub mod forecast;
pub mod funnel;
pub mod hosts;
pub mod kpi;
pub mod open;
pub mod report;
pub mod schedule;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use alert::{
    AlertAction, AlertActionRequest, CheckAlertsRequest, CheckAlertsResponse,
    DeleteAlertRuleRequest, DeliverAlertsRequest, DeliverAlertsResponse, EvaluateAlertsRequest,
    ListAlertsRequest, PutAlertRuleRequest,
};
pub use cohort::{
    CohortTableRequest, LifecycleRequest, RetentionMatrixRequest, StoredCohortsRequest,
};
pub use config::{AlertOptions, ConfigOptions, Decimalish};
pub use day::Day;
pub use forecast::{
    ForecastBatchRequest, ForecastBatchResponse, ForecastRequest, MetricForecast,
    SeriesForecastRequest, SeriesForecastResponse, StoredForecastsRequest,
};
pub use funnel::{FunnelRequest, FunnelResult};
pub use hosts::HostPerformanceRequest;
pub use kpi::{
    metrics, BackfillRequest, DayRequest, KpiRequest, RecentBackfillRequest, RollupFactsView,
    RollupIds, RollupView, TimeSeriesRequest,
};
pub use open::{
    open, open_generated, open_store, DataSource, GenerateRequest, Generated, RevenueDropRequest,
};
pub use report::{PeriodKind, ReportInfo, ReportRequest, ReportsRequest};
pub use schedule::{
    JobOptions, NextRunsRequest, NextRunsResponse, RunDueRequest, RunHistoryRequest,
    SchedulerOptions,
};

use crate::naming::{kebab_case, snake_case};
use crate::{Error, Result};

/// How a front end spells names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameStyle {
    /// `usdToNpr`: JSON and JavaScript.
    Camel,
    /// `usd_to_npr`: Python.
    Snake,
    /// `usd-to-npr`: command-line flags.
    Kebab,
}

impl NameStyle {
    /// `name` (camelCase, possibly a dotted path) in this style.
    pub fn spell(self, name: &str) -> String {
        let each = |f: fn(&str) -> String| name.split('.').map(f).collect::<Vec<_>>().join(".");
        match self {
            NameStyle::Camel => name.to_owned(),
            NameStyle::Snake => each(snake_case),
            NameStyle::Kebab => each(kebab_case),
        }
    }
}

/// The camelCase spelling of a snake_case or kebab-case name (`usd_to_npr` → `usdToNpr`). Names with
/// upper-case letters (environment variables such as `REPORTS_TZ`) are data, not field names, and are
/// left alone.
fn camel_case(name: &str) -> String {
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            upper = !out.is_empty();
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Drops `null` members (an option set to `null`, `None` or `undefined` is an option not given) and, for
/// a non-camelCase style, renames object keys to camelCase.
fn normalise(value: &mut Value, style: NameStyle) {
    match value {
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut v) in old {
                if v.is_null() {
                    continue;
                }
                normalise(&mut v, style);
                let k = match style {
                    NameStyle::Camel => k,
                    _ => camel_case(&k),
                };
                map.insert(k, v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalise(v, style)),
        _ => {}
    }
}

/// The option names the core's messages may quote (back-quoted) when they tell the caller what to set.
const OPTION_NAMES: &[&str] = &[
    "readEnv",
    "timezone",
    "appId",
    "usdToNpr",
    "pseudonymKey",
    "ephemeralPseudonymKey",
    "revealUserIds",
    "maxRangeDays",
    "settleMinutes",
    "backfillConcurrency",
    "alerts",
    "now",
];

/// Rewrites back-quoted names in the caller's style: every one in serde's own messages about fields
/// (`unknown field `fooBar`, expected one of `from`, `to``), and the core's option names anywhere.
/// Anything else back-quoted is a value the caller wrote, quoted as written.
fn restyle_message(message: &str, style: NameStyle) -> String {
    let about_fields = ["unknown field", "missing field", "duplicate field"]
        .iter()
        .any(|p| message.starts_with(p));
    if style == NameStyle::Camel {
        return message.to_owned();
    }
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let is_name = i % 2 == 1
            && !part.is_empty()
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && (about_fields || OPTION_NAMES.contains(&part));
        if is_name {
            out.push_str(&style.spell(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Reads a request of type `T` from the JSON form of an argument called `argument` (a front end's
/// object, dict or flags), in the caller's `style`. Errors are `INVALID_ARGUMENT` naming the field as
/// the caller spells it.
pub fn decode<T: DeserializeOwned>(
    argument: &str,
    mut value: Value,
    style: NameStyle,
) -> Result<T> {
    if value.is_null() {
        value = Value::Object(Default::default());
    }
    normalise(&mut value, style);
    if !value.is_object() {
        return Err(Error::invalid_argument(
            argument.to_owned(),
            format!("expected an object of options, got {}", kind(&value)),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = restyle_message(&e.into_inner().to_string(), style);
        // serde names the field itself for unknown and missing fields; a bad value needs the path.
        let name = if path == "." {
            argument.to_owned()
        } else {
            style.spell(&path)
        };
        Error::invalid_argument(name, inner)
    })
}

/// The same error with the argument's name in the caller's style.
pub fn restyle(error: Error, style: NameStyle) -> Error {
    match error {
        Error::InvalidArgument { name, reason } if style != NameStyle::Camel => {
            // Names such as `ALERT_DROP_PCT` (environment variables) or `time zone` are not fields.
            let is_field = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
                && name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            let name = if is_field {
                style.spell(&name).into()
            } else {
                name
            };
            Error::InvalidArgument {
                name,
                reason: restyle_message(&reason, style),
            }
        }
        other => other,
    }
}

/// How a JSON value is described in an error.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn one_request_three_spellings() {
        let camel: ConfigOptions = decode(
            "config",
            json!({"usdToNpr": "133.5", "appId": "x"}),
            NameStyle::Camel,
        )
        .unwrap();
        let snake: ConfigOptions = decode(
            "config",
            json!({"usd_to_npr": "133.5", "app_id": "x"}),
            NameStyle::Snake,
        )
        .unwrap();
        let kebab: ConfigOptions = decode(
            "config",
            json!({"usd-to-npr": "133.5", "app-id": "x"}),
            NameStyle::Kebab,
        )
        .unwrap();
        assert_eq!(camel, snake);
        assert_eq!(camel, kebab);
    }

    #[test]
    fn errors_name_the_field_as_the_caller_wrote_it() {
        let e = decode::<KpiRequest>(
            "query",
            json!({"from": "2026-4-1", "to": "2026-04-30"}),
            NameStyle::Camel,
        )
        .unwrap_err();
        assert_eq!(e.code(), "INVALID_ARGUMENT");
        assert!(e.to_string().starts_with("invalid from: `2026-4-1`"), "{e}");
        let e = decode::<ConfigOptions>("config", json!({"usd_rate": 1}), NameStyle::Snake)
            .unwrap_err();
        assert!(e.to_string().contains("`usd_rate`"), "{e}");
        assert!(e.to_string().contains("`usd_to_npr`"), "{e}");
        // A value is quoted as the caller wrote it, whatever the style.
        let e = decode::<KpiRequest>(
            "query",
            json!({"from": "2026-04-01", "to": "2026-04-02", "country": "Nepal"}),
            NameStyle::Kebab,
        )
        .unwrap_err();
        assert!(e.to_string().contains("`Nepal`"), "{e}");
        // Option names the core tells the caller to set are spelled the caller's way.
        let e = crate::config::Config::default()
            .pseudonymizer()
            .unwrap_err();
        let shown = restyle(e, NameStyle::Snake).to_string();
        assert!(shown.contains("`ephemeral_pseudonym_key`"), "{shown}");
        let e = decode::<ConfigOptions>("config", json!({"appId": ""}), NameStyle::Camel)
            .unwrap()
            .into_config()
            .unwrap_err();
        assert_eq!(
            restyle(e, NameStyle::Snake).to_string(),
            "invalid app_id: must not be empty"
        );
        // null is "not given": the default applies.
        let q: KpiRequest = decode(
            "query",
            json!({"from": "2026-04-01", "to": "2026-04-02", "country": null}),
            NameStyle::Camel,
        )
        .unwrap();
        assert_eq!(q.country, crate::model::CountryFilter::All);
    }

    #[test]
    fn environment_variable_names_are_data() {
        let o: ConfigOptions = decode(
            "config",
            json!({"env": {"REPORTS_TZ": "Asia/Kathmandu"}}),
            NameStyle::Snake,
        )
        .unwrap();
        assert_eq!(
            o.into_config().unwrap().calendar.tz().name(),
            "Asia/Kathmandu"
        );
    }
}
