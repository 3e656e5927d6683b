//! The line reader's size bound and the nesting guard, byte by byte.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::BufReader;

use super::read::{next_line, Line};
use crate::store::memory::ingest::nests_deeper_than;

/// Every line of `input` read with a limit of `max` bytes, through a small buffer so lines span refills.
fn read_all(input: &[u8], max: usize) -> (Vec<Line>, Vec<u8>) {
    let mut reader = BufReader::with_capacity(3, input);
    let (mut found, mut buf) = (Vec::new(), Vec::new());
    loop {
        match next_line(&mut reader, max, &mut buf).unwrap() {
            Line::End => return (found, buf),
            line => found.push(line),
        }
    }
}

#[test]
fn lines_up_to_the_limit_are_kept_longer_ones_skipped_to_their_newline() {
    let (lines, buf) = read_all(b"abcd\nabcde\nab\r\nabcd\r\nabcdefghij\nxy", 4);
    assert_eq!(
        lines,
        [
            Line::Kept,
            Line::TooLarge(5),
            Line::Kept,
            Line::Kept, // 4 bytes and a `\r\n`
            Line::TooLarge(10),
            Line::Kept,
        ]
    );
    assert_eq!(buf, b"abcd\n\nab\r\nabcd\r\n\nxy");
}

#[test]
fn a_last_line_without_newline_is_judged_like_any_other() {
    assert_eq!(read_all(b"abcd", 4), (vec![Line::Kept], b"abcd".to_vec()));
    assert_eq!(
        read_all(b"abcdef", 4),
        (vec![Line::TooLarge(6)], b"\n".to_vec())
    );
    assert_eq!(
        read_all(b"abcdefghijklmnop", 4),
        (vec![Line::TooLarge(16)], b"\n".to_vec())
    );
    // A `\r` counts when it does not end the line.
    assert_eq!(
        read_all(b"abcd\rx\n", 4),
        (vec![Line::TooLarge(6)], b"\n".to_vec())
    );
}

#[test]
fn a_zero_limit_keeps_only_empty_lines() {
    let (lines, buf) = read_all(b"\n\r\nx\n", 0);
    assert_eq!(lines, [Line::Kept, Line::Kept, Line::TooLarge(1)]);
    assert_eq!(buf, b"\n\r\n\n");
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
