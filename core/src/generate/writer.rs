//! The mongoexport-style directory writer: one Extended JSON v2 document per line, one file per collection.
//! It writes only its own file names (the collection files and `manifest.json`) and never through a
//! symbolic link; a folder that holds anything else is refused unless forced, and then left as it is.

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
    // Boxed: with flate2's zlib-rs backend (which the XLSX writer's zip enables) the encoder is large.
    Gzip(Box<GzEncoder<BufWriter<File>>>),
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
/// per line, as `mongoexport` does. Every collection's file is created, even when it stays empty; nothing
/// else in the folder is touched (see [`DirectoryWriter::create_with`]).
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

/// The file the manifest is written to, next to the collection files.
pub(super) const MANIFEST: &str = "manifest.json";

/// How a [`DirectoryWriter`] writes its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DirectoryOptions {
    /// The Extended JSON flavour of the lines.
    pub mode: ExtJsonMode,
    /// Gzip the files (`<collection>.json.gz`).
    pub gzip: bool,
    /// Write into a folder that also holds other files or directories (they are left as they are).
    pub force: bool,
}

impl DirectoryWriter {
    /// [`DirectoryWriter::create_with`] without `force`: `dir` must be new, empty or hold only the files
    /// of an earlier dataset of the same format.
    pub fn create(dir: &Path, mode: ExtJsonMode, gzip: bool) -> Result<Self> {
        Self::create_with(
            dir,
            DirectoryOptions {
                mode,
                gzip,
                force: false,
            },
        )
    }

    /// Creates `dir` (and its parents) if needed and one empty file per collection in it: `<collection>.json`,
    /// or `<collection>.json.gz` when `gzip`. The writer touches only its own file names (those and
    /// [`MANIFEST`], which it removes until a new one is written): a folder holding anything else is
    /// refused (`INVALID_ARGUMENT` naming `out`) unless `force`, and then left as it is. A symbolic link or a
    /// directory at one of its own paths is always refused, and each file is created anew (the old one is
    /// unlinked first, never opened), so nothing outside the folder is ever written through a link.
    pub fn create_with(dir: &Path, options: DirectoryOptions) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Write {
            path: dir.to_owned(),
            source,
        })?;
        let own = if options.gzip { ".json.gz" } else { ".json" };
        let names: Vec<String> = Collection::ALL
            .iter()
            .map(|c| format!("{}{own}", c.name()))
            .collect();
        check_folder(dir, &names, options.force)?;
        remove_own(&dir.join(MANIFEST))?;
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let path = dir.join(name);
            let file = create_own(&path)?;
            let buffered = BufWriter::with_capacity(256 * 1024, file);
            let output = if options.gzip {
                Output::Gzip(Box::new(GzEncoder::new(buffered, Compression::fast())))
            } else {
                Output::Plain(buffered)
            };
            files.push((path, output));
        }
        Ok(DirectoryWriter {
            mode: options.mode,
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

/// Refuses `dir` when one of the writer's own paths (`names` and [`MANIFEST`]) is a symbolic link or
/// not a regular file, or, unless `force`, when it holds any other entry.
fn check_folder(dir: &Path, names: &[String], force: bool) -> Result<()> {
    let shown_path = |p: &Path| crate::store::redact_secrets(&p.display().to_string());
    for name in names.iter().map(String::as_str).chain([MANIFEST]) {
        let path = dir.join(name);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::Read { path, source }),
        };
        let problem = if meta.file_type().is_symlink() {
            "is a symbolic link, and the generator never writes through one"
        } else if !meta.is_file() {
            "is not a regular file"
        } else {
            continue;
        };
        return Err(Error::invalid_argument(
            "out",
            format!(
                "`{}` {problem}; remove it or choose another folder",
                shown_path(&path)
            ),
        ));
    }
    if force {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_owned(),
        source,
    })?;
    let mut foreign = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read {
            path: dir.to_owned(),
            source,
        })?;
        let name = entry.file_name();
        let own = name
            .to_str()
            .is_some_and(|n| n == MANIFEST || names.iter().any(|o| o == n));
        if !own {
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            let slash = if is_dir { "/" } else { "" };
            foreign.push(format!(
                "`{}{slash}`",
                crate::model::shown(&name.to_string_lossy())
            ));
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let more = foreign.len().saturating_sub(3);
    foreign.truncate(3);
    let mut listed = foreign.join(", ");
    if more > 0 {
        listed.push_str(&format!(" and {more} more"));
    }
    Err(Error::invalid_argument(
        "out",
        format!(
            "`{}` already holds entries that are not this dataset's files ({listed}); choose a new or \
             empty folder, or use --force to write only the dataset's own files ({} collection files \
             and {MANIFEST}) next to them, leaving everything else as it is",
            shown_path(dir),
            names.len()
        ),
    ))
}

/// Removes one of the writer's own files if it is there (a link is removed, never followed).
fn remove_own(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Write {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Creates one of the writer's own files anew: the old file is unlinked and a new one created with
/// `create_new`, which fails rather than follow a symbolic link put there in the meantime (and never
/// writes through a hard link to a file elsewhere).
pub(super) fn create_own(path: &Path) -> Result<File> {
    remove_own(path)?;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| Error::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::{write_directory_with, GeneratorConfig};
    use super::*;

    fn write(dir: &Path, force: bool, gzip: bool) -> Result<()> {
        let config = GeneratorConfig {
            users: 30,
            days: 2,
            ..GeneratorConfig::default()
        };
        let options = DirectoryOptions {
            force,
            gzip,
            ..DirectoryOptions::default()
        };
        write_directory_with(&config, dir, options, &mut |_, _| {}).map(drop)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn refused_naming_out(e: Error, needle: &str) {
        assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with("invalid out: ") && text.contains(needle),
            "{text}"
        );
    }

    #[test]
    fn a_folder_with_a_foreign_file_is_refused_and_kept_intact_with_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        std::fs::create_dir(dir.path().join("photos")).unwrap();
        let before = names(dir.path());
        refused_naming_out(write(dir.path(), false, false).unwrap_err(), "`photos/`");
        assert_eq!(
            names(dir.path()),
            before,
            "a refused write touched the folder"
        );

        write(dir.path(), true, false).unwrap();
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert_eq!(read("notes.txt"), "mine");
        assert!(dir.path().join("photos").is_dir());
        assert_eq!(names(dir.path()).len(), before.len() + 9);
        // An earlier dataset of the same format is the writer's own: replaced without force. One of
        // another format is not.
        std::fs::remove_file(dir.path().join("notes.txt")).unwrap();
        std::fs::remove_dir(dir.path().join("photos")).unwrap();
        write(dir.path(), false, false).unwrap();
        refused_naming_out(write(dir.path(), false, true).unwrap_err(), "and 5 more");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_an_own_path_is_refused_even_with_force() {
        let (out, outside) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (out, target) = (out.path(), outside.path().join("precious.json"));
        std::fs::write(&target, "precious").unwrap();
        std::os::unix::fs::symlink(&target, out.join("users.json")).unwrap();
        for force in [false, true] {
            refused_naming_out(write(out, force, false).unwrap_err(), "symbolic link");
        }
        // A dangling link at the manifest's path (which would create its target) is refused too.
        std::fs::remove_file(out.join("users.json")).unwrap();
        let missing = outside.path().join("created-through-a-link.json");
        std::os::unix::fs::symlink(&missing, out.join(MANIFEST)).unwrap();
        refused_naming_out(write(out, true, false).unwrap_err(), "symbolic link");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious");
        assert!(!missing.exists());
        assert_eq!(names(out), [MANIFEST]);
    }

    #[test]
    fn a_directory_at_an_own_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("users.json")).unwrap();
        refused_naming_out(
            write(dir.path(), true, false).unwrap_err(),
            "not a regular file",
        );
    }
}
