//! Reports (issue 15): the periods a report covers ([`period`]), what a report says ([`content`],
//! assembled by the engine), how values print ([`format`]), and the renderers that lay the content
//! out as PDF ([`pdf`]), XLSX ([`xlsx`]), CSV or JSON ([`tabular`]).

pub mod content;
pub mod fixture;
pub mod format;
pub mod labels;
pub mod pdf;
pub mod period;
pub mod record;
pub mod summary;
pub mod tabular;
pub mod xlsx;

pub use content::{ReportContent, NO_DATA};
pub use pdf::render_pdf;
pub use period::{ReportPeriod, ResolvedPeriod};
pub use record::{ReportFormat, ReportRecord};
pub use tabular::{render_csv, render_json};
pub use xlsx::render_xlsx;

/// `content` in `format`.
pub fn render(content: &ReportContent, format: ReportFormat) -> crate::Result<Vec<u8>> {
    match format {
        ReportFormat::Json => render_json(content),
        ReportFormat::Csv => render_csv(content),
        ReportFormat::Xlsx => render_xlsx(content),
        ReportFormat::Pdf => render_pdf(content),
    }
}
