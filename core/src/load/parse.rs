//! The worker side: the lines of a chunk judged one by one into a [`Batch`] (the JSON scanner first,
//! the full parser behind its nesting guard for anything else), with the lines too large to keep
//! counted as such.

use super::{Chunk, ParsedChunk};
use crate::model::{Collection, DecodeContext, Invalid, InvalidReason};
use crate::store::memory::{Batch, Parsed};

/// Parses and decodes the lines of one chunk, on a worker thread.
pub(super) fn parse_chunk(
    collection: Collection,
    chunk: Chunk,
    ctx: &DecodeContext,
    max_bytes: usize,
) -> ParsedChunk {
    let bytes = &chunk.raw.bytes;
    let mut too_large = chunk.raw.too_large.iter().copied().peekable();
    // Typical lines are a few hundred bytes; a batch grows if they are shorter.
    let mut batch = Batch::new(collection, bytes.len() / 256 + 16);
    let ends = memchr::memchr_iter(b'\n', bytes).chain(std::iter::once(bytes.len()));
    let mut start = 0usize;
    for end in ends {
        let line = bytes.get(start..end).unwrap_or_default();
        let at = start;
        start = end + 1;
        match too_large.next_if(|&(offset, _)| offset == at) {
            Some((_, size)) => batch.push_parsed(too_large_document(size, max_bytes)),
            None => {
                let text = line.strip_suffix(b"\r").unwrap_or(line);
                if text.len() > max_bytes {
                    batch.push_parsed(too_large_document(line.len() as u64, max_bytes));
                } else {
                    batch.push_line(collection, text, ctx);
                }
            }
        }
    }
    ParsedChunk {
        file: chunk.file,
        seq: chunk.seq,
        last: chunk.raw.last,
        batch,
    }
}

/// A line too large to read: one invalid document (`too_large`), with no `_id` (it was never parsed).
fn too_large_document(size: u64, max_bytes: usize) -> Parsed {
    Parsed::Document {
        key: None,
        result: Err(Invalid {
            id: None,
            field: None,
            reason: InvalidReason::TooLarge,
            detail: format!(
                "the line is {size} bytes, more than the maximum document size of {max_bytes} \
                 bytes; it was skipped unread"
            ),
            line: None,
        }),
    }
}
