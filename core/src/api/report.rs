//! The report operations as requests: produce a report (bytes, optionally stored), its content as
//! data, the list of stored reports, and a stored report's file.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::day::Day;
use crate::engine::{GeneratedReport, ReportFilter};
use crate::model::CountryFilter;
use crate::report::{ReportContent, ReportFormat, ReportPeriod, ReportRecord, ResolvedPeriod};
use crate::{BackfillProgress, Engine, Error, Result};

/// Which kind of period a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    /// The last complete day.
    Daily,
    /// The last complete Monday–Sunday week.
    Weekly,
    /// The last complete calendar month.
    Monthly,
    /// `from` … `to`.
    Custom,
}

/// A report (`report`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportRequest {
    /// `daily`, `weekly`, `monthly` or `custom`.
    pub period: PeriodKind,
    /// First day of a custom period.
    #[serde(default)]
    pub from: Option<Day>,
    /// Last day of a custom period, inclusive.
    #[serde(default)]
    pub to: Option<Day>,
    /// The local day the period is resolved as of (default: today by the engine's clock): a daily
    /// report covers the day before it, a weekly one the last Monday–Sunday week ended before it, a
    /// monthly one the last calendar month ended before it.
    #[serde(default)]
    pub at: Option<Day>,
    /// `pdf` (default), `xlsx`, `csv` or `json`.
    #[serde(default = "pdf")]
    pub format: ReportFormat,
    /// `ALL` (default), `UNKNOWN` or an ISO-3166 alpha-2 code.
    #[serde(default)]
    pub country: CountryFilter,
    /// Write the file to the configured storage directory and its `analyticsreports` record (default
    /// false).
    #[serde(default)]
    pub store: bool,
    /// Include the revenue forecast (default true); it reads up to 26 weeks of history, which a
    /// database rolls up first when the days are not rolled up yet.
    #[serde(default)]
    pub forecast: Option<bool>,
}

fn pdf() -> ReportFormat {
    ReportFormat::Pdf
}

impl ReportRequest {
    /// A request for `period` in `format` with every other option at its default.
    pub fn new(period: PeriodKind, format: ReportFormat) -> Self {
        ReportRequest {
            period,
            from: None,
            to: None,
            at: None,
            format,
            country: CountryFilter::All,
            store: false,
            forecast: None,
        }
    }

    /// The period resolved to days, as of `at` or the engine's today.
    pub fn resolve(&self, engine: &Engine) -> Result<ResolvedPeriod> {
        let period = match (self.period, self.from, self.to) {
            (PeriodKind::Custom, Some(from), Some(to)) => ReportPeriod::Custom {
                from: from.0,
                to: to.0,
            },
            (PeriodKind::Custom, _, _) => {
                return Err(Error::invalid_argument(
                    "from",
                    "a custom report needs both `from` and `to`",
                ))
            }
            (_, Some(_), _) | (_, _, Some(_)) => {
                return Err(Error::invalid_argument(
                    "from",
                    "`from` and `to` go with a custom period only; daily, weekly and monthly periods are resolved from `at`",
                ))
            }
            (PeriodKind::Daily, ..) => ReportPeriod::Daily,
            (PeriodKind::Weekly, ..) => ReportPeriod::Weekly,
            (PeriodKind::Monthly, ..) => ReportPeriod::Monthly,
        };
        let as_of = self.at.map_or_else(|| engine.today(), |d| d.0);
        let resolved = period.resolve(as_of)?;
        engine.check_range(resolved.range)?;
        Ok(resolved)
    }

    /// The report's content, as data.
    pub fn content(&self, engine: &Engine) -> Result<ReportContent> {
        engine.report_content(
            &self.resolve(engine)?,
            self.country,
            self.forecast.unwrap_or(true),
        )
    }

    /// The report in its format (stored when `store`). Days it reads that are not rolled up yet are
    /// rolled up on the way, without progress reports: see [`ReportRequest::run_with_progress`].
    pub fn run(&self, engine: &Engine) -> Result<GeneratedReport> {
        engine.generate_report(
            &self.resolve(engine)?,
            self.country,
            self.format,
            self.store,
            self.forecast.unwrap_or(true),
        )
    }

    /// [`ReportRequest::run`], first rolling up the days the report reads with a progress report per
    /// day ([`Engine::prepare_report`]): `progress` may stop it, which fails with `CANCELLED`.
    pub fn run_with_progress(
        &self,
        engine: &Engine,
        progress: &mut dyn FnMut(BackfillProgress) -> ControlFlow<()>,
    ) -> Result<GeneratedReport> {
        let period = self.resolve(engine)?;
        let forecast = self.forecast.unwrap_or(true);
        // A report that could not be stored is refused before the long part, as `run` refuses it.
        if self.store {
            engine.reports_dir()?;
        }
        engine.prepare_report(&period, forecast, progress)?;
        engine.generate_report(&period, self.country, self.format, self.store, forecast)
    }
}

/// What a front end returns besides the bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportInfo {
    /// `halobuzz-<period>-<from>-<to>.<ext>`.
    pub file_name: String,
    /// The media type (`application/pdf`, …).
    pub mime_type: String,
    /// Whether it was stored.
    pub stored: bool,
    /// The record (stored, or what would be stored).
    pub record: ReportRecord,
}

impl From<&GeneratedReport> for ReportInfo {
    fn from(g: &GeneratedReport) -> Self {
        ReportInfo {
            file_name: g.file_name.clone(),
            mime_type: g.format.mime_type().to_owned(),
            stored: g.stored,
            record: g.record.clone(),
        }
    }
}

/// Stored reports (`reports`): see [`ReportFilter`].
pub type ReportsRequest = ReportFilter;

impl ReportFilter {
    /// The records, newest first.
    pub fn run(&self, engine: &Engine) -> Result<Vec<ReportRecord>> {
        if self
            .limit
            .is_some_and(|n| n == 0 || n > crate::engine::MAX_REPORT_LIST)
        {
            return Err(Error::invalid_argument(
                "limit",
                format!("must be between 1 and {}", crate::engine::MAX_REPORT_LIST),
            ));
        }
        engine.reports(self)
    }
}
