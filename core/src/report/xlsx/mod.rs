//! The XLSX report (issue 15): the [`ReportContent`] as a workbook a finance or growth team opens in
//! Excel, LibreOffice or pandas. Numbers stay numbers and dates stay dates; number formats do the
//! display (`"NPR "#,##0.00`, `#,##0" coins"`, `0.0"%"` on 0–100 values), so a cell holds exactly
//! the content's value and formulas over it work. Sheets, in order:
//!
//! - `Summary`: title, period, previous period, generation time, time zone, country, the summary
//!   paragraph and the notes.
//! - one sheet per KPI section (`Revenue`, `Engagement`, …): metric id, label, value, previous,
//!   change % and a growth arrow coloured by whether the change is good news.
//! - `Daily`: one row per day, one column per metric, then the previous period aligned by day
//!   index, with a native line chart per charted metric (the previous period dashed).
//! - `Payment methods` (column chart), `Top creators`, `Cohorts` (3-colour scale on the rates),
//!   `Alerts`, `Forecast` (line chart with the band).
//! - `Chart data` (hidden): the charted series with blank cells where the content has no value, so
//!   a missing day is a gap in a chart, never a drop to zero (Excel plots text such as "no data" as
//!   zero).
//!
//! A missing value is the text "no data" ([`NO_DATA`](super::NO_DATA)) in its cell; a table without
//! rows says "no data" under its header and has no chart. Header rows are frozen and columns fitted.
//! The layout is described in `docs/reports-tables.md`.

mod cells;
mod sheets;

use rust_xlsxwriter::{DocProperties, Workbook, XlsxError};

use self::cells::{cell_text, Formats, SheetNames};
use self::sheets::*;
use super::content::ReportContent;
use crate::{Error, Result};

pub use self::cells::{unit_number_format, CHANGE_FORMAT};

/// Excel's last row index (1,048,576 rows, one of them the header).
const MAX_DATA_ROWS: usize = 1_048_575;
/// Excel's longest cell text, in UTF-16 units.
const MAX_CELL_TEXT: usize = 32_767;
/// Columns wider than this (pixels) wrap instead (usernames, root causes).
const MAX_AUTOFIT_PX: u32 = 480;
/// Autofit looks at this many rows: enough for the widths, bounded for a 10,000-day table.
const AUTOFIT_ROWS: u32 = 500;
/// The daily metrics charted on the `Daily` sheet, when the content has them.
const CHARTED_DAILY: [&str; 2] = ["revenue.total", "engagement.dau"];

const GOOD: u32 = 0x1E8E3E;
const BAD: u32 = 0xD93025;
const NEUTRAL: u32 = 0x80868B;
const SERIES: u32 = 0x1A73E8;
const PREVIOUS: u32 = 0x9AA0A6;

/// Renders `content` as an XLSX workbook (the bytes of the `.xlsx` file). Non-finite numbers are
/// "no data" (the content is [sanitised](ReportContent::sanitize) first).
pub fn render_xlsx(content: &ReportContent) -> Result<Vec<u8>> {
    let mut content = content.clone();
    content.sanitize();
    build(&content).map_err(|e| Error::render("xlsx", e))
}

fn build(c: &ReportContent) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut names = SheetNames::default();
    for fixed in [
        "Summary",
        "Daily",
        "Payment methods",
        "Top creators",
        "Cohorts",
        "Alerts",
        "Forecast",
        "Chart data",
    ] {
        names.reserve(fixed);
    }
    let mut f = Formats::new();
    let mut chart_data = ChartData::new("Chart data");
    let mut sheets = vec![summary(c, &mut f)?];
    for s in &c.sections {
        let name = names.unique(&s.title);
        sheets.push(kpi_sheet(&name, s, &mut f)?);
    }
    sheets.push(daily_sheet(c, &mut f, &mut chart_data)?);
    sheets.push(payment_sheet(c, &mut f)?);
    sheets.push(creators_sheet(c, &mut f)?);
    sheets.push(cohorts_sheet(c, &mut f)?);
    sheets.push(alerts_sheet(c, &mut f)?);
    sheets.push(forecast_sheet(c, &mut f, &mut chart_data)?);

    let mut wb = Workbook::new();
    let created = c.generated_at;
    wb.set_properties(
        &DocProperties::new()
            .set_title(cell_text(&c.title))
            .set_subject(format!("{} to {} ({})", c.from, c.to, c.period))
            .set_author("HaloBuzz analytics")
            .set_company("HaloBuzz")
            .set_creation_datetime(&created),
    );
    for ws in sheets {
        wb.push_worksheet(ws);
    }
    if let Some(ws) = chart_data.finish()? {
        wb.push_worksheet(ws);
    }
    wb.save_to_buffer()
}
