//! The mongoexport loader: a data directory of `<collection>.json` / `.ndjson` files (optionally `.gz`),
//! one Extended JSON v2 document per line, into an [`InMemoryStore`].
//!
//! Files are streamed line by line (memory is bounded by the records kept, not by the file size) and each
//! collection is read on its own thread. Invalid and duplicate documents are skipped and counted in the
//! store's [`QualityReport`](crate::QualityReport); only I/O failures are errors.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use crate::model::{Collection, DecodeContext};
use crate::store::memory::CollectionIngest;
use crate::store::{InMemoryStore, InMemoryStoreBuilder};
use crate::{Error, Result};

/// The file suffixes a collection's file may have, in lookup order.
const SUFFIXES: [&str; 4] = [".json", ".ndjson", ".json.gz", ".ndjson.gz"];

/// How to load.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Validation context (dates after `now + 1 day` are invalid).
    pub context: DecodeContext,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            context: DecodeContext::now(),
        }
    }
}

/// One collection's file in a data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// The collection.
    pub collection: Collection,
    /// The file.
    pub path: PathBuf,
    /// Its size on disk in bytes (compressed size for `.gz`).
    pub bytes: u64,
}

/// The files of a data directory, one per collection present; missing collections are simply absent.
pub fn data_files(dir: &Path) -> Result<Vec<DataFile>> {
    if !dir.is_dir() {
        return Err(Error::NotADataDirectory(dir.to_owned()));
    }
    let mut files = Vec::new();
    for collection in Collection::ALL {
        let mut found: Option<DataFile> = None;
        for suffix in SUFFIXES {
            let path = dir.join(format!("{}{suffix}", collection.name()));
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            if let Some(first) = &found {
                return Err(Error::AmbiguousDataFile {
                    dir: dir.to_owned(),
                    collection,
                    first: file_name(&first.path),
                    second: file_name(&path),
                });
            }
            found = Some(DataFile {
                collection,
                path,
                bytes: meta.len(),
            });
        }
        files.extend(found);
    }
    Ok(files)
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Loads a mongoexport data directory into a new in-memory store.
///
/// `progress` is called from the loading threads with (bytes read so far, total bytes) of the files on disk;
/// it must be cheap.
pub fn load_directory(
    dir: &Path,
    options: &LoadOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<InMemoryStore> {
    let files = data_files(dir)?;
    let total: u64 = files.iter().map(|f| f.bytes).sum();
    let done = AtomicU64::new(0);
    let ingests: Vec<Result<CollectionIngest>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| {
                let done = &done;
                s.spawn(move || {
                    load_file(file, options.context, &|n| {
                        progress(done.fetch_add(n, Ordering::Relaxed) + n, total)
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(&files)
            .map(|(h, file)| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Read {
                        path: file.path.clone(),
                        source: std::io::Error::other("the loading thread panicked"),
                    })
                })
            })
            .collect()
    });
    let mut builder = InMemoryStoreBuilder::with_context(options.context);
    for ingest in ingests {
        builder.put_ingest(ingest?);
    }
    Ok(builder.build())
}

/// Counts the compressed or plain bytes taken from the file, for progress.
struct CountingReader<'a, R> {
    inner: R,
    pending: u64,
    report: &'a dyn Fn(u64),
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 1 << 20 || n == 0 {
            (self.report)(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

fn load_file(
    file: &DataFile,
    ctx: DecodeContext,
    report: &dyn Fn(u64),
) -> Result<CollectionIngest> {
    let read_error = |source| Error::Read {
        path: file.path.clone(),
        source,
    };
    let raw = File::open(&file.path).map_err(read_error)?;
    let counted = CountingReader {
        inner: raw,
        pending: 0,
        report,
    };
    let gz = file.path.extension().is_some_and(|e| e == "gz");
    let reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(counted),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, counted))
    };
    let mut ingest = CollectionIngest::new(file.collection, ctx);
    read_lines(reader, |bytes, line| ingest.accept_line_bytes(bytes, line)).map_err(read_error)?;
    Ok(ingest)
}

/// Calls `f` with each line (without its terminator) and its 1-based number, reusing one buffer.
fn read_lines(mut reader: impl BufRead, mut f: impl FnMut(&[u8], u64)) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut line = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        line += 1;
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        f(&buf, line);
    }
}
