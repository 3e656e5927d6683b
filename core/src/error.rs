//! The core's one error type. Every variant says what failed and where (file, collection, document, field),
//! so the message alone tells a user what to fix. Bindings convert it once, keeping [`Error::code`].

use std::path::PathBuf;

use crate::model::Collection;

/// Everything that can go wrong in the engine, apart from invalid documents (which are not errors: they are
/// skipped and counted in the [`QualityReport`](crate::quality::QualityReport)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A data directory holds more than one file for one collection.
    #[error("data directory `{dir}` has two files for collection `{collection}`: `{first}` and `{second}`; keep one")]
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
    #[error("`{0}` is not a directory of mongoexport files")]
    NotADataDirectory(PathBuf),
    /// An argument is out of its domain.
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument's name as the caller wrote it.
        name: &'static str,
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
    },
    /// The storage backend failed.
    #[error("storage error on `{collection}`: {reason}")]
    Storage {
        /// The collection being read or written.
        collection: String,
        /// What failed.
        reason: String,
    },
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
        }
    }

    pub(crate) fn invalid_argument(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            reason: reason.into(),
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
