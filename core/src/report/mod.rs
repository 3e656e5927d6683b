//! Reports (issue 15): the periods a report covers ([`period`]), what a report says ([`content`],
//! assembled by the engine), how values print ([`format`]), and the renderers that lay the content
//! out as PDF, XLSX, CSV or JSON.

pub mod content;
pub mod fixture;
pub mod format;
pub mod period;
pub mod tabular;
pub mod xlsx;

pub use content::{ReportContent, NO_DATA};
pub use period::{ReportPeriod, ResolvedPeriod};
pub use tabular::{render_csv, render_json};
pub use xlsx::render_xlsx;
