//! Tests of the generator: determinism, window, manifest accounting, file formats, the revenue drop, and
//! the plausibility of the data (checked through the crate's own validating decoder).
//!
//! The helpers the test files share are here: capturing the documents in memory, a small configuration,
//! and reading a written directory back.

mod config;
mod manifest;
mod output;
mod realism;
mod revenue_drop;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use bson::Document;
use chrono::NaiveDate;

use super::*;

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
