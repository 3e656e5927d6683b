//! Reports (issue 15): the periods a report covers ([`period`]), what a report says ([`content`],
//! assembled by the engine), how values print ([`format`]), and the renderers that lay the content
//! out as PDF, XLSX, CSV or JSON.

pub mod content;
pub mod fixture;
pub mod format;
pub mod labels;
pub mod period;
pub mod record;
pub mod summary;

pub use content::{ReportContent, NO_DATA};
pub use period::{ReportPeriod, ResolvedPeriod};
pub use record::{ReportFormat, ReportRecord};

/// `content` in `format`.
pub fn render(content: &ReportContent, format: ReportFormat) -> crate::Result<Vec<u8>> {
    match format {
        ReportFormat::Json => serde_json::to_vec_pretty(content)
            .map_err(|e| crate::Error::encode("the report as JSON", e)),
        other => Err(crate::Error::invalid_argument(
            "format",
            format!("{} reports are not built yet", other.extension()),
        )),
    }
}
