//! The files written: the same seed gives the same bytes (plain and gzip) and another seed other bytes,
//! every collection has its file even when empty, and the relaxed and canonical Extended JSON forms read
//! back as the same records.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use bson::Bson;

use super::*;
use crate::model::decode::{decode, DecodeContext};
use crate::model::Record;
use crate::quality::InvalidReason;

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
    // Plain files are not written next to the gzip ones (the writer never removes another format's files).
    let e = write_directory(
        &small(),
        dir.path(),
        ExtJsonMode::Relaxed,
        false,
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.code(), "INVALID_ARGUMENT", "{e}");
    assert!(dir.path().join("users.json.gz").exists() && !dir.path().join("users.json").exists());
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
