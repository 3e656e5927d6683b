//! Reports (issue 15): the periods a report covers ([`period`]), what a report says ([`content`],
//! assembled by the engine), how values print ([`format`]), and the renderers that lay the content
//! out as PDF, XLSX, CSV or JSON.

pub mod content;
pub mod fixture;
pub mod format;
pub mod pdf;
pub mod period;

pub use content::{ReportContent, NO_DATA};
pub use pdf::render_pdf;
pub use period::{ReportPeriod, ResolvedPeriod};
