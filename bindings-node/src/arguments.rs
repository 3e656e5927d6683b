//! The TypeScript declarations of the methods' option objects. These structs are never converted: the
//! binding hands every argument to the core's request layer as JSON, which reads and validates it
//! (`halobuzz_analytics::api`: `ConfigOptions`, `GenerateRequest`, `KpiRequest`, `TimeSeriesRequest`,
//! `BackfillRequest`, `RetentionMatrixRequest`, `LifecycleRequest`, `CohortTableRequest`,
//! `StoredCohortsRequest`, `FunnelRequest`, `HostPerformanceRequest`, `CheckAlertsRequest`,
//! `EvaluateAlertsRequest`, `DeliverAlertsRequest`, `AlertFilter`, `ChannelConfig`, `ReportRequest`,
//! `ReportsRequest`; the alert rule, a
//! tagged union, is written by hand in `results.d.ts`). They exist so that `napi build`
//! writes the matching interfaces into `index.d.ts`;
//! keep their fields in step with those requests (`__test__/types.test.mjs` checks a few).

use std::collections::HashMap;

use napi_derive::napi;

/// How to configure an engine. Every option is optional; an option given here wins over `env` and
/// `readEnv`. Unknown options are rejected.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct EngineConfig {
    /// Read the previous analytics service's variables from the process environment first (default
    /// `false`): `REPORTS_TZ`, `ANALYTICS_APP_ID`, `USD_TO_NPR`, `ANALYTICS_PSEUDONYM_KEY`,
    /// `REPORTS_STORAGE_DIR`, `ALERT_DROP_PCT`, `ALERT_PAYER_DROP_PCT`, `ALERT_ABUSE_THRESHOLD`,
    /// `ALERT_INFRA_THRESHOLD`, `ALERT_CHURN_THRESHOLD`, `ALERT_ENGAGEMENT_DROP_PCT`; unset or empty ones
    /// keep the defaults.
    pub read_env: Option<bool>,
    /// The same variables given explicitly, e.g. `process.env` (read after `readEnv`, if both).
    #[napi(ts_type = "Record<string, string | undefined>")]
    pub env: Option<HashMap<String, Option<String>>>,
    /// Reporting time zone, an IANA name (default `Australia/Sydney`).
    pub timezone: Option<String>,
    /// @deprecated The former name of `timezone` (still accepted).
    pub tz: Option<String>,
    /// Application id, the first part of every rollup key (default `halobuzz`).
    pub app_id: Option<String>,
    /// NPR per USD, a positive number or decimal string (`'133.5'`; a string keeps it exact). There is
    /// no default: a report that meets a USD amount without a rate rejects with `INVALID_ARGUMENT`.
    #[napi(ts_type = "number | string")]
    pub usd_to_npr: Option<String>,
    /// Key of the keyed hash that pseudonymises user ids in outputs (`topCreators[].hostId`): a secret,
    /// never printed. There is no built-in key: a report that needs pseudonyms rejects without one
    /// (unless `ephemeralPseudonymKey` or `revealUserIds`).
    pub pseudonym_key: Option<String>,
    /// Put raw user ids in outputs instead of pseudonyms (default `false`): `topCreators[].hostId` and
    /// the `userIds` of rollups.
    pub reveal_user_ids: Option<bool>,
    /// Without a `pseudonymKey`, use a random key of this process, so pseudonyms change with every
    /// process: for demos and tests (default `false`).
    pub ephemeral_pseudonym_key: Option<bool>,
    /// Alert thresholds (METRICS.md "Alerts"); each one left out keeps its default.
    pub alerts: Option<AlertThresholdsConfig>,
    /// The longest range a request may span, in days (1–36,600; default 3,660).
    pub max_range_days: Option<u32>,
    /// Minutes after a day's end before its rollup is stored (0–10,080; default 60).
    pub settle_minutes: Option<u32>,
    /// How many days a backfill rolls up at once (1–16; default 1); each day is still published whole.
    pub backfill_concurrency: Option<u32>,
    /// Freeze the engine's clock at this instant (RFC 3339, e.g. `'2026-04-10T00:00:00Z'`): which days
    /// are over, and the bound of valid dates, are then decided as of it. For tests, replays and
    /// reproducible runs; the system clock otherwise.
    pub now: Option<String>,
    /// The directory stored reports' files are written to (`report({ store: true })`;
    /// `REPORTS_STORAGE_DIR`). Without it, reports are produced but cannot be stored.
    pub reports_dir: Option<String>,
}

/// Alert thresholds, in percent or events per clock hour.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct AlertThresholdsConfig {
    /// Revenue below its 7-day mean by more than this % (default 15).
    pub drop_pct: Option<f64>,
    /// Payer rate below its 7-day mean by more than this % (default 10).
    pub payer_drop_pct: Option<f64>,
    /// Moderation flags in one clock hour, a non-negative integer (default 50).
    pub abuse_threshold: Option<u32>,
    /// `error_event`s in one clock hour, a non-negative integer (default 100).
    pub infra_threshold: Option<u32>,
    /// Churn rate above its 7-day mean by more than this % (default 20).
    pub churn_threshold: Option<f64>,
    /// DAU below its 7-day mean by more than this % (default 15).
    pub engagement_drop_pct: Option<f64>,
}

/// Where `Engine.fromDirectory` reads, besides the source itself.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct OpenOptions {
    /// The database of the platform's collections, only for a `mongodb://` source (default: the URI's
    /// path, else `halobuzz`).
    pub database: Option<String>,
}

/// What to generate; every option left out keeps the CLI's default.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct GeneratorOptions {
    /// Number of users (default 2000).
    pub users: Option<u32>,
    /// Number of days of activity (default 60).
    pub days: Option<u32>,
    /// Random seed, a non-negative integer (default 42).
    pub seed: Option<i64>,
    /// First day `'YYYY-MM-DD'` (default: the window is centred on the Sydney DST change of 2026-04-05).
    pub start: Option<String>,
    /// An injected drop of money payments on one day.
    pub revenue_drop: Option<RevenueDropOptions>,
    /// Share (0–0.5) of extra invalid documents per collection (default 0.002).
    pub invalid_rate: Option<f64>,
    /// Share (0–0.5) of extra exact duplicates per collection (default 0.0005).
    pub duplicate_rate: Option<f64>,
}

/// A revenue drop to inject.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct RevenueDropOptions {
    /// The day `'YYYY-MM-DD'`.
    pub day: String,
    /// Percentage (0–100] of money payments skipped that day (default 40).
    pub pct: Option<f64>,
}

/// The range and country of a KPI report.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct KpiQuery {
    /// First local day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case).
    pub country: Option<String>,
}

/// One numeric metric per day, week or month of a range.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct TimeSeriesQuery {
    /// A metric id of the catalog, such as `revenue.total` or `engagement.dau` (see `metrics()`), or
    /// one of its aliases.
    pub metric: String,
    /// First local day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// `day` (default), `week` (Monday-started) or `month`; `daily`, `weekly`, `monthly` also work.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case).
    pub country: Option<String>,
}

/// Signup cohorts × day N: the signup range, its cohort period and the days N.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct RetentionMatrixQuery {
    /// First signup day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last signup day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// Activity is counted up to this day, `'YYYY-MM-DD'` (default: `to`); not before `from`.
    pub as_of: Option<String>,
    /// Cohort period: `day`, `week` (default; Monday-started) or `month`; `daily`, `weekly`, `monthly`
    /// also work.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case), selecting users
    /// by `users.country`.
    pub country: Option<String>,
    /// The days N of the columns, in order (default `[1, 3, 7, 14, 30, 60, 90]`; 1 to 400 values, each
    /// at most 3660).
    pub days: Option<Vec<u32>>,
}

/// Signup cohorts with retention, revenue and engagement (`cohorts`, `refreshCohorts`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct CohortTableQuery {
    /// First signup day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last signup day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// Activity and money are counted up to this day, `'YYYY-MM-DD'` (default: the last stored day by
    /// the engine's clock, or `to` if later); not before `from`.
    pub as_of: Option<String>,
    /// Cohort period: `day`, `week` (default; Monday-started) or `month`; `daily`, `weekly`, `monthly`
    /// also work.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case), selecting users
    /// by `users.country`.
    pub country: Option<String>,
}

/// Stored cohorts of a range of cohort dates (`storedCohorts`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct StoredCohortsQuery {
    /// First `cohortDate`, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last `cohortDate`, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// Cohort period: `day`, `week` (default) or `month`.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    pub country: Option<String>,
}

/// New, returning, resurrecting and dormant users per period of a range.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct LifecycleQuery {
    /// First local day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// `day` (default), `week` (Monday-started) or `month`; `daily`, `weekly`, `monthly` also work.
    pub granularity: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case), selecting users
    /// by `users.country`.
    pub country: Option<String>,
}

/// Funnels of a range of days: the built-in signup funnels, or a custom funnel when `steps` is given.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct FunnelQuery {
    /// First day, `'YYYY-MM-DD'`: of signups (built-in) or of the entering events (custom).
    pub from: String,
    /// Last day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// A custom funnel's event names, in order (2 to 20, each at most 200 characters); without it,
    /// the built-in signup → first stream / first gift sent / first money payment funnels.
    pub steps: Option<Vec<String>>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code: users by `users.country` (built-in),
    /// entering events by their own country, else their user's (custom).
    pub country: Option<String>,
    /// Conversion window in calendar days of the reporting zone (default 7; 1 to 90).
    pub window_days: Option<u32>,
    /// Custom funnels: the conversion window in seconds instead (1 to 7,776,000).
    pub window_seconds: Option<f64>,
    /// Custom funnels: `ordered` (default: other events may come between steps) or `consecutive`
    /// (each step is the user's very next event).
    pub order: Option<String>,
    /// Custom funnels: `country` or `platform`.
    pub breakdown: Option<String>,
}

/// Host performance per host over a range (core `HostPerformanceRequest`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct HostPerformanceQuery {
    /// First local day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code such as `NP` (any case), selecting
    /// streams by their country (else their host's).
    pub country: Option<String>,
    /// `revenue` (default), `viewers`, `engagement`, `streams`, `duration`, `uniqueGifters`,
    /// `peakViewers` or `growth`.
    #[napi(
        ts_type = "'revenue' | 'viewers' | 'engagement' | 'streams' | 'duration' | 'uniqueGifters' | 'peakViewers' | 'growth'"
    )]
    pub sort_by: Option<String>,
    /// `desc` (default) or `asc`.
    #[napi(ts_type = "'desc' | 'asc'")]
    pub order: Option<String>,
    /// At most this many hosts (default 100, 1 … 10000).
    pub limit: Option<u32>,
    /// Only these hosts, by the ids reports show (pseudonyms unless `revealUserIds`); 1 … 1000.
    pub hosts: Option<Vec<String>>,
    /// Also list each host's days with a stream or a gifter (`days`), for at most 400 days.
    pub daily: Option<bool>,
}

/// How many of the last settled days `backfillRecent` re-rolls.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct RecentBackfillQuery {
    /// Days, ending with the last settled one (1 … `maxRangeDays`).
    pub days: u32,
}

/// The days to back-fill, and whether to recompute days that already have a rollup.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct BackfillQuery {
    /// First local day, `'YYYY-MM-DD'`.
    pub from: String,
    /// Last local day, inclusive, `'YYYY-MM-DD'`.
    pub to: String,
    /// Recompute days that already have a current rollup (default `false`: they are skipped).
    pub force: Option<bool>,
}

/// Where an alert check sends its notifications (core `ChannelConfig`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ChannelConfig {
    /// The channels, in order (each once).
    #[napi(ts_type = "Array<Channel>")]
    pub channels: Option<Vec<String>>,
    /// The Telegram chat of the `telegram` channel (required with it).
    pub telegram: Option<TelegramChannel>,
    /// The envelope of the `email` channel (required with it).
    pub email: Option<EmailChannel>,
    /// A link to the alert in a dashboard (`{alertId}` is replaced).
    pub dashboard_url: Option<String>,
}

/// The Telegram chat notifications go to (the bot token stays with the host application).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct TelegramChannel {
    /// The chat id.
    pub chat_id: String,
}

/// The envelope of alert emails.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct EmailChannel {
    /// Recipients.
    pub to: Vec<String>,
    /// Sender.
    pub from: String,
}

/// The instant of an alert check and the channels to build payloads for (`checkAlerts`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct CheckAlertsQuery {
    /// The instant to evaluate, RFC 3339 (`'2026-04-10T01:00:00Z'`; default: the engine's clock).
    pub at: Option<String>,
    /// Build the notification payloads of what changed for these channels (default: none).
    pub channels: Option<ChannelConfig>,
}

/// The instant of an alert explanation (`evaluateAlerts`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct EvaluateAlertsQuery {
    /// The instant to evaluate, RFC 3339 (default: the engine's clock).
    pub at: Option<String>,
}

/// The check and the channels of `deliverAlertNotifications`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct DeliverAlertsQuery {
    /// The instant to evaluate, RFC 3339 (default: the engine's clock).
    pub at: Option<String>,
    /// The channels to notify.
    pub channels: ChannelConfig,
}

/// Which stored alerts `alerts()` returns; every field optional.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct AlertFilter {
    /// Only these statuses.
    #[napi(ts_type = "Array<AlertStatus>")]
    pub status: Option<Vec<String>>,
    /// Only this rule id.
    pub rule: Option<String>,
    /// Only this country selection (`ALL`, `NP`, `UNKNOWN`).
    pub country: Option<String>,
    /// At least this severity.
    #[napi(ts_type = "Severity")]
    pub min_severity: Option<String>,
    /// Updated at or after this instant (RFC 3339).
    pub since: Option<String>,
    /// At most this many, newest first (1–10,000; default 100).
    pub limit: Option<u32>,
}

/// The options of `forecastSeries` (the core's `SeriesForecastRequest` without its values).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ForecastSeriesOptions {
    /// Steps ahead, 1 to 10,000.
    pub horizon: u32,
    /// The season length(s) in steps (`7`, `[24, 168]`); default none, or 7 and 365 with `dates`.
    #[napi(ts_type = "number | Array<number>")]
    pub season_length: Option<Vec<f64>>,
    /// The day of each value, `'YYYY-MM-DD'`, strictly increasing; days between two given ones are
    /// missing values. With dates the forecast is dated.
    pub dates: Option<Vec<String>>,
    /// How a missing value is filled: `interpolate` (default) or `zero`.
    pub fill: Option<String>,
    /// Interval levels in percent, each strictly between 0 and 100 (default `[80, 95]`).
    pub levels: Option<Vec<f64>>,
    /// `auto` (default), `mstl`, `ets`, `combination`, `seasonalNaive`, `naive`, `drift` or `mean`.
    pub method: Option<String>,
    /// Validation origins, 0 to 20 (default 3; 0 for none).
    pub validation_origins: Option<u32>,
    /// Widen intervals that under-covered in validation (default `true`).
    pub calibrate: Option<bool>,
    /// A name carried into the result (at most 200 characters).
    pub id: Option<String>,
}

/// One series of `forecastBatch`: its values and the options of `forecastSeries`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ForecastBatchSeries {
    /// The values, oldest first: a `Float64Array` (NaN missing) or numbers (`null` missing).
    #[napi(ts_type = "Array<number | null | undefined> | Float64Array")]
    pub values: Vec<f64>,
    /// Steps ahead, 1 to 10,000.
    pub horizon: u32,
    /// The season length(s) in steps.
    #[napi(ts_type = "number | Array<number>")]
    pub season_length: Option<Vec<f64>>,
    /// The day of each value, `'YYYY-MM-DD'`.
    pub dates: Option<Vec<String>>,
    /// `interpolate` (default) or `zero`.
    pub fill: Option<String>,
    /// Interval levels in percent (default `[80, 95]`).
    pub levels: Option<Vec<f64>>,
    /// The method (default `auto`).
    pub method: Option<String>,
    /// Validation origins, 0 to 20 (default 3).
    pub validation_origins: Option<u32>,
    /// Widen intervals that under-covered in validation (default `true`).
    pub calibrate: Option<bool>,
    /// A name carried into the result and its failure.
    pub id: Option<String>,
}

/// The options of `forecastBatch`.
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ForecastBatchOptions {
    /// Worker threads, 1 to 64 (default: the machine's cores).
    pub threads: Option<u32>,
}

/// A catalog metric's forecast (`Engine.forecast`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ForecastOptions {
    /// A metric id or alias of the catalog (`revenue.total`).
    pub metric: String,
    /// Days ahead, 1 to 366 (default 14).
    pub horizon: Option<u32>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    pub country: Option<String>,
    /// The first day of history, `'YYYY-MM-DD'` (default: 730 days before `to`).
    pub from: Option<String>,
    /// The last day of history, `'YYYY-MM-DD'` (default: the last settled day).
    pub to: Option<String>,
    /// The season lengths in days (default `[7, 365]`).
    #[napi(ts_type = "number | Array<number>")]
    pub season_length: Option<Vec<f64>>,
    /// Interval levels in percent (default `[80, 95]`).
    pub levels: Option<Vec<f64>>,
    /// The method (default `auto`).
    pub method: Option<String>,
    /// Validation origins, 0 to 20 (default 3).
    pub validation_origins: Option<u32>,
    /// Widen intervals that under-covered in validation (default `true`).
    pub calibrate: Option<bool>,
    /// Store the forecast in `analyticsforecasts` (default `false`).
    pub store: Option<bool>,
}

/// Which stored forecasts to list (`Engine.storedForecasts`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct StoredForecastsQuery {
    /// Only this metric.
    pub metric: Option<String>,
    /// Only this country selection.
    pub country: Option<String>,
    /// Only forecasts whose history ends on or after this day.
    pub from: Option<String>,
    /// … and on or before this day.
    pub to: Option<String>,
}

/// A period's report (`report`, `writeReport`, `reportContent`; core `ReportRequest`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ReportOptions {
    /// `daily` (the day before `at`), `weekly` (the last Monday–Sunday week ended before `at`),
    /// `monthly` (the last calendar month ended before `at`) or `custom` (`from` … `to`).
    #[napi(ts_type = "'daily' | 'weekly' | 'monthly' | 'custom'")]
    pub period: String,
    /// First day of a custom period, `'YYYY-MM-DD'` (custom periods only).
    pub from: Option<String>,
    /// Last day of a custom period, inclusive, `'YYYY-MM-DD'` (custom periods only).
    pub to: Option<String>,
    /// The local day the period is resolved as of, `'YYYY-MM-DD'` (default: today by the engine's
    /// clock).
    pub at: Option<String>,
    /// `pdf` (default), `xlsx`, `csv` or `json`.
    #[napi(ts_type = "ReportFormat")]
    pub format: Option<String>,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    pub country: Option<String>,
    /// Also write the file to `reportsDir` and its `analyticsreports` record (default `false`).
    pub store: Option<bool>,
    /// Include the revenue forecast (default `true`; it reads up to 26 weeks of history).
    pub forecast: Option<bool>,
}

/// Which stored reports `reports()` lists; every field optional (core `ReportsRequest`).
#[napi(object, object_to_js = false, object_from_js = false)]
pub struct ReportFilter {
    /// Only this record.
    pub id: Option<String>,
    /// Only this period kind (`daily`, `weekly`, `monthly`, `custom`).
    pub period: Option<String>,
    /// Only this format.
    #[napi(ts_type = "ReportFormat")]
    pub format: Option<String>,
    /// Only reports covering a day on or after this one, `'YYYY-MM-DD'`.
    pub from: Option<String>,
    /// Only reports covering a day on or before this one, `'YYYY-MM-DD'`.
    pub to: Option<String>,
    /// At most this many, newest first (1–10,000; default 100).
    pub limit: Option<u32>,
}
