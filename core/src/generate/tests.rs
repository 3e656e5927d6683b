//! Tests of the generator: determinism, window, manifest accounting, file formats, the revenue drop, and
//! the plausibility of the data (checked through the crate's own validating decoder).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;

use bson::{Bson, Document};
use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::model::decode::{decode, dedupe_key, DecodeContext};
use crate::model::Record;
use crate::quality::InvalidReason;

/// A sink that keeps everything, in order.
#[derive(Default)]
struct Capture(Vec<(Collection, Document)>);

impl DocumentSink for Capture {
    fn accept(&mut self, collection: Collection, doc: Document) -> Result<()> {
        self.0.push((collection, doc));
        Ok(())
    }
}

fn small() -> GeneratorConfig {
    GeneratorConfig {
        users: 400,
        days: 10,
        ..GeneratorConfig::default()
    }
}

fn capture(config: &GeneratorConfig) -> (GenerationManifest, Vec<(Collection, Document)>) {
    let mut sink = Capture::default();
    let manifest = generate(config, &mut sink, &mut |_, _| {}).unwrap();
    (manifest, sink.0)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn lines(bytes: &[u8]) -> Vec<String> {
    BufReader::new(bytes)
        .lines()
        .map(Result::unwrap)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let config = small();
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    write_directory(
        &config,
        a.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    write_directory(
        &config,
        b.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    let other = GeneratorConfig { seed: 43, ..config };
    write_directory(
        &other,
        c.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    let (fa, fb, fc) = (files(a.path()), files(b.path()), files(c.path()));
    assert_eq!(fa.len(), 9, "8 collections + manifest: {:?}", fa.keys());
    assert_eq!(fa, fb);
    for name in ["users.json", "transactions.json", "analyticsevents.json"] {
        assert_ne!(fa[name], fc[name], "{name}");
    }
    // Gzip output is deterministic too.
    let (g1, g2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_directory(
        &config,
        g1.path(),
        ExtJsonMode::Canonical,
        true,
        &mut |_, _| {},
    )
    .unwrap();
    write_directory(
        &config,
        g2.path(),
        ExtJsonMode::Canonical,
        true,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(files(g1.path()), files(g2.path()));
}

#[test]
fn default_window_crosses_the_sydney_dst_end() {
    let dst_day = date(2026, 4, 5);
    // The transition, 2026-04-05 03:00 AEDT, is 2026-04-04T16:00Z.
    let transition: DateTime<Utc> = "2026-04-04T16:00:00Z".parse().unwrap();
    for days in [1, 2, 3, 7, 14, 30, 31, 60, 90, 365] {
        let config = GeneratorConfig {
            days,
            ..GeneratorConfig::default()
        };
        let (start, end) = (config.start_date(), config.end_date());
        assert_eq!((end - start).num_days() + 1, i64::from(days));
        assert!(
            start <= dst_day && dst_day <= end,
            "{days}: {start}..={end}"
        );
        if days >= 2 {
            let from = start.and_hms_opt(0, 0, 0).unwrap().and_utc();
            let to = end
                .succ_opt()
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            assert!(from <= transition && transition < to, "{days}");
        }
        config.validate().unwrap();
    }
    assert_eq!(GeneratorConfig::default().start_date(), date(2026, 3, 6));
    assert_eq!(GeneratorConfig::default().end_date(), date(2026, 5, 4));
    let fixed = GeneratorConfig {
        start: Some(date(2025, 1, 1)),
        days: 31,
        ..GeneratorConfig::default()
    };
    assert_eq!(
        (fixed.start_date(), fixed.end_date()),
        (date(2025, 1, 1), date(2025, 1, 31))
    );
}

#[test]
fn validate_rejects_bad_configs() {
    let ok = GeneratorConfig::default();
    ok.validate().unwrap();
    let drop = |day, pct| Some(RevenueDrop { day, pct });
    let bad = [
        GeneratorConfig {
            users: 0,
            ..ok.clone()
        },
        GeneratorConfig {
            days: 0,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: -0.1,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: 0.6,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: f64::NAN,
            ..ok.clone()
        },
        GeneratorConfig {
            duplicate_rate: 0.51,
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 3, 5), 50.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 5, 5), 50.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), 0.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), 100.5),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), f64::NAN),
            ..ok.clone()
        },
        GeneratorConfig {
            start: Some(date(1999, 6, 1)),
            ..ok.clone()
        },
        GeneratorConfig {
            start: Some(date(2099, 12, 1)),
            ..ok.clone()
        },
        GeneratorConfig {
            days: u32::MAX,
            ..ok.clone()
        },
    ];
    for config in bad {
        let err = config.validate().expect_err(&format!("{config:?}"));
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert!(generate(&config, &mut Capture::default(), &mut |_, _| {}).is_err());
    }
    for (day, pct) in [(date(2026, 3, 6), 100.0), (date(2026, 5, 4), 0.5)] {
        GeneratorConfig {
            revenue_drop: drop(day, pct),
            ..ok.clone()
        }
        .validate()
        .unwrap();
    }
}

#[test]
fn manifest_counts_add_up_and_match_the_files() {
    let config = GeneratorConfig {
        invalid_rate: 0.05,
        duplicate_rate: 0.02,
        ..small()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut calls = Vec::new();
    let manifest = write_directory(
        &config,
        dir.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |d, t| calls.push((d, t)),
    )
    .unwrap();
    assert_eq!(calls, (1..=10).map(|d| (d, 10)).collect::<Vec<_>>());
    assert_eq!(
        manifest
            .collections
            .iter()
            .map(|c| c.collection)
            .collect::<Vec<_>>(),
        Collection::ALL
    );
    assert_eq!(
        (manifest.users, manifest.days, manifest.seed),
        (400, 10, 42)
    );
    assert_eq!(manifest.collection(Collection::Users).unwrap().valid, 400);
    for c in &manifest.collections {
        assert_eq!(
            c.documents,
            c.valid + c.invalid_total() + c.duplicates,
            "{:?}",
            c.collection
        );
        let text = std::fs::read(dir.path().join(format!("{}.json", c.collection.name()))).unwrap();
        assert_eq!(lines(&text).len() as u64, c.documents, "{:?}", c.collection);
        assert!(c.valid > 0, "{:?}", c.collection);
        let mut sorted = c.invalid.clone();
        sorted.sort_by(|a, b| (&a.field, a.reason).cmp(&(&b.field, b.reason)));
        assert_eq!(sorted, c.invalid);
        if c.valid >= 200 {
            assert!(
                c.invalid_total() > 0 && c.duplicates > 0,
                "{:?}",
                c.collection
            );
        }
    }
    // The manifest on disk is the one returned.
    let text = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    let read: GenerationManifest = serde_json::from_str(&text).unwrap();
    assert_eq!(read, manifest);
    assert!(
        text.contains("\"revenueDrop\": null") && text.contains("\"start\": \"2026-03-31\""),
        "{text}"
    );

    // Without injection, nothing is invalid or duplicated.
    let clean = GeneratorConfig {
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..small()
    };
    let (m, _) = capture(&clean);
    assert!(m
        .collections
        .iter()
        .all(|c| c.invalid.is_empty() && c.duplicates == 0 && c.documents == c.valid));
}

#[test]
fn gzip_output_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = write_directory(
        &small(),
        dir.path(),
        ExtJsonMode::Relaxed,
        true,
        &mut |_, _| {},
    )
    .unwrap();
    for c in &manifest.collections {
        let path = dir.path().join(format!("{}.json.gz", c.collection.name()));
        assert!(!dir
            .path()
            .join(format!("{}.json", c.collection.name()))
            .exists());
        let reader = BufReader::new(flate2::read::MultiGzDecoder::new(
            std::fs::File::open(&path).unwrap(),
        ));
        let mut n = 0;
        for line in reader.lines() {
            let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            assert!(value.is_object());
            n += 1;
        }
        assert_eq!(n, c.documents, "{:?}", c.collection);
    }
    // Writing plain files into the same directory replaces the gzip ones (never two files per collection).
    write_directory(
        &small(),
        dir.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    assert!(!dir.path().join("users.json.gz").exists() && dir.path().join("users.json").exists());
}

#[test]
fn every_collection_file_exists_even_when_empty() {
    let dir = tempfile::tempdir().unwrap();
    let writer =
        DirectoryWriter::create(&dir.path().join("nested/out"), ExtJsonMode::Relaxed, false)
            .unwrap();
    assert_eq!(writer.paths().len(), 8);
    writer.finish().unwrap();
    for c in Collection::ALL {
        let path = dir.path().join(format!("nested/out/{}.json", c.name()));
        assert_eq!(std::fs::metadata(path).unwrap().len(), 0);
    }
}

#[test]
fn canonical_and_relaxed_number_forms() {
    let config = small();
    let (relaxed, canonical) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_directory(
        &config,
        relaxed.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    write_directory(
        &config,
        canonical.path(),
        ExtJsonMode::Canonical,
        false,
        &mut |_, _| {},
    )
    .unwrap();
    let (r, c) = (files(relaxed.path()), files(canonical.path()));
    let all = |f: &BTreeMap<String, Vec<u8>>| {
        f.iter()
            .filter(|(k, _)| *k != "manifest.json")
            .flat_map(|(_, v)| {
                String::from_utf8(v.clone())
                    .unwrap()
                    .lines()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (r, c) = (all(&r), all(&c));
    for form in ["$numberInt", "$numberLong", "$numberDouble"] {
        assert!(c.contains(form), "canonical lacks {form}");
    }
    assert!(!r.contains("$numberInt") && !r.contains("$numberLong"));
    assert!(r.contains(r#"{"$date":"2026-"#) && !c.contains(r#"{"$date":"2026-"#));
    assert!(r.contains(r#"{"$oid":""#) && c.contains(r#"{"$oid":""#));
    // Both read back as the same records (or the same rejections).
    let ctx = DecodeContext {
        now: "2026-11-24T00:00:00Z".parse().unwrap(),
    };
    let judge_file = |dir: &Path,
                      c: Collection|
     -> Vec<std::result::Result<Record, (Option<String>, InvalidReason)>> {
        let text = std::fs::read(dir.join(format!("{}.json", c.name()))).unwrap();
        lines(&text)
            .iter()
            .map(|l| {
                let Bson::Document(d) =
                    Bson::try_from(serde_json::from_str::<serde_json::Value>(l).unwrap()).unwrap()
                else {
                    panic!("not a document: {l}")
                };
                decode(c, &d, &ctx).map_err(|e| (e.field, e.reason))
            })
            .collect()
    };
    for c in Collection::ALL {
        assert_eq!(
            judge_file(relaxed.path(), c),
            judge_file(canonical.path(), c),
            "{c:?}"
        );
    }
}

/// Counts `recharge` transactions by UTC day.
fn recharges_by_day(docs: &[(Collection, Document)]) -> BTreeMap<NaiveDate, u64> {
    let mut out = BTreeMap::new();
    for (c, d) in docs {
        if *c == Collection::Transactions && d.get_str("type").ok() == Some("recharge") {
            // Reporting days (Australia/Sydney), the days the drop is defined on.
            let at = d.get_datetime("createdAt").unwrap().to_chrono();
            *out.entry(crate::calendar::Calendar::default().day_of(at))
                .or_default() += 1;
        }
    }
    out
}

#[test]
fn revenue_drop_lowers_that_days_recharges_only() {
    let base = GeneratorConfig {
        users: 5000,
        days: 14,
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..GeneratorConfig::default()
    };
    let day = base.start_date() + chrono::Days::new(9);
    let dropped = GeneratorConfig {
        revenue_drop: Some(RevenueDrop { day, pct: 60.0 }),
        ..base.clone()
    };
    let (_, without) = capture(&base);
    let (manifest, with) = capture(&dropped);
    assert_eq!(manifest.revenue_drop, dropped.revenue_drop);
    let (a, b) = (recharges_by_day(&without), recharges_by_day(&with));
    let (before, after) = (a[&day], b.get(&day).copied().unwrap_or(0));
    assert!(before >= 20, "too few recharges to test: {before}");
    assert!((after as f64) < before as f64 * 0.6, "{after} of {before}");
    assert!((after as f64) > before as f64 * 0.2, "{after} of {before}");
    // Nothing else changes: every other day has the same recharges.
    for (d, n) in &a {
        if *d != day {
            assert_eq!(b.get(d), Some(n), "{d}");
        }
    }
    // OG purchases are dropped too, never raised.
    let og = |docs: &[(Collection, Document)]| {
        docs.iter()
            .filter(|(c, d)| {
                *c == Collection::Transactions
                    && matches!(d.get_str("type"), Ok("og_subscription" | "subscription"))
                    && crate::calendar::Calendar::default()
                        .day_of(d.get_datetime("createdAt").unwrap().to_chrono())
                        == day
            })
            .count()
    };
    assert!(og(&with) <= og(&without));
}

/// The per-collection (field, reason) tallies the decoder gives, deduplicating as the loader does.
#[derive(Debug, Default, PartialEq)]
struct Judged {
    valid: u64,
    invalid: BTreeMap<(String, InvalidReason), u64>,
    duplicates: u64,
}

fn judge(
    docs: &[(Collection, Document)],
    ctx: &DecodeContext,
) -> (BTreeMap<Collection, Judged>, Vec<Record>) {
    let mut seen: HashSet<(Collection, String)> = HashSet::new();
    let mut out: BTreeMap<Collection, Judged> = BTreeMap::new();
    let mut records = Vec::new();
    for (c, d) in docs {
        let j = out.entry(*c).or_default();
        if let Some(key) = dedupe_key(*c, d) {
            if !seen.insert((*c, key.to_string())) {
                j.duplicates += 1;
                continue;
            }
        }
        match decode(*c, d, ctx) {
            Ok(r) => {
                j.valid += 1;
                records.push(r);
            }
            Err(e) => {
                *j.invalid
                    .entry((e.field.unwrap_or_default(), e.reason))
                    .or_default() += 1
            }
        }
    }
    (out, records)
}

#[test]
fn the_decoder_agrees_with_the_manifest() {
    let config = GeneratorConfig {
        users: 1500,
        days: 21,
        invalid_rate: 0.03,
        duplicate_rate: 0.01,
        ..GeneratorConfig::default()
    };
    let (manifest, docs) = capture(&config);
    let end = config.end_date().and_hms_opt(0, 0, 0).unwrap().and_utc();
    // Validated as of the window's last day, so that "now + 1 day" is the tightest bound.
    let ctx = DecodeContext { now: end };
    let (judged, records) = judge(&docs, &ctx);
    let mut kinds_seen = 0;
    for c in &manifest.collections {
        let j = &judged[&c.collection];
        let expected: BTreeMap<(String, InvalidReason), u64> = c
            .invalid
            .iter()
            .map(|i| ((i.field.clone().unwrap_or_default(), i.reason), i.count))
            .collect();
        assert_eq!(j.valid, c.valid, "{:?}", c.collection);
        assert_eq!(j.duplicates, c.duplicates, "{:?}", c.collection);
        assert_eq!(j.invalid, expected, "{:?}", c.collection);
        kinds_seen += expected.len();
        // Every kind injectable into the collection shows up once there are enough invalid documents.
        let injectable = super::emit::injectable(c.collection);
        if c.invalid_total() >= injectable.len() as u64 {
            assert_eq!(
                expected.len(),
                injectable.iter().collect::<HashSet<_>>().len(),
                "{:?}",
                c.collection
            );
        }
    }
    assert!(kinds_seen >= 40, "{kinds_seen}");
    // Every valid date lies between a year before the window and the end of the window (the decoder
    // above, whose bound is the end of the window here, has checked the secondary dates).
    let low = (config.start_date() - chrono::Days::new(366))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let high = end + chrono::Duration::days(1);
    for r in &records {
        let t = r.primary_date().unwrap();
        assert!(low <= t && t < high, "{r:?}");
    }
}

/// Plausibility of the valid data: shares, joins and consistency the metrics rely on.
#[test]
fn the_data_looks_like_halobuzz() {
    let config = GeneratorConfig {
        users: 3000,
        days: 30,
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..GeneratorConfig::default()
    };
    let (manifest, docs) = capture(&config);
    assert_eq!(manifest.total_documents(), docs.len() as u64);
    let start = config.start_date().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let by = |c: Collection| docs.iter().filter(move |(x, _)| *x == c).map(|(_, d)| d);

    // ObjectIds: unique, first 4 bytes = creation time.
    let mut ids = HashSet::new();
    for (c, d) in &docs {
        let id = d.get_object_id("_id").unwrap();
        assert!(ids.insert(id), "duplicate id in {c:?}");
        let primary = d
            .get_datetime(c.primary_date_field())
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            id.timestamp().timestamp_millis(),
            primary / 1000 * 1000,
            "{c:?} {d}"
        );
    }

    // Users: ~35% before the window, mostly Nepal, ~3% without a country, private fields present.
    let users: Vec<&Document> = by(Collection::Users).collect();
    assert_eq!(users.len(), 3000);
    let share = |n: usize| n as f64 / users.len() as f64;
    let pre = users
        .iter()
        .filter(|u| u.get_datetime("createdAt").unwrap().to_chrono() < start)
        .count();
    assert!((0.33..0.37).contains(&share(pre)), "{pre}");
    let np = users
        .iter()
        .filter(|u| u.get_str("country").ok() == Some("NP"))
        .count();
    assert!((0.65..0.75).contains(&share(np)), "{np}");
    let none = users.iter().filter(|u| !u.contains_key("country")).count();
    assert!((0.015..0.05).contains(&share(none)), "{none}");
    assert!(users.iter().all(|u| u.contains_key("email")
        && u.contains_key("passwordHash")
        && u.contains_key("phone")));
    let user_country: HashMap<_, _> = users
        .iter()
        .map(|u| (u.get_object_id("_id").unwrap(), u.get_str("country").ok()))
        .collect();

    // Sessions come in pairs with a duration.
    let events: Vec<&Document> = by(Collection::Analyticsevents).collect();
    let name = |e: &&Document| e.get_str("eventName").unwrap_or_default().to_owned();
    let starts: HashSet<&str> = events
        .iter()
        .filter(|e| name(e) == "session_start")
        .map(|e| e.get_str("sessionId").unwrap())
        .collect();
    let ends: Vec<&&Document> = events.iter().filter(|e| name(e) == "session_end").collect();
    assert_eq!(starts.len(), ends.len());
    assert!(ends
        .iter()
        .all(|e| starts.contains(e.get_str("sessionId").unwrap())
            && e.get_document("properties")
                .unwrap()
                .contains_key("durationSec")));
    let names: HashSet<String> = events.iter().map(name).collect();
    for n in [
        "battle_joined",
        "user_banned",
        "user_unbanned",
        "api_error",
        "profile_view",
    ] {
        assert!(names.contains(n), "no {n}");
    }
    assert!(events
        .iter()
        .any(|e| e.get_str("eventType").ok() == Some("error_event")
            && e.get("userId").is_none_or(|u| *u == Bson::Null)));

    // Streams: totalCoins is the sum of the completed gifts sent in them; messages are in streams.
    let streams: HashMap<_, &Document> = by(Collection::Livestreams)
        .map(|s| (s.get_object_id("_id").unwrap(), s))
        .collect();
    assert!(streams.len() > 100);
    let statuses: HashSet<&str> = streams
        .values()
        .map(|s| s.get_str("status").unwrap())
        .collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    let mut coins: HashMap<_, i64> = HashMap::new();
    let txs: Vec<&Document> = by(Collection::Transactions).collect();
    let (mut sent, mut received, mut as_string) = (0, 0, 0);
    for t in &txs {
        let kind = t.get_str("type").unwrap();
        if kind == "gift_sent" || kind == "gift_received" {
            let stream = match t.get_document("metadata").unwrap().get("streamId").unwrap() {
                Bson::ObjectId(o) => *o,
                Bson::String(s) => {
                    as_string += 1;
                    bson::oid::ObjectId::parse_str(s).unwrap()
                }
                other => panic!("{other:?}"),
            };
            assert!(streams.contains_key(&stream));
            if kind == "gift_sent" {
                sent += 1;
                if t.get_str("status").ok() == Some("completed") {
                    *coins.entry(stream).or_default() += i64::from(t.get_i32("amount").unwrap());
                }
            } else {
                received += 1;
            }
        }
    }
    assert_eq!(sent, received);
    assert!(sent > 500 && as_string > 0 && as_string < sent);
    for (id, s) in &streams {
        assert_eq!(
            s.get_i64("totalCoins").unwrap(),
            coins.get(id).copied().unwrap_or(0)
        );
    }
    let messages: Vec<&Document> = by(Collection::Messages).collect();
    assert!(messages
        .iter()
        .all(|m| streams.contains_key(&m.get_object_id("roomId").unwrap())));
    let deleted = messages
        .iter()
        .filter(|m| m.get_bool("isDeleted").ok() == Some(true))
        .count();
    assert!((0.03..0.07).contains(&(deleted as f64 / messages.len() as f64)));

    // Top-ups: every form appears, and the payment methods follow the mix.
    let recharges: Vec<&&Document> = txs
        .iter()
        .filter(|t| t.get_str("type").ok() == Some("recharge"))
        .collect();
    assert!(recharges.len() > 300, "{}", recharges.len());
    let coin_form = recharges
        .iter()
        .filter(|t| t.get_str("currency").ok() == Some("coins"))
        .count();
    let npr_form = recharges
        .iter()
        .filter(|t| t.get_str("currency").ok() == Some("NPR"))
        .count();
    let null_method = recharges
        .iter()
        .filter(|t| t.get("paymentMethod") == Some(&Bson::Null))
        .count();
    assert!(coin_form > npr_form && npr_form > 0 && null_method > 0);
    let mut methods: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &recharges {
        if let Ok(m) = t.get_str("paymentMethod") {
            *methods.entry(m).or_default() += 1;
        }
        if t.get_str("currency").ok() == Some("coins") {
            let meta = t.get_document("metadata").unwrap();
            let paid = meta.get_str("currency").unwrap();
            if let Ok(method) = t.get_str("paymentMethod") {
                assert_eq!(
                    paid == "USD",
                    method == "stripe" || method == "paypal",
                    "{t}"
                );
            }
            assert!(meta.contains_key("amountPaid"));
        }
    }
    let esewa = methods["esewa"] as f64 / methods.values().sum::<usize>() as f64;
    assert!((0.38..0.55).contains(&esewa), "{methods:?}");
    for m in ["khalti", "stripe", "paypal"] {
        assert!(methods[m] > 0);
    }

    // Every transaction type, refunds in both signs, and some recorded countries differing from the user's.
    let types: HashSet<&str> = txs.iter().map(|t| t.get_str("type").unwrap()).collect();
    for t in [
        "recharge",
        "og_subscription",
        "subscription",
        "gift_sent",
        "gift_received",
        "og_bonus",
        "refund",
        "withdrawal",
        "tip",
        "platform_fee",
    ] {
        assert!(types.contains(t), "no {t}");
    }
    let refunds: Vec<&&Document> = txs
        .iter()
        .filter(|t| t.get_str("type").ok() == Some("refund"))
        .collect();
    let negative = |t: &&&Document| match t.get("amount") {
        Some(Bson::Int32(v)) => *v < 0,
        Some(Bson::Double(v)) => *v < 0.0,
        _ => false,
    };
    assert!(refunds.iter().any(negative) && !refunds.iter().all(negative));
    let foreign = txs
        .iter()
        .filter(|t| {
            let own = user_country[&t.get_object_id("userId").unwrap()];
            t.get_document("metadata")
                .ok()
                .and_then(|m| m.get_str("country").ok())
                .is_some_and(|c| Some(c) != own)
        })
        .count();
    assert!(foreign > 0);
    let statuses: HashSet<&str> = txs.iter().map(|t| t.get_str("status").unwrap()).collect();
    assert_eq!(statuses.len(), 4);

    // Stakes join rounds; results and wins are consistent.
    let rounds: HashSet<&str> = by(Collection::Gamerounds)
        .map(|r| r.get_str("roundId").unwrap())
        .collect();
    let stakes: Vec<&Document> = by(Collection::Gamestakes).collect();
    assert!(stakes.len() > 500);
    for s in &stakes {
        assert!(rounds.contains(s.get_str("roundId").unwrap()));
        let won = s.get_str("result").ok() == Some("won");
        assert_eq!(won, s.get("winAmount") != Some(&Bson::Int32(0)), "{s}");
    }

    // Moderation: some reviewed flags with reviewedAt, at least one abuse hour over 50 flags.
    let flags: Vec<&Document> = by(Collection::Moderationflags).collect();
    let mut per_hour: HashMap<i64, usize> = HashMap::new();
    for f in &flags {
        let status = f.get_str("status").unwrap();
        let reviewed = matches!(f.get("reviewedAt"), Some(Bson::DateTime(_)));
        assert_eq!(
            reviewed,
            status == "reviewed" || status == "resolved",
            "{f}"
        );
        *per_hour
            .entry(f.get_datetime("createdAt").unwrap().timestamp_millis() / 3_600_000)
            .or_default() += 1;
    }
    assert!(per_hour.values().any(|n| *n > 50));
    let mut errors_per_hour: HashMap<i64, usize> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.get_str("eventType").ok() == Some("error_event"))
    {
        *errors_per_hour
            .entry(e.get_datetime("timestamp").unwrap().timestamp_millis() / 3_600_000)
            .or_default() += 1;
    }
    assert!(errors_per_hour.values().any(|n| *n > 100));
    let normal_hours = errors_per_hour.values().filter(|n| **n < 30).count();
    assert!(normal_hours * 10 > errors_per_hour.len() * 9);

    // Weekly seasonality: Saturdays are busier than Tuesdays.
    let mut sessions_by_weekday = [0usize; 7];
    for e in events.iter().filter(|e| name(e) == "session_start") {
        let t = e.get_datetime("timestamp").unwrap().to_chrono();
        if t >= start {
            sessions_by_weekday[chrono::Datelike::weekday(&t).num_days_from_monday() as usize] += 1;
        }
    }
    assert!(
        sessions_by_weekday[5] > sessions_by_weekday[1],
        "{sessions_by_weekday:?}"
    );
}
