//! The chunker's size bound and line boundaries, and the nesting guard, byte by byte.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Read;

use super::read::{Chunker, RawChunk};
use crate::store::memory::ingest::nests_deeper_than;

/// A reader that hands out at most `step` bytes per call, so lines span reads.
struct Trickle<'a> {
    bytes: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

/// Every chunk of `input`, read with lines of at most `max` bytes into chunks of `chunk` bytes.
fn chunks(input: &[u8], max: usize, chunk: usize, step: usize) -> Vec<RawChunk> {
    let mut chunker = Chunker::new(Trickle { bytes: input, step }, max, chunk);
    let mut out = Vec::new();
    while let Some(c) = chunker.next_chunk().unwrap() {
        out.push(c);
    }
    out
}

/// The lines as a worker sees them: (line, size if too large).
fn lines(chunks: &[RawChunk], max: usize) -> Vec<(String, Option<u64>)> {
    let mut out = Vec::new();
    for c in chunks {
        let mut offset = 0;
        for line in c.bytes.split(|b| *b == b'\n') {
            let skipped = c.too_large.iter().find(|(at, _)| *at == offset);
            let text = line.strip_suffix(b"\r").unwrap_or(line);
            let size = match skipped {
                Some((_, size)) => Some(*size),
                None => (text.len() > max).then_some(line.len() as u64),
            };
            // A line too large is either dropped by the reader (an empty line) or held in a chunk and
            // judged by its length: the same size, and no text, either way.
            let shown = match size {
                Some(_) => String::new(),
                None => String::from_utf8_lossy(line).into_owned(),
            };
            out.push((shown, size));
            offset += line.len() + 1;
        }
    }
    // The last chunk may end with a newline: nothing follows it.
    if out.last().is_some_and(|(l, s)| l.is_empty() && s.is_none()) {
        out.pop();
    }
    out
}

#[test]
fn lines_up_to_the_limit_are_kept_longer_ones_skipped_to_their_newline() {
    let input = b"abcd\nabcde\nab\r\nabcd\r\nabcdefghij\nxy";
    for (chunk, step) in [(1, 1), (3, 2), (7, 3), (64, 64), (1 << 20, 5)] {
        let got = chunks(input, 4, chunk, step);
        assert!(got.last().unwrap().last, "{chunk}/{step}");
        assert!(got.iter().rev().skip(1).all(|c| !c.last));
        let want: Vec<(String, Option<u64>)> = [
            ("abcd", None),
            ("", Some(5)),
            ("ab\r", None),
            ("abcd\r", None), // 4 bytes and a `\r\n`
            ("", Some(10)),
            ("xy", None),
        ]
        .iter()
        .map(|(l, s)| ((*l).to_owned(), *s))
        .collect();
        assert_eq!(lines(&got, 4), want, "chunk {chunk}, step {step}");
    }
}

#[test]
fn a_reader_never_holds_more_than_a_chunk_and_a_line() {
    let long = format!("{}\nok\n", "x".repeat(100_000));
    let got = chunks(long.as_bytes(), 10, 16, 4096);
    for c in &got {
        assert!(c.bytes.len() <= 16 + 12 + 4096, "{}", c.bytes.len());
    }
    assert_eq!(
        lines(&got, 10),
        [(String::new(), Some(100_000)), ("ok".to_owned(), None)]
    );
}

#[test]
fn a_last_line_without_newline_is_judged_like_any_other() {
    let one = |input: &[u8]| lines(&chunks(input, 4, 2, 1), 4);
    assert_eq!(one(b"abcd"), [("abcd".to_owned(), None)]);
    assert_eq!(one(b"abcdef"), [(String::new(), Some(6))]);
    assert_eq!(one(b"abcdefghijklmnop"), [(String::new(), Some(16))]);
    // A `\r` counts when it does not end the line.
    assert_eq!(one(b"abcd\rx\n"), [(String::new(), Some(6))]);
    assert!(one(b"").is_empty());
    assert_eq!(
        chunks(b"", 4, 2, 1).len(),
        1,
        "an empty file is one empty last chunk"
    );
}

#[test]
fn a_zero_limit_keeps_only_empty_lines() {
    let got = lines(&chunks(b"\n\r\nx\n", 0, 1, 1), 0);
    assert_eq!(
        got,
        [
            (String::new(), None),
            ("\r".to_owned(), None),
            (String::new(), Some(1))
        ]
    );
}

#[test]
fn nesting_is_counted_outside_strings_only() {
    assert!(!nests_deeper_than(b"{}", 1));
    assert!(nests_deeper_than(b"{\"a\":[]}", 1));
    assert!(!nests_deeper_than(b"{\"a\":\"[[[[{{{{\"}", 1));
    assert!(!nests_deeper_than(br#"{"a":"\"[[[["}"#, 1));
    assert!(nests_deeper_than(br#"{"a":"\\",[[]]}"#, 2));
    // Closing brackets never make the depth negative.
    assert!(!nests_deeper_than(b"]]]]]{}", 1));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(nests_deeper_than(deep.as_bytes(), 100));
    let ok = format!("{{\"a\":{}1{}}}", "[".repeat(99), "]".repeat(99));
    assert!(!nests_deeper_than(ok.as_bytes(), 100));
    assert!(nests_deeper_than(ok.as_bytes(), 99));
}
