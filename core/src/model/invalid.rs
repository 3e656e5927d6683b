//! What the decoder reports for a rejected document: the reason and where it was found.
//!
//! These live in `model` rather than in `quality` so the decoder depends on nothing above it; the
//! data-quality report re-exports them and counts them. The reason names are the ones
//! `docs/data-contract.md` lists.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a document was rejected. The names are the ones `docs/data-contract.md` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidReason {
    /// The line is not a JSON object or not valid Extended JSON.
    MalformedJson,
    /// A required field is absent or null.
    MissingField,
    /// A field has a type the contract does not accept.
    WrongType,
    /// A string outside the field's list of values.
    InvalidEnum,
    /// A value of the right type outside its allowed range (tier, level, country code).
    InvalidValue,
    /// A negative amount, count or duration.
    NegativeValue,
    /// NaN or an infinity.
    NonFinite,
    /// A date before 2000-01-01 or after now + 1 day.
    DateOutOfRange,
    /// A number beyond its documented plausible maximum (`docs/data-contract.md` "Bounds").
    OutOfRange,
    /// A document larger than the maximum document size (16 MiB by default, MongoDB's own limit).
    TooLarge,
}

impl InvalidReason {
    /// Every reason, in report order.
    pub const ALL: [InvalidReason; 10] = [
        InvalidReason::MalformedJson,
        InvalidReason::MissingField,
        InvalidReason::WrongType,
        InvalidReason::InvalidEnum,
        InvalidReason::InvalidValue,
        InvalidReason::NegativeValue,
        InvalidReason::NonFinite,
        InvalidReason::DateOutOfRange,
        InvalidReason::OutOfRange,
        InvalidReason::TooLarge,
    ];

    /// The snake_case name used in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            InvalidReason::MalformedJson => "malformed_json",
            InvalidReason::MissingField => "missing_field",
            InvalidReason::WrongType => "wrong_type",
            InvalidReason::InvalidEnum => "invalid_enum",
            InvalidReason::InvalidValue => "invalid_value",
            InvalidReason::NegativeValue => "negative_value",
            InvalidReason::NonFinite => "non_finite",
            InvalidReason::DateOutOfRange => "date_out_of_range",
            InvalidReason::OutOfRange => "out_of_range",
            InvalidReason::TooLarge => "too_large",
        }
    }
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rejected document: where it was, which field, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invalid {
    /// The document's `_id` (hex for an ObjectId), when it could be read.
    pub id: Option<String>,
    /// The first offending field, dotted (`metadata.amountPaid`); `None` for malformed JSON.
    pub field: Option<String>,
    /// Why the document was rejected.
    pub reason: InvalidReason,
    /// A human sentence with the offending value or type.
    pub detail: String,
    /// 1-based line number in the source file, when read from a file.
    pub line: Option<u64>,
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)?;
        if let Some(field) = &self.field {
            write!(f, " in field `{field}`")?;
        }
        if let Some(id) = &self.id {
            write!(f, " of document {id}")?;
        }
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// Why a valid document was kept with part of it ignored: it counts, but the quality report says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningReason {
    /// A country string that is not an ISO 3166-1 alpha-2 code (`QQ`, `Nepal`): the document's
    /// country is unknown, its money and activity still count.
    UnknownCountry,
    /// An OG purchase whose `metadata.ogTier` is not 1–5: it counts under `byOGTier.unknown`.
    UnknownOgTier,
    /// A field only host performance reads (`livestreams.peakViewers`, `totalGifts`, `totalLikes`,
    /// `totalComments`, `transactions.metadata.streamId`) with an unusable value: read as absent.
    IgnoredValue,
}

impl WarningReason {
    /// The snake_case name used in reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            WarningReason::UnknownCountry => "unknown_country",
            WarningReason::UnknownOgTier => "unknown_og_tier",
            WarningReason::IgnoredValue => "ignored_value",
        }
    }
}

impl fmt::Display for WarningReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One warning on a valid document: the field and why part of it was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Warning {
    /// The dotted field.
    pub field: &'static str,
    /// Why.
    pub reason: WarningReason,
}

/// A value of a document as an error or report may show it: at most 40 characters, control characters
/// escaped, so that a hostile document can neither flood a report nor drive a terminal.
pub fn shown(value: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = value
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}
