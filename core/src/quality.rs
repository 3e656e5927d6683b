//! Data-quality report: what was read from each raw collection, what was valid, what was skipped and why.
//!
//! Every invalid or duplicate document is skipped by the engine (it never changes a total) and counted here
//! by collection, field and reason, so the numbers can be checked against the source. The rules are in
//! `docs/data-contract.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Collection, Warning};

// Defined next to the decoder so `model` does not depend on the report; re-exported because the report is
// where callers meet them (`quality::InvalidReason`).
pub use crate::model::{Invalid, InvalidReason, WarningReason};

/// How many documents failed with one (field, reason) pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvalidCount {
    /// The offending field (`None` for malformed JSON).
    pub field: Option<String>,
    /// The reason.
    pub reason: InvalidReason,
    /// Number of documents.
    pub count: u64,
}

/// How many valid documents had one (field, warning) pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WarningCount {
    /// The field.
    pub field: String,
    /// The warning.
    pub reason: WarningReason,
    /// Number of documents.
    pub count: u64,
}

/// Earliest and latest primary date of a collection's valid documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateSpan {
    /// Earliest instant.
    pub from: DateTime<Utc>,
    /// Latest instant.
    pub to: DateTime<Utc>,
}

/// The quality figures of one collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionQuality {
    /// The collection.
    pub collection: Collection,
    /// Documents read (non-blank lines of a file, or documents returned by the server).
    pub read: u64,
    /// Documents kept.
    pub valid: u64,
    /// Documents rejected as invalid.
    pub invalid: u64,
    /// Documents skipped because their `_id` (or `roundId`) was read before.
    pub duplicates: u64,
    /// Invalid documents by reason alone.
    pub invalid_by_reason: BTreeMap<InvalidReason, u64>,
    /// Invalid documents by (field, reason), most frequent first.
    pub invalid_by_field: Vec<InvalidCount>,
    /// Valid documents kept with part of them ignored (an unknown country code, an OG tier outside
    /// 1–5): they count in every total; these say how often.
    pub warnings: u64,
    /// Warnings by (field, reason), most frequent first.
    pub warnings_by_field: Vec<WarningCount>,
    /// Primary-date span of the valid documents (`null` when there are none).
    pub date_span: Option<DateSpan>,
    /// Share (0–1) of valid documents whose country resolves to `UNKNOWN` (own field, else their
    /// user's); `null` for collections without a country or without valid documents.
    pub missing_country_share: Option<f64>,
    /// Share (0–1) of valid documents without a country field of their own; `null` as above.
    pub own_country_missing_share: Option<f64>,
    /// The rejected documents (invalid and duplicate), at most [`QualityReport::MAX_ISSUES`] per collection.
    pub issues: Vec<Issue>,
    /// Whether `issues` was cut at [`QualityReport::MAX_ISSUES`] (the counts above are always complete).
    pub issues_truncated: bool,
}

/// A rejected document in the report: an invalid one or a duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Issue {
    /// Rejected by validation.
    Invalid(Invalid),
    /// Skipped as a repeat of an `_id` already read.
    #[serde(rename_all = "camelCase")]
    Duplicate {
        /// The repeated key.
        id: String,
        /// 1-based line number, when read from a file.
        line: Option<u64>,
    },
}

/// The data-quality report over all collections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityReport {
    /// One entry per collection, in [`Collection::ALL`] order.
    pub collections: Vec<CollectionQuality>,
}

impl QualityReport {
    /// How many rejected documents are listed per collection; counts are never cut.
    pub const MAX_ISSUES: usize = 1000;

    /// The entry of one collection.
    pub fn collection(&self, collection: Collection) -> Option<&CollectionQuality> {
        self.collections.iter().find(|c| c.collection == collection)
    }

    /// Total documents read over all collections.
    pub fn total_read(&self) -> u64 {
        self.collections.iter().map(|c| c.read).sum()
    }

    /// Total valid documents over all collections.
    pub fn total_valid(&self) -> u64 {
        self.collections.iter().map(|c| c.valid).sum()
    }

    /// A readable text table: one row per collection, then the invalid documents by field and reason.
    pub fn to_table(&self) -> String {
        let mut out = String::new();
        let pct =
            |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |s| format!("{:.1}%", s * 100.0));
        let day = |d: Option<DateSpan>, pick: fn(&DateSpan) -> DateTime<Utc>| {
            d.map_or_else(
                || "-".to_owned(),
                |s| pick(&s).format("%Y-%m-%d").to_string(),
            )
        };
        let rows: Vec<[String; 9]> = self
            .collections
            .iter()
            .map(|c| {
                [
                    c.collection.name().to_owned(),
                    c.read.to_string(),
                    c.valid.to_string(),
                    c.invalid.to_string(),
                    c.duplicates.to_string(),
                    day(c.date_span, |s| s.from),
                    day(c.date_span, |s| s.to),
                    pct(c.missing_country_share),
                    pct(c.own_country_missing_share),
                ]
            })
            .collect();
        let header = [
            "collection",
            "read",
            "valid",
            "invalid",
            "duplicates",
            "first",
            "last",
            "unknown country",
            "no own country",
        ];
        let mut widths = header.map(str::len);
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        let line = |out: &mut String, cells: &[&str]| {
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                // First column left-aligned (names), the rest right-aligned (numbers).
                let _ = if i == 0 {
                    write!(out, "{cell:<w$}")
                } else {
                    write!(out, "  {cell:>w$}")
                };
            }
            out.push('\n');
        };
        line(&mut out, &header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(
            &mut out,
            &rule.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        for row in &rows {
            line(
                &mut out,
                &row.iter().map(String::as_str).collect::<Vec<_>>(),
            );
        }
        let totals = [
            "total".to_owned(),
            self.total_read().to_string(),
            self.total_valid().to_string(),
            self.collections
                .iter()
                .map(|c| c.invalid)
                .sum::<u64>()
                .to_string(),
            self.collections
                .iter()
                .map(|c| c.duplicates)
                .sum::<u64>()
                .to_string(),
        ];
        line(
            &mut out,
            &totals.iter().map(String::as_str).collect::<Vec<_>>(),
        );

        let mut any = false;
        for c in &self.collections {
            for ic in &c.invalid_by_field {
                if !any {
                    out.push_str("\nInvalid documents by field and reason:\n");
                    any = true;
                }
                let _ = writeln!(
                    out,
                    "  {:<16} {:<24} {:<18} {:>8}",
                    c.collection.name(),
                    ic.field.as_deref().unwrap_or("(document)"),
                    ic.reason.as_str(),
                    ic.count
                );
            }
        }
        if !any {
            out.push_str("\nNo invalid documents.\n");
        }
        let mut warned = false;
        for c in &self.collections {
            for w in &c.warnings_by_field {
                if !warned {
                    out.push_str(
                        "\nValid documents kept with a warning (they count in every total):\n",
                    );
                    warned = true;
                }
                let _ = writeln!(
                    out,
                    "  {:<16} {:<24} {:<18} {:>8}",
                    c.collection.name(),
                    w.field,
                    w.reason.as_str(),
                    w.count
                );
            }
        }
        out
    }
}

/// Accumulates the quality figures of one collection while documents are read.
#[derive(Debug, Clone)]
pub(crate) struct QualityTally {
    collection: Collection,
    read: u64,
    valid: u64,
    duplicates: u64,
    invalid: BTreeMap<(Option<String>, InvalidReason), u64>,
    warned: u64,
    warnings: BTreeMap<(&'static str, WarningReason), u64>,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    issues: Vec<Issue>,
    issues_truncated: bool,
}

impl QualityTally {
    pub(crate) fn new(collection: Collection) -> Self {
        QualityTally {
            collection,
            read: 0,
            valid: 0,
            duplicates: 0,
            invalid: BTreeMap::new(),
            warned: 0,
            warnings: BTreeMap::new(),
            first: None,
            last: None,
            issues: Vec::new(),
            issues_truncated: false,
        }
    }

    pub(crate) fn read(&mut self) {
        self.read += 1;
    }

    pub(crate) fn valid(&mut self, date: Option<DateTime<Utc>>) {
        self.valid += 1;
        if let Some(d) = date {
            self.first = Some(self.first.map_or(d, |f| f.min(d)));
            self.last = Some(self.last.map_or(d, |l| l.max(d)));
        }
    }

    /// Sets the date span of the valid documents (the store knows it from its sorted records).
    pub(crate) fn set_date_span(&mut self, span: Option<(DateTime<Utc>, DateTime<Utc>)>) {
        (self.first, self.last) = (span.map(|s| s.0), span.map(|s| s.1));
    }

    /// The warnings of a valid document (counted once per document, and once per field and reason).
    pub(crate) fn warnings(&mut self, warnings: &[Warning]) {
        if warnings.is_empty() {
            return;
        }
        self.warned += 1;
        for w in warnings {
            *self.warnings.entry((w.field, w.reason)).or_insert(0) += 1;
        }
    }

    pub(crate) fn invalid(&mut self, invalid: Invalid) {
        *self
            .invalid
            .entry((invalid.field.clone(), invalid.reason))
            .or_insert(0) += 1;
        self.push_issue(Issue::Invalid(invalid));
    }

    pub(crate) fn duplicate(&mut self, id: String, line: Option<u64>) {
        self.duplicates += 1;
        self.push_issue(Issue::Duplicate { id, line });
    }

    fn push_issue(&mut self, issue: Issue) {
        if self.issues.len() < QualityReport::MAX_ISSUES {
            self.issues.push(issue);
        } else {
            self.issues_truncated = true;
        }
    }

    /// The finished entry; the country shares are filled in by the store, which knows the users.
    pub(crate) fn finish(
        self,
        missing_country_share: Option<f64>,
        own_country_missing_share: Option<f64>,
    ) -> CollectionQuality {
        let mut invalid_by_reason = BTreeMap::new();
        let mut invalid_by_field: Vec<InvalidCount> = Vec::with_capacity(self.invalid.len());
        for ((field, reason), count) in self.invalid {
            *invalid_by_reason.entry(reason).or_insert(0) += count;
            invalid_by_field.push(InvalidCount {
                field,
                reason,
                count,
            });
        }
        invalid_by_field.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cmp(b)));
        let invalid = invalid_by_field.iter().map(|c| c.count).sum();
        let mut warnings_by_field: Vec<WarningCount> = self
            .warnings
            .into_iter()
            .map(|((field, reason), count)| WarningCount {
                field: field.to_owned(),
                reason,
                count,
            })
            .collect();
        warnings_by_field.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.cmp(b)));
        CollectionQuality {
            collection: self.collection,
            read: self.read,
            valid: self.valid,
            invalid,
            duplicates: self.duplicates,
            invalid_by_reason,
            invalid_by_field,
            warnings: self.warned,
            warnings_by_field,
            date_span: self
                .first
                .zip(self.last)
                .map(|(from, to)| DateSpan { from, to }),
            missing_country_share,
            own_country_missing_share,
            issues: self.issues,
            issues_truncated: self.issues_truncated,
        }
    }
}
