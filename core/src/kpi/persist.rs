//! How daily rollups are persisted and published, so that readers always see a day whole, old or new,
//! even while another process replaces it.
//!
//! A day's rollups (`ALL` and one per country) are [`DailyRollup`] documents of `analyticsdailykpis`,
//! unique by `(appId, date, country, generation)`. A write never touches the published generation: it
//! stores the new one beside it, then flips the day's [`RollupDay`] marker (`analyticsrollupdays`,
//! unique by `(appId, date)`) to it in one keyed upsert, then removes every generation the marker no
//! longer names. A reader takes the markers first and keeps only the documents of the marked
//! generations; if a marked generation is incomplete (its `ALL` document is gone because a concurrent
//! writer already replaced it), the reader reads again, and a day still inconsistent counts as not
//! rolled up, so it is recomputed rather than reported as zero. Two writers of one day from two
//! processes each publish a complete generation; the last flip wins and the loser's documents are
//! removed by whichever cleanup sees the final marker. Each flip keeps the generation it replaced until the
//! next one, so a reader that took the old marker just before a flip still finds its documents.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::rollup::{DailyRollup, ROLLUP_VERSION};
use crate::model::CountryFilter;
use crate::store::{
    AnalyticsDoc, AnalyticsStore, Condition, DocFilter, DocKey, DocSpec, KeyValue, Store,
};
use crate::Result;

impl AnalyticsDoc for DailyRollup {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsdailykpis",
        // Country before date: a report reads `ALL` and one country over a run of days, which is then
        // two runs of the key order (and of the index) instead of every country of every day.
        key_fields: &["appId", "country", "date", "generation"],
        key_index: "appId_1_country_1_date_1_generation_1",
        // Version 1 kept one document per (appId, date, country), which two generations would violate;
        // version 2 ordered the key by date first.
        retired_indexes: &[
            "appId_1_date_1_country_1",
            "appId_1_date_1_country_1_generation_1",
        ],
        indexes: &[],
        // Recomputable: an evicted marker or rollup makes its day "not rolled up", computed live again.
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.country.key().into(),
            self.date.into(),
            self.generation.into(),
        ])
    }
}

/// The published generation of one day: the marker a writer flips last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollupDay {
    /// Application id.
    pub app_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// The generation readers use.
    pub generation: i64,
    /// The generation published before it, kept until the next flip so that a reader that took the
    /// old marker just before this flip still finds its documents.
    #[serde(default)]
    pub previous_generation: Option<i64>,
    /// The time zone the day was cut in.
    pub timezone: String,
    /// Rollup layout version.
    pub version: u32,
    /// When the generation was computed.
    pub computed_at: DateTime<Utc>,
    /// The country keys of the generation's documents (`ALL` first): what a reader must find.
    pub countries: Vec<String>,
}

impl AnalyticsDoc for RollupDay {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsrollupdays",
        key_fields: &["appId", "date"],
        key_index: "appId_1_date_1",
        retired_indexes: &[],
        indexes: &[],
        // Recomputable: an evicted marker or rollup makes its day "not rolled up", computed live again.
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.app_id.as_str().into(), self.date.into()])
    }
}

impl RollupDay {
    /// Whether it was cut in time zone `tz` with the current layout (otherwise it must be recomputed).
    pub fn is_current(&self, tz: &str) -> bool {
        self.timezone == tz && self.version == ROLLUP_VERSION
    }
}

/// A generation number unique to this write: the computation instant in microseconds, with a
/// per-process counter and the process id mixed into the low bits, so that two processes writing the
/// same day in the same microsecond still differ.
pub(crate) fn new_generation(now: DateTime<Utc>) -> i64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt = (u64::from(std::process::id()) ^ n.wrapping_mul(0x9E37_79B9)) & 0xFFF;
    now.timestamp_micros()
        .wrapping_shl(12)
        .wrapping_add(salt as i64)
}

/// Publishes one day: stores `rollups` as a new generation, flips the day's marker to it, then removes
/// every other generation of that day.
pub(crate) fn publish_day(
    store: &dyn Store,
    app_id: &str,
    date: NaiveDate,
    rollups: &[DailyRollup],
    timezone: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let generation = new_generation(now);
    let docs: Vec<DailyRollup> = rollups
        .iter()
        .map(|r| DailyRollup {
            generation,
            ..r.clone()
        })
        .collect();
    store.put_docs(&docs)?;
    let previous = markers(store, app_id, date, date)?
        .remove(&date)
        .map(|m| m.generation);
    store.put_docs(&[RollupDay {
        app_id: app_id.to_owned(),
        date,
        generation,
        previous_generation: previous,
        timezone: timezone.to_owned(),
        version: ROLLUP_VERSION,
        computed_at: now,
        countries: docs.iter().map(|r| r.country.key()).collect(),
    }])?;
    // Whatever the marker names now (ours, or a concurrent writer's that flipped after us) stays, and
    // so does the generation it replaced; everything older goes.
    let (published, kept) = markers(store, app_id, date, date)?
        .remove(&date)
        .map_or((generation, previous), |m| {
            (m.generation, m.previous_generation)
        });
    let mut filter = DocFilter::all()
        .eq("appId", app_id)
        .eq("date", date)
        .with("generation", Condition::NotEq(published.into()));
    if let Some(kept) = kept {
        filter = filter.with("generation", Condition::NotEq(kept.into()));
    }
    store.delete_docs::<DailyRollup>(&filter)?;
    Ok(())
}

/// The published-day markers of `from..=to`, by date.
pub(crate) fn markers(
    store: &dyn Store,
    app_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, RollupDay>> {
    if from > to {
        return Ok(BTreeMap::new());
    }
    Ok(store
        .find_docs::<RollupDay>(
            &DocFilter::all()
                .eq("appId", app_id)
                .between("date", from, to),
        )?
        .into_iter()
        .map(|m| (m.date, m))
        .collect())
}

/// The published rollups of one app with dates in `from..=to`: of `ALL` and one country selection, or
/// (`None`) of every country, by date then country. Days whose published generation is not whole are
/// left out (they count as not rolled up).
pub(crate) fn read_rollups(
    store: &dyn Store,
    app_id: &str,
    timezone: &str,
    country: Option<CountryFilter>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyRollup>> {
    // A re-read covers writers that flipped a day between our two reads (each flip keeps the generation
    // it replaced, so one flip never strands a reader); a day still inconsistent after a few re-reads is
    // being rewritten over and over right now, and is computed live by the caller instead.
    let mut result = read_once(store, app_id, timezone, country, from, to)?;
    for attempt in 0..4 {
        if result.1.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1 << attempt));
        result = read_once(store, app_id, timezone, country, from, to)?;
    }
    Ok(result.0)
}

/// One read: the documents of published generations, and the days whose generation was incomplete.
fn read_once(
    store: &dyn Store,
    app_id: &str,
    timezone: &str,
    country: Option<CountryFilter>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(Vec<DailyRollup>, Vec<NaiveDate>)> {
    // A day cut in another time zone or layout counts as not rolled up; its documents are never read
    // (only the marked generations are asked for), so an old layout is never decoded.
    let mut marked = markers(store, app_id, from, to)?;
    marked.retain(|_, m| m.is_current(timezone));
    if marked.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let generations: Vec<KeyValue> = marked.values().map(|m| m.generation.into()).collect();
    let mut filter = DocFilter::all()
        .eq("appId", app_id)
        .between("date", from, to)
        .any_of("generation", generations);
    if let Some(c) = country {
        // `ALL` is read along with any country: it is the proof that a generation is whole.
        let mut keys = vec![CountryFilter::All.key().into()];
        if c != CountryFilter::All {
            keys.push(c.key().into());
        }
        filter = filter.any_of("country", keys);
    }
    let mut by_day: HashMap<NaiveDate, Vec<DailyRollup>> = HashMap::new();
    for r in store.find_docs::<DailyRollup>(&filter)? {
        if marked
            .get(&r.date)
            .is_some_and(|m| m.generation == r.generation)
        {
            by_day.entry(r.date).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    let mut incomplete = Vec::new();
    for (date, marker) in &marked {
        let docs = by_day.remove(date).unwrap_or_default();
        let found: Vec<String> = docs.iter().map(|r| r.country.key()).collect();
        // Every document of the generation that the selection reads must be there.
        let whole = marker
            .countries
            .iter()
            .filter(|k| match country {
                None => true,
                Some(c) => **k == CountryFilter::All.key() || **k == c.key(),
            })
            .all(|k| found.contains(k))
            && found.contains(&CountryFilter::All.key());
        if !whole {
            incomplete.push(*date);
            continue;
        }
        out.extend(docs);
    }
    out.sort_by_key(|r| (r.date, r.country));
    Ok((out, incomplete))
}
