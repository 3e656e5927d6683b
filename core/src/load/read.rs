//! The reader thread: one file, plain or gzip, into chunks of whole lines, skipping the lines too large
//! to keep as they stream by.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::SyncSender;

use flate2::read::MultiGzDecoder;

use super::{Chunk, DataFile, CHUNK_BYTES};
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

/// Reads one file into chunks of whole lines and sends them to the workers. A line longer than
/// `max_bytes` is skipped as it is read (see [`next_line`]).
pub(super) fn read_chunks(
    index: usize,
    file: &DataFile,
    max_bytes: usize,
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
        let mut too_large = Vec::new();
        let mut lines = 0usize;
        while bytes.len() < CHUNK_BYTES {
            match next_line(&mut *reader, max_bytes, &mut bytes).map_err(read_error)? {
                Line::End => break,
                Line::Kept => {}
                Line::TooLarge(size) => {
                    too_large.push((lines, size));
                    // The start of the line was read into `bytes` before it was known too large:
                    // give back what that took, so the chunk in flight is no larger than its lines.
                    bytes.shrink_to(CHUNK_BYTES + 4096);
                }
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
            too_large,
        };
        if work.send(chunk).is_err() {
            return Ok(());
        }
        seq += 1;
        line += lines as u64;
    }
}

/// What [`next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Line {
    /// The end of the file.
    End,
    /// A line, appended whole.
    Kept,
    /// A line longer than the limit, of this many bytes (its `\n` not counted): skipped, and only its
    /// `\n` appended.
    TooLarge(u64),
}

/// Appends the next line of `reader` to `buf` with its `\n` (the last line of a file may have none).
/// A line longer than `max` bytes, not counting its `\n` or `\r\n`, is never held whole: at most
/// `max + 2` bytes of it are read into `buf`, then dropped, and the rest is skipped as it streams by;
/// only its `\n` is appended.
pub(super) fn next_line(
    reader: &mut dyn BufRead,
    max: usize,
    buf: &mut Vec<u8>,
) -> std::io::Result<Line> {
    let start = buf.len();
    // Room for `max` bytes, a `\r` and the `\n`: a line that fills it without a `\n` is too large.
    let cap = max.saturating_add(2);
    let n = Read::take(&mut *reader, cap as u64).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::End);
    }
    let ended = buf.last() == Some(&b'\n');
    let size = if ended || n < cap {
        // The whole line is in `buf`.
        let line = &buf[start..start + n - usize::from(ended)];
        if line.strip_suffix(b"\r").unwrap_or(line).len() <= max {
            return Ok(Line::Kept);
        }
        line.len() as u64
    } else {
        n as u64 + skip_line(reader)?
    };
    buf.truncate(start);
    buf.push(b'\n');
    Ok(Line::TooLarge(size))
}

/// Bytes taken at a time while skipping a line.
const SKIP_STEP: usize = 1 << 16;

/// Skips the rest of a line, streaming, with its `\n`; returns how many bytes were before the `\n`.
fn skip_line(reader: &mut dyn BufRead) -> std::io::Result<u64> {
    let mut scratch = Vec::with_capacity(SKIP_STEP);
    let mut skipped = 0u64;
    loop {
        scratch.clear();
        let n = Read::take(&mut *reader, SKIP_STEP as u64).read_until(b'\n', &mut scratch)?;
        if n == 0 {
            return Ok(skipped);
        }
        if scratch.last() == Some(&b'\n') {
            return Ok(skipped + n as u64 - 1);
        }
        skipped += n as u64;
    }
}
