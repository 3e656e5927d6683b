//! The mongoexport-style directory writer: one Extended JSON v2 document per line, one file per collection.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use bson::{Bson, Document};
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::model::Collection;
use crate::store::DocumentSink;
use crate::{Error, Result};

/// The Extended JSON v2 flavour lines are written in (both are what `mongoexport` can produce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExtJsonMode {
    /// Relaxed mode: plain JSON numbers, `{"$date": "2026-03-01T05:00:00Z"}` (mongoexport's default).
    #[default]
    Relaxed,
    /// Canonical mode: `{"$numberInt": "5"}`, `{"$numberLong": "5"}`, `{"$date": {"$numberLong": "…"}}`.
    Canonical,
}

/// One open collection file.
enum Output {
    Plain(BufWriter<File>),
    Gzip(GzEncoder<BufWriter<File>>),
}

impl Output {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Output::Plain(w) => w,
            Output::Gzip(w) => w,
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Output::Plain(mut w) => w.flush(),
            Output::Gzip(w) => w.finish()?.flush(),
        }
    }
}

/// A [`DocumentSink`] that writes `<dir>/<collection>.json` (or `.json.gz`), one Extended JSON v2 document
/// per line, as `mongoexport` does. Every collection's file is created, even when it stays empty.
///
/// Call [`DirectoryWriter::finish`] at the end: it flushes the buffers and closes the gzip streams (a
/// writer dropped without it may leave truncated files).
pub struct DirectoryWriter {
    mode: ExtJsonMode,
    files: Vec<(PathBuf, Output)>,
    line: Vec<u8>,
}

impl std::fmt::Debug for DirectoryWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectoryWriter")
            .field("mode", &self.mode)
            .field("paths", &self.paths())
            .finish_non_exhaustive()
    }
}

/// The file suffixes a loader accepts for one collection; the writer removes the ones it does not write so
/// that a directory never holds two files for one collection.
const SUFFIXES: [&str; 4] = [".json", ".ndjson", ".json.gz", ".ndjson.gz"];

impl DirectoryWriter {
    /// Creates `dir` (and its parents) if needed and one empty file per collection in it: `<collection>.json`,
    /// or `<collection>.json.gz` when `gzip`. Other files of the same collections left there by an earlier run
    /// (`users.ndjson`, `users.json.gz`, …) are removed, since a loader refuses two files for one collection.
    pub fn create(dir: &Path, mode: ExtJsonMode, gzip: bool) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_owned(),
            source,
        })?;
        let own = if gzip { ".json.gz" } else { ".json" };
        let mut files = Vec::with_capacity(Collection::ALL.len());
        for collection in Collection::ALL {
            for suffix in SUFFIXES.iter().filter(|s| **s != own) {
                let stale = dir.join(format!("{}{suffix}", collection.name()));
                if stale.is_file() {
                    std::fs::remove_file(&stale).map_err(|source| Error::Write {
                        path: stale,
                        source,
                    })?;
                }
            }
            let path = dir.join(format!("{}{own}", collection.name()));
            let file = File::create(&path).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            let buffered = BufWriter::with_capacity(256 * 1024, file);
            let output = if gzip {
                Output::Gzip(GzEncoder::new(buffered, Compression::fast()))
            } else {
                Output::Plain(buffered)
            };
            files.push((path, output));
        }
        Ok(DirectoryWriter {
            mode,
            files,
            line: Vec::with_capacity(4096),
        })
    }

    /// The files being written, one per collection in [`Collection::ALL`] order.
    pub fn paths(&self) -> Vec<&Path> {
        self.files.iter().map(|(p, _)| p.as_path()).collect()
    }

    /// Flushes every file and closes the gzip streams.
    pub fn finish(self) -> Result<()> {
        for (path, output) in self.files {
            output
                .finish()
                .map_err(|source| Error::Write { path, source })?;
        }
        Ok(())
    }
}

impl DocumentSink for DirectoryWriter {
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()> {
        let index = Collection::ALL
            .iter()
            .position(|c| *c == collection)
            .unwrap_or_default();
        let value = match self.mode {
            ExtJsonMode::Relaxed => Bson::Document(doc).into_relaxed_extjson(),
            ExtJsonMode::Canonical => Bson::Document(doc).into_canonical_extjson(),
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &value)
            .map_err(|e| Error::encode(format!("a `{collection}` document as Extended JSON"), e))?;
        self.line.push(b'\n');
        let Some((path, output)) = self.files.get_mut(index) else {
            return Err(Error::Internal(format!(
                "the generator has no output file for `{collection}`"
            )));
        };
        output
            .writer()
            .write_all(&self.line)
            .map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })
    }
}
