//! Reports (see [`crate::report`]): the content of a period's report assembled from the engine's own
//! answers (KPIs of the period and of the period before, daily series, cohorts, open alerts, the
//! revenue forecast), rendered in a format, and optionally stored as a file in the configured
//! directory with its `analyticsreports` record.

use chrono::Datelike;

use super::{BackfillSummary, Engine, Progress};
use crate::alert::AlertStatus;
use crate::api::forecast::{ForecastRequest, SeasonLengths};
use crate::api::Day;
use crate::calendar::{add_days, DateRange, Granularity};
use crate::engine::alerts::AlertFilter;
use crate::kpi::Section;
use crate::kpi::{catalog, report_days, CountryFilter, KpiReport, Metric, MetricId, MetricKind};
use crate::report::content::*;
use crate::report::format::change_pct;
use crate::report::labels::{higher_is_better, metric_label, section_title};
use crate::report::record::{checksum, file_name, file_path, report_id, write_atomically};
use crate::report::summary::{summary, MethodDeltas};
use crate::report::{render, ReportFormat, ReportRecord, ResolvedPeriod};
use crate::store::{AnalyticsStore, DocFilter};
use crate::{Error, Result};

/// The daily columns of a report, in order: what the charts and the daily sheet show.
pub const DAILY_METRICS: &[&str] = &[
    "revenue.total",
    "revenue.coinTopups",
    "revenue.ogSubscriptions",
    "revenue.refunds",
    "revenue.giftRevenue",
    "engagement.dau",
    "engagement.totalStreams",
    "engagement.giftSent",
    "engagement.messagesSent",
    "monetization.payingUsers",
];
/// Days of the revenue forecast a report shows.
pub const FORECAST_DAYS: usize = 14;
/// Days of history the revenue forecast is fitted on (at most): 26 weeks, enough for the weekly
/// season a 14-day forecast needs; yearly patterns need the forecast operation's longer history.
const FORECAST_HISTORY_DAYS: i64 = 182;
/// Days of history shown before the forecast.
const FORECAST_HISTORY_SHOWN: i64 = 28;
/// Weeks of signup cohorts in the retention heat map.
pub const COHORT_WEEKS: i64 = 8;
/// The day-N columns of the retention heat map.
pub const COHORT_DAYS: &[u32] = &[1, 3, 7, 14, 30];
/// The most open alerts a report lists.
pub const MAX_REPORT_ALERTS: usize = 50;

/// A produced report: its bytes and, when stored, its record.
#[derive(Debug, Clone)]
pub struct GeneratedReport {
    /// `halobuzz-<period>-<from>-<to>.<ext>`.
    pub file_name: String,
    /// The format.
    pub format: ReportFormat,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The `analyticsreports` record (also when not stored: what would be stored).
    pub record: ReportRecord,
    /// Whether the file and record were stored.
    pub stored: bool,
}

impl GeneratedReport {
    /// Writes the file to `path`, or, when `path` is an existing directory, to the report's own file
    /// name in it; returns the path written. The file is replaced if it exists.
    pub fn write_to(&self, path: impl AsRef<std::path::Path>) -> Result<std::path::PathBuf> {
        let path = path.as_ref();
        let path = if path.is_dir() {
            path.join(&self.file_name)
        } else {
            path.to_path_buf()
        };
        std::fs::write(&path, &self.bytes).map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }
}

impl Engine {
    /// Rolls up the settled days a report of `period` reads (its period and the previous one with
    /// their baselines, the cohorts' weeks, the forecast's history when `forecast`) that have no
    /// current rollup yet, reporting each day to `progress`. On a database that has not rolled up
    /// those days this is nearly all of a report's work; afterwards [`Engine::report_content`] only
    /// reads. When `progress` answers [`std::ops::ControlFlow::Break`] it stops there with
    /// [`Error::Cancelled`]; the days rolled up until then stay stored.
    pub fn prepare_report(
        &self,
        period: &ResolvedPeriod,
        forecast: bool,
        progress: Progress<'_>,
    ) -> Result<BackfillSummary> {
        self.check_range(period.range)?;
        let read = kpi_days(period);
        let mut from = read.from.min(self.cohort_from(period.range));
        if forecast {
            from = from.min(self.forecast_from(period.range)?);
        }
        // Days before 2000 are computed live (empty) and unsettled days are never stored.
        let from = from.max(super::rollups::FIRST_DAY);
        let mut to = read.to;
        while to >= from && !self.is_settled(to) {
            to = add_days(to, -1);
        }
        let none = BackfillSummary {
            days: 0,
            computed: 0,
            skipped: 0,
            rollups_written: 0,
            cancelled: false,
        };
        if to < from {
            return Ok(none);
        }
        let summary = self.backfill_days(DateRange::new(from, to)?, false, progress)?;
        if summary.cancelled {
            return Err(Error::Cancelled {
                what: format!("the {} report", period.period.key()),
            });
        }
        Ok(summary)
    }

    /// Everything the report of `period` for `country` shows, computed now (by the engine's clock);
    /// the revenue forecast only when `forecast` (it reads up to 26 weeks of history).
    pub fn report_content(
        &self,
        period: &ResolvedPeriod,
        country: CountryFilter,
        forecast: bool,
    ) -> Result<ReportContent> {
        let (range, previous) = (period.range, period.previous);
        // The previous period is not checked: like the KPI report's baseline, days before the first
        // valid day are computed live, empty.
        self.check_range(range)?;
        let generated_at = self.config.clock.now();
        // One read of the facts for both periods, their baselines and every day.
        let facts = self.facts_from_rollups(kpi_days(period), country)?;
        let dir = self.directory()?;
        let ids = self.config.pseudonymizer()?;
        let window = self.window(&facts, &dir, &ids);
        let current = window.report(range, country)?;
        let before = window.report(previous, country)?;
        let sections = kpi_sections(&current, &before);
        let metrics: Vec<&'static Metric> = DAILY_METRICS
            .iter()
            .filter_map(|id| Metric::find(id))
            .collect();
        let days_of = |r: DateRange| -> Result<Vec<Vec<Option<f64>>>> {
            let mut cols = vec![Vec::with_capacity(r.days() as usize); metrics.len()];
            for d in r.iter() {
                let mut by_section: Vec<(Section, KpiReport)> = Vec::new();
                for (i, m) in metrics.iter().enumerate() {
                    if !by_section.iter().any(|(s, _)| *s == m.section) {
                        by_section.push((
                            m.section,
                            window.section(DateRange::day(d), country, m.section)?,
                        ));
                    }
                    let report = by_section
                        .iter()
                        .find(|(s, _)| *s == m.section)
                        .map(|(_, r)| r);
                    cols[i].push(report.and_then(|r| m.value(r)));
                }
            }
            Ok(cols)
        };
        let now_cols = days_of(range)?;
        let before_cols = days_of(previous)?;
        let daily = DailyTable {
            dates: range.iter().collect(),
            previous_dates: previous.iter().collect(),
            columns: metrics
                .iter()
                .zip(now_cols.into_iter().zip(before_cols))
                .map(|(m, (values, previous))| DailyColumn {
                    metric: m.id.to_owned(),
                    label: metric_label(m.id),
                    unit: m.unit,
                    values,
                    previous,
                })
                .collect(),
        };
        let methods = [
            ("esewa", "eSewa"),
            ("khalti", "Khalti"),
            ("stripe", "Stripe"),
            ("paypal", "PayPal"),
            ("other", "Other"),
        ];
        let pm = |r: &KpiReport, key: &str| {
            let p = &r.revenue.by_payment_method;
            match key {
                "esewa" => p.esewa,
                "khalti" => p.khalti,
                "stripe" => p.stripe,
                "paypal" => p.paypal,
                _ => p.other,
            }
        };
        let mut payment_methods: Vec<LabelledValue> = methods
            .iter()
            .map(|(k, l)| LabelledValue {
                key: (*k).to_owned(),
                label: (*l).to_owned(),
                value: pm(&current, k),
            })
            .filter(|v| v.value != 0.0)
            .collect();
        payment_methods.sort_by(|a, b| b.value.total_cmp(&a.value));
        let method_deltas: MethodDeltas = methods
            .iter()
            .map(|(k, l)| ((*l).to_owned(), pm(&current, k) - pm(&before, k)))
            .collect();
        let top_creators = current
            .creators
            .top_creators
            .iter()
            .zip(1u32..)
            .map(|(c, rank)| CreatorRow {
                rank,
                host_id: c.host_id.clone(),
                username: c.username.clone(),
                revenue_coins: c.revenue,
                streams: c.streams,
                viewers: c.viewers,
            })
            .collect();
        drop(window);
        drop(facts);
        let mut notes = Vec::new();
        let cohorts = self.report_cohorts(range, country)?;
        let alerts = self.report_alerts(country)?;
        let forecast = if !forecast {
            None
        } else {
            match self.report_forecast(range, country) {
                Ok(f) => f,
                Err(Error::InvalidArgument { reason, .. }) => {
                    notes.push(format!("No revenue forecast: {reason}."));
                    None
                }
                Err(e) => return Err(e),
            }
        };

        let tz = self.config.calendar.tz();
        let local = generated_at.with_timezone(&tz);
        let mut content = ReportContent {
            title: format!("HaloBuzz {} report", period.period.key()),
            period: period.period.key().to_owned(),
            from: range.from,
            to: range.to,
            previous_from: previous.from,
            previous_to: previous.to,
            as_of: period.as_of,
            generated_at,
            generated_local: local.format("%Y-%m-%d %H:%M %:z").to_string(),
            timezone: tz.name().to_owned(),
            country: country.key(),
            currency: "NPR".to_owned(),
            summary: String::new(),
            sections,
            daily,
            payment_methods,
            top_creators,
            cohorts,
            alerts,
            forecast,
            notes,
        };
        content.sanitize();
        content.summary = summary(&content, &method_deltas);
        Ok(content)
    }

    /// Weekly signup cohorts of the [`COHORT_WEEKS`] weeks ending with the period, retention counted
    /// up to the period's last day.
    fn report_cohorts(&self, range: DateRange, country: CountryFilter) -> Result<CohortGrid> {
        let from = self.cohort_from(range);
        let m = self.retention_matrix(
            DateRange::new(from, range.to)?,
            range.to,
            Granularity::Week,
            country,
            COHORT_DAYS,
        )?;
        Ok(CohortGrid {
            granularity: "week".to_owned(),
            days: m.days.clone(),
            rows: m
                .cohorts
                .iter()
                .map(|c| CohortGridRow {
                    cohort: c.cohort_date,
                    size: c.cohort_size,
                    rates: c.cells.iter().map(|x| x.rate).collect(),
                })
                .collect(),
        })
    }

    /// The first signup day of the report's cohorts: the Monday [`COHORT_WEEKS`] - 1 weeks before the
    /// period's last week.
    fn cohort_from(&self, range: DateRange) -> chrono::NaiveDate {
        let monday = add_days(
            range.to,
            -i64::from(range.to.weekday().num_days_from_monday()),
        );
        // Not before the first valid day (a report of the first weeks of 2000 has fewer cohorts).
        add_days(monday, -7 * (COHORT_WEEKS - 1)).max(super::rollups::FIRST_DAY.min(range.from))
    }

    /// The first day of the revenue forecast's history: [`FORECAST_HISTORY_DAYS`] before the period's
    /// end, but not before the first signup (earlier days hold no revenue, and on a database each of
    /// them would be rolled up, empty, before the forecast could start).
    fn forecast_from(&self, range: DateRange) -> Result<chrono::NaiveDate> {
        let from = add_days(range.to, 1 - FORECAST_HISTORY_DAYS);
        Ok(match self.directory()?.first_signup_day() {
            Some(first) => from.max(first.min(range.to)),
            None => from,
        })
    }

    /// Alerts open now (active, acknowledged or pending), most severe first; those of other countries
    /// are left out of a single country's report.
    fn report_alerts(&self, country: CountryFilter) -> Result<Vec<AlertRow>> {
        let mut alerts = self.alerts(&AlertFilter {
            status: Some(vec![
                AlertStatus::Active,
                AlertStatus::Acknowledged,
                AlertStatus::Pending,
            ]),
            limit: Some(1000),
            ..Default::default()
        })?;
        let key = country.key();
        if key != "ALL" {
            alerts.retain(|a| a.country == key);
        }
        alerts.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.updated_at.cmp(&a.updated_at))
        });
        alerts.truncate(MAX_REPORT_ALERTS);
        Ok(alerts
            .into_iter()
            .map(|a| AlertRow {
                severity: a.severity.as_str().to_owned(),
                status: status_name(a.status).to_owned(),
                title: a.title,
                metric: a.metric,
                country: a.country,
                current: a.current_value,
                baseline: a.baseline_value,
                deviation_pct: a.deviation,
                since: a.fired_at.unwrap_or(a.created_at),
                root_cause: a.root_cause.map(|r| r.sentence),
            })
            .collect())
    }

    /// The revenue forecast from the day after the period, from its history up to the period's end.
    fn report_forecast(
        &self,
        range: DateRange,
        country: CountryFilter,
    ) -> Result<Option<ForecastBlock>> {
        let metric = MetricId(Metric::parse("revenue.total")?);
        let from = self.forecast_from(range)?;
        let request = ForecastRequest {
            metric,
            horizon: Some(FORECAST_DAYS),
            country,
            from: Some(Day(from)),
            to: Some(Day(range.to)),
            season_length: Some(SeasonLengths::Many(vec![7.0])),
            store: false,
            levels: Some(vec![80.0]),
            method: None,
            validation_origins: None,
            calibrate: None,
        };
        let f = request.run(self)?;
        let shown_from = add_days(range.to, 1 - FORECAST_HISTORY_SHOWN);
        let history = self
            .time_series(
                metric.metric(),
                DateRange::new(shown_from.max(f.history_from), range.to)?,
                Granularity::Day,
                country,
            )?
            .points
            .iter()
            .filter_map(|p| Some((p.from, p.value?)))
            .collect();
        let points: Vec<ForecastPoint> = f
            .predictions
            .iter()
            .filter_map(|p| {
                let band = p.intervals.first()?;
                Some(ForecastPoint {
                    date: p.date,
                    value: p.value,
                    lower: band.lower,
                    upper: band.upper,
                })
            })
            .collect();
        Ok(Some(ForecastBlock {
            metric: f.metric.clone(),
            unit: f.unit,
            model: f.model_type.clone(),
            mase: f.accuracy.as_ref().and_then(|a| a.mase),
            level: 80.0,
            total: points.iter().map(|p| p.value).sum(),
            history,
            points,
        }))
    }

    /// The report of `period` for `country` in `format`; stored (file and record) when `store`.
    pub fn generate_report(
        &self,
        period: &ResolvedPeriod,
        country: CountryFilter,
        format: ReportFormat,
        store: bool,
        forecast: bool,
    ) -> Result<GeneratedReport> {
        // Refused before any work: a report that could not be stored is not computed.
        if store {
            self.reports_dir()?;
        }
        let content = self.report_content(period, country, forecast)?;
        let bytes = render(&content, format)?;
        let key = country.key();
        let record = ReportRecord {
            app_id: self.config.app_id.clone(),
            id: report_id(&content.period, content.from, content.to, &key, format),
            period: content.period.clone(),
            format,
            from: content.from,
            to: content.to,
            country: key.clone(),
            file_name: file_name(&content.period, content.from, content.to, &key, format),
            size: bytes.len() as u64,
            checksum: checksum(&bytes),
            created_at: content.generated_at,
        };
        if store {
            let dir = self.reports_dir()?;
            write_atomically(&file_path(dir, &record)?, &bytes)?;
            self.store.put_docs(std::slice::from_ref(&record))?;
        }
        Ok(GeneratedReport {
            file_name: record.file_name.clone(),
            format,
            bytes,
            record,
            stored: store,
        })
    }

    pub(crate) fn reports_dir(&self) -> Result<&std::path::Path> {
        self.config.reports_dir.as_deref().ok_or_else(|| {
            Error::invalid_argument(
                "reportsDir",
                "no storage directory is configured: set REPORTS_STORAGE_DIR (or the reportsDir option) to store reports",
            )
        })
    }

    /// Stored report records, newest first, filtered by period, format and the days they cover.
    pub fn reports(&self, filter: &ReportFilter) -> Result<Vec<ReportRecord>> {
        let mut f = DocFilter::all().eq("appId", self.config.app_id.as_str());
        if let Some(id) = &filter.id {
            f = f.eq("id", id.as_str());
        }
        let mut records = self.store.find_docs::<ReportRecord>(&f)?;
        records.retain(|r| {
            filter.period.as_deref().is_none_or(|p| r.period == p)
                && filter.format.is_none_or(|x| r.format == x)
                && filter.from.is_none_or(|d| r.to >= d)
                && filter.to.is_none_or(|d| r.from <= d)
        });
        records.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        records.truncate(filter.limit.unwrap_or(100).min(MAX_REPORT_LIST));
        Ok(records)
    }

    /// A stored report's record and file, checked against the record's size and checksum.
    pub fn report_file(&self, id: &str) -> Result<(ReportRecord, Vec<u8>)> {
        let filter = ReportFilter {
            id: Some(id.to_owned()),
            ..Default::default()
        };
        let record = self.reports(&filter)?.into_iter().next().ok_or_else(|| {
            Error::invalid_argument("id", format!("no stored report has id `{id}`"))
        })?;
        let path = file_path(self.reports_dir()?, &record)?;
        let bytes = std::fs::read(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        if bytes.len() as u64 != record.size || checksum(&bytes) != record.checksum {
            return Err(Error::storage(
                "analyticsreports",
                format!(
                    "the file of report {id} ({}) no longer matches its record's size and checksum; produce the report again",
                    record.file_name
                ),
            ));
        }
        Ok((record, bytes))
    }
}

/// The most records one listing returns.
pub const MAX_REPORT_LIST: usize = 10_000;

/// Which stored reports to list.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportFilter {
    /// Only this record.
    #[serde(default)]
    pub id: Option<String>,
    /// Only this period kind (`daily`, `weekly`, `monthly`, `custom`).
    #[serde(default)]
    pub period: Option<String>,
    /// Only this format.
    #[serde(default)]
    pub format: Option<ReportFormat>,
    /// Only reports covering a day on or after this one.
    #[serde(default)]
    pub from: Option<chrono::NaiveDate>,
    /// Only reports covering a day on or before this one.
    #[serde(default)]
    pub to: Option<chrono::NaiveDate>,
    /// At most this many, newest first (default 100, at most 10,000).
    #[serde(default)]
    pub limit: Option<usize>,
}

/// The days the KPI tables and daily series of a report read: both periods with their baselines.
fn kpi_days(period: &ResolvedPeriod) -> DateRange {
    let (a, b) = (report_days(period.range), report_days(period.previous));
    DateRange {
        from: a.from.min(b.from),
        to: a.to.max(b.to),
    }
}

fn status_name(s: AlertStatus) -> &'static str {
    match s {
        AlertStatus::Pending => "pending",
        AlertStatus::Active => "active",
        AlertStatus::Acknowledged => "acknowledged",
        AlertStatus::Resolved => "resolved",
        AlertStatus::NoData => "noData",
        AlertStatus::Error => "error",
    }
}

/// The KPI tables: every metric of the catalog but growth (the change column says it), by section,
/// with the previous period's value and the change.
fn kpi_sections(current: &KpiReport, before: &KpiReport) -> Vec<KpiSection> {
    let mut sections: Vec<KpiSection> = Vec::new();
    for m in catalog() {
        if m.kind == MetricKind::Growth {
            continue;
        }
        let (value, previous) = (m.value(current), m.value(before));
        // The unknown OG tier is reported only when something had it.
        if m.id == "revenue.byOGTier.unknown"
            && value.unwrap_or(0.0) == 0.0
            && previous.unwrap_or(0.0) == 0.0
        {
            continue;
        }
        let row = KpiRow {
            metric: m.id.to_owned(),
            label: metric_label(m.id),
            unit: m.unit,
            value,
            previous,
            change_pct: change_pct(value, previous),
            higher_is_better: higher_is_better(m),
        };
        match sections.iter_mut().find(|s| s.section == m.section) {
            Some(s) => s.rows.push(row),
            None => sections.push(KpiSection {
                section: m.section,
                title: section_title(m.section).to_owned(),
                rows: vec![row],
            }),
        }
    }
    sections
}
