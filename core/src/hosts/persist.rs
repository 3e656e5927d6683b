//! How host facts are stored: one [`HostDayDoc`] per (day, country, host) in
//! `analyticshostperformances`, written as a new generation beside the old one, then published by
//! flipping the day's [`HostDayMarker`] (`analyticshostdays`), then the other generations removed (as
//! the KPI rollups do, `kpi::persist`). The marker says how many documents its generation has: a reader
//! that finds fewer (a concurrent writer removed them) takes the day as not stored and computes it.
//! Raw host ids are stored (the operator's own store); they are pseudonymised only on the way out.

use std::collections::{BTreeMap, HashMap};

use bson::oid::ObjectId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::day::HostDays;
use super::HostFacts;
use crate::kpi::persist::new_generation;
use crate::model::CountryFilter;
use crate::store::{
    AnalyticsDoc, AnalyticsStore, Condition, DocFilter, DocKey, DocSpec, KeyValue, Store,
};
use crate::{Error, Result};

/// Layout version of host documents: a day stored with another is recomputed.
pub const HOSTS_VERSION: u32 = 1;

/// One host's facts of one local day and one stream country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDayDoc {
    /// Application id.
    pub app_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// The streams' country (a code or `UNKNOWN`, never `ALL`: `ALL` is the sum of a day's countries).
    pub country: CountryFilter,
    /// The host's raw id (hex ObjectId).
    pub host: String,
    /// The write this document belongs to (see the module doc).
    pub generation: i64,
    /// What the host's streams did.
    pub facts: HostFacts,
}

impl AnalyticsDoc for HostDayDoc {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticshostperformances",
        key_fields: &["appId", "date", "country", "host", "generation"],
        key_index: "appId_1_date_1_country_1_host_1_generation_1",
        retired_indexes: &[],
        indexes: &[],
        // Recomputable: an evicted document makes its day incomplete, so it is computed again.
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.date.into(),
            self.country.key().into(),
            self.host.as_str().into(),
            self.generation.into(),
        ])
    }
}

/// The published generation of one day's host documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostDayMarker {
    /// Application id.
    pub app_id: String,
    /// Local date.
    pub date: NaiveDate,
    /// The generation readers use.
    pub generation: i64,
    /// How many documents it has (0: a day without streams or gifts, done).
    pub docs: u64,
    /// The time zone the day was cut in.
    pub timezone: String,
    /// [`HOSTS_VERSION`] when written.
    pub version: u32,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
}

impl AnalyticsDoc for HostDayMarker {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticshostdays",
        key_fields: &["appId", "date"],
        key_index: "appId_1_date_1",
        retired_indexes: &[],
        indexes: &[],
        evictable: true,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.app_id.as_str().into(), self.date.into()])
    }
}

/// Stores the facts of `date` (taken from `days`) as a new generation and publishes it.
pub(crate) fn publish_day(
    store: &dyn Store,
    app_id: &str,
    timezone: &str,
    date: NaiveDate,
    days: &HostDays,
    now: DateTime<Utc>,
) -> Result<()> {
    let generation = new_generation(now);
    let docs: Vec<HostDayDoc> = days
        .range((date, CountryFilter::All, ObjectId::from_bytes([0; 12]))..)
        .take_while(|((d, ..), _)| *d == date)
        .filter(|(_, f)| !f.is_empty())
        .map(|((_, country, host), facts)| HostDayDoc {
            app_id: app_id.to_owned(),
            date,
            country: *country,
            host: host.to_hex(),
            generation,
            facts: facts.clone(),
        })
        .collect();
    if !docs.is_empty() {
        store.put_docs(&docs)?;
    }
    store.put_docs(&[HostDayMarker {
        app_id: app_id.to_owned(),
        date,
        generation,
        docs: docs.len() as u64,
        timezone: timezone.to_owned(),
        version: HOSTS_VERSION,
        computed_at: now,
    }])?;
    // Whatever generation the marker names now (ours, or a later writer's) stays; the rest goes.
    let published = markers(store, app_id, date, date)?
        .remove(&date)
        .map_or(generation, |m| m.generation);
    store.delete_docs::<HostDayDoc>(
        &DocFilter::all()
            .eq("appId", app_id)
            .eq("date", date)
            .with("generation", Condition::NotEq(published.into())),
    )?;
    Ok(())
}

/// The markers of `from..=to`, by date.
fn markers(
    store: &dyn Store,
    app_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, HostDayMarker>> {
    Ok(store
        .find_docs::<HostDayMarker>(
            &DocFilter::all()
                .eq("appId", app_id)
                .between("date", from, to),
        )?
        .into_iter()
        .map(|m| (m.date, m))
        .collect())
}

/// The stored facts of `from..=to` and the days they cover whole (a day of the other days has no
/// current marker, or its generation is incomplete, and must be computed).
pub(crate) fn read_days(
    store: &dyn Store,
    app_id: &str,
    timezone: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(HostDays, Vec<NaiveDate>)> {
    let mut marked = markers(store, app_id, from, to)?;
    marked.retain(|_, m| m.timezone == timezone && m.version == HOSTS_VERSION);
    let mut out = HostDays::new();
    let mut found: HashMap<NaiveDate, u64> = HashMap::new();
    let generations: Vec<KeyValue> = marked
        .values()
        .filter(|m| m.docs > 0)
        .map(|m| m.generation.into())
        .collect();
    if !generations.is_empty() {
        let filter = DocFilter::all()
            .eq("appId", app_id)
            .between("date", from, to)
            .any_of("generation", generations);
        for d in store.find_docs::<HostDayDoc>(&filter)? {
            if marked
                .get(&d.date)
                .is_none_or(|m| m.generation != d.generation)
            {
                continue;
            }
            let host = ObjectId::parse_str(&d.host).map_err(|e| {
                Error::Internal(format!(
                    "a stored host document of {} has host `{}`: {e}",
                    d.date, d.host
                ))
            })?;
            *found.entry(d.date).or_default() += 1;
            out.insert((d.date, d.country, host), d.facts);
        }
    }
    let whole: Vec<NaiveDate> = marked
        .values()
        .filter(|m| found.get(&m.date).copied().unwrap_or(0) == m.docs)
        .map(|m| m.date)
        .collect();
    out.retain(|(d, ..), _| whole.binary_search(d).is_ok());
    Ok((out, whole))
}
