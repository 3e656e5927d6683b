//! The mongoexport loader: a data directory of `<collection>.json` / `.ndjson` files (optionally `.gz`),
//! one Extended JSON v2 document per line, into an [`InMemoryStore`].
//!
//! Files are streamed in chunks of whole lines (memory is bounded by the records kept, not by the file
//! size), parsed and validated on worker threads, and applied in reading order. Invalid and duplicate documents are skipped and counted in the
//! store's [`QualityReport`](crate::QualityReport); only I/O failures are errors.
//!
//! Hostile files are bounded too: a line longer than [`LoadOptions::max_document_bytes`] is skipped
//! while it is read, never held whole (plain or gzip), and counted as one `too_large` document; a line
//! nesting arrays and objects deeper than [`MAX_NESTING`] is `malformed_json` before any recursive parser
//! sees it.

mod parse;
mod read;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;

use self::parse::parse_chunk;
use self::read::read_chunks;
use crate::model::{Collection, DecodeContext};
use crate::store::memory::{CollectionIngest, Parsed};
use crate::store::{InMemoryStore, InMemoryStoreBuilder};
use crate::{Error, Result};

/// The file suffixes a collection's file may have, in lookup order.
const SUFFIXES: [&str; 4] = [".json", ".ndjson", ".json.gz", ".ndjson.gz"];

/// The default maximum document size: 16 MiB, MongoDB's own limit.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 16 << 20;

pub use crate::store::memory::MAX_NESTING;

/// How to load.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Validation context (dates after `now + 1 day` are invalid).
    pub context: DecodeContext,
    /// The longest line read as a document, in bytes, not counting its `\n` or `\r\n` (default
    /// [`DEFAULT_MAX_DOCUMENT_BYTES`], 16 MiB). A longer line is one invalid document (`too_large`),
    /// skipped as it is read: the loader never holds more than this (plus a chunk) of one line.
    pub max_document_bytes: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            context: DecodeContext::now(),
            max_document_bytes: DEFAULT_MAX_DOCUMENT_BYTES,
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

/// Bytes per chunk handed to a worker: large enough to amortise the hand-off, small enough to keep
/// memory bounded (at most `2 × workers` chunks are in flight, each of at most this plus one line of
/// [`LoadOptions::max_document_bytes`]).
const CHUNK_BYTES: usize = 4 << 20;

/// The stack of each worker thread. Parsing recurses once per nesting level and, in a debug build, a
/// level of Extended JSON objects takes about 12 KiB: a [`MAX_NESTING`]-deep line needs about 1.3 MiB,
/// close to the 2 MiB of a default thread, so workers get the 8 MiB of a main thread (reserved, not
/// used, unless a line nests that deep).
const WORKER_STACK_BYTES: usize = 8 << 20;

/// A run of whole lines of one file.
struct Chunk {
    file: usize,
    seq: u64,
    first_line: u64,
    /// The lines, each ended by `\n` but the last; a line too large to keep is an empty line here.
    bytes: Vec<u8>,
    /// The lines too large to keep: (index among the chunk's lines, length in bytes), ascending.
    too_large: Vec<(usize, u64)>,
}

/// A chunk's lines, parsed and decoded, waiting to be applied in reading order.
struct ParsedChunk {
    file: usize,
    seq: u64,
    first_line: u64,
    lines: Vec<Parsed>,
}

/// Loads a mongoexport data directory into a new in-memory store.
///
/// One thread reads the files (and un-gzips them) in chunks of whole lines; worker threads parse and
/// validate the chunks in parallel; the calling thread applies them in reading order, which keeps
/// de-duplication ("the first `_id` wins") and line numbers exact. `progress` is called with (bytes read
/// so far, total bytes) of the files on disk; it must be cheap.
pub fn load_directory(
    dir: &Path,
    options: &LoadOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<InMemoryStore> {
    let files = data_files(dir)?;
    let total: u64 = files.iter().map(|f| f.bytes).sum();
    let done = AtomicU64::new(0);
    let ctx = options.context;
    let max_bytes = options.max_document_bytes;
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 16);
    let mut ingests: Vec<CollectionIngest> = files
        .iter()
        .map(|f| CollectionIngest::new(f.collection, ctx))
        .collect();
    let mut failure: Option<Error> = None;

    let (work_tx, work_rx) = sync_channel::<Chunk>(workers * 2);
    let (done_tx, done_rx) = sync_channel::<Result<ParsedChunk>>(workers * 2);
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|s| {
        let files = &files;
        let spawn_error =
            |e: std::io::Error| Error::Internal(format!("cannot start a loader thread: {e}"));
        // The load goes on with the workers that could be started; with none it fails.
        let (mut started, mut spawn_failure) = (0, None);
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let worker = move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(chunk) = next else { return };
                let parsed = parse_chunk(files[chunk.file].collection, chunk, &ctx, max_bytes);
                if done_tx.send(Ok(parsed)).is_err() {
                    return;
                }
            };
            match std::thread::Builder::new()
                .name("halobuzz-load".to_owned())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(s, worker)
            {
                Ok(_) => started += 1,
                Err(e) => spawn_failure = Some(spawn_error(e)),
            }
        }

        // Without a worker nothing would drain the chunks: then the reader is not started either.
        if started == 0 {
            failure = spawn_failure;
        } else {
            let reader_tx = done_tx.clone();
            let done = &done;
            let reader = move || {
                for (i, file) in files.iter().enumerate() {
                    let report = |n| progress(done.fetch_add(n, Ordering::Relaxed) + n, total);
                    if let Err(e) = read_chunks(i, file, max_bytes, &report, &work_tx) {
                        // The merger drains the channel to the end, so this send cannot block forever.
                        let _ = reader_tx.send(Err(e));
                        return;
                    }
                }
            };
            if let Err(e) = std::thread::Builder::new()
                .name("halobuzz-read".to_owned())
                .spawn_scoped(s, reader)
            {
                failure.get_or_insert(spawn_error(e));
            }
        }
        drop(done_tx);

        // Apply in reading order: chunks of a file may come back out of order.
        let mut next_seq = vec![0u64; files.len()];
        let mut waiting: Vec<BTreeMap<u64, ParsedChunk>> =
            (0..files.len()).map(|_| BTreeMap::new()).collect();
        for msg in done_rx {
            match msg {
                Err(e) => {
                    failure.get_or_insert(e);
                }
                Ok(chunk) if failure.is_none() => {
                    let f = chunk.file;
                    waiting[f].insert(chunk.seq, chunk);
                    while let Some(c) = waiting[f].remove(&next_seq[f]) {
                        for (i, parsed) in c.lines.into_iter().enumerate() {
                            ingests[f].apply(parsed, Some(c.first_line + i as u64));
                        }
                        next_seq[f] += 1;
                    }
                }
                Ok(_) => {}
            }
        }
    });

    if let Some(e) = failure {
        return Err(e);
    }
    let mut builder = InMemoryStoreBuilder::with_context(ctx);
    for ingest in ingests {
        debug_assert!(Collection::ALL.contains(&ingest.collection()));
        builder.put_ingest(ingest);
    }
    Ok(builder.build())
}
