//! The mongoexport loader: a data directory of `<collection>.json` / `.ndjson` files (optionally `.gz`),
//! one Extended JSON v2 document per line, into an [`InMemoryStore`].
//!
//! Files are streamed in chunks of whole lines (memory is bounded by the records kept, not by the file
//! size), parsed and validated on worker threads, and applied in reading order. Most lines are read by
//! the JSON scanner straight into their record (`model::decode::json`), the rest through a
//! `bson::Document`; both judge alike. Invalid and duplicate documents are skipped and counted in the
//! store's [`QualityReport`](crate::QualityReport); only I/O failures are errors.
//!
//! Hostile files are bounded too: a line longer than [`LoadOptions::max_document_bytes`] is skipped
//! while it is read, never held beyond that limit and a chunk (plain or gzip), and counted as one
//! `too_large` document; a line nesting arrays and objects deeper than [`MAX_NESTING`] is
//! `malformed_json` before any recursive parser sees it.
//!
//! Memory is the records kept (compact: see `store::memory`), each collection's duplicate keys while
//! its file is read, and a few chunks in flight; speed is every core parsing, with only the
//! de-duplication and counting done in order on the calling thread.

mod parse;
mod read;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use self::parse::parse_chunk;
use self::read::Chunker;
use crate::model::{Collection, DecodeContext};
use crate::store::memory::{Batch, CollectionIngest};
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

/// Bytes per chunk handed to a worker: large enough to amortise the hand-off, small enough that the
/// chunks in flight stay a small part of memory (at most [`CHUNKS_IN_FLIGHT`] of them, each of at most
/// this plus one line of [`LoadOptions::max_document_bytes`], with its parsed lines).
const CHUNK_BYTES: usize = 256 << 10;

/// How many chunks may be read and not yet applied, per worker: enough to keep every worker busy while
/// the reader and the merger wait on each other, few enough to bound memory.
const CHUNKS_IN_FLIGHT_PER_WORKER: usize = 3;

/// The stack of each worker thread. The full parser recurses once per nesting level and, in a debug
/// build, a level of Extended JSON objects takes about 12 KiB: a [`MAX_NESTING`]-deep line needs about
/// 1.3 MiB, close to the 2 MiB of a default thread, so workers get the 8 MiB of a main thread (reserved,
/// not used, unless a line nests that deep).
const WORKER_STACK_BYTES: usize = 8 << 20;

/// A run of whole lines of one file.
struct Chunk {
    file: usize,
    seq: u64,
    raw: read::RawChunk,
}

/// A chunk's lines, parsed and decoded, waiting to be applied in reading order.
struct ParsedChunk {
    file: usize,
    seq: u64,
    last: bool,
    batch: Batch,
}

/// Loads a mongoexport data directory into a new in-memory store.
///
/// One thread reads the files (and un-gzips them) in chunks of whole lines, the largest file first;
/// worker threads parse and validate the chunks in parallel; the calling thread applies them in
/// reading order, which keeps de-duplication ("the first `_id` wins") and line numbers exact. A
/// collection's duplicate keys are forgotten once its file is applied, so the largest set of them is
/// held while few records are. `progress` is called with (bytes read so far, total bytes) of the files
/// on disk; it must be cheap.
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
        .map(|f| {
            let mut ingest = CollectionIngest::new(f.collection, ctx);
            if let Some(n) = expected_documents(f) {
                ingest.reserve(n);
            }
            ingest
        })
        .collect();
    let mut failure: Option<Error> = None;
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files.get(i).map_or(0, |f| f.bytes)));

    let in_flight = workers * CHUNKS_IN_FLIGHT_PER_WORKER;
    let (work_tx, work_rx) = sync_channel::<Chunk>(in_flight);
    let (done_tx, done_rx) = sync_channel::<Result<ParsedChunk>>(in_flight);
    // One credit per chunk that may be in flight: the reader takes one per chunk, the merger gives it
    // back once the chunk is applied, so chunks waiting for an earlier one cannot pile up.
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = credit_tx.send(());
    }
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
                let Some(file) = files.get(chunk.file) else {
                    return;
                };
                // Judging never panics by design (the fuzz tests hold it to that); should it all the
                // same, the load fails with an error rather than waiting forever for the lost chunk.
                let (collection, seq) = (file.collection, chunk.seq);
                let judged = catch_unwind(AssertUnwindSafe(|| {
                    parse_chunk(collection, chunk, &ctx, max_bytes)
                }))
                .map_err(|_| {
                    Error::Internal(format!(
                        "the loader failed on chunk {seq} of `{collection}`"
                    ))
                });
                if done_tx.send(judged).is_err() {
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
            let order = &order;
            let reader = move || {
                for &i in order {
                    let Some(file) = files.get(i) else { continue };
                    let report = |n| progress(done.fetch_add(n, Ordering::Relaxed) + n, total);
                    let sent = read_file(i, file, max_bytes, &report, &work_tx, &credit_rx);
                    match sent {
                        Ok(true) => {}
                        // The merger has stopped taking chunks: nothing more to read.
                        Ok(false) => return,
                        Err(e) => {
                            // The merger drains the channel to the end, so this send cannot block
                            // forever.
                            let _ = reader_tx.send(Err(e));
                            return;
                        }
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
        let mut next_line = vec![1u64; files.len()];
        let mut waiting: Vec<BTreeMap<u64, ParsedChunk>> =
            (0..files.len()).map(|_| BTreeMap::new()).collect();
        for msg in done_rx {
            let chunk = match msg {
                Err(e) => {
                    failure.get_or_insert(e);
                    // Nothing more is applied: give back the credits of the chunks waiting, so the
                    // reader is never left waiting for one.
                    for queue in &mut waiting {
                        for _ in std::mem::take(queue) {
                            let _ = credit_tx.send(());
                        }
                    }
                    continue;
                }
                Ok(chunk) if failure.is_none() => chunk,
                Ok(_) => {
                    let _ = credit_tx.send(());
                    continue;
                }
            };
            let f = chunk.file;
            let (Some(queue), Some(seq), Some(line), Some(ingest)) = (
                waiting.get_mut(f),
                next_seq.get_mut(f),
                next_line.get_mut(f),
                ingests.get_mut(f),
            ) else {
                continue;
            };
            queue.insert(chunk.seq, chunk);
            while let Some(c) = queue.remove(seq) {
                *line += ingest.apply_batch(c.batch, *line);
                if c.last {
                    ingest.finish_reading();
                }
                *seq += 1;
                let _ = credit_tx.send(());
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

/// How many bytes of a file are sampled to estimate its number of documents.
const SAMPLE_BYTES: u64 = 256 << 10;

/// About how many documents a plain file holds, from the lines of its first [`SAMPLE_BYTES`] (an
/// eighth more, as lines vary and room left unused is never touched); `None` for a gzip file, whose
/// size says nothing of its lines.
///
/// Every collection's records and duplicate keys are given their room before anything is read: each
/// table is then allocated once rather than copied as it grows, and allocated while no large block
/// has been freed yet, so the allocator maps each one apart and gives its memory back to the system
/// when it is freed (a collection's keys, once its file is read) instead of keeping it in its heap.
fn expected_documents(file: &DataFile) -> Option<usize> {
    if file.path.extension().is_some_and(|e| e == "gz") || file.bytes == 0 {
        return None;
    }
    let mut sample = Vec::new();
    std::fs::File::open(&file.path)
        .and_then(|f| f.take(SAMPLE_BYTES).read_to_end(&mut sample))
        .ok()?;
    let lines = memchr::memchr_iter(b'\n', &sample).count() + 1;
    let expected = file.bytes as f64 * lines as f64 / sample.len().max(1) as f64 * 1.125;
    Some(expected.min(1e9) as usize)
}

/// Reads one file into chunks for the workers, taking a credit for each; `Ok(false)` when the merger
/// stopped taking them.
fn read_file(
    index: usize,
    file: &DataFile,
    max_bytes: usize,
    report: &dyn Fn(u64),
    work: &SyncSender<Chunk>,
    credits: &Receiver<()>,
) -> Result<bool> {
    let read_error = |source| Error::Read {
        path: file.path.clone(),
        source,
    };
    let mut chunker = Chunker::new(read::open(file, report)?, max_bytes, CHUNK_BYTES);
    let mut seq = 0u64;
    while let Some(raw) = chunker.next_chunk().map_err(read_error)? {
        if credits.recv().is_err() {
            return Ok(false);
        }
        let chunk = Chunk {
            file: index,
            seq,
            raw,
        };
        if work.send(chunk).is_err() {
            return Ok(false);
        }
        seq += 1;
    }
    Ok(true)
}
