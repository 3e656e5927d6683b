//! Shared checks of the analytics-document layer, run against every store: two document types with
//! different collections, key fields and indexes round-trip, are found by key and range, replaced and
//! deleted, and never mix.

#![allow(dead_code)]

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use halobuzz_analytics::store::{
    AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec, IndexSpec, Store,
};

/// A daily document keyed like the platform's analytics collections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayNote {
    pub app_id: String,
    pub date: NaiveDate,
    pub country: String,
    pub value: f64,
}

impl AnalyticsDoc for DayNote {
    const SPEC: DocSpec = DocSpec {
        collection: "testdaynotes",
        key_fields: &["appId", "date", "country"],
        key_index: "appId_1_date_1_country_1",
        retired_indexes: &[],
        indexes: &[],
        evictable: false,
    };
    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.date.into(),
            self.country.as_str().into(),
        ])
    }
}

/// Another type, keyed by a rule name and a sequence number, with a secondary index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleEvent {
    pub rule: String,
    pub seq: i64,
    pub status: String,
    pub detail: Vec<String>,
}

impl AnalyticsDoc for RuleEvent {
    const SPEC: DocSpec = DocSpec {
        collection: "testruleevents",
        key_fields: &["rule", "seq"],
        key_index: "rule_1_seq_1",
        retired_indexes: &[],
        indexes: &[IndexSpec {
            name: "status_1",
            fields: &["status"],
        }],
        evictable: false,
    };
    fn key(&self) -> DocKey {
        DocKey(vec![self.rule.as_str().into(), self.seq.into()])
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn note(date: &str, country: &str, value: f64) -> DayNote {
    DayNote {
        app_id: "app".into(),
        date: day(date),
        country: country.into(),
        value,
    }
}

fn event(rule: &str, seq: i64, status: &str) -> RuleEvent {
    RuleEvent {
        rule: rule.into(),
        seq,
        status: status.into(),
        detail: vec![format!("{rule}#{seq}")],
    }
}

/// Runs the round trip on `store`.
pub fn round_trip_two_document_types(store: &dyn Store) {
    let notes = vec![
        note("2026-04-01", "ALL", 1.0),
        note("2026-04-01", "NP", 2.0),
        note("2026-04-02", "ALL", 3.0),
        note("2026-04-03", "ALL", 4.0),
    ];
    store.put_docs(&notes).unwrap();
    let events = vec![
        event("revenue_drop", 1, "active"),
        event("revenue_drop", 2, "resolved"),
        event("abuse_spike", 1, "active"),
    ];
    store.put_docs(&events).unwrap();

    // Found by key range, sorted by key, typed.
    let range: Vec<DayNote> = store
        .find_docs(&DocFilter::all().eq("appId", "app").between(
            "date",
            day("2026-04-01"),
            day("2026-04-02"),
        ))
        .unwrap();
    assert_eq!(range, notes[..3].to_vec());
    let np: Vec<DayNote> = store
        .find_docs(&DocFilter::all().eq("country", "NP"))
        .unwrap();
    assert_eq!(np, vec![notes[1].clone()]);

    // The other type lives in its own collection, with an integer key field.
    let all_events: Vec<RuleEvent> = store.find_docs(&DocFilter::all()).unwrap();
    assert_eq!(
        all_events,
        vec![events[2].clone(), events[0].clone(), events[1].clone()]
    );
    let got: Option<RuleEvent> = store
        .get_doc(&DocKey(vec!["revenue_drop".into(), 2i64.into()]))
        .unwrap();
    assert_eq!(got, Some(events[1].clone()));

    // A put with an existing key replaces; the unique key keeps one document per key.
    store.put_docs(&[note("2026-04-01", "NP", 20.0)]).unwrap();
    let np: Vec<DayNote> = store
        .find_docs(&DocFilter::all().eq("country", "NP"))
        .unwrap();
    assert_eq!(np.len(), 1);
    assert_eq!(np[0].value, 20.0);

    // Deleting one day of one type touches neither the other days nor the other type.
    let removed = store
        .delete_docs::<DayNote>(
            &DocFilter::all()
                .eq("appId", "app")
                .eq("date", day("2026-04-01")),
        )
        .unwrap();
    assert_eq!(removed, 2);
    let left: Vec<DayNote> = store.find_docs(&DocFilter::all()).unwrap();
    assert_eq!(left, notes[2..].to_vec());
    assert_eq!(
        store
            .find_docs::<RuleEvent>(&DocFilter::all())
            .unwrap()
            .len(),
        3
    );

    // A filter on a field that is not part of the key is a bug, reported as such.
    let e = store
        .find_docs::<RuleEvent>(&DocFilter::all().eq("status", "active"))
        .unwrap_err();
    assert_eq!(e.code(), "INTERNAL_ERROR", "{e}");
}
