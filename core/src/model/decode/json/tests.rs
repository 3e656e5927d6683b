//! The JSON scanner against the full path (`serde_json` into a `bson::Document`, then the decoder):
//! every line must be judged identically, whether the scanner reads it or leaves it to the full path.
//! Hand-picked lines for the edges, the generator's output of every collection in both Extended JSON
//! modes, and a differential property over generated valid and mutated documents.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::cell::Cell;

use bson::{Bson, Document};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::{decode_line, Shape};
use crate::generate::{generate, GeneratorConfig};
use crate::model::{Collection, DecodeContext};
use crate::store::memory::Parsed;
use crate::store::DocumentSink;

fn ctx() -> DecodeContext {
    DecodeContext {
        now: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
}

/// Both judgements of one line: through the scanner when it answers, and always in full.
fn both(collection: Collection, line: &[u8]) -> (Parsed, Parsed) {
    (
        Parsed::line(collection, line, &ctx()),
        Parsed::line_in_full(collection, line, &ctx()),
    )
}

/// The scanner's judgement of a line with what it learnt of the lines before (`shape`), which must be
/// the full path's whenever the scanner answers.
fn with_shape(collection: Collection, line: &[u8], shape: &mut Shape) -> Option<Parsed> {
    decode_line(collection, line, &ctx(), shape).map(|(key, record, warnings)| Parsed::Document {
        key,
        result: Ok((record, warnings)),
    })
}

/// Whether the scanner answers for `line` (and then agrees with the full path).
fn fast(collection: Collection, line: &str) -> bool {
    let (a, b) = both(collection, line.as_bytes());
    assert_eq!(a, b, "{collection}: {line}");
    decode_line(collection, line.as_bytes(), &ctx(), &mut Shape::default()).is_some()
}

const ID: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a01"}"#;
const USER: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a02"}"#;
const DATE: &str = r#"{"$date":"2026-03-01T05:00:00.123Z"}"#;

fn message(extra: &str) -> String {
    format!(r#"{{"_id":{ID},"userId":{USER},"roomId":{USER},"createdAt":{DATE}{extra}}}"#)
}

fn event(extra: &str) -> String {
    format!(
        r#"{{"_id":{ID},"eventType":"user_action","eventName":"session_end","timestamp":{DATE},"properties":{{"durationSec":12.5}}{extra}}}"#
    )
}

#[test]
fn the_usual_forms_are_read_by_the_scanner() {
    for extra in [
        "",
        r#","isDeleted":true,"content":"hi \"there\" \\ \/ \u00e9 \n","type":"text""#,
        r#","content":"नमस्ते 🔥","meta":{"a":[1,2.5,-3,1e3,-0.0,{"b":null}],"c":{"$date":"2026-01-01T00:00:00Z"}}"#,
        r#","x":[{"$oid":"65F1A2B3C4D5E6F708192A01"},{"$numberLong":"+5"},{"$numberDouble":"1e5"}]"#,
        r#","x":{"$date":{"$numberLong":"1772341200123"}},"y":{"$numberDecimal":"1.5E+3"}"#,
        r#" , "isDeleted" : false , "e" : { "$numberInt" : "007" } "#,
    ] {
        assert!(fast(Collection::Messages, &message(extra)), "{extra}");
    }
    let canonical = format!(
        r#"{{"_id":{ID},"userId":{USER},"roomId":{USER},"createdAt":{{"$date":{{"$numberLong":"1772341200123"}}}}}}"#
    );
    assert!(fast(Collection::Messages, &canonical));
    for extra in [
        r#","userId":null,"location":{"country":"np","city":"Kathmandu"}"#,
        r#","location":{"country":"Nepal"}"#, // valid with a warning
        r#","location":{}"#,
        r#","location":null,"sessionId":"s\u0031""#,
    ] {
        assert!(fast(Collection::Analyticsevents, &event(extra)), "{extra}");
    }
}

#[test]
fn everything_unusual_is_left_to_the_full_path_which_judges_it_the_same() {
    for extra in [
        // Invalid documents: the full path names the field and quotes the value.
        r#","isDeleted":"yes""#,
        r#","userId":"65f1a2b3c4d5e6f708192a02""#,
        // Repeated keys, `$` keys, escaped keys.
        r#","isDeleted":true,"isDeleted":false"#,
        r#","userId":{"$oid":"65f1a2b3c4d5e6f708192a03"}"#,
        r#","$where":"1""#,
        r#","x":{"a":1,"$oid":"65f1a2b3c4d5e6f708192a01"}"#,
        r#","x":{"$foo":1}"#,
        r#","x":{"$oid":"65f1a2b3c4d5e6f708192a01","y":1}"#,
        r#","is\u0044eleted":true"#,
        r#","x":{"\u0024oid":"65f1a2b3c4d5e6f708192a01"}"#,
        // Strings: surrogates, bad escapes, control characters.
        r#","content":"\ud83d\udd25""#,
        r#","content":"\ud83d""#,
        r#","content":"\x41""#,
        ",\"content\":\"tab\there\"",
        // Numbers: beyond 18 digits, beyond a double, malformed.
        r#","n":12345678901234567890"#,
        r#","n":-9223372036854775809"#,
        r#","n":1e400"#,
        r#","n":01"#,
        r#","n":1."#,
        r#","n":.5"#,
        r#","n":+1"#,
        r#","n":-"#,
        // Dates in forms RFC 3339 allows and the scanner does not read, or not at all.
        r#","d":{"$date":"2026-03-01t05:00:00z"}"#,
        r#","d":{"$date":"2016-12-31T23:59:60Z"}"#,
        r#","d":{"$date":"2026-02-30T00:00:00Z"}"#,
        r#","d":{"$date":1772341200123}"#,
        r#","d":{"$date":{"$numberLong":"x"}}"#,
        // Wrappers that are not what they claim.
        r#","o":{"$oid":"zz"}"#,
        r#","o":{"$numberInt":"2147483648"}"#,
        r#","o":{"$numberDecimal":"1,5"}"#,
        r#","o":{"$binary":{"base64":"AAAA","subType":"00"}}"#,
        // Syntax.
        r#","a":[1,]"#,
        r#","a":{"b":1,}"#,
        r#","a":tru"#,
        r#","a":nul"#,
    ] {
        assert!(!fast(Collection::Messages, &message(extra)), "{extra}");
    }
    for line in [
        format!("{}x", message("")),
        format!("\u{feff}{}", message("")),
        message("").replace('}', "} {}"),
        format!("{}{}{}", "[".repeat(60), message(""), "]".repeat(60)),
        format!(
            r#"{{"x":{}1{},"_id":{ID}}}"#,
            "[".repeat(99),
            "]".repeat(99)
        ),
        format!(
            r#"{{"x":{}1{},"_id":{ID}}}"#,
            "[".repeat(150),
            "]".repeat(150)
        ),
        "\u{c}{}".to_owned(),
        "{}".to_owned(),
        String::new(),
    ] {
        assert!(!fast(Collection::Messages, &line), "{line}");
    }
    // Invalid UTF-8.
    let mut bytes = message("").into_bytes();
    bytes.insert(10, 0xff);
    let (a, b) = both(Collection::Messages, &bytes);
    assert_eq!(a, b);
    assert!(decode_line(Collection::Messages, &bytes, &ctx(), &mut Shape::default()).is_none());
}

#[test]
fn keys_learnt_from_earlier_lines_are_recognised_only_when_they_are_the_same_bytes() {
    let tx = |meta: &str, rest: &str| {
        format!(
            r#"{{"_id":{ID},"userId":{USER},"type":"recharge","amount":5,"currency":"NPR","status":"completed","createdAt":{DATE}{rest},"metadata":{{{meta}}}}}"#
        )
    };
    let lines = [
        tx(r#""country":"NP","currency":"USD""#, ""),
        tx(r#""currency":"USD","country":"NP""#, ""),
        // Same bytes as a learnt key, in another object: another field.
        tx(r#""amount":1"#, r#","country":"IN""#),
        tx(r#""countryX":"QQ""#, r#","countr":"IN""#),
        tx(r#""country":"QQ""#, r#","userIdx":5"#),
        tx(r#""country":"QQ""#, r#","userId":5"#),
        tx(r#""country" : "QQ""#, r#","fees" :1"#),
        tx(r#""country"::"QQ""#, ""),
        tx(r#""country":"NP""#, r#","type":"refund""#),
        tx(r#""country":"NP","country":"IN""#, ""),
        tx("", ""),
        "{}".to_owned(),
        tx(r#""country":"np""#, ""),
    ];
    let mut shape = Shape::default();
    for line in &lines {
        let full = Parsed::line_in_full(Collection::Transactions, line.as_bytes(), &ctx());
        if let Some(judged) = with_shape(Collection::Transactions, line.as_bytes(), &mut shape) {
            assert_eq!(judged, full, "{line}");
        }
    }
}

/// Collects the generator's documents as mongoexport lines in both Extended JSON modes.
#[derive(Default)]
struct Lines(Vec<(Collection, String)>);

impl DocumentSink for Lines {
    fn accept(&mut self, collection: Collection, doc: Document) -> crate::Result<()> {
        let relaxed = Bson::Document(doc.clone()).into_relaxed_extjson();
        let canonical = Bson::Document(doc).into_canonical_extjson();
        self.0.push((collection, relaxed.to_string()));
        self.0.push((collection, canonical.to_string()));
        Ok(())
    }
}

#[test]
fn the_generators_documents_are_judged_alike_and_almost_all_by_the_scanner() {
    let config = GeneratorConfig {
        users: 300,
        days: 6,
        seed: 11,
        invalid_rate: 0.05,
        duplicate_rate: 0.01,
        ..GeneratorConfig::default()
    };
    let mut lines = Lines::default();
    generate(&config, &mut lines, &mut |_, _| {}).unwrap();
    let mut per_collection = std::collections::BTreeMap::new();
    let mut shapes: std::collections::BTreeMap<Collection, Shape> = Default::default();
    for (collection, line) in &lines.0 {
        let (a, b) = both(*collection, line.as_bytes());
        assert_eq!(a, b, "{collection}: {line}");
        let valid = matches!(b, Parsed::Document { result: Ok(_), .. });
        let shape = shapes.entry(*collection).or_default();
        let learnt = with_shape(*collection, line.as_bytes(), shape);
        if let Some(judged) = &learnt {
            assert_eq!(judged, &b, "{collection} (after the lines before): {line}");
        }
        let scanned = learnt.is_some();
        let e = per_collection.entry(*collection).or_insert((0u64, 0u64));
        e.0 += u64::from(valid);
        e.1 += u64::from(scanned);
    }
    for (collection, (valid, scanned)) in per_collection {
        // Only the odd valid document (a `$numberDecimal`, an out-of-the-way date) takes the full path.
        assert!(
            scanned * 100 >= valid * 99 && valid > 0,
            "{collection}: {scanned} of {valid} valid documents scanned"
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// The differential property

type Text = BoxedStrategy<String>;

fn pick(items: &'static [&'static str]) -> Text {
    prop::sample::select(items).prop_map(str::to_owned).boxed()
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn oid() -> Text {
    prop_oneof![
        pick(&["65f1a2b3c4d5e6f708192a01", "65F1A2B3C4D5E6F708192A02"]),
        any::<[u8; 12]>().prop_map(|b| bson::oid::ObjectId::from_bytes(b).to_hex()),
    ]
    .prop_map(|o| format!(r#"{{"$oid":"{o}"}}"#))
    .boxed()
}

fn date() -> Text {
    (946_684_800_000i64..1_795_132_800_000, 0u8..4)
        .prop_map(|(ms, form)| {
            let d = chrono::DateTime::from_timestamp_millis(ms).unwrap();
            match form {
                0 => format!(r#"{{"$date":{{"$numberLong":"{ms}"}}}}"#),
                1 => format!(
                    r#"{{"$date":"{}"}}"#,
                    d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                ),
                2 => format!(
                    r#"{{"$date":"{}"}}"#,
                    d.to_rfc3339_opts(chrono::SecondsFormat::Nanos, false)
                ),
                _ => format!(
                    r#"{{"$date":"{}"}}"#,
                    d.with_timezone(&chrono::FixedOffset::east_opt(20_700).unwrap())
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
            }
        })
        .boxed()
}

/// A plausible number in any JSON and Extended JSON form.
fn number() -> Text {
    prop_oneof![
        4 => (0u32..1_000_000).prop_map(|n| n.to_string()),
        2 => (0u32..100_000, 0u8..100).prop_map(|(a, b)| format!("{a}.{b:02}")),
        1 => (0u32..1000, 0u8..4).prop_map(|(m, e)| format!("{m}.5e{e}")),
        1 => (0u32..1000, 0u8..4).prop_map(|(m, e)| format!("{m}E+{e}")),
        1 => (0i32..100_000).prop_map(|n| format!(r#"{{"$numberInt":"{n}"}}"#)),
        1 => (0i64..1_000_000_000).prop_map(|n| format!(r#"{{"$numberLong":"{n}"}}"#)),
        1 => (0u32..100_000).prop_map(|n| format!(r#"{{"$numberDouble":"{n}.5"}}"#)),
        1 => (0u32..100_000, 0u8..100).prop_map(|(a, b)| format!(r#"{{"$numberDecimal":"{a}.{b:02}"}}"#)),
    ]
    .boxed()
}

/// A small whole number (levels and tiers), in any form.
fn small() -> Text {
    prop_oneof![
        (0u8..7).prop_map(|n| n.to_string()),
        (0u8..7).prop_map(|n| format!("{n}.0")),
        (0u8..7).prop_map(|n| format!(r#"{{"$numberInt":"{n}"}}"#)),
    ]
    .boxed()
}

/// Numbers at and beyond every edge.
fn extreme() -> Text {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        (0u32..1000, -400i32..400).prop_map(|(m, e)| format!("{m}E{e:+}")),
        pick(&[
            "-0",
            "-0.0",
            "1e308",
            "1e309",
            "5e-324",
            "9007199254740993",
            "18446744073709551615",
            "123456789012345678",
            "1234567890123456789",
            "-123456789012345678",
            "2147483647",
            "2147483648",
            "-2147483648",
            r#"{"$numberDouble":"NaN"}"#,
            r#"{"$numberDouble":"-Infinity"}"#,
            r#"{"$numberDecimal":"Infinity"}"#,
            r#"{"$numberDecimal":"1E+6145"}"#,
            r#"{"$numberLong":"9223372036854775808"}"#,
            "1000000000001",
            "31536001",
        ]),
    ]
    .boxed()
}

fn text() -> Text {
    prop_oneof![
        4 => "[a-z0-9_ ]{0,12}".prop_map(|s| json_string(&s)),
        1 => any::<String>().prop_map(|s| json_string(&s)),
        1 => pick(&[
            r#""\u0041BC""#, r#""a\nb\tc\"d\\e\/f""#, r#""\u00e9\u4e2d""#, r#""\ud83d\udd25""#,
            r#""\ud800""#, r#""\x41""#, r#""\u12""#, "\"tab\there\"", r#""\u0000""#,
        ]),
    ]
    .boxed()
}

/// A value a field of `kind` should hold.
fn good(kind: Kind) -> Text {
    match kind {
        Kind::Oid => oid(),
        Kind::Date => date(),
        Kind::Number => number(),
        Kind::Small => small(),
        Kind::Text => text(),
        Kind::Enum(names) => prop::sample::select(names).prop_map(json_string).boxed(),
        Kind::Country => pick(&[
            r#""NP""#,
            r#""np""#,
            r#"" in ""#,
            r#""""#,
            r#""QQ""#,
            r#""Nepal""#,
            "null",
        ]),
        Kind::Bool => pick(&["true", "false"]),
    }
}

/// Any value at all, nested a little, with wrappers and operators in every position.
fn hostile() -> Text {
    let leaf = prop_oneof![
        number(),
        extreme(),
        text(),
        oid(),
        date(),
        pick(&[
            "null",
            "true",
            "false",
            "[]",
            "{}",
            r#"{"$oid":"zz"}"#,
            r#"{"$oid":1}"#,
            r#"{"$oid":"65f1a2b3c4d5e6f708192a01","x":1}"#,
            r#"{"$date":"not a date"}"#,
            r#"{"$date":"2026-03-01t05:00:00z"}"#,
            r#"{"$date":"2026-03-01 05:00:00Z"}"#,
            r#"{"$date":1e308}"#,
            r#"{"$date":{"$numberLong":"+1772341200123"}}"#,
            r#"{"$numberLong":5}"#,
            r#"{"$numberInt":"+7"}"#,
            r#"{"$numberDouble":"inf"}"#,
            r#"{"$binary":{"base64":"AAAA","subType":"00"}}"#,
            r#"{"$minKey":1}"#,
            r#"{"$where":"sleep(1000)"}"#,
            r#"{"$gt":""}"#,
            r#"{ "$oid" : "65f1a2b3c4d5e6f708192a01" }"#,
            r#"{"$symbol":"s"}"#,
            r#"{"$undefined":true}"#,
        ]),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((r"\$?[a-zA-Z]{1,6}", inner), 0..4).prop_map(|kv| {
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

/// What a field holds, for the generator of documents.
#[derive(Clone, Copy)]
enum Kind {
    Oid,
    Date,
    Number,
    Small,
    Text,
    Enum(&'static [&'static str]),
    Country,
    Bool,
}

/// A field: its key, its kind, or the fields of its embedded document.
type Spec = (&'static str, Kind, &'static [(&'static str, Kind)]);

fn schema(collection: Collection) -> &'static [Spec] {
    use crate::model::*;
    use Kind::*;
    const NO: &[(&str, Kind)] = &[];
    match collection {
        Collection::Users => &[
            ("_id", Oid, NO),
            ("createdAt", Date, NO),
            ("country", Country, NO),
            ("username", Text, NO),
            ("ogLevel", Small, NO),
            ("isBanned", Bool, NO),
            ("email", Text, NO),
        ],
        Collection::Transactions => &[
            ("_id", Oid, NO),
            ("userId", Oid, NO),
            ("type", Enum(TransactionType::WIRE_NAMES), NO),
            ("amount", Number, NO),
            ("currency", Enum(Currency::WIRE_NAMES), NO),
            ("status", Enum(TransactionStatus::WIRE_NAMES), NO),
            ("createdAt", Date, NO),
            ("paymentMethod", Enum(PaymentMethod::WIRE_NAMES), NO),
            ("fees", Number, NO),
            (
                "metadata",
                Oid,
                &[
                    ("amountPaid", Number),
                    ("currency", Enum(MoneyCurrency::WIRE_NAMES)),
                    ("ogTier", Small),
                    ("streamId", Oid),
                    ("country", Country),
                    ("packageId", Text),
                ],
            ),
        ],
        Collection::Livestreams => &[
            ("_id", Oid, NO),
            ("hostId", Oid, NO),
            ("status", Enum(StreamStatus::WIRE_NAMES), NO),
            ("duration", Number, NO),
            ("totalViewers", Number, NO),
            ("totalCoins", Number, NO),
            ("createdAt", Date, NO),
            ("startedAt", Date, NO),
            ("endedAt", Date, NO),
            ("peakViewers", Number, NO),
            ("totalLikes", Number, NO),
            ("country", Country, NO),
        ],
        Collection::Messages => &[
            ("_id", Oid, NO),
            ("userId", Oid, NO),
            ("roomId", Oid, NO),
            ("createdAt", Date, NO),
            ("isDeleted", Bool, NO),
            ("content", Text, NO),
        ],
        Collection::Gamestakes => &[
            ("_id", Oid, NO),
            ("userId", Oid, NO),
            ("roundId", Text, NO),
            ("stakeAmount", Number, NO),
            ("winAmount", Number, NO),
            ("result", Enum(StakeResult::WIRE_NAMES), NO),
            ("createdAt", Date, NO),
            ("gameId", Oid, NO),
            (
                "metadata",
                Oid,
                &[("country", Country), ("multiplier", Number)],
            ),
        ],
        Collection::Gamerounds => &[
            ("roundId", Text, NO),
            ("durationSec", Number, NO),
            ("_id", Oid, NO),
            ("startAt", Date, NO),
            ("endAt", Date, NO),
        ],
        Collection::Moderationflags => &[
            ("_id", Oid, NO),
            ("userId", Oid, NO),
            ("contentType", Enum(ContentType::WIRE_NAMES), NO),
            ("action", Enum(FlagAction::WIRE_NAMES), NO),
            ("status", Enum(FlagStatus::WIRE_NAMES), NO),
            ("createdAt", Date, NO),
            ("reviewedAt", Date, NO),
            ("metadata", Oid, &[("country", Country), ("source", Text)]),
        ],
        Collection::Analyticsevents => &[
            ("_id", Oid, NO),
            ("eventType", Enum(EventType::WIRE_NAMES), NO),
            (
                "eventName",
                Enum(&[
                    "session_start",
                    "session_end",
                    "battle_joined",
                    "user_banned",
                    "search",
                ]),
                NO,
            ),
            ("timestamp", Date, NO),
            (
                "properties",
                Oid,
                &[("durationSec", Number), ("ip", Text), ("platform", Text)],
            ),
            ("userId", Oid, NO),
            ("sessionId", Text, NO),
            ("location", Oid, &[("country", Country), ("city", Text)]),
        ],
    }
}

/// A value of a field: mostly a good one, sometimes absent, `null` or anything at all.
fn field_value(good: Text, clean: bool) -> BoxedStrategy<Option<String>> {
    if clean {
        prop_oneof![39 => good.prop_map(Some), 1 => Just(None)].boxed()
    } else {
        prop_oneof![
            6 => good.prop_map(Some),
            2 => hostile().prop_map(Some),
            1 => Just(None),
            1 => Just(Some("null".to_owned())),
        ]
        .boxed()
    }
}

fn object(pairs: &[(String, String)], spaced: bool) -> String {
    let (sep, colon) = if spaced { (" , ", " : ") } else { (",", ":") };
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}{colon}{v}", json_string(k)))
        .collect();
    if spaced {
        format!("{{ {} }}", inner.join(sep))
    } else {
        format!("{{{}}}", inner.join(sep))
    }
}

/// A document of `collection` as one line: clean (mostly valid) or with hostile values, extra
/// fields and repeated keys.
fn document(collection: Collection) -> Text {
    let fields = schema(collection);
    (prop::bool::weighted(0.75), any::<bool>())
        .prop_flat_map(move |(clean, spaced)| {
            let values: Vec<BoxedStrategy<Option<String>>> = fields
                .iter()
                .map(|&(_, kind, children)| {
                    if children.is_empty() {
                        return field_value(good(kind), clean);
                    }
                    let kids: Vec<_> = children
                        .iter()
                        .map(|&(name, kind)| {
                            field_value(good(kind), clean)
                                .prop_map(move |v| v.map(|v| (name.to_owned(), v)))
                        })
                        .collect();
                    let doc = kids
                        .prop_map(move |kv| {
                            object(&kv.into_iter().flatten().collect::<Vec<_>>(), spaced)
                        })
                        .boxed();
                    field_value(doc, clean)
                })
                .collect();
            let extra = if clean {
                prop::collection::vec(("[a-z]{1,8}", text()), 0..2).boxed()
            } else {
                prop::collection::vec((r"[a-z_$]{1,8}", hostile()), 0..3).boxed()
            };
            let repeats = if clean {
                Just(Vec::new()).boxed()
            } else {
                prop::collection::vec((any::<prop::sample::Index>(), hostile()), 0..2).boxed()
            };
            (values, extra, repeats, Just(spaced))
        })
        .prop_map(move |(values, extra, repeats, spaced)| {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(values)
                .filter_map(|(f, v)| v.map(|v| (f.0.to_owned(), v)))
                .collect();
            pairs.extend(extra);
            for (at, value) in repeats {
                pairs.push((fields[at.index(fields.len())].0.to_owned(), value));
            }
            object(&pairs, spaced)
        })
        .boxed()
}

/// A line: a document, or one damaged byte-wise.
fn line(collection: Collection) -> BoxedStrategy<Vec<u8>> {
    let doc = move || document(collection).prop_map(String::into_bytes);
    prop_oneof![
        20 => doc(),
        2 => (doc(), any::<prop::sample::Index>()).prop_map(|(mut d, at)| {
            d.truncate(at.index(d.len()));
            d
        }),
        2 => (doc(), any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..3))
            .prop_map(|(mut d, at, bytes)| {
                let at = at.index(d.len() + 1);
                d.splice(at..at, bytes);
                d
            }),
        2 => (doc(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut d, at, b)| {
            let at = at.index(d.len());
            d[at] = b;
            d
        }),
        1 => (doc(), any::<prop::sample::Index>()).prop_map(|(mut d, at)| {
            let at = at.index(d.len());
            d.remove(at);
            d
        }),
        1 => (doc(), prop::sample::select(&[" ", "\t", "\r", "\u{c}", "\u{a0}"][..]))
            .prop_map(|(d, ws)| {
                let mut out = ws.as_bytes().to_vec();
                out.extend(d);
                out.extend(ws.as_bytes());
                out
            }),
    ]
    .boxed()
}

#[test]
fn the_scanner_and_the_full_path_agree_on_generated_and_mutated_documents() {
    let strategy = prop::sample::select(Collection::ALL.to_vec())
        .prop_flat_map(|c| prop::collection::vec(line(c), 1..16).prop_map(move |l| (c, l)));
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::default()
    });
    let (lines, scanned) = (Cell::new(0u64), Cell::new(0u64));
    runner
        .run(&strategy, |(collection, batch)| {
            // As a loader batch reads them: one after the other, the scanner learning their keys.
            let mut shape = Shape::default();
            for bytes in &batch {
                let (a, b) = both(collection, bytes);
                let line = String::from_utf8_lossy(bytes);
                prop_assert_eq!(&a, &b, "{} line {}", collection, line);
                let learnt = with_shape(collection, bytes, &mut shape);
                if let Some(judged) = &learnt {
                    prop_assert_eq!(judged, &b, "{} line {} after the others", collection, line);
                }
                lines.set(lines.get() + 1);
                scanned.set(scanned.get() + u64::from(learnt.is_some()));
            }
            Ok(())
        })
        .unwrap();
    // The property is not vacuous: a good share of the lines went through the scanner.
    let (lines, scanned) = (lines.get(), scanned.get());
    assert!(scanned * 5 > lines, "{scanned} of {lines} lines scanned");
}
