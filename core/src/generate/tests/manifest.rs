//! The manifest, which a loader's quality report is checked against: its counts add up and match the
//! files, and the crate's own validating decoder finds exactly the invalid documents and duplicates it
//! lists.

use std::collections::{BTreeMap, HashSet};

use bson::Document;

use super::*;
use crate::model::decode::{decode, dedupe_key, DecodeContext};
use crate::model::Record;
use crate::quality::InvalidReason;

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
        let injectable = crate::generate::emit::injectable(c.collection);
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
