//! Tests of the decoder: every Extended JSON form of a value, every rejection reason with its field, a full
//! document of each collection, and the duplicate keys.

use bson::Bson;
use rust_decimal_macros_free::dec;

use super::{decode, dedupe_key, DecodeContext, DedupeKey};
use crate::model::{
    Collection, EventName, Invalid, InvalidReason, MoneyCurrency, PaymentMethod, Record,
};
use crate::store::memory::ingest::parse_extended_json;

/// Decimal literals without another dependency.
mod rust_decimal_macros_free {
    macro_rules! dec {
        ($s:literal) => {
            <rust_decimal::Decimal as std::str::FromStr>::from_str(stringify!($s)).unwrap()
        };
    }
    pub(crate) use dec;
}

fn ctx() -> DecodeContext {
    DecodeContext {
        now: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
}

fn json(collection: Collection, text: &str) -> Result<Record, Invalid> {
    let doc = parse_extended_json(text).unwrap();
    decode(collection, &doc, &ctx())
}

fn invalid(collection: Collection, text: &str) -> (String, InvalidReason) {
    let e = json(collection, text).expect_err("document should be invalid");
    (e.field.unwrap_or_default(), e.reason)
}

const OID: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a3b"}"#;
const UID: &str = r#"{"$oid":"65f1a2b3c4d5e6f708192a3c"}"#;

fn tx(extra: &str) -> String {
    format!(
        r#"{{"_id":{OID},"userId":{UID},"type":"recharge","amount":500,"currency":"coins","status":"completed","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}{extra}}}"#
    )
}

#[test]
fn user_relaxed_and_canonical_decode_alike() {
    let relaxed = format!(
        r#"{{"_id":{OID},"createdAt":{{"$date":"2026-03-01T05:00:00.123Z"}},"country":"np","username":"asha","ogLevel":2,"isBanned":false,"email":"a@b.c","passwordHash":"x"}}"#
    );
    let canonical = format!(
        r#"{{"_id":{OID},"createdAt":{{"$date":{{"$numberLong":"1772341200123"}}}},"country":"NP","username":"asha","ogLevel":{{"$numberInt":"2"}}}}"#
    );
    let a = json(Collection::Users, &relaxed).unwrap();
    let b = json(Collection::Users, &canonical).unwrap();
    assert_eq!(a, b);
    let Record::User(u) = a else {
        panic!("not a user")
    };
    assert_eq!(u.country.unwrap().as_str(), "NP");
    assert_eq!(u.username.as_deref(), Some("asha"));
    assert_eq!(u.created_at.timestamp_millis(), 1_772_341_200_123);
}

#[test]
fn user_defaults_and_missing_country() {
    let Record::User(u) = json(
        Collection::Users,
        &format!(r#"{{"_id":{OID},"createdAt":{{"$date":"2026-03-01T05:00:00Z"}},"country":""}}"#),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!((u.country, u.username), (None, None));
}

#[test]
fn numbers_in_every_extended_json_form() {
    for (amount, expected) in [
        (r#"500"#, dec!(500)),
        (r#"{"$numberInt":"500"}"#, dec!(500)),
        (r#"{"$numberLong":"5000000000"}"#, dec!(5000000000)),
        (r#"{"$numberDouble":"9.99"}"#, dec!(9.99)),
        (r#"9.99"#, dec!(9.99)),
        (r#"{"$numberDecimal":"1234.5678"}"#, dec!(1234.5678)),
        (r#"{"$numberDecimal":"1.5E+3"}"#, dec!(1500)),
    ] {
        let Record::Transaction(t) = json(
            Collection::Transactions,
            &tx("").replace("500", "X").replacen(
                "\"amount\":X",
                &format!("\"amount\":{amount}"),
                1,
            ),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(t.amount, expected, "{amount}");
    }
}

#[test]
fn coin_topup_keeps_money_in_metadata() {
    let text = tx(
        r#","paymentMethod":"esewa","metadata":{"amountPaid":{"$numberDouble":"499.5"},"currency":"NPR","country":"in","streamId":"65f1a2b3c4d5e6f708192a3d"}"#,
    );
    let Record::Transaction(t) = json(Collection::Transactions, &text).unwrap() else {
        panic!()
    };
    assert_eq!(t.coins(), Some(dec!(500)));
    assert_eq!(t.money(), Some((dec!(499.5), MoneyCurrency::Npr)));
    assert_eq!(t.payment_method, Some(PaymentMethod::Esewa));
    assert_eq!(t.country.unwrap().as_str(), "IN");
}

#[test]
fn negative_refund_is_valid_but_negative_recharge_is_not() {
    let refund = tx("")
        .replace("\"recharge\"", "\"refund\"")
        .replace("\"amount\":500", "\"amount\":-250")
        .replace("coins", "NPR");
    let Record::Transaction(t) = json(Collection::Transactions, &refund).unwrap() else {
        panic!()
    };
    assert_eq!(t.money(), Some((dec!(-250), MoneyCurrency::Npr)));
    let negative = tx("").replace("\"amount\":500", "\"amount\":-250");
    assert_eq!(
        invalid(Collection::Transactions, &negative),
        ("amount".into(), InvalidReason::NegativeValue)
    );
}

#[test]
fn every_reason_is_reported_with_its_field() {
    let t = Collection::Transactions;
    let cases: Vec<(Collection, String, (&str, InvalidReason))> = vec![
        (
            t,
            tx("").replace(r#","status":"completed""#, ""),
            ("status", InvalidReason::MissingField),
        ),
        (
            t,
            tx("").replace(r#""status":"completed""#, r#""status":null"#),
            ("status", InvalidReason::MissingField),
        ),
        (
            t,
            tx("").replace("\"amount\":500", "\"amount\":\"500\""),
            ("amount", InvalidReason::WrongType),
        ),
        (
            t,
            tx("").replace(OID, "\"65f1a2b3c4d5e6f708192a3b\""),
            ("_id", InvalidReason::WrongType),
        ),
        (
            t,
            tx("").replace(r#"{"$date":"2026-03-01T05:00:00Z"}"#, r#""2026-03-01""#),
            ("createdAt", InvalidReason::WrongType),
        ),
        (
            t,
            tx("").replace("\"recharge\"", "\"airdrop\""),
            ("type", InvalidReason::InvalidEnum),
        ),
        (
            t,
            tx(r#","paymentMethod":"bank""#),
            ("paymentMethod", InvalidReason::InvalidEnum),
        ),
        (
            t,
            tx("").replace("\"amount\":500", r#""amount":{"$numberDecimal":"5e28"}"#),
            ("amount", InvalidReason::OutOfRange),
        ),
        (
            t,
            tx("").replace("\"amount\":500", r#""amount":{"$numberDecimal":"9e40"}"#),
            ("amount", InvalidReason::OutOfRange),
        ),
        (
            t,
            tx(r#","metadata":{"country":7}"#),
            ("metadata.country", InvalidReason::WrongType),
        ),
        (
            t,
            tx(r#","metadata":"none""#),
            ("metadata", InvalidReason::WrongType),
        ),
        (
            t,
            tx(r#","fees":-1"#),
            ("fees", InvalidReason::NegativeValue),
        ),
        (
            t,
            tx("").replace("\"amount\":500", r#""amount":{"$numberDouble":"NaN"}"#),
            ("amount", InvalidReason::NonFinite),
        ),
        (
            t,
            tx("").replace(
                "\"amount\":500",
                r#""amount":{"$numberDecimal":"Infinity"}"#,
            ),
            ("amount", InvalidReason::NonFinite),
        ),
        (
            t,
            tx("").replace("2026-03-01T05:00:00Z", "1999-12-31T23:59:59Z"),
            ("createdAt", InvalidReason::DateOutOfRange),
        ),
        (
            t,
            tx("").replace("2026-03-01T05:00:00Z", "2026-11-25T00:00:01Z"),
            ("createdAt", InvalidReason::DateOutOfRange),
        ),
        (
            Collection::Livestreams,
            format!(
                r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":60,"totalViewers":2.5,"totalCoins":0,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("totalViewers", InvalidReason::WrongType),
        ),
        (
            Collection::Livestreams,
            format!(
                r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":60,"totalViewers":1e19,"totalCoins":0,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("totalViewers", InvalidReason::OutOfRange),
        ),
        (
            Collection::Livestreams,
            format!(
                r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":1e308,"totalViewers":3,"totalCoins":0,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("duration", InvalidReason::OutOfRange),
        ),
        (
            Collection::Analyticsevents,
            format!(
                r#"{{"_id":{OID},"eventType":"user_action","eventName":"session_end","timestamp":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("properties.durationSec", InvalidReason::MissingField),
        ),
        (
            Collection::Gamestakes,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"roundId":"r1","stakeAmount":10,"winAmount":0,"result":"draw","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("result", InvalidReason::InvalidEnum),
        ),
        (
            Collection::Gamerounds,
            r#"{"roundId":"r1","durationSec":{"$numberDouble":"-Infinity"}}"#.to_owned(),
            ("durationSec", InvalidReason::NonFinite),
        ),
        (
            Collection::Moderationflags,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"contentType":"text","action":"ban","status":"pending","createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("action", InvalidReason::InvalidEnum),
        ),
        (
            Collection::Messages,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}}}"#
            ),
            ("roomId", InvalidReason::MissingField),
        ),
    ];
    for (collection, text, (field, reason)) in cases {
        assert_eq!(
            invalid(collection, &text),
            (field.to_owned(), reason),
            "{text}"
        );
    }
}

#[test]
fn every_collection_decodes_a_full_document() {
    let date = r#"{"$date":"2026-03-01T05:00:00Z"}"#;
    let docs = [
        (
            Collection::Livestreams,
            format!(
                r#"{{"_id":{OID},"hostId":{UID},"status":"ended","startedAt":{date},"endedAt":null,"duration":3600.5,"totalViewers":40,"peakViewers":12,"totalGifts":3,"totalCoins":{{"$numberLong":"900"}},"totalLikes":5,"totalComments":9,"country":"NP","createdAt":{date},"streamKey":"secret"}}"#
            ),
        ),
        (
            Collection::Messages,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"roomId":{UID},"isDeleted":true,"content":"hi","createdAt":{date}}}"#
            ),
        ),
        (
            Collection::Gamestakes,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"gameId":{UID},"roundId":"r-1","stakeAmount":10,"winAmount":{{"$numberDouble":"19.5"}},"result":"won","metadata":{{"country":"BD"}},"createdAt":{date}}}"#
            ),
        ),
        (
            Collection::Gamerounds,
            format!(
                r#"{{"_id":{OID},"roundId":"r-1","startAt":{date},"endAt":{date},"durationSec":{{"$numberInt":"45"}}}}"#
            ),
        ),
        (
            Collection::Moderationflags,
            format!(
                r#"{{"_id":{OID},"userId":{UID},"contentType":"stream","action":"block","status":"resolved","reviewedAt":{date},"createdAt":{date}}}"#
            ),
        ),
        (
            Collection::Analyticsevents,
            format!(
                r#"{{"_id":{OID},"userId":null,"eventType":"user_action","eventName":"session_end","sessionId":"s1","properties":{{"durationSec":300,"ip":"10.0.0.1"}},"location":{{"country":"au"}},"timestamp":{date}}}"#
            ),
        ),
    ];
    for (collection, text) in docs {
        let record = json(collection, &text).unwrap_or_else(|e| panic!("{collection}: {e}"));
        // The same document in canonical mode decodes to the same record.
        let canonical = Bson::Document(parse_extended_json(&text).unwrap())
            .into_canonical_extjson()
            .to_string();
        assert!(
            canonical.contains("$numberInt") || canonical.contains("$numberLong"),
            "{canonical}"
        );
        assert_eq!(
            json(collection, &canonical).unwrap(),
            record,
            "{collection} canonical"
        );
        assert!(record.primary_date().is_some());
        if let Record::AnalyticsEvent(e) = &record {
            assert_eq!(
                (e.user_id, e.duration_sec, e.event_name.clone()),
                (None, Some(300.0), EventName::SessionEnd)
            );
            assert_eq!(e.country.unwrap().as_str(), "AU");
        }
        if let Record::Livestream(s) = &record {
            assert_eq!((s.total_coins, s.duration_sec), (dec!(900), 3600.5));
        }
    }
}

#[test]
fn the_fast_parser_reads_every_form_like_bsons_extended_json_conversion() {
    let samples = [
        r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a3b"},"d":{"$date":"2026-03-01T05:00:00.123Z"},"c":{"$date":{"$numberLong":"1772341200123"}}}"#,
        r#"{"a":{"$numberInt":"5"},"b":{"$numberLong":"5000000000"},"c":{"$numberDouble":"NaN"},"d":{"$numberDouble":"-Infinity"},"e":{"$numberDecimal":"1.5E+3"}}"#,
        r#"{"a":1,"b":-2,"c":2.5,"d":null,"e":true,"f":"s","g":[1,{"h":{"$oid":"65f1a2b3c4d5e6f708192a3b"}}],"m":{"n":{"$date":"1999-12-31T23:59:59Z"}}}"#,
    ];
    for text in samples {
        let fast = match serde_json::from_str::<Bson>(text).unwrap() {
            Bson::Document(d) => d,
            other => panic!("{other:?}"),
        };
        let slow = match Bson::try_from(serde_json::from_str::<serde_json::Value>(text).unwrap())
            .unwrap()
        {
            Bson::Document(d) => d,
            other => panic!("{other:?}"),
        };
        for (k, v) in &slow {
            let f = &fast[k];
            let same = match (v, f) {
                // Relaxed integers may come out as Int32 on one path and Int64 on the other.
                (Bson::Int32(a), Bson::Int64(b)) | (Bson::Int64(b), Bson::Int32(a)) => {
                    i64::from(*a) == *b
                }
                (Bson::Double(a), Bson::Double(b)) if a.is_nan() => b.is_nan(),
                _ => v == f,
            };
            assert!(same, "{k}: {v:?} vs {f:?}");
        }
        assert_eq!(fast.len(), slow.len());
    }
    // Malformed Extended JSON is still rejected with a reason.
    let err = parse_extended_json(r#"{"a":{"$numberLong":5}}"#).unwrap_err();
    assert!(err.contains("Extended JSON"), "{err}");
}

#[test]
fn gamerounds_are_keyed_by_round_id() {
    let doc = parse_extended_json(
        r#"{"_id":{"$oid":"65f1a2b3c4d5e6f708192a3b"},"roundId":"r-9","durationSec":3}"#,
    )
    .unwrap();
    assert_eq!(
        dedupe_key(Collection::Gamerounds, &doc),
        Some(DedupeKey::Text("r-9".into()))
    );
    assert!(matches!(
        dedupe_key(Collection::Users, &doc),
        Some(DedupeKey::Oid(_))
    ));
}

#[test]
fn unknown_countries_and_og_tiers_keep_the_document_with_a_warning() {
    use crate::model::{decode_with_warnings, Warning, WarningReason};
    let og = |meta: &str| {
        tx(meta)
            .replace("\"recharge\"", "\"og_subscription\"")
            .replace("\"coins\"", "\"NPR\"")
    };
    let judge = |text: &str| {
        let doc = parse_extended_json(text).unwrap();
        decode_with_warnings(Collection::Transactions, &doc, &ctx()).unwrap()
    };
    for (meta, tier, warnings) in [
        (r#","metadata":{"ogTier":3}"#, Some(3), vec![]),
        (
            r#","metadata":{"ogTier":7}"#,
            None,
            vec![("metadata.ogTier", WarningReason::UnknownOgTier)],
        ),
        (
            r#","metadata":{"ogTier":"gold","country":"QQ"}"#,
            None,
            vec![
                ("metadata.ogTier", WarningReason::UnknownOgTier),
                ("metadata.country", WarningReason::UnknownCountry),
            ],
        ),
        (r#","metadata":{}"#, None, vec![]),
    ] {
        let (record, got) = judge(&og(meta));
        let Record::Transaction(t) = record else {
            panic!("not a transaction")
        };
        assert_eq!(t.og_tier, tier, "{meta}");
        // A present but unknown code is an unknown country, not "no country" (no fallback to the user).
        let unknown = meta
            .contains("QQ")
            .then_some(crate::model::Country::UNRECOGNISED);
        assert_eq!(t.country, unknown, "{meta}");
        let want: Vec<Warning> = warnings
            .into_iter()
            .map(|(field, reason)| Warning { field, reason })
            .collect();
        assert_eq!(got, want, "{meta}");
    }
    // A recharge's tier is nobody's concern: no warning.
    let (_, got) = judge(&tx(r#","metadata":{"ogTier":9}"#));
    assert!(got.is_empty());
    // Hostile text is shown short and escaped.
    let e = invalid(
        Collection::Transactions,
        &tx("").replace(
            "\"recharge\"",
            &format!("\"\\u001b[31m{}\"", "x".repeat(500)),
        ),
    );
    assert_eq!(e.1, InvalidReason::InvalidEnum);
    let shown = json(
        Collection::Transactions,
        &tx("").replace(
            "\"recharge\"",
            &format!("\"\\u001b[31m{}\"", "x".repeat(500)),
        ),
    )
    .unwrap_err()
    .detail;
    assert!(!shown.contains('\u{1b}') && shown.len() < 200, "{shown}");
}

#[test]
fn a_country_is_an_assigned_iso_code_in_any_case() {
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let code = String::from_utf8(vec![a, b]).unwrap();
            let assigned = rust_iso3166::from_alpha2(&code).is_some();
            assert_eq!(
                crate::model::Country::parse(&code).is_some(),
                assigned,
                "{code}"
            );
            let lower = format!(" {} ", code.to_lowercase());
            assert_eq!(
                crate::model::Country::parse(&lower).is_some(),
                assigned,
                "{lower}"
            );
        }
    }
    assert_eq!(crate::model::Country::parse("n1"), None);
    assert_eq!(crate::model::Country::parse("NPL"), None);
}

#[test]
fn host_performance_fields_never_reject_a_document() {
    use crate::model::{decode_with_warnings, StreamCounters, WarningReason};
    let stream = |extra: &str| {
        format!(
            r#"{{"_id":{OID},"hostId":{UID},"status":"ended","duration":60,"totalViewers":3,"totalCoins":0,"createdAt":{{"$date":"2026-03-01T05:00:00Z"}}{extra}}}"#
        )
    };
    let judge = |collection, text: &str| {
        let doc = parse_extended_json(text).unwrap();
        decode_with_warnings(collection, &doc, &ctx()).expect("valid")
    };
    let (r, w) = judge(
        Collection::Livestreams,
        &stream(r#","peakViewers":7,"totalGifts":2,"totalLikes":9,"totalComments":4"#),
    );
    let Record::Livestream(s) = r else {
        panic!("not a stream")
    };
    assert!(w.is_empty());
    let want = StreamCounters {
        peak_viewers: 7,
        gifts: 2,
        likes: 9,
        comments: 4,
    };
    assert_eq!(s.counters, want);
    for bad in [
        r#","peakViewers":-1"#,
        r#","peakViewers":2.5"#,
        r#","peakViewers":"many""#,
        r#","peakViewers":1e19"#,
        r#","peakViewers":{"$numberDouble":"NaN"}"#,
    ] {
        let (r, w) = judge(Collection::Livestreams, &stream(bad));
        let Record::Livestream(s) = r else {
            panic!("not a stream")
        };
        assert_eq!(s.counters.peak_viewers, 0, "{bad}");
        assert_eq!(s.total_viewers, 3, "{bad}");
        assert_eq!(w.len(), 1, "{bad}");
        assert_eq!(w[0].field, "peakViewers");
        assert_eq!(w[0].reason, WarningReason::IgnoredValue);
    }
    let gift = |meta: &str| tx(meta).replace("\"recharge\"", "\"gift_sent\"");
    for (meta, id, warned) in [
        (
            r#","metadata":{"streamId":{"$oid":"65f1a2b3c4d5e6f708192a3d"}}"#,
            true,
            false,
        ),
        (
            r#","metadata":{"streamId":"65f1a2b3c4d5e6f708192a3d"}"#,
            true,
            false,
        ),
        (r#","metadata":{"streamId":"stream-1"}"#, false, true),
        (r#","metadata":{"streamId":42}"#, false, true),
        (r#","metadata":{}"#, false, false),
    ] {
        let (r, w) = judge(Collection::Transactions, &gift(meta));
        let Record::Transaction(t) = r else {
            panic!("not a transaction")
        };
        assert_eq!(
            t.stream_id.map(|o| o.to_hex()),
            id.then(|| "65f1a2b3c4d5e6f708192a3d".to_owned()),
            "{meta}"
        );
        assert_eq!(!w.is_empty(), warned, "{meta}");
    }
}
