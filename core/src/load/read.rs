//! The reader thread: one file, plain or gzip, cut into chunks of whole lines, skipping the lines too
//! large to keep as they stream by.
//!
//! The file is read in blocks straight into the chunk being filled (no per-line copying); a chunk ends
//! after its last whole line, and the start of the next line is carried over. Only a line longer than a
//! chunk makes the reader look further, and never beyond the document limit: a longer line is skipped
//! to its newline without being held.

use std::fs::File;
use std::io::Read;

use flate2::read::MultiGzDecoder;

use super::DataFile;
use crate::{Error, Result};

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

/// A run of whole lines of one file, as read.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct RawChunk {
    /// The lines, separated by `\n` (the last may end with one too); a line too large to keep is an
    /// empty line here.
    pub(super) bytes: Vec<u8>,
    /// The lines too large to keep: (offset of their empty line in `bytes`, length in bytes not
    /// counting the `\n`), ascending.
    pub(super) too_large: Vec<(usize, u64)>,
    /// Whether the file ends with this chunk.
    pub(super) last: bool,
}

/// Cuts a stream into chunks of about `chunk_bytes` of whole lines.
pub(super) struct Chunker<R> {
    reader: R,
    /// The longest line kept, not counting its `\n` or `\r\n`.
    max_line: usize,
    chunk_bytes: usize,
    /// The start of a line read with the previous chunk but not ended in it.
    carry: Vec<u8>,
    done: bool,
}

/// How many bytes at a time a too-large line is skipped by.
const SKIP_STEP: u64 = 1 << 16;

impl<R: Read> Chunker<R> {
    pub(super) fn new(reader: R, max_line: usize, chunk_bytes: usize) -> Self {
        Chunker {
            reader,
            max_line,
            chunk_bytes: chunk_bytes.max(1),
            carry: Vec::new(),
            done: false,
        }
    }

    /// The next chunk; `None` after the last.
    pub(super) fn next_chunk(&mut self) -> std::io::Result<Option<RawChunk>> {
        if self.done {
            return Ok(None);
        }
        let mut buf = Vec::with_capacity(self.chunk_bytes + self.carry.len());
        buf.append(&mut self.carry);
        let mut too_large = Vec::new();
        // `buf[..line_start]` holds whole lines, each ended by `\n`; the rest is the start of a line.
        let mut line_start = 0;
        // A partial line this long cannot be kept: with a `\r` and without, it is over the limit.
        let limit = self.max_line.saturating_add(2);
        loop {
            if buf.len() - line_start >= limit {
                let (skipped, rest) = self.skip_line()?;
                too_large.push((line_start, (buf.len() - line_start) as u64 + skipped));
                buf.truncate(line_start);
                let Some(rest) = rest else {
                    return Ok(Some(self.finish(buf, too_large)));
                };
                buf.push(b'\n');
                line_start = buf.len();
                if let Some(p) = memchr::memrchr(b'\n', &rest) {
                    line_start += p + 1;
                }
                buf.extend_from_slice(&rest);
                continue;
            }
            if line_start > 0 && buf.len() >= self.chunk_bytes {
                self.carry
                    .extend_from_slice(buf.get(line_start..).unwrap_or_default());
                buf.truncate(line_start - 1);
                return Ok(Some(RawChunk {
                    bytes: buf,
                    too_large,
                    last: false,
                }));
            }
            // Fill the chunk; with no whole line in it yet, read on towards the limit of one line.
            let want = if buf.len() < self.chunk_bytes {
                self.chunk_bytes - buf.len()
            } else {
                (line_start + limit).saturating_sub(buf.len())
            };
            let before = buf.len();
            let n = Read::take(&mut self.reader, want as u64).read_to_end(&mut buf)?;
            if let Some(p) = buf
                .get(before..)
                .and_then(|new| memchr::memrchr(b'\n', new))
            {
                line_start = before + p + 1;
            }
            if n < want {
                return Ok(Some(self.finish(buf, too_large)));
            }
        }
    }

    fn finish(&mut self, bytes: Vec<u8>, too_large: Vec<(usize, u64)>) -> RawChunk {
        self.done = true;
        RawChunk {
            bytes,
            too_large,
            last: true,
        }
    }

    /// Skips the rest of a line with its `\n`: how many bytes were before the `\n`, and the bytes read
    /// after it (the next lines), or `None` when the file ended instead.
    fn skip_line(&mut self) -> std::io::Result<(u64, Option<Vec<u8>>)> {
        let mut scratch = Vec::with_capacity(SKIP_STEP as usize);
        let mut skipped = 0u64;
        loop {
            scratch.clear();
            let n = Read::take(&mut self.reader, SKIP_STEP).read_to_end(&mut scratch)?;
            if let Some(p) = memchr::memchr(b'\n', &scratch) {
                let rest = scratch.get(p + 1..).unwrap_or_default().to_vec();
                return Ok((skipped + p as u64, Some(rest)));
            }
            skipped += n as u64;
            if (n as u64) < SKIP_STEP {
                return Ok((skipped, None));
            }
        }
    }
}

/// Opens a data file (un-gzipping `.gz`) as a counted stream.
pub(super) fn open<'a>(file: &DataFile, report: &'a dyn Fn(u64)) -> Result<Box<dyn Read + 'a>> {
    let raw = File::open(&file.path).map_err(|source| Error::Read {
        path: file.path.clone(),
        source,
    })?;
    let counted = CountingReader {
        inner: raw,
        pending: 0,
        report,
    };
    let gz = file.path.extension().is_some_and(|e| e == "gz");
    Ok(if gz {
        Box::new(MultiGzDecoder::new(counted))
    } else {
        Box::new(counted)
    })
}
