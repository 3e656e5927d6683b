//! What a report says, independent of how it is drawn: every table and series the PDF, XLSX, CSV and
//! JSON renderers show, already computed, rounded as the engine reports it, and free of personal data
//! (creator ids are pseudonymised by the engine, usernames are public handles). The renderers only lay
//! this out; they compute nothing but formatting, so the four formats cannot disagree.
//!
//! A value the engine reports as `null` (a ratio without a denominator, a day without data) stays
//! `None` here and every renderer prints it as "no data"; no renderer ever sees NaN or infinity
//! ([`ReportContent::sanitize`] turns any non-finite value into `None` before rendering).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::kpi::{Section, Unit};

/// The text every renderer prints where a value or a whole table or chart is missing.
pub const NO_DATA: &str = "no data";

/// Everything a report shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportContent {
    /// "HaloBuzz monthly report" and the like.
    pub title: String,
    /// `daily`, `weekly`, `monthly` or `custom`.
    pub period: String,
    /// First day of the period (local calendar day of `timezone`).
    pub from: NaiveDate,
    /// Last day of the period, inclusive.
    pub to: NaiveDate,
    /// First day of the period it is compared with.
    pub previous_from: NaiveDate,
    /// Last day of the period it is compared with.
    pub previous_to: NaiveDate,
    /// The local day the period was resolved as of.
    pub as_of: NaiveDate,
    /// When the report was generated (the engine's clock).
    pub generated_at: DateTime<Utc>,
    /// The same instant as local time in `timezone`, formatted `YYYY-MM-DD HH:MM ±HH:MM`.
    pub generated_local: String,
    /// IANA reporting time zone.
    pub timezone: String,
    /// Country selection key (`ALL`, `NP`, …).
    pub country: String,
    /// Currency of money values (`NPR`).
    pub currency: String,
    /// One paragraph: what changed and why.
    pub summary: String,
    /// The KPI tables, one per section, in report order.
    pub sections: Vec<KpiSection>,
    /// Daily values of the period and of the period before, aligned by day index.
    pub daily: DailyTable,
    /// Revenue (NPR) per payment method over the period, largest first.
    pub payment_methods: Vec<LabelledValue>,
    /// The highest-revenue creators of the period.
    pub top_creators: Vec<CreatorRow>,
    /// Weekly signup cohorts and their retention.
    pub cohorts: CohortGrid,
    /// Alerts open when the report was generated (active, acknowledged or pending).
    pub alerts: Vec<AlertRow>,
    /// The revenue forecast from the day after the period, when one could be made.
    pub forecast: Option<ForecastBlock>,
    /// Things a reader should know (a forecast that could not be made, a section without data).
    pub notes: Vec<String>,
}

/// The KPI table of one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiSection {
    /// The section.
    pub section: Section,
    /// Its heading ("Revenue", "Engagement", …).
    pub title: String,
    /// One row per metric of the catalog in this section (growth metrics are the `change` column).
    pub rows: Vec<KpiRow>,
}

/// One metric in the period and in the period before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KpiRow {
    /// The catalog id (`revenue.total`).
    pub metric: String,
    /// A short human label ("Total revenue").
    pub label: String,
    /// Unit of `value` and `previous`.
    pub unit: Unit,
    /// In the period.
    pub value: Option<f64>,
    /// In the period before.
    pub previous: Option<f64>,
    /// `(value − previous) / |previous| × 100`; `None` without both or with a zero `previous`.
    pub change_pct: Option<f64>,
    /// Whether a rise is good news (false for refunds, churn, flagged content …): the colour of the
    /// growth arrow.
    pub higher_is_better: bool,
}

/// Daily series of the period, with the period before aligned by day index (day 1 with day 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyTable {
    /// The period's days.
    pub dates: Vec<NaiveDate>,
    /// The previous period's days (may be shorter or longer than `dates` for months).
    pub previous_dates: Vec<NaiveDate>,
    /// One column per metric, each with one value per day of `dates`.
    pub columns: Vec<DailyColumn>,
}

/// One metric's daily values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyColumn {
    /// The catalog id.
    pub metric: String,
    /// A short label.
    pub label: String,
    /// The unit.
    pub unit: Unit,
    /// One value per day of [`DailyTable::dates`].
    pub values: Vec<Option<f64>>,
    /// One value per day of [`DailyTable::previous_dates`].
    pub previous: Vec<Option<f64>>,
}

impl DailyTable {
    /// The column of `metric`, if the report has it.
    pub fn column(&self, metric: &str) -> Option<&DailyColumn> {
        self.columns.iter().find(|c| c.metric == metric)
    }

    /// Whether any day of the period has a value other than zero in any column.
    pub fn has_data(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.values.iter().flatten().any(|v| *v != 0.0))
    }
}

/// A label and a value (a bar of a bar chart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelledValue {
    /// Machine key (`esewa`).
    pub key: String,
    /// Label (`eSewa`).
    pub label: String,
    /// The value.
    pub value: f64,
}

/// One of the top creators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatorRow {
    /// 1 for the highest revenue.
    pub rank: u32,
    /// The pseudonymised host id.
    pub host_id: String,
    /// Public handle (may be Devanagari or any script).
    pub username: Option<String>,
    /// Gift revenue, coins.
    pub revenue_coins: f64,
    /// Streams.
    pub streams: u64,
    /// Σ viewers of the streams.
    pub viewers: u64,
}

/// Signup cohorts × day N retention (%).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortGrid {
    /// `week` or `month`.
    pub granularity: String,
    /// The days N of the columns (1, 7, 14, 30 …).
    pub days: Vec<u32>,
    /// The cohorts, oldest first.
    pub rows: Vec<CohortGridRow>,
}

/// One cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CohortGridRow {
    /// First day of the signup period.
    pub cohort: NaiveDate,
    /// Members.
    pub size: u64,
    /// Retention in % per day N of [`CohortGrid::days`]; `None` until members are old enough.
    pub rates: Vec<Option<f64>>,
}

impl CohortGrid {
    /// Whether any cohort has members.
    pub fn has_data(&self) -> bool {
        self.rows.iter().any(|r| r.size > 0)
    }
}

/// An open alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertRow {
    /// `low` … `critical`.
    pub severity: String,
    /// `active`, `acknowledged` or `pending`.
    pub status: String,
    /// The alert's title.
    pub title: String,
    /// The metric id.
    pub metric: String,
    /// Country selection key.
    pub country: String,
    /// Value in the alert's window.
    pub current: Option<f64>,
    /// Its baseline.
    pub baseline: Option<f64>,
    /// Deviation from the baseline, %.
    pub deviation_pct: Option<f64>,
    /// When it first fired (or was raised).
    pub since: DateTime<Utc>,
    /// The root-cause sentence, when one was found.
    pub root_cause: Option<String>,
}

/// The revenue forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastBlock {
    /// The metric id.
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// The model's name.
    pub model: String,
    /// Validation MASE of the chosen model, when validated.
    pub mase: Option<f64>,
    /// The level of the band, % (80).
    pub level: f64,
    /// The last days of history shown before the forecast.
    pub history: Vec<(NaiveDate, f64)>,
    /// The forecast days.
    pub points: Vec<ForecastPoint>,
    /// Σ of the point forecasts over the horizon.
    pub total: f64,
}

/// One forecast day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastPoint {
    /// The day.
    pub date: NaiveDate,
    /// Point forecast.
    pub value: f64,
    /// Lower bound of the band.
    pub lower: f64,
    /// Upper bound of the band.
    pub upper: f64,
}

impl ReportContent {
    /// Turns every non-finite number into "no data" (`None`), or drops the point where a value is
    /// required, so that no renderer can print NaN or infinity whatever a computation produced.
    pub fn sanitize(&mut self) {
        fn fix(v: &mut Option<f64>) {
            if v.is_some_and(|x| !x.is_finite()) {
                *v = None;
            }
        }
        for s in &mut self.sections {
            for r in &mut s.rows {
                fix(&mut r.value);
                fix(&mut r.previous);
                fix(&mut r.change_pct);
            }
        }
        for c in &mut self.daily.columns {
            c.values.iter_mut().for_each(fix);
            c.previous.iter_mut().for_each(fix);
        }
        self.payment_methods.retain(|p| p.value.is_finite());
        self.top_creators.retain(|c| c.revenue_coins.is_finite());
        for r in &mut self.cohorts.rows {
            r.rates.iter_mut().for_each(fix);
        }
        for a in &mut self.alerts {
            fix(&mut a.current);
            fix(&mut a.baseline);
            fix(&mut a.deviation_pct);
        }
        if let Some(f) = &mut self.forecast {
            f.history.retain(|(_, v)| v.is_finite());
            f.points
                .retain(|p| p.value.is_finite() && p.lower.is_finite() && p.upper.is_finite());
            if f.mase.is_some_and(|m| !m.is_finite()) {
                f.mase = None;
            }
            if f.points.is_empty() || !f.total.is_finite() {
                self.forecast = None;
            }
        }
    }
}
