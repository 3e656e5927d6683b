//! The core's one error type. Every variant says what failed and where (file, collection, document, field),
//! so the message alone tells a user what to fix, and keeps the error that caused it as its
//! [`source`](std::error::Error::source). Bindings convert it once: the stable [`Error::code`] and the
//! [`ErrorCategory`] decided here choose the JavaScript `code` and the Python exception class.

use std::borrow::Cow;
use std::path::PathBuf;

use crate::model::Collection;

/// Everything that can go wrong in the engine, apart from invalid documents (which are not errors: they are
/// skipped and counted in the [`QualityReport`](crate::quality::QualityReport)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read `{}`: {source}", ShownPath(path))]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write `{}`: {source}", ShownPath(path))]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A data directory holds more than one file for one collection.
    #[error("data directory `{}` has two files for collection `{collection}`: `{first}` and `{second}`; keep one", ShownPath(dir))]
    AmbiguousDataFile {
        /// The data directory.
        dir: PathBuf,
        /// The collection.
        collection: Collection,
        /// One file name.
        first: String,
        /// The other file name.
        second: String,
    },
    /// The path given as a data directory is not a directory.
    #[error("`{}` is not a directory of mongoexport files", ShownPath(.0))]
    NotADataDirectory(PathBuf),
    /// An argument is out of its domain.
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument's name as the caller wrote it (in the caller's spelling: `usdToNpr` from
        /// JavaScript and JSON, `usd_to_npr` from Python, `--usd-to-npr` from the command line).
        name: Cow<'static, str>,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// A value could not be encoded to BSON or Extended JSON.
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// The encoder's reason.
        reason: String,
        /// The encoder's error.
        #[source]
        source: Option<BoxError>,
    },
    /// The storage backend failed.
    #[error("storage error on `{collection}`: {reason}")]
    Storage {
        /// The collection being read or written.
        collection: String,
        /// What failed.
        reason: String,
        /// The driver's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// A sum of valid values does not fit its type: the data holds more (or larger) documents than any
    /// plausible platform; no total is reported rather than a wrapped one.
    #[error("a total overflowed: {what}; check the data for implausible values (see the data-quality report)")]
    Overflow {
        /// Which total.
        what: String,
    },
    /// A report could not be rendered in a file format.
    #[error("cannot render the report as {format}: {reason}")]
    Render {
        /// `xlsx`, `csv`, `json`, …
        format: &'static str,
        /// The renderer's reason.
        reason: String,
        /// The renderer's error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// A job the host registered with a scheduler (a JavaScript function, a Python callable) threw or
    /// answered something that is not a job's output; recorded with the run, never raised by a call.
    #[error("the job `{job}` failed: {message}")]
    JobFailed {
        /// The job's name.
        job: String,
        /// What the host's code threw, as it describes itself.
        message: String,
    },
    /// The caller's progress callback (or a scheduler's stop) ended the work before it finished. Days
    /// rolled up until then are whole and stay stored, so the same request run again resumes after them.
    #[error("{what} was cancelled before it finished; the days rolled up until then are stored, and the same request run again resumes after them")]
    Cancelled {
        /// What was cancelled (`the monthly report`, …).
        what: String,
    },
    /// A bug: an invariant of the engine did not hold, or a panic was caught at a binding's edge.
    #[error("internal error in halobuzz-analytics (a bug; please report it with the arguments used): {0}")]
    Internal(String),
}

/// The error type kept as a cause.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A cause kept as its message with every URI's user-information redacted (a driver error may quote the
/// connection string, password included), and its own causes flattened into the text.
#[derive(Debug)]
pub struct RedactedCause(String);

impl RedactedCause {
    /// The redacted message of `e` and of its chain.
    pub fn of(e: &(dyn std::error::Error + 'static)) -> Self {
        let mut text = e.to_string();
        let mut next = e.source();
        while let Some(cause) = next {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            next = cause.source();
        }
        RedactedCause(crate::store::redact_secrets(&text))
    }
}

impl std::fmt::Display for RedactedCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedactedCause {}

/// A path as an error shows it: a path that is really a URI (`postgres://user:pw@…` passed as a
/// directory) never shows its password.
struct ShownPath<'a>(&'a std::path::Path);

impl std::fmt::Display for ShownPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::store::redact_secrets(&self.0.display().to_string()))
    }
}

/// What kind of failure an error is, for a caller deciding what to do about it (and for the bindings,
/// which map categories, never codes, to their exception classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ErrorCategory {
    /// The caller asked for something invalid: fix the request or the configuration.
    InvalidInput,
    /// The data source (a directory, a file) cannot be used as it is.
    Data,
    /// The storage backend or the file system failed while reading or writing.
    Storage,
    /// A bug in the engine.
    Internal,
}

impl Error {
    /// A stable, machine-readable code for the variant (bindings expose it as `code`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Read { .. } => "READ_FAILED",
            Error::Write { .. } => "WRITE_FAILED",
            Error::AmbiguousDataFile { .. } => "AMBIGUOUS_DATA_FILE",
            Error::NotADataDirectory(_) => "NOT_A_DATA_DIRECTORY",
            Error::InvalidArgument { .. } => "INVALID_ARGUMENT",
            Error::Encode { .. } => "ENCODE_FAILED",
            Error::Storage { .. } => "STORAGE_ERROR",
            Error::Overflow { .. } => "OVERFLOW",
            Error::Render { .. } => "RENDER_FAILED",
            Error::JobFailed { .. } => "JOB_FAILED",
            Error::Cancelled { .. } => "CANCELLED",
            Error::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The category of the error (decided here once for every front end).
    pub fn category(&self) -> ErrorCategory {
        match self {
            // A host job's failure is the host's code to fix, like an invalid request; a cancellation
            // is the caller's own decision.
            Error::InvalidArgument { .. } | Error::JobFailed { .. } | Error::Cancelled { .. } => {
                ErrorCategory::InvalidInput
            }
            Error::Read { .. }
            | Error::AmbiguousDataFile { .. }
            | Error::NotADataDirectory(_)
            | Error::Overflow { .. } => ErrorCategory::Data,
            Error::Write { .. } | Error::Encode { .. } | Error::Storage { .. } => {
                ErrorCategory::Storage
            }
            // The renderers draw any content: a failure is in the build (fonts) or a bug.
            Error::Render { .. } | Error::Internal(_) => ErrorCategory::Internal,
        }
    }

    /// A storage failure without a further cause.
    pub fn storage(collection: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Storage {
            collection: collection.into(),
            reason: reason.into(),
            source: None,
        }
    }

    /// A storage failure caused by `source` (a driver error).
    pub fn storage_caused(
        collection: impl Into<String>,
        reason: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        Error::Storage {
            collection: collection.into(),
            reason: reason.into(),
            source: Some(source.into()),
        }
    }

    /// An encoding failure of `what`, caused by `source`.
    pub fn encode<E>(what: impl Into<String>, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Error::Encode {
            what: what.into(),
            reason: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// A rendering failure of the report as `format`, caused by `source`.
    pub fn render<E>(format: &'static str, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Error::Render {
            format,
            reason: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// A rendering failure of the report as `format` without an underlying error (a font the
    /// renderer embeds could not be parsed, a chart could not be drawn).
    pub fn render_failed(format: &'static str, reason: impl Into<String>) -> Self {
        Error::Render {
            format,
            reason: reason.into(),
            source: None,
        }
    }

    /// What to tell serde when a value read inside a request is invalid: the reason alone, since the
    /// request layer names the field itself.
    pub fn serde_reason(&self) -> String {
        match self {
            Error::InvalidArgument { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }

    /// The message of a panic payload caught at a boundary, as an [`Error::Internal`].
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        Error::Internal(message)
    }

    /// An invalid argument `name` (as the caller spells it), with what is wrong and what is expected.
    pub fn invalid_argument(name: impl Into<Cow<'static, str>>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
