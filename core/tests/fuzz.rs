//! Property-based fuzzing of the loader and the decoder with hostile input (stable Rust, `proptest`).
//!
//! Strategies build mongoexport lines for every collection: mostly well-formed documents, some with wrong
//! types at any field, extreme numbers (1e308, -0, NaN and infinities in every form, huge and tiny
//! `$numberDecimal`), deep nesting (up to 2,500 levels), huge strings, duplicate keys and `_id`s, and
//! lines truncated, salted with invalid UTF-8 and NUL bytes, or random bytes. The properties:
//!
//! * the loader and the decoder never panic (and never overflow a stack, which would abort this binary);
//! * every non-blank line is counted exactly once: read = valid + invalid + duplicates, with every line
//!   too large counted `too_large`;
//! * a valid document decodes again identically, after a round trip through canonical and relaxed
//!   Extended JSON, and the loader keeps exactly what the BSON path (the MongoDB store's) keeps.
//!
//! Each property runs `PROPTEST_CASES` cases (256 by default); failures are shrunk and persisted by
//! proptest beside this file. `cargo test --test fuzz -- --nocapture` prints how many inputs were tried.
//! The hand-written seed corpus `tests/hostile/data/corpus/` is replayed deterministically by
//! `the_seed_corpus_loads_with_known_counts`.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use bson::oid::ObjectId;
use bson::{Bson, Decimal128, Document};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

use halobuzz_analytics::load::{load_directory, LoadOptions, MAX_NESTING};
use halobuzz_analytics::model::{
    decode_with_warnings, ContentType, Currency, DecodeContext, EventType, FlagAction, FlagStatus,
    MoneyCurrency, PaymentMethod, StakeResult, StreamStatus, TransactionStatus, TransactionType,
};
use halobuzz_analytics::quality::CollectionQuality;
use halobuzz_analytics::store::{DocumentSink, InMemoryStore, InMemoryStoreBuilder};
use halobuzz_analytics::{Collection, InvalidReason};

// ---------------------------------------------------------------------------------------------------
// Set-up

/// The engine's clock for every case: dates up to 2026-11-25 are in range.
fn context() -> DecodeContext {
    DecodeContext {
        now: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
}

/// The number of cases per property: `PROPTEST_CASES` (proptest reads it), else 256.
fn config() -> Config {
    Config {
        source_file: Some(file!()),
        // `core/tests/fuzz.proptest-regressions`: failing cases found here are replayed first next time.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// What a property tried, printed at its end.
#[derive(Default)]
struct Tally {
    cases: AtomicU64,
    inputs: AtomicU64,
    valid: AtomicU64,
    panics: AtomicU64,
}

impl Tally {
    fn case(&self, inputs: usize) {
        self.cases.fetch_add(1, Ordering::Relaxed);
        self.inputs.fetch_add(inputs as u64, Ordering::Relaxed);
    }

    /// Runs `f`, counting a panic (the property then fails on it).
    fn guard<T>(&self, what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
        catch_unwind(AssertUnwindSafe(f)).map_err(|_| {
            self.panics.fetch_add(1, Ordering::Relaxed);
            TestCaseError::fail(format!("{what} panicked"))
        })
    }

    fn valid(&self, n: u64) {
        self.valid.fetch_add(n, Ordering::Relaxed);
    }

    fn report(&self, property: &str, unit: &str) {
        println!(
            "fuzz {property}: {} cases, {} {unit} ({} valid documents), {} panics",
            self.cases.load(Ordering::Relaxed),
            self.inputs.load(Ordering::Relaxed),
            self.valid.load(Ordering::Relaxed),
            self.panics.load(Ordering::Relaxed)
        );
    }
}

/// Runs a property, prints what it tried, and fails with proptest's (shrunk) counterexample.
fn run<S: Strategy>(
    property: &str,
    unit: &str,
    strategy: S,
    test: impl Fn(&Tally, S::Value) -> Result<(), TestCaseError>,
) {
    let tally = Tally::default();
    let mut runner = TestRunner::new(config());
    let result = runner.run(&strategy, |value| test(&tally, value));
    tally.report(property, unit);
    assert_eq!(
        tally.panics.load(Ordering::Relaxed),
        0,
        "{property} panicked"
    );
    if let Err(e) = result {
        panic!("{property}: {e}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Values, as Extended JSON text

type Text = BoxedStrategy<String>;

fn pick(items: &'static [&'static str]) -> Text {
    prop::sample::select(items).prop_map(str::to_owned).boxed()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A few `_id`s, so that duplicates happen.
const OIDS: [&str; 6] = [
    "65f1a2b3c4d5e6f708192a01",
    "65f1a2b3c4d5e6f708192a02",
    "65f1a2b3c4d5e6f708192a03",
    "65f1a2b3c4d5e6f708192a04",
    "65f1a2b3c4d5e6f708192a05",
    "65f1a2b3c4d5e6f708192a06",
];

/// An ObjectId: one of [`OIDS`] (a duplicate, as an `_id`) or a fresh one.
fn oid() -> Text {
    prop_oneof![
        1 => prop::sample::select(&OIDS[..]).prop_map(str::to_owned),
        2 => any::<[u8; 12]>().prop_map(|b| ObjectId::from_bytes(b).to_hex()),
    ]
    .prop_map(|o| format!(r#"{{"$oid":"{o}"}}"#))
    .boxed()
}

/// 2000-01-01 … 2026-11-20, in either Extended JSON form.
fn date() -> Text {
    (946_684_800_000i64..1_795_132_800_000, any::<bool>())
        .prop_map(|(ms, relaxed)| {
            if relaxed {
                let d = chrono::DateTime::from_timestamp_millis(ms).unwrap();
                let iso = d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                format!(r#"{{"$date":"{iso}"}}"#)
            } else {
                format!(r#"{{"$date":{{"$numberLong":"{ms}"}}}}"#)
            }
        })
        .boxed()
}

/// A plausible amount in any numeric form.
fn amount() -> Text {
    prop_oneof![
        (0u32..1_000_000).prop_map(|n| n.to_string()),
        (0u32..100_000, 0u8..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
        (0u32..100_000, 0u8..100)
            .prop_map(|(a, b)| format!(r#"{{"$numberDecimal":"{a}.{b:02}"}}"#)),
        (0i32..100_000).prop_map(|n| format!(r#"{{"$numberInt":"{n}"}}"#)),
        (0i64..1_000_000_000).prop_map(|n| format!(r#"{{"$numberLong":"{n}"}}"#)),
        (0u32..100_000).prop_map(|n| format!(r#"{{"$numberDouble":"{n}.5"}}"#)),
    ]
    .boxed()
}

fn count() -> Text {
    prop_oneof![
        (0u32..1_000_000).prop_map(|n| n.to_string()),
        (0u32..1_000).prop_map(|n| format!("{n}.0")),
        (0i64..1_000_000).prop_map(|n| format!(r#"{{"$numberLong":"{n}"}}"#)),
    ]
    .boxed()
}

fn seconds() -> Text {
    prop_oneof![
        (0u32..100_000).prop_map(|n| n.to_string()),
        (0.0f64..100_000.0).prop_map(|f| format!("{f:?}")),
    ]
    .boxed()
}

fn one_of(names: &'static [&'static str]) -> Text {
    prop::sample::select(names).prop_map(json_string).boxed()
}

fn country() -> Text {
    pick(&[
        r#""NP""#,
        r#""np""#,
        r#"" in ""#,
        r#""US""#,
        r#""""#,
        r#""QQ""#,
        r#""Nepal""#,
        "null",
    ])
}

fn text() -> Text {
    "[a-z0-9_]{0,12}".prop_map(|s| json_string(&s)).boxed()
}

fn boolean() -> Text {
    pick(&["true", "false"])
}

fn small_int() -> Text {
    prop_oneof![
        (0u8..8).prop_map(|n| n.to_string()),
        pick(&["2.5", r#""gold""#, "5.0"])
    ]
    .boxed()
}

fn stream_ref() -> Text {
    prop_oneof![oid(), text()].boxed()
}

fn round_id() -> Text {
    pick(&[r#""r1""#, r#""r2""#, r#""r3""#])
}

fn event_name() -> Text {
    pick(&[
        r#""session_start""#,
        r#""session_end""#,
        r#""battle_joined""#,
        r#""user_banned""#,
        r#""gift_opened""#,
    ])
}

/// Values of a wrong type for almost any field.
const WRONG_TYPES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    r#""""#,
    r#""65f1a2b3c4d5e6f708192a01""#,
    r#""2026-03-01T05:00:00Z""#,
    "[]",
    "{}",
    "[1,2,3]",
    r#"{"a":1}"#,
    r#"{"$oid":"65f1a2b3c4d5e6f708192a01"}"#,
    r#"{"$date":"2026-03-01T05:00:00Z"}"#,
];

/// Numbers at and beyond every edge, in every Extended JSON form.
const EXTREME_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e309",
    "-1e309",
    "5e-324",
    "1e-400",
    "-0",
    "-0.0",
    "0.1",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1000000000000",
    "1000000000001",
    "31536000",
    "31536001",
    r#"{"$numberDouble":"NaN"}"#,
    r#"{"$numberDouble":"-NaN"}"#,
    r#"{"$numberDouble":"Infinity"}"#,
    r#"{"$numberDouble":"-Infinity"}"#,
    r#"{"$numberDouble":"-0.0"}"#,
    r#"{"$numberDouble":"1e308"}"#,
    r#"{"$numberDouble":"nan"}"#,
    r#"{"$numberDouble":"1e999"}"#,
    r#"{"$numberDecimal":"NaN"}"#,
    r#"{"$numberDecimal":"-NaN"}"#,
    r#"{"$numberDecimal":"Infinity"}"#,
    r#"{"$numberDecimal":"-Infinity"}"#,
    r#"{"$numberDecimal":"-0"}"#,
    r#"{"$numberDecimal":"9.999999999999999999999999999999999E+6144"}"#,
    r#"{"$numberDecimal":"1E+6145"}"#,
    r#"{"$numberDecimal":"1E-6176"}"#,
    r#"{"$numberDecimal":"1E-6177"}"#,
    r#"{"$numberDecimal":"0E-6176"}"#,
    r#"{"$numberDecimal":"79228162514264337593543950335"}"#,
    r#"{"$numberDecimal":"79228162514264337593543950336"}"#,
    r#"{"$numberDecimal":"0.0000000000000000000000000001"}"#,
    r#"{"$numberDecimal":"1E-40"}"#,
    r#"{"$numberDecimal":"12345678901234567890123456789012345"}"#,
    r#"{"$numberDecimal":""}"#,
    r#"{"$numberDecimal":"1,5"}"#,
    r#"{"$numberLong":"9223372036854775807"}"#,
    r#"{"$numberLong":"-9223372036854775808"}"#,
    r#"{"$numberLong":"9223372036854775808"}"#,
    r#"{"$numberLong":"1e3"}"#,
    r#"{"$numberLong":5}"#,
    r#"{"$numberInt":"2147483647"}"#,
    r#"{"$numberInt":"-2147483648"}"#,
    r#"{"$numberInt":"2147483648"}"#,
    r#"{"$date":{"$numberLong":"-9223372036854775808"}}"#,
    r#"{"$date":{"$numberLong":"9223372036854775807"}}"#,
    r#"{"$date":"9999-12-31T23:59:59.999Z"}"#,
    r#"{"$date":"1999-12-31T23:59:59.999Z"}"#,
    r#"{"$date":"2026-11-26T00:00:00Z"}"#,
    r#"{"$date":"-000001-01-01T00:00:00Z"}"#,
    r#"{"$date":1e308}"#,
    r#"{"$date":"not a date"}"#,
    r#"{"$date":{"$numberLong":"x"}}"#,
];

/// Extended JSON oddities: other BSON types, malformed wrappers, operators as keys.
const EXT_JSON_ODDITIES: &[&str] = &[
    r#"{"$oid":"zz"}"#,
    r#"{"$oid":"65f1a2b3c4d5e6f708192a0"}"#,
    r#"{"$oid":1}"#,
    r#"{"$oid":"65f1a2b3c4d5e6f708192a01","x":1}"#,
    r#"{"$binary":{"base64":"AAAA","subType":"00"}}"#,
    r#"{"$binary":{"base64":"!!","subType":"zz"}}"#,
    r#"{"$uuid":"00000000-0000-0000-0000-000000000000"}"#,
    r#"{"$regularExpression":{"pattern":"a+","options":"ix"}}"#,
    r#"{"$timestamp":{"t":4294967295,"i":1}}"#,
    r#"{"$minKey":1}"#,
    r#"{"$maxKey":1}"#,
    r#"{"$undefined":true}"#,
    r#"{"$symbol":"s"}"#,
    r#"{"$code":"function(){}"}"#,
    r#"{"$code":"x","$scope":{"a":1}}"#,
    r#"{"$dbPointer":{"$ref":"users","$id":{"$oid":"65f1a2b3c4d5e6f708192a01"}}}"#,
    r#"{"$ref":"users","$id":1}"#,
    r#"{"$where":"sleep(1000)"}"#,
    r#"{"$gt":""}"#,
    r#"{"$numberDecimal":{"$numberDecimal":"1"}}"#,
    r#"{"$date":{"$date":"2026-03-01T05:00:00Z"}}"#,
];

/// Strings that are hostile as strings.
const BAD_STRINGS: &[&str] = &[
    r#""\u0000""#,
    r#""a\u0000b""#,
    r#""\ud800""#,
    r#""\udc00\ud800""#,
    r#""\x41""#,
    r#""\u12""#,
    "\"\u{202e}gnp\"",
    "\"\u{feff}NP\"",
    r#""\u001b[31mred""#,
    "\"tab\there\"",
    r#""recharge ""#,
    r#""RECHARGE""#,
];

/// Arrays and objects nested `depth` levels deep, maybe unclosed.
fn deep() -> Text {
    (1usize..2_500, 0usize..4, any::<bool>())
        .prop_map(|(depth, kind, closed)| {
            let (open, close) = [
                ("[", "]"),
                (r#"{"a":"#, "}"),
                (r#"{"$a":"#, "}"),
                (r#"[{"$date":"#, "}]"),
            ][kind];
            let close = if closed {
                close.repeat(depth)
            } else {
                String::new()
            };
            format!("{}1{close}", open.repeat(depth))
        })
        .boxed()
}

/// A hostile value: any of the above, arbitrary numbers, strings and dates, nested a little.
fn hostile() -> Text {
    let leaf = prop_oneof![
        4 => pick(WRONG_TYPES),
        6 => pick(EXTREME_NUMBERS),
        3 => pick(EXT_JSON_ODDITIES),
        2 => pick(BAD_STRINGS),
        2 => any::<f64>().prop_map(|f| if f.is_finite() { format!("{f:e}") } else { "1e999".into() }),
        1 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|ms| format!(r#"{{"$date":{{"$numberLong":"{ms}"}}}}"#)),
        2 => ("-?[0-9]{1,40}(\\.[0-9]{1,40})?", -7_000i32..7_000)
            .prop_map(|(m, e)| format!(r#"{{"$numberDecimal":"{m}E{e}"}}"#)),
        1 => "[0-9a-zA-Z.+-]{0,12}".prop_map(|s| format!(r#"{{"$numberDouble":"{s}"}}"#)),
        2 => any::<String>().prop_map(|s| json_string(&s)),
        1 => (0usize..300_000).prop_map(|n| format!("\"{}\"", "x".repeat(n))),
        1 => deep(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((r"\$?[a-z]{1,6}", inner), 0..4).prop_map(|kv| {
                let pairs: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", json_string(k)))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    })
    .boxed()
}

// ---------------------------------------------------------------------------------------------------
// Documents

/// A leaf field: its name and its well-formed values.
type LeafField = (&'static str, fn() -> Text);

/// A field of a collection: a leaf, or an embedded document of leaves.
#[derive(Clone, Copy)]
enum Field {
    Leaf(&'static str, fn() -> Text),
    Object(&'static str, &'static [LeafField]),
}

fn transaction_type() -> Text {
    one_of(TransactionType::WIRE_NAMES)
}
fn currency() -> Text {
    one_of(Currency::WIRE_NAMES)
}
fn transaction_status() -> Text {
    one_of(TransactionStatus::WIRE_NAMES)
}
fn payment_method() -> Text {
    one_of(PaymentMethod::WIRE_NAMES)
}
fn money_currency() -> Text {
    one_of(MoneyCurrency::WIRE_NAMES)
}
fn stream_status() -> Text {
    one_of(StreamStatus::WIRE_NAMES)
}
fn stake_result() -> Text {
    one_of(StakeResult::WIRE_NAMES)
}
fn content_type() -> Text {
    one_of(ContentType::WIRE_NAMES)
}
fn flag_action() -> Text {
    one_of(FlagAction::WIRE_NAMES)
}
fn flag_status() -> Text {
    one_of(FlagStatus::WIRE_NAMES)
}
fn event_type() -> Text {
    one_of(EventType::WIRE_NAMES)
}

/// The fields of `docs/data-contract.md`, per collection.
fn schema(collection: Collection) -> &'static [Field] {
    use Field::{Leaf, Object};
    match collection {
        Collection::Users => &[
            Leaf("_id", oid),
            Leaf("createdAt", date),
            Leaf("country", country),
            Leaf("username", text),
            Leaf("ogLevel", small_int),
            Leaf("isBanned", boolean),
        ],
        Collection::Transactions => &[
            Leaf("_id", oid),
            Leaf("userId", oid),
            Leaf("type", transaction_type),
            Leaf("amount", amount),
            Leaf("currency", currency),
            Leaf("status", transaction_status),
            Leaf("createdAt", date),
            Leaf("paymentMethod", payment_method),
            Leaf("fees", amount),
            Object(
                "metadata",
                &[
                    ("amountPaid", amount),
                    ("currency", money_currency),
                    ("ogTier", small_int),
                    ("streamId", stream_ref),
                    ("country", country),
                ],
            ),
        ],
        Collection::Livestreams => &[
            Leaf("_id", oid),
            Leaf("hostId", oid),
            Leaf("status", stream_status),
            Leaf("duration", seconds),
            Leaf("totalViewers", count),
            Leaf("totalCoins", amount),
            Leaf("createdAt", date),
            Leaf("startedAt", date),
            Leaf("endedAt", date),
            Leaf("peakViewers", count),
            Leaf("totalGifts", count),
            Leaf("totalLikes", count),
            Leaf("totalComments", count),
            Leaf("country", country),
        ],
        Collection::Messages => &[
            Leaf("_id", oid),
            Leaf("userId", oid),
            Leaf("roomId", oid),
            Leaf("createdAt", date),
            Leaf("isDeleted", boolean),
        ],
        Collection::Gamestakes => &[
            Leaf("_id", oid),
            Leaf("userId", oid),
            Leaf("roundId", round_id),
            Leaf("stakeAmount", amount),
            Leaf("winAmount", amount),
            Leaf("result", stake_result),
            Leaf("createdAt", date),
            Leaf("gameId", oid),
            Object("metadata", &[("country", country)]),
        ],
        Collection::Gamerounds => &[
            Leaf("roundId", round_id),
            Leaf("durationSec", seconds),
            Leaf("_id", oid),
            Leaf("startAt", date),
            Leaf("endAt", date),
        ],
        Collection::Moderationflags => &[
            Leaf("_id", oid),
            Leaf("userId", oid),
            Leaf("contentType", content_type),
            Leaf("action", flag_action),
            Leaf("status", flag_status),
            Leaf("createdAt", date),
            Leaf("reviewedAt", date),
            Object("metadata", &[("country", country)]),
        ],
        Collection::Analyticsevents => &[
            Leaf("_id", oid),
            Leaf("eventType", event_type),
            Leaf("eventName", event_name),
            Leaf("timestamp", date),
            Object("properties", &[("durationSec", seconds)]),
            Leaf("userId", oid),
            Leaf("sessionId", text),
            Object("location", &[("country", country)]),
        ],
    }
}

/// One field's value, or `None` when absent. A clean document only leaves fields out; a dirty one
/// also has nulls and hostile values.
fn field_value(good: Text, clean: bool) -> BoxedStrategy<Option<String>> {
    if clean {
        prop_oneof![19 => good.prop_map(Some), 1 => Just(None)].boxed()
    } else {
        prop_oneof![
            6 => good.prop_map(Some),
            3 => hostile().prop_map(Some),
            1 => Just(None),
            1 => Just(Some("null".to_owned())),
        ]
        .boxed()
    }
}

fn object_text(pairs: &[(String, String)]) -> String {
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{v}", json_string(k)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// A document of `collection` as one line of Extended JSON: two in three clean (mostly valid), the
/// others with hostile values, extra fields and keys repeated within the document.
fn document(collection: Collection) -> Text {
    let fields = schema(collection);
    prop_oneof![2 => Just(true), 1 => Just(false)]
        .prop_flat_map(move |clean| {
            let values: Vec<BoxedStrategy<Option<String>>> = fields
                .iter()
                .map(|f| match *f {
                    Field::Leaf(_, good) => field_value(good(), clean),
                    Field::Object(_, children) => {
                        let children: Vec<_> = children
                            .iter()
                            .map(|(name, good)| {
                                field_value(good(), clean)
                                    .prop_map(move |v| v.map(|v| (name.to_string(), v)))
                            })
                            .collect();
                        let object = children
                            .prop_map(|kv| {
                                object_text(&kv.into_iter().flatten().collect::<Vec<_>>())
                            })
                            .boxed();
                        field_value(object, clean)
                    }
                })
                .collect();
            let extra = if clean {
                Just(Vec::new()).boxed()
            } else {
                prop::collection::vec((r"[a-z_$]{1,8}", hostile()), 0..3).boxed()
            };
            let repeats = if clean {
                Just(Vec::new()).boxed()
            } else {
                prop::collection::vec((any::<prop::sample::Index>(), hostile()), 0..2).boxed()
            };
            (values, extra, repeats)
        })
        .prop_map(move |(values, extra, repeats)| {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(values)
                .filter_map(|(f, v)| {
                    let name = match f {
                        Field::Leaf(n, _) | Field::Object(n, _) => *n,
                    };
                    v.map(|v| (name.to_owned(), v))
                })
                .collect();
            pairs.extend(extra);
            // The same key again, later in the same document.
            for (at, value) in repeats {
                let name = match fields[at.index(fields.len())] {
                    Field::Leaf(n, _) | Field::Object(n, _) => n,
                };
                pairs.push((name.to_owned(), value));
            }
            object_text(&pairs)
        })
        .boxed()
}

/// Whole lines that are no document.
const MALFORMED_LINES: &[&str] = &[
    "[]",
    "[{}]",
    "null",
    "1",
    r#""x""#,
    "{",
    "}",
    "{}",
    r#"{"_id":}"#,
    r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a01"}}{"b":2}"#,
    r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a01"},}"#,
    "{'_id':1}",
    "NaN",
    "\u{feff}{}",
];

/// Bytes a hostile file may hold anywhere.
fn hostile_bytes() -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(0x00u8),
            Just(0xff),
            Just(0xfe),
            Just(0xc3),
            Just(0x80),
            Just(0xed),
            Just(b'"'),
            Just(b'\\'),
            Just(b'\r'),
            Just(b'{'),
            any::<u8>(),
        ],
        1..4,
    )
    .boxed()
}

/// One line of a `collection` file (it may hold `\n`s of its own: the file is what counts).
fn line(collection: Collection) -> BoxedStrategy<Vec<u8>> {
    let doc = || document(collection).prop_map(String::into_bytes);
    prop_oneof![
        20 => doc(),
        2 => (doc(), any::<prop::sample::Index>()).prop_map(|(mut d, at)| {
            d.truncate(at.index(d.len()));
            d
        }),
        2 => (doc(), any::<prop::sample::Index>(), hostile_bytes()).prop_map(|(mut d, at, bytes)| {
            let at = at.index(d.len() + 1);
            d.splice(at..at, bytes);
            d
        }),
        1 => doc().prop_map(|mut d| {
            d.push(b'\r');
            d
        }),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => deep().prop_map(|d| format!(r#"{{"_id":{{"$oid":"{}"}},"x":{d}}}"#, OIDS[0]).into_bytes()),
        1 => (95usize..106).prop_map(|depth| {
            format!(r#"{{"_id":{{"$oid":"{}"}},"x":{}1{}}}"#, OIDS[1], "[".repeat(depth), "]".repeat(depth))
                .into_bytes()
        }),
        1 => pick(MALFORMED_LINES).prop_map(String::into_bytes),
        1 => pick(&["", " ", "\t", "\r", " \t \r"]).prop_map(String::into_bytes),
    ]
    .boxed()
}

fn collection() -> impl Strategy<Value = Collection> {
    prop::sample::select(Collection::ALL.to_vec())
}

// ---------------------------------------------------------------------------------------------------
// Reference judgement of a file's lines

/// The lines of a file as the loader splits them, without their `\r\n` / `\n`.
fn file_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        lines.pop(); // nothing after the last `\n`
    }
    lines
        .into_iter()
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The reference parse of one line: UTF-8, at most [`MAX_NESTING`] deep, JSON, Extended JSON, a
/// document; through `serde_json::Value` (the loader's slow path), whatever the loader does first.
fn reference_document(line: &[u8]) -> Option<Document> {
    let text = std::str::from_utf8(line).ok()?;
    if depth(line) > MAX_NESTING {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    match Bson::try_from(value) {
        Ok(Bson::Document(d)) => Some(d),
        _ => None,
    }
}

/// The deepest nesting of arrays and objects outside strings.
fn depth(text: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn write_file(dir: &Path, collection: Collection, bytes: &[u8], gz: bool) {
    if gz {
        let path = dir.join(format!("{}.json.gz", collection.name()));
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap();
    } else {
        std::fs::write(dir.join(format!("{}.ndjson", collection.name())), bytes).unwrap();
    }
}

fn quality(store: &InMemoryStore, collection: Collection) -> CollectionQuality {
    store.quality().collection(collection).unwrap().clone()
}

/// The valid records of one collection as the store keeps them (sorted by date, stably).
fn records(store: &InMemoryStore, collection: Collection) -> String {
    match collection {
        Collection::Users => format!("{:?}", store.users()),
        Collection::Transactions => format!("{:?}", store.transactions()),
        Collection::Livestreams => format!("{:?}", store.livestreams()),
        Collection::Messages => format!("{:?}", store.messages()),
        Collection::Gamestakes => format!("{:?}", store.game_stakes()),
        Collection::Gamerounds => format!("{:?}", store.game_round_list()),
        Collection::Moderationflags => format!("{:?}", store.moderation_flags()),
        Collection::Analyticsevents => format!("{:?}", store.analytics_events()),
    }
}

// ---------------------------------------------------------------------------------------------------
// Properties

#[derive(Debug, Clone)]
struct FileCase {
    collection: Collection,
    lines: Vec<Vec<u8>>,
    gz: bool,
    max_document_bytes: Option<usize>,
}

fn file_case() -> impl Strategy<Value = FileCase> {
    collection().prop_flat_map(|c| {
        (
            prop::collection::vec(line(c), 1..40),
            any::<bool>(),
            prop_oneof![3 => Just(None), 1 => (0usize..400).prop_map(Some)],
        )
            .prop_map(move |(lines, gz, max_document_bytes)| FileCase {
                collection: c,
                lines,
                gz,
                max_document_bytes,
            })
    })
}

#[test]
fn the_loader_never_panics_and_counts_every_line_once() {
    run("loader", "lines", file_case(), |tally, case| {
        let bytes = case.lines.join(&b'\n');
        let lines = file_lines(&bytes);
        tally.case(lines.len());
        let dir = tempfile::tempdir().unwrap();
        write_file(dir.path(), case.collection, &bytes, case.gz);
        let mut options = LoadOptions {
            context: context(),
            ..LoadOptions::default()
        };
        if let Some(max) = case.max_document_bytes {
            options.max_document_bytes = max;
        }
        let store = tally.guard("load_directory", || {
            load_directory(dir.path(), &options, &|_, _| {})
        })?;
        let store = store.map_err(|e| TestCaseError::fail(format!("load failed: {e}")))?;
        let q = quality(&store, case.collection);
        tally.valid(q.valid);

        let too_large = lines
            .iter()
            .filter(|l| l.len() > options.max_document_bytes)
            .count() as u64;
        let read = lines
            .iter()
            .filter(|l| l.len() > options.max_document_bytes || !is_blank(l))
            .count() as u64;
        prop_assert_eq!(q.read, read, "every non-blank line is read once");
        prop_assert_eq!(q.read, q.valid + q.invalid + q.duplicates);
        prop_assert_eq!(
            q.invalid_by_reason
                .get(&InvalidReason::TooLarge)
                .copied()
                .unwrap_or(0),
            too_large
        );
        // Every other collection is empty, and every issue names a line of the file.
        prop_assert_eq!(store.quality().total_read(), q.read);
        for issue in &q.issues {
            let line = match issue {
                halobuzz_analytics::quality::Issue::Invalid(i) => i.line,
                halobuzz_analytics::quality::Issue::Duplicate { line, .. } => *line,
            };
            prop_assert!(line.is_some_and(|l| l >= 1 && l <= lines.len() as u64));
        }
        Ok(())
    });
}

#[test]
fn valid_documents_decode_again_identically() {
    let ctx = context();
    let strategy = collection()
        .prop_flat_map(|c| prop::collection::vec(line(c), 1..24).prop_map(move |l| (c, l)));
    run(
        "decode-again",
        "lines",
        strategy,
        |tally, (collection, lines)| {
            let bytes = lines.join(&b'\n');
            let lines = file_lines(&bytes);
            tally.case(lines.len());
            let dir = tempfile::tempdir().unwrap();
            write_file(dir.path(), collection, &bytes, false);
            let options = LoadOptions {
                context: ctx,
                ..LoadOptions::default()
            };
            let loaded = tally
                .guard("load_directory", || {
                    load_directory(dir.path(), &options, &|_, _| {})
                })?
                .map_err(|e| TestCaseError::fail(format!("load failed: {e}")))?;

            // The same documents through the BSON path, as the MongoDB store reads them.
            let mut builder = InMemoryStoreBuilder::with_context(ctx);
            let mut unparsed = 0u64;
            for line in lines.iter().filter(|l| !is_blank(l)) {
                let Some(doc) = reference_document(line) else {
                    unparsed += 1;
                    continue;
                };
                let first =
                    tally.guard("decode", || decode_with_warnings(collection, &doc, &ctx))?;
                let again = decode_with_warnings(collection, &doc, &ctx);
                prop_assert_eq!(&first, &again, "decoding is deterministic");
                if let Ok((record, warnings)) = &first {
                    // Through canonical and relaxed Extended JSON and back: the same record.
                    for json in [
                        Bson::Document(doc.clone()).into_canonical_extjson(),
                        Bson::Document(doc.clone()).into_relaxed_extjson(),
                    ] {
                        let text = json.to_string();
                        let back = reference_document(text.as_bytes());
                        prop_assert!(back.is_some(), "{} does not parse back", text);
                        let (record2, warnings2) =
                            decode_with_warnings(collection, &back.unwrap(), &ctx).map_err(
                                |e| TestCaseError::fail(format!("{text} is invalid again: {e}")),
                            )?;
                        prop_assert_eq!(record, &record2);
                        prop_assert_eq!(warnings, &warnings2);
                    }
                }
                builder.accept(collection, doc).unwrap();
            }
            let from_bson = builder.build();
            let (a, b) = (
                quality(&loaded, collection),
                quality(&from_bson, collection),
            );
            tally.valid(a.valid);
            prop_assert_eq!(a.read, b.read + unparsed);
            prop_assert_eq!(
                (a.valid, a.duplicates, a.invalid),
                (b.valid, b.duplicates, b.invalid + unparsed)
            );
            prop_assert_eq!(
                a.invalid_by_reason
                    .get(&InvalidReason::MalformedJson)
                    .copied()
                    .unwrap_or(0),
                unparsed
            );
            prop_assert_eq!(
                records(&loaded, collection),
                records(&from_bson, collection)
            );
            Ok(())
        },
    );
}

/// A BSON value of any type, with the extremes of each, nested a little.
fn hostile_bson() -> BoxedStrategy<Bson> {
    let leaf = prop_oneof![
        any::<f64>().prop_map(Bson::Double),
        prop::sample::select(
            &[
                0.0,
                -0.0,
                1e308,
                -1e308,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                5e-324,
                0.5
            ][..]
        )
        .prop_map(Bson::Double),
        any::<i32>().prop_map(Bson::Int32),
        any::<i64>().prop_map(Bson::Int64),
        prop::sample::select(
            &[
                i64::MIN,
                i64::MAX,
                -1,
                0,
                1_000_000_000_000,
                1_000_000_000_001
            ][..]
        )
        .prop_map(Bson::Int64),
        any::<[u8; 16]>().prop_map(|b| Bson::Decimal128(Decimal128::from_bytes(b))),
        prop::sample::select(
            &[
                "NaN",
                "-Infinity",
                "1E+6144",
                "1E-6176",
                "-0",
                "79228162514264337593543950336",
                "0.1"
            ][..]
        )
        .prop_map(|s| Bson::Decimal128(s.parse().unwrap())),
        any::<i64>().prop_map(|ms| Bson::DateTime(bson::DateTime::from_millis(ms))),
        (946_684_800_000i64..1_795_132_800_000)
            .prop_map(|ms| Bson::DateTime(bson::DateTime::from_millis(ms))),
        any::<String>().prop_map(Bson::String),
        prop::sample::select(
            &[
                "recharge",
                "completed",
                "coins",
                "NP",
                "QQ",
                "r1",
                "session_end",
                ""
            ][..]
        )
        .prop_map(|s| Bson::String(s.to_owned())),
        any::<bool>().prop_map(Bson::Boolean),
        Just(Bson::Null),
        Just(Bson::Undefined),
        Just(Bson::MinKey),
        Just(Bson::MaxKey),
        any::<[u8; 12]>().prop_map(|b| Bson::ObjectId(ObjectId::from_bytes(b))),
        prop::sample::select(&OIDS[..]).prop_map(|o| Bson::ObjectId(o.parse().unwrap())),
        (any::<u32>(), any::<u32>())
            .prop_map(|(time, increment)| Bson::Timestamp(bson::Timestamp { time, increment })),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(|bytes| Bson::Binary(bson::Binary {
            subtype: bson::spec::BinarySubtype::Generic,
            bytes,
        })),
        // MongoDB stores at most 100 levels (and the loader parses no deeper).
        (1usize..=100).prop_map(|depth| {
            let mut v = Bson::Int32(1);
            for i in 0..depth {
                v = if i % 2 == 0 {
                    Bson::Array(vec![v])
                } else {
                    Bson::Document(bson::doc! { "a": v })
                };
            }
            v
        }),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Bson::Array),
            prop::collection::vec((r"[a-zA-Z$]{1,12}", inner), 0..5)
                .prop_map(|kv| Bson::Document(kv.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Every field name of every collection, nested ones included.
const FIELD_NAMES: &[&str] = &[
    "_id",
    "createdAt",
    "country",
    "username",
    "ogLevel",
    "isBanned",
    "userId",
    "type",
    "amount",
    "currency",
    "status",
    "paymentMethod",
    "fees",
    "hostId",
    "duration",
    "totalViewers",
    "totalCoins",
    "startedAt",
    "endedAt",
    "peakViewers",
    "totalGifts",
    "totalLikes",
    "totalComments",
    "roomId",
    "isDeleted",
    "roundId",
    "stakeAmount",
    "winAmount",
    "result",
    "gameId",
    "durationSec",
    "startAt",
    "endAt",
    "contentType",
    "action",
    "reviewedAt",
    "eventType",
    "eventName",
    "timestamp",
    "sessionId",
    "metadata",
    "properties",
    "location",
];

const NESTED_NAMES: &[&str] = &[
    "amountPaid",
    "currency",
    "ogTier",
    "streamId",
    "country",
    "durationSec",
];

/// A BSON document with the contract's field names (nested ones under their parents) and hostile
/// values: a soup of fields, or a generated document of some collection with a few values replaced.
fn hostile_document() -> BoxedStrategy<Document> {
    let nested = prop::collection::vec((prop::sample::select(NESTED_NAMES), hostile_bson()), 0..4)
        .prop_map(|kv| Bson::Document(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()));
    let value = prop_oneof![3 => hostile_bson(), 1 => nested];
    let soup = prop::collection::vec((prop::sample::select(FIELD_NAMES), value), 0..14)
        .prop_map(|kv| kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
    let replaced = collection()
        .prop_flat_map(|c| {
            let fields: Vec<(&str, Option<&str>)> = schema(c)
                .iter()
                .flat_map(|f| match *f {
                    Field::Leaf(n, _) => vec![(n, None)],
                    Field::Object(n, children) => std::iter::once((n, None))
                        .chain(children.iter().map(move |(child, _)| (n, Some(*child))))
                        .collect(),
                })
                .collect();
            (
                document(c),
                prop::collection::vec((prop::sample::select(fields), hostile_bson()), 0..3),
            )
        })
        .prop_map(|(text, replacements)| {
            let mut doc = reference_document(text.as_bytes()).unwrap_or_default();
            for ((field, child), value) in replacements {
                match child {
                    None => {
                        doc.insert(field, value);
                    }
                    Some(child) => {
                        if let Ok(parent) = doc.get_document_mut(field) {
                            parent.insert(child, value);
                        } else {
                            doc.insert(field, bson::doc! { child: value });
                        }
                    }
                }
            }
            doc
        });
    prop_oneof![1 => soup, 2 => replaced].boxed()
}

#[test]
fn the_decoder_never_panics_on_hostile_bson() {
    let ctx = context();
    let strategy = prop::collection::vec(hostile_document(), 1..8);
    run(
        "decoder",
        "documents × 8 collections",
        strategy,
        |tally, docs| {
            tally.case(docs.len());
            let mut builder = InMemoryStoreBuilder::with_context(ctx);
            for doc in &docs {
                for collection in Collection::ALL {
                    let first =
                        tally.guard("decode", || decode_with_warnings(collection, doc, &ctx))?;
                    prop_assert_eq!(&first, &decode_with_warnings(collection, doc, &ctx));
                    builder.accept(collection, doc.clone()).unwrap();
                }
            }
            let store = tally.guard("build", || builder.build())?;
            for collection in Collection::ALL {
                let q = quality(&store, collection);
                tally.valid(q.valid);
                prop_assert_eq!(q.read, docs.len() as u64);
                prop_assert_eq!(q.read, q.valid + q.invalid + q.duplicates);
            }
            Ok(())
        },
    );
}

/// BSON as deep as 2,000 levels (deeper than MongoDB stores, and than the loader parses): the decoder
/// reads fields by path and never recurses into values, so it decodes, counts and drops such a document
/// on a default 2 MiB test-thread stack. (Cloning it would not fit: `Bson::clone` recurses.)
#[test]
fn the_decoder_does_not_recurse_into_deep_bson() {
    for collection in Collection::ALL {
        let mut v = Bson::Int32(1);
        for i in 0..2_000 {
            v = if i % 2 == 0 {
                Bson::Array(vec![v])
            } else {
                Bson::Document(bson::doc! { "a": v })
            };
        }
        let doc = bson::doc! { "_id": ObjectId::new(), "createdAt": v };
        let judged = decode_with_warnings(collection, &doc, &context());
        assert!(judged.is_err(), "{collection}");
        let mut builder = InMemoryStoreBuilder::with_context(context());
        builder.accept(collection, doc).unwrap();
        let q = quality(&builder.build(), collection);
        assert_eq!((q.read, q.invalid), (1, 1), "{collection}");
    }
}

// ---------------------------------------------------------------------------------------------------
// The seed corpus, replayed deterministically

/// What each file of `tests/hostile/data/corpus/` must give: read, valid, invalid, duplicates, warnings, and the
/// invalid documents by reason. Each line of a file is one case, commented in `README.md` there.
struct Expected {
    collection: Collection,
    counts: (u64, u64, u64, u64),
    warnings: u64,
    reasons: &'static [(InvalidReason, u64)],
}

const CORPUS: &[Expected] = {
    use InvalidReason::*;
    &[
        Expected {
            collection: Collection::Users,
            counts: (21, 7, 13, 1),
            warnings: 1,
            reasons: &[
                (MalformedJson, 7),
                (WrongType, 3),
                (NonFinite, 1),
                (DateOutOfRange, 1),
                (OutOfRange, 1),
            ],
        },
        Expected {
            collection: Collection::Transactions,
            counts: (15, 4, 11, 0),
            warnings: 1,
            reasons: &[
                (MalformedJson, 1),
                (WrongType, 2),
                (InvalidEnum, 1),
                (NegativeValue, 1),
                (NonFinite, 2),
                (OutOfRange, 4),
            ],
        },
        Expected {
            collection: Collection::Livestreams,
            // `peakViewers` beyond the bound is ignored with a warning (host performance alone reads it).
            counts: (7, 2, 5, 0),
            warnings: 1,
            reasons: &[
                (MalformedJson, 1),
                (WrongType, 1),
                (NegativeValue, 1),
                (NonFinite, 1),
                (OutOfRange, 1),
            ],
        },
        Expected {
            collection: Collection::Messages,
            counts: (4, 1, 2, 1),
            warnings: 0,
            reasons: &[(MalformedJson, 1), (WrongType, 1)],
        },
        Expected {
            collection: Collection::Gamestakes,
            counts: (4, 2, 2, 0),
            warnings: 0,
            reasons: &[(MissingField, 1), (OutOfRange, 1)],
        },
        Expected {
            collection: Collection::Gamerounds,
            counts: (4, 2, 1, 1),
            warnings: 0,
            reasons: &[(WrongType, 1)],
        },
        Expected {
            collection: Collection::Moderationflags,
            counts: (3, 1, 2, 0),
            warnings: 0,
            reasons: &[(InvalidEnum, 1), (DateOutOfRange, 1)],
        },
        Expected {
            collection: Collection::Analyticsevents,
            counts: (6, 2, 4, 0),
            warnings: 0,
            reasons: &[(MalformedJson, 1), (MissingField, 1), (WrongType, 2)],
        },
    ]
};

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/hostile/data/corpus")
}

#[test]
fn the_seed_corpus_loads_with_known_counts() {
    let options = LoadOptions {
        context: context(),
        ..LoadOptions::default()
    };
    let store = load_directory(&corpus_dir(), &options, &|_, _| {}).unwrap();
    for expected in CORPUS {
        let q = quality(&store, expected.collection);
        let c = expected.collection;
        assert_eq!(
            (q.read, q.valid, q.invalid, q.duplicates),
            expected.counts,
            "{c}"
        );
        assert_eq!(q.warnings, expected.warnings, "{c}");
        let reasons: Vec<(InvalidReason, u64)> =
            q.invalid_by_reason.iter().map(|(r, n)| (*r, *n)).collect();
        let mut want = expected.reasons.to_vec();
        want.sort();
        assert_eq!(reasons, want, "{c}");
    }
    assert_eq!(store.quality().total_read(), 64);

    // With a limit of 60,000 bytes, the 64 KiB user is `too_large` instead of valid.
    let limited = LoadOptions {
        max_document_bytes: 60_000,
        ..options
    };
    let store = load_directory(&corpus_dir(), &limited, &|_, _| {}).unwrap();
    let users = quality(&store, Collection::Users);
    assert_eq!((users.read, users.valid, users.invalid), (21, 6, 14));
    assert_eq!(users.invalid_by_reason[&InvalidReason::TooLarge], 1);
}

/// Every line of the corpus, as a document of every collection: nothing panics, every line counts once.
#[test]
fn every_corpus_line_is_judged_once_in_every_collection() {
    let mut all = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .collect();
    files.sort();
    for path in files {
        all.extend_from_slice(&std::fs::read(path).unwrap());
    }
    let lines = file_lines(&all);
    let non_blank = lines.iter().filter(|l| !is_blank(l)).count() as u64;
    for collection in Collection::ALL {
        let dir = tempfile::tempdir().unwrap();
        write_file(
            dir.path(),
            collection,
            &all,
            collection == Collection::Messages,
        );
        let options = LoadOptions {
            context: context(),
            ..LoadOptions::default()
        };
        let store = load_directory(dir.path(), &options, &|_, _| {}).unwrap();
        let q = quality(&store, collection);
        assert_eq!(q.read, non_blank, "{collection}");
        assert_eq!(q.read, q.valid + q.invalid + q.duplicates, "{collection}");
    }
}
