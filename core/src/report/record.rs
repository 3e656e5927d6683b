//! Stored reports: the file in the configured storage directory and its `analyticsreports` record
//! (id, period, format, range, size, checksum, created), through the store, so that any process
//! sharing the store can list reports and fetch their files again.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{AnalyticsDoc, DocKey, DocSpec};
use crate::{Error, Result};

/// The formats a report is produced in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// A4 PDF with tables and charts.
    Pdf,
    /// Excel workbook, one sheet per section, native charts.
    Xlsx,
    /// Every table in one long CSV (`table,key,column,value`).
    Csv,
    /// The whole content as JSON.
    Json,
}

impl ReportFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
        }
    }

    /// The media type.
    pub fn mime_type(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Json => "application/json",
        }
    }

    /// Parses `pdf`, `xlsx`, `csv` or `json`.
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdf" => Ok(ReportFormat::Pdf),
            "xlsx" | "excel" => Ok(ReportFormat::Xlsx),
            "csv" => Ok(ReportFormat::Csv),
            "json" => Ok(ReportFormat::Json),
            _ => Err(Error::invalid_argument(
                "format",
                format!("`{text}` is not one of pdf, xlsx, csv, json"),
            )),
        }
    }
}

/// An `analyticsreports` record: one produced file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportRecord {
    /// Application id.
    pub app_id: String,
    /// The record's id: derived from what the report covers, so producing the same report again
    /// replaces its record and file instead of piling up copies.
    pub id: String,
    /// `daily`, `weekly`, `monthly` or `custom`.
    pub period: String,
    /// The format.
    pub format: ReportFormat,
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// Country selection key.
    pub country: String,
    /// `halobuzz-<period>-<from>-<to>.<ext>` (with `-<country>` before the extension for a
    /// single country).
    pub file_name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the file, lowercase hex.
    pub checksum: String,
    /// When it was produced (the engine's clock).
    pub created_at: DateTime<Utc>,
}

impl AnalyticsDoc for ReportRecord {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsreports",
        key_fields: &["appId", "id"],
        key_index: "appId_1_id_1",
        retired_indexes: &[],
        indexes: &[],
        // The record describes a file that exists: dropping it would orphan the file.
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.app_id.as_str().into(), self.id.as_str().into()])
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The id of the report of `period` over `from..=to` for `country` in `format`.
pub fn report_id(
    period: &str,
    from: NaiveDate,
    to: NaiveDate,
    country: &str,
    format: ReportFormat,
) -> String {
    let key = format!("{period}|{from}|{to}|{country}|{}", format.extension());
    format!("rpt_{}", &checksum(key.as_bytes())[..20])
}

/// The file name: `halobuzz-<period>-<from>-<to>.<ext>`, with `-<country>` before the extension
/// when the report is for one country (the country key is letters only, so it is safe in a path).
pub fn file_name(
    period: &str,
    from: NaiveDate,
    to: NaiveDate,
    country: &str,
    format: ReportFormat,
) -> String {
    let ext = format.extension();
    if country == "ALL" {
        format!("halobuzz-{period}-{from}-{to}.{ext}")
    } else {
        let safe: String = country
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        format!("halobuzz-{period}-{from}-{to}-{safe}.{ext}")
    }
}

/// The path of a record's file in `dir`. The name comes from a record, which another process may
/// have written: anything but a plain file name is refused, so a record cannot point outside `dir`.
pub fn file_path(dir: &Path, record: &ReportRecord) -> Result<PathBuf> {
    let name = &record.file_name;
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(Error::invalid_argument(
            "fileName",
            format!(
                "report {} names `{}`, which is not a plain file name",
                record.id,
                name.escape_default()
            ),
        ));
    }
    Ok(dir.join(name))
}

/// Writes `bytes` to `path` whole: to a temporary file beside it, then renamed over it, so that a
/// reader never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let write = |path: &Path, source: std::io::Error| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| write(parent, e))?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| write(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        write(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn names_ids_and_paths() {
        let (from, to) = (d("2026-10-01"), d("2026-10-31"));
        assert_eq!(
            file_name("monthly", from, to, "ALL", ReportFormat::Pdf),
            "halobuzz-monthly-2026-10-01-2026-10-31.pdf"
        );
        assert_eq!(
            file_name("monthly", from, to, "NP", ReportFormat::Xlsx),
            "halobuzz-monthly-2026-10-01-2026-10-31-NP.xlsx"
        );
        let a = report_id("monthly", from, to, "ALL", ReportFormat::Pdf);
        assert_eq!(a, report_id("monthly", from, to, "ALL", ReportFormat::Pdf));
        assert_ne!(a, report_id("monthly", from, to, "ALL", ReportFormat::Csv));
        let mut r = ReportRecord {
            app_id: "a".into(),
            id: a,
            period: "monthly".into(),
            format: ReportFormat::Pdf,
            from,
            to,
            country: "ALL".into(),
            file_name: "../../etc/passwd".into(),
            size: 0,
            checksum: String::new(),
            created_at: DateTime::<Utc>::default(),
        };
        assert!(file_path(Path::new("/tmp"), &r).is_err());
        r.file_name = "halobuzz-x.pdf".into();
        assert_eq!(
            file_path(Path::new("/tmp"), &r).ok(),
            Some(PathBuf::from("/tmp/halobuzz-x.pdf"))
        );
        assert_eq!(
            checksum(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(ReportFormat::parse("PDF").is_ok() && ReportFormat::parse("doc").is_err());
    }
}
