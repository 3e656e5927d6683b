//! The mongoexport loader: file naming, compression, empty and missing files, malformed lines, duplicates.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Write;
use std::path::Path;

use halobuzz_analytics::load::{data_files, load_directory, LoadOptions};
use halobuzz_analytics::model::{DecodeContext, Transaction, User};
use halobuzz_analytics::store::{StoreExt, TimeRange};
use halobuzz_analytics::{Collection, Error, InvalidReason};

fn options() -> LoadOptions {
    LoadOptions {
        context: DecodeContext {
            now: "2026-11-24T00:00:00Z".parse().unwrap(),
        },
        ..LoadOptions::default()
    }
}

fn write(dir: &Path, name: &str, lines: &[&str]) {
    std::fs::write(dir.join(name), lines.join("\n")).unwrap();
}

fn write_gz(dir: &Path, name: &str, lines: &[&str]) {
    let file = std::fs::File::create(dir.join(name)).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(lines.join("\n").as_bytes()).unwrap();
    gz.finish().unwrap();
}

const USER_A: &str = r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a01"},"createdAt":{"$date":"2026-03-01T05:00:00Z"},"country":"NP","email":"a@example.invalid"}"#;
const USER_B: &str = r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a02"},"createdAt":{"$date":{"$numberLong":"1772600400000"}}}"#;

#[test]
fn loads_plain_and_gzip_files_and_counts_everything() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "users.json",
        &[
            USER_A,
            "",
            USER_B,
            USER_A,
            "{not json",
            r#"[1,2]"#,
            r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a03"}}"#,
        ],
    );
    write_gz(
        dir.path(),
        "transactions.ndjson.gz",
        &[
            r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192b01"},"userId":{"$oid":"65f1a2b3c4d5e6f708192a01"},"type":"recharge","amount":{"$numberInt":"100"},"currency":"coins","status":"completed","metadata":{"amountPaid":{"$numberDecimal":"99.99"},"currency":"NPR"},"createdAt":{"$date":"2026-03-02T05:00:00Z"}}"#,
            r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192b02"},"userId":{"$oid":"65f1a2b3c4d5e6f708192a02"},"type":"refund","amount":-5.5,"currency":"USD","status":"completed","createdAt":{"$date":"2026-03-03T05:00:00Z"}}"#,
        ],
    );
    // An empty file is an empty collection, like a missing one.
    write(dir.path(), "messages.json", &[]);

    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let q = store.quality();
    let users = q.collection(Collection::Users).unwrap();
    // 6 non-blank lines: 2 valid, 1 duplicate, 2 malformed, 1 missing createdAt.
    assert_eq!(
        (users.read, users.valid, users.invalid, users.duplicates),
        (6, 2, 3, 1)
    );
    assert_eq!(users.invalid_by_reason[&InvalidReason::MalformedJson], 2);
    assert_eq!(users.invalid_by_reason[&InvalidReason::MissingField], 1);
    assert_eq!(users.missing_country_share, Some(0.5));
    let span = users.date_span.unwrap();
    assert_eq!(span.from.to_rfc3339(), "2026-03-01T05:00:00+00:00");
    assert_eq!(span.to.to_rfc3339(), "2026-03-04T05:00:00+00:00");
    let lines: Vec<Option<u64>> = users
        .issues
        .iter()
        .map(|i| match i {
            halobuzz_analytics::quality::Issue::Invalid(x) => x.line,
            halobuzz_analytics::quality::Issue::Duplicate { line, .. } => *line,
        })
        .collect();
    assert_eq!(
        lines,
        [Some(4), Some(5), Some(6), Some(7)],
        "blank line 2 still counts as a line number"
    );

    let tx = q.collection(Collection::Transactions).unwrap();
    assert_eq!((tx.read, tx.valid, tx.invalid), (2, 2, 0));
    // The first transaction's user is NP; the second's user has no country.
    assert_eq!(tx.missing_country_share, Some(0.5));
    assert_eq!(tx.own_country_missing_share, Some(1.0));
    let messages = q.collection(Collection::Messages).unwrap();
    assert_eq!((messages.read, messages.date_span), (0, None));
    let missing = q.collection(Collection::Gamestakes).unwrap();
    assert_eq!(missing.read, 0);

    let mut ids = Vec::new();
    store
        .each::<User>(None, |u| ids.push(u.id.to_hex()))
        .unwrap();
    assert_eq!(
        ids,
        ["65f1a2b3c4d5e6f708192a01", "65f1a2b3c4d5e6f708192a02"]
    );

    let day = TimeRange::new(
        "2026-03-03T00:00:00Z".parse().unwrap(),
        "2026-03-04T00:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let mut in_day = Vec::new();
    store
        .each::<Transaction>(Some(day), |t| in_day.push(t.amount.to_string()))
        .unwrap();
    assert_eq!(in_day, ["-5.5"]);
}

#[test]
fn private_fields_never_reach_a_record() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "users.json", &[USER_A]);
    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let debug = format!("{:?}", store.users());
    assert!(!debug.contains("example.invalid"), "{debug}");
}

#[test]
fn two_files_for_one_collection_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "users.json", &[USER_A]);
    write(dir.path(), "users.ndjson", &[USER_B]);
    let err = data_files(dir.path()).unwrap_err();
    assert!(matches!(
        err,
        Error::AmbiguousDataFile {
            collection: Collection::Users,
            ..
        }
    ));
    assert!(
        err.to_string().contains("users.json") && err.to_string().contains("users.ndjson"),
        "{err}"
    );
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let err =
        load_directory(Path::new("/nonexistent/halobuzz"), &options(), &|_, _| {}).unwrap_err();
    assert_eq!(err.code(), "NOT_A_DATA_DIRECTORY");
    assert!(err.to_string().contains("/nonexistent/halobuzz"));
}

#[test]
fn a_truncated_gzip_file_is_a_read_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write_gz(dir.path(), "users.json.gz", &[USER_A, USER_B]);
    let path = dir.path().join("users.json.gz");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_directory(dir.path(), &options(), &|_, _| {}).unwrap_err();
    assert_eq!(err.code(), "READ_FAILED");
    assert!(err.to_string().contains("users.json.gz"), "{err}");
}

#[test]
fn invalid_utf8_is_a_malformed_line_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = USER_A.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n{\"_id\": \"\xff\xfe\"}\n");
    std::fs::write(dir.path().join("users.json"), bytes).unwrap();
    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!(
        (
            users.valid,
            users.invalid_by_reason.get(&InvalidReason::MalformedJson)
        ),
        (1, Some(&1))
    );
}

/// The one issue of a collection that holds exactly one invalid document.
fn only_invalid(
    store: &halobuzz_analytics::store::InMemoryStore,
) -> halobuzz_analytics::model::Invalid {
    let users = store.quality().collection(Collection::Users).unwrap();
    let invalid: Vec<_> = users
        .issues
        .iter()
        .filter_map(|i| match i {
            halobuzz_analytics::quality::Issue::Invalid(x) => Some(x.clone()),
            halobuzz_analytics::quality::Issue::Duplicate { .. } => None,
        })
        .collect();
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    invalid[0].clone()
}

/// The peak resident memory of this test process, where the system tells it (Linux).
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[test]
fn the_default_maximum_document_size_is_mongodbs_16_mib() {
    assert_eq!(LoadOptions::default().max_document_bytes, 16 << 20);
}

#[test]
fn a_line_beyond_the_maximum_document_size_is_one_too_large_document() {
    // 40 MiB on one line, between two ordinary documents.
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::with_capacity(41 << 20);
    text.extend_from_slice(USER_A.as_bytes());
    text.push(b'\n');
    text.extend_from_slice(br#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a09"},"pad":""#);
    let huge_len = 40 << 20;
    text.resize(USER_A.len() + huge_len - 1, b'x');
    text.extend_from_slice(b"\"}\n");
    text.extend_from_slice(USER_B.as_bytes());
    std::fs::write(dir.path().join("users.json"), &text).unwrap();
    drop(text);

    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!(
        (users.read, users.valid, users.invalid, users.duplicates),
        (3, 2, 1, 0)
    );
    assert_eq!(users.invalid_by_reason[&InvalidReason::TooLarge], 1);
    let invalid = only_invalid(&store);
    assert_eq!(
        (invalid.id, invalid.field, invalid.reason, invalid.line),
        (None, None, InvalidReason::TooLarge, Some(2))
    );
    assert!(
        invalid.detail.contains(&format!("{huge_len} bytes")),
        "{}",
        invalid.detail
    );
    assert!(invalid.detail.contains("16777216"), "{}", invalid.detail);
    // The line after it loads, with its own line number.
    assert_eq!(store.users().len(), 2);
    assert_eq!(store.users()[1].id.to_hex(), "65f1a2b3c4d5e6f708192a02");
}

/// Writes `users.json.gz` holding USER_A, then one line of `pad_mib` MiB (spaces inside a JSON string),
/// then USER_B. The line is gzip members of 1 MiB of spaces, compressed once and repeated (a gzip file
/// may be several members), so the file is about 1 KiB per MiB and quick to make.
fn write_gz_bomb(dir: &Path, pad_mib: usize) -> u64 {
    let member = |bytes: &[u8]| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    };
    let head = format!("{USER_A}\n{{\"_id\":{{\"$oid\":\"65f1a2b3c4d5e6f708192a09\"}},\"pad\":\"");
    let tail = format!("\"}}\n{USER_B}\n");
    let spaces = member(&vec![b' '; 1 << 20]);
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(dir.join("users.json.gz")).unwrap());
    file.write_all(&member(head.as_bytes())).unwrap();
    for _ in 0..pad_mib {
        file.write_all(&spaces).unwrap();
    }
    file.write_all(&member(tail.as_bytes())).unwrap();
    file.flush().unwrap();
    drop(file);
    std::fs::metadata(dir.join("users.json.gz")).unwrap().len()
}

#[test]
fn a_gzip_bomb_of_one_gib_on_one_line_is_skipped_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let compressed = write_gz_bomb(dir.path(), 1024);
    assert!(compressed < 2 << 20, "{compressed} bytes on disk");
    let started = std::time::Instant::now();
    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!(
        (users.read, users.valid, users.invalid, users.duplicates),
        (3, 2, 1, 0)
    );
    let invalid = only_invalid(&store);
    assert_eq!(
        (invalid.reason, invalid.line),
        (InvalidReason::TooLarge, Some(2))
    );
    let line_len = (1u64 << 30) + 52; // the spaces and the 52 bytes of JSON around them
    assert!(
        invalid.detail.contains(&format!("{line_len} bytes")),
        "{}",
        invalid.detail
    );
    eprintln!(
        "1 GiB line in a {compressed}-byte .json.gz skipped in {:?}; peak RSS of this process {:?} MiB",
        started.elapsed(),
        peak_rss_bytes().map(|b| b >> 20)
    );
    // Nothing near the line's size was ever held (other tests of this process run beside it, so the
    // bound is loose: the line alone would be 1 GiB).
    if let Some(peak) = peak_rss_bytes() {
        assert!(peak < 512 << 20, "peak RSS {} MiB", peak >> 20);
    }
}

#[test]
fn a_line_of_exactly_the_limit_is_judged_as_a_document() {
    let dir = tempfile::tempdir().unwrap();
    // USER_B exactly at the limit (also with `\r\n`), USER_A one byte over it, and a
    // malformed line at the limit, judged as malformed rather than too large.
    let bad = "x".repeat(USER_B.len());
    let text = format!("{USER_B}\r\n{USER_A}\n{bad}\n");
    std::fs::write(dir.path().join("users.json"), text).unwrap();
    let limited = LoadOptions {
        max_document_bytes: USER_B.len(),
        ..options()
    };
    assert!(USER_A.len() > USER_B.len());
    let store = load_directory(dir.path(), &limited, &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!((users.read, users.valid, users.invalid), (3, 1, 2));
    assert_eq!(users.invalid_by_reason[&InvalidReason::TooLarge], 1);
    assert_eq!(users.invalid_by_reason[&InvalidReason::MalformedJson], 1);
    assert_eq!(store.users()[0].id.to_hex(), "65f1a2b3c4d5e6f708192a02");

    // One byte more of room and USER_A is a document too.
    let roomier = LoadOptions {
        max_document_bytes: USER_A.len(),
        ..options()
    };
    let store = load_directory(dir.path(), &roomier, &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!((users.read, users.valid, users.invalid), (3, 2, 1));
}

#[test]
fn nesting_deeper_than_mongodbs_100_levels_is_malformed_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let nested = |depth: usize, open: &str, close: &str| {
        let inner = depth - 1; // the document itself is level 1
        format!(
            r#"{{"_id":{{"$oid":"65f1a2b3c4d5e6f708192a0{depth_digit}"}},"createdAt":{{"$date":"2026-03-01T05:00:00Z"}},"x":{}1{}}}"#,
            open.repeat(inner),
            close.repeat(inner),
            depth_digit = depth % 10,
        )
    };
    let lines = [
        nested(100_000, "[", "]"),
        nested(100_000, r#"{"$a":"#, "}"),
        nested(101, r#"{"a":"#, "}"),
        // At MongoDB's limit: judged normally (the extra field is dropped, the user is valid).
        nested(100, r#"{"$a":"#, "}"),
        USER_B.to_owned(),
    ];
    std::fs::write(dir.path().join("users.json"), lines.join("\n")).unwrap();
    let store = load_directory(dir.path(), &options(), &|_, _| {}).unwrap();
    let users = store.quality().collection(Collection::Users).unwrap();
    assert_eq!((users.read, users.valid, users.invalid), (5, 2, 3));
    assert_eq!(users.invalid_by_reason[&InvalidReason::MalformedJson], 3);
    let detail = users
        .issues
        .iter()
        .find_map(|i| match i {
            halobuzz_analytics::quality::Issue::Invalid(x) => Some(x.detail.clone()),
            halobuzz_analytics::quality::Issue::Duplicate { .. } => None,
        })
        .unwrap();
    assert!(detail.contains("nested deeper than 100 levels"), "{detail}");
}
