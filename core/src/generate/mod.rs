//! The seeded synthetic data generator: a HaloBuzz-like platform (hosts streaming, viewers chatting and
//! sending gifts, coin top-ups, OG purchases, refunds, staked games, moderation, analytics events) written
//! as the raw collections of `shared/spec/DATA.md`.
//!
//! The output is deterministic: the same [`GeneratorConfig`] always yields the same documents in the same
//! order (and, through [`DirectoryWriter`], byte-identical files). Documents are streamed to a
//! [`DocumentSink`] day by day, so memory stays bounded by the number of users and one day of documents.
//!
//! On top of the valid documents the generator injects, per collection, a small share of invalid documents
//! (each broken in exactly one way, classified as `docs/data-contract.md` says) and of exact duplicates;
//! the [`GenerationManifest`] records how many of each it wrote, by field and reason, so a loader's quality
//! report can be checked against it.
//!
//! ```no_run
//! use halobuzz_analytics::generate::{write_directory, ExtJsonMode, GeneratorConfig};
//!
//! let config = GeneratorConfig { users: 500, days: 14, ..GeneratorConfig::default() };
//! let manifest = write_directory(&config, "demo-data".as_ref(), ExtJsonMode::Relaxed, false, &mut |_, _| {})?;
//! println!("{} .. {}", manifest.start, manifest.end);
//! # Ok::<(), halobuzz_analytics::Error>(())
//! ```

mod emit;
pub mod rollups;
mod sim;
mod writer;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use std::io::Write as _;
use std::path::Path;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::model::Collection;
use crate::quality::InvalidCount;
use crate::store::DocumentSink;
use crate::{Error, Result};

pub use writer::{DirectoryOptions, DirectoryWriter, ExtJsonMode};

/// The Australia/Sydney daylight-saving end the default window is centred on (03:00 local → 02:00).
const DST_END: NaiveDate = match NaiveDate::from_ymd_opt(2026, 4, 5) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The earliest first day accepted: users who signed up before the window go back 365 days, and every
/// date must stay after 2000-01-01.
const MIN_START: NaiveDate = match NaiveDate::from_ymd_opt(2001, 1, 2) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The latest last day accepted: every date must stay before 2100-01-01.
const MAX_END: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 30) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GeneratorConfig {
    /// Number of users in total, including the ones who signed up before the window.
    pub users: u32,
    /// Number of days of activity.
    pub days: u32,
    /// The random seed: the same configuration always generates the same documents.
    pub seed: u64,
    /// The first day (a UTC date). `None`: 2026-04-05 minus `days / 2` days, so that the window crosses the
    /// Australia/Sydney daylight-saving end of 2026-04-05 (03:00 local → 02:00).
    pub start: Option<NaiveDate>,
    /// An injected drop of money-paying transactions on one day.
    pub revenue_drop: Option<RevenueDrop>,
    /// Share (0–0.5) of extra invalid documents per collection, relative to its valid documents.
    pub invalid_rate: f64,
    /// Share (0–0.5) of extra exact duplicates (an already written document re-emitted) per collection.
    pub duplicate_rate: f64,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            users: 2000,
            days: 60,
            seed: 42,
            start: None,
            revenue_drop: None,
            invalid_rate: 0.002,
            duplicate_rate: 0.0005,
        }
    }
}

/// The most users a generator may simulate.
pub const MAX_USERS: u32 = 5_000_000;
/// The most days a generator may simulate.
pub const MAX_DAYS: u32 = 3_660;
/// The most user-days (users × days) a generator may simulate: about as many documents.
pub const MAX_USER_DAYS: u64 = 120_000_000;

impl GeneratorConfig {
    /// The first day of the window (a UTC date).
    pub fn start_date(&self) -> NaiveDate {
        self.start.unwrap_or_else(|| {
            DST_END
                .checked_sub_days(Days::new(u64::from(self.days / 2)))
                .unwrap_or(NaiveDate::MIN)
        })
    }

    /// The last day of the window, inclusive.
    pub fn end_date(&self) -> NaiveDate {
        self.start_date()
            .checked_add_days(Days::new(u64::from(self.days.max(1) - 1)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Checks the configuration: at least one user and one day, rates in [0, 0.5], a window between
    /// 2001-01-02 and 2099-12-30, and a revenue drop inside the window with a percentage in (0, 100].
    pub fn validate(&self) -> Result<()> {
        if self.users == 0 {
            return Err(Error::invalid_argument("users", "must be at least 1"));
        }
        if self.days == 0 {
            return Err(Error::invalid_argument("days", "must be at least 1"));
        }
        // Bounds that keep a generated store within a machine's memory (about one document per user
        // and day): a request beyond them is a mistake or an attack, not a workload.
        if self.users > MAX_USERS {
            return Err(Error::invalid_argument(
                "users",
                format!("{} is more than {MAX_USERS}", self.users),
            ));
        }
        if self.days > MAX_DAYS {
            return Err(Error::invalid_argument(
                "days",
                format!("{} is more than {MAX_DAYS}", self.days),
            ));
        }
        if u64::from(self.users) * u64::from(self.days) > MAX_USER_DAYS {
            return Err(Error::invalid_argument(
                "users",
                format!(
                    "{} users × {} days is more than {MAX_USER_DAYS} user-days (about as many documents)",
                    self.users, self.days
                ),
            ));
        }
        for (name, rate) in [
            ("invalidRate", self.invalid_rate),
            ("duplicateRate", self.duplicate_rate),
        ] {
            if !(0.0..=0.5).contains(&rate) {
                return Err(Error::invalid_argument(
                    name,
                    format!("{rate} is not a share between 0 and 0.5"),
                ));
            }
        }
        let (start, end) = (self.start_date(), self.end_date());
        if start < MIN_START || end > MAX_END {
            return Err(Error::invalid_argument(
                "start",
                format!(
                    "the window {start} ..= {end} must lie between {MIN_START} and {MAX_END} \
                     (pre-window signups go back 365 days, and dates must stay within 2000–2100)"
                ),
            ));
        }
        if let Some(drop) = &self.revenue_drop {
            if drop.day < start || drop.day > end {
                return Err(Error::invalid_argument(
                    "revenueDrop",
                    format!("day {} is outside the window {start} ..= {end}", drop.day),
                ));
            }
            if !(drop.pct > 0.0 && drop.pct <= 100.0) {
                return Err(Error::invalid_argument(
                    "revenueDrop",
                    format!("percentage {} is not in (0, 100]", drop.pct),
                ));
            }
        }
        Ok(())
    }
}

/// An injected revenue drop: on `day` (a local date in the default reporting zone, Australia/Sydney),
/// `pct` percent of the money-paying transactions
/// (coin top-ups and OG purchases) that would otherwise happen are not made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RevenueDrop {
    /// The day of the drop, in Australia/Sydney.
    pub day: NaiveDate,
    /// The percentage (0–100] of money-paying transactions skipped that day.
    pub pct: f64,
    /// Only transactions of this payment method (`esewa`, `khalti`, `stripe`, `paypal`) are skipped
    /// (default: every one): an incident in one segment, for root-cause tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<crate::model::PaymentMethod>,
}

/// What a generation wrote: the window and, per collection, the documents by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationManifest {
    /// The seed used.
    pub seed: u64,
    /// Number of users generated (valid `users` documents).
    pub users: u32,
    /// Number of days of activity.
    pub days: u32,
    /// First day of the window (UTC date).
    pub start: NaiveDate,
    /// Last day of the window, inclusive (UTC date).
    pub end: NaiveDate,
    /// The injected revenue drop, if any.
    pub revenue_drop: Option<RevenueDrop>,
    /// One entry per collection, in [`Collection::ALL`] order.
    pub collections: Vec<CollectionManifest>,
}

impl GenerationManifest {
    /// The entry of one collection.
    pub fn collection(&self, collection: Collection) -> Option<&CollectionManifest> {
        self.collections.iter().find(|c| c.collection == collection)
    }

    /// Total documents written over all collections (valid, invalid and duplicates).
    pub fn total_documents(&self) -> u64 {
        self.collections.iter().map(|c| c.documents).sum()
    }
}

/// What was written to one collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectionManifest {
    /// The collection.
    pub collection: Collection,
    /// Every document written: `valid` + invalid + `duplicates`.
    pub documents: u64,
    /// Documents a validating loader accepts (neither invalid nor a duplicate).
    pub valid: u64,
    /// The invalid documents by (field, reason) as the decoder reports them, sorted by field then reason.
    pub invalid: Vec<InvalidCount>,
    /// Exact re-emissions of an already written valid document (same `_id`; same `roundId` for
    /// `gamerounds`).
    pub duplicates: u64,
}

impl CollectionManifest {
    /// Number of invalid documents (the sum over `invalid`).
    pub fn invalid_total(&self) -> u64 {
        self.invalid.iter().map(|c| c.count).sum()
    }
}

/// Generates the synthetic platform described by `config` into `sink`, day by day, calling
/// `progress(days_done, days_total)` after each day. Returns what was written.
pub fn generate(
    config: &GeneratorConfig,
    sink: &mut dyn DocumentSink,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<GenerationManifest> {
    config.validate()?;
    sim::run(config, sink, progress)
}

/// Generates into a [`DirectoryWriter`] on `dir` (one mongoexport file per collection) and writes the
/// manifest next to them as `<dir>/manifest.json` (pretty JSON). `dir` must be new, empty or hold only
/// an earlier dataset of the same format (see [`write_directory_with`] to write next to other files).
pub fn write_directory(
    config: &GeneratorConfig,
    dir: &Path,
    mode: ExtJsonMode,
    gzip: bool,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<GenerationManifest> {
    let options = DirectoryOptions {
        mode,
        gzip,
        force: false,
    };
    write_directory_with(config, dir, options, progress)
}

/// [`write_directory`] with every option of the writer: with `force`, a folder that holds other files
/// or directories is written too, and they are left as they are. Only the dataset's own files (the 8
/// collection files and `manifest.json`) are ever created, replaced or removed, and never through a
/// symbolic link (one at any of those paths is refused: `INVALID_ARGUMENT` naming `out`).
pub fn write_directory_with(
    config: &GeneratorConfig,
    dir: &Path,
    options: DirectoryOptions,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<GenerationManifest> {
    config.validate()?;
    let mut sink = DirectoryWriter::create_with(dir, options)?;
    let manifest = generate(config, &mut sink, progress)?;
    sink.finish()?;
    let path = dir.join(writer::MANIFEST);
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::encode("the generation manifest", e))?;
    text.push('\n');
    let mut file = writer::create_own(&path)?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|source| Error::Write { path, source })?;
    Ok(manifest)
}
