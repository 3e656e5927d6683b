//! Reports (issue 15, in progress): the periods a report covers, each compared with its previous
//! period. The document renderers (PDF, XLSX, CSV/JSON) build on these.

pub mod period;

pub use period::{ReportPeriod, ResolvedPeriod};
