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
