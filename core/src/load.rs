//! The mongoexport loader: a data directory of `<collection>.json` / `.ndjson` files (optionally `.gz`),
//! one Extended JSON v2 document per line, into an [`InMemoryStore`].
//!
//! Files are streamed in chunks of whole lines (memory is bounded by the records kept, not by the file
//! size), parsed and validated on worker threads, and applied in reading order. Invalid and duplicate documents are skipped and counted in the
//! store's [`QualityReport`](crate::QualityReport); only I/O failures are errors.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;

use flate2::read::MultiGzDecoder;

use crate::model::{Collection, DecodeContext};
use crate::store::memory::{CollectionIngest, Parsed};
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

/// Bytes per chunk handed to a worker: large enough to amortise the hand-off, small enough to keep
/// memory bounded (at most `2 × workers` chunks are in flight).
const CHUNK_BYTES: usize = 4 << 20;

/// A run of whole lines of one file.
struct Chunk {
    file: usize,
    seq: u64,
    first_line: u64,
    bytes: Vec<u8>,
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
        let reader_tx = done_tx.clone();
        let files = &files;
        let done = &done;
        s.spawn(move || {
            for (i, file) in files.iter().enumerate() {
                let report = |n| progress(done.fetch_add(n, Ordering::Relaxed) + n, total);
                if let Err(e) = read_chunks(i, file, &report, &work_tx) {
                    // The merger drains the channel to the end, so this send cannot block forever.
                    let _ = reader_tx.send(Err(e));
                    return;
                }
            }
        });

        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            s.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok(chunk) = next else { return };
                let collection = files[chunk.file].collection;
                let lines = chunk
                    .bytes
                    .split(|b| *b == b'\n')
                    .map(|l| Parsed::line(collection, l.strip_suffix(b"\r").unwrap_or(l), &ctx))
                    .collect();
                let parsed = ParsedChunk {
                    file: chunk.file,
                    seq: chunk.seq,
                    first_line: chunk.first_line,
                    lines,
                };
                if done_tx.send(Ok(parsed)).is_err() {
                    return;
                }
            });
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

/// Reads one file into chunks of whole lines and sends them to the workers.
fn read_chunks(
    index: usize,
    file: &DataFile,
    report: &dyn Fn(u64),
    work: &SyncSender<Chunk>,
) -> Result<()> {
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
    let mut reader: Box<dyn BufRead> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(counted),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, counted))
    };
    let (mut seq, mut line) = (0u64, 1u64);
    loop {
        let mut bytes = Vec::with_capacity(CHUNK_BYTES + 4096);
        let mut lines = 0u64;
        while bytes.len() < CHUNK_BYTES {
            let n = reader.read_until(b'\n', &mut bytes).map_err(read_error)?;
            if n == 0 {
                break;
            }
            lines += 1;
        }
        if lines == 0 {
            return Ok(());
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
        }
        let chunk = Chunk {
            file: index,
            seq,
            first_line: line,
            bytes,
        };
        if work.send(chunk).is_err() {
            return Ok(());
        }
        seq += 1;
        line += lines;
    }
}
