//! The worker side: the lines of a chunk parsed and decoded, with the nesting guard in front of the
//! recursive parsers.

use super::{Chunk, ParsedChunk};
use crate::model::{Collection, DecodeContext, Invalid, InvalidReason};
use crate::store::memory::Parsed;

/// Parses and decodes the lines of one chunk, on a worker thread.
pub(super) fn parse_chunk(
    collection: Collection,
    chunk: Chunk,
    ctx: &DecodeContext,
    max_bytes: usize,
) -> ParsedChunk {
    let mut too_large = chunk.too_large.iter().copied().peekable();
    let lines = chunk
        .bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| match too_large.next_if(|(at, _)| *at == i) {
            Some((_, size)) => too_large_document(size, max_bytes),
            None => parse_line(collection, l.strip_suffix(b"\r").unwrap_or(l), ctx),
        })
        .collect();
    ParsedChunk {
        file: chunk.file,
        seq: chunk.seq,
        first_line: chunk.first_line,
        lines,
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

/// Judges one line (without its line terminator), refusing excessive nesting before any parser
/// recurses into it.
fn parse_line(collection: Collection, bytes: &[u8], ctx: &DecodeContext) -> Parsed {
    // `Parsed::line` refuses excessive nesting before any parser recurses into it.
    Parsed::line(collection, bytes, ctx)
}
