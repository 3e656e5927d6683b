//! Hand-computed cohorts in Australia/Sydney across the end of DST (Sunday 2026-04-05 has 25 hours; before
//! it local = UTC+11, after UTC+10). Every number is worked out in the comments.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use bson::{doc, oid::ObjectId, Document};
use chrono::NaiveDate;

use crate::calendar::{DateRange, Granularity};
use crate::config::Config;
use crate::model::{Collection, CountryFilter};
use crate::store::{DocumentSink, InMemoryStoreBuilder};
use crate::Engine;

fn oid(n: u8) -> ObjectId {
    let mut b = [0u8; 12];
    b[0] = 0x66;
    b[11] = n;
    ObjectId::from_bytes(b)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const A: u8 = 1; // NP, signs up Wed 04-01
const B: u8 = 2; // NP, signs up Thu 04-02
const C: u8 = 3; // IN, signs up Thu 04-02
const D: u8 = 4; // NP, signs up Mon 04-06 (next week)
const E: u8 = 5; // NP, signs up 03-10, back on 03-25 and 04-08

fn engine() -> Engine {
    let mut docs: Vec<(Collection, Document)> = Vec::new();
    let mut user = |n: u8, when: &str, country: &str| {
        let at = bson::DateTime::parse_rfc3339_str(when).unwrap();
        docs.push((
            Collection::Users,
            doc! { "_id": oid(n), "createdAt": at, "country": country },
        ));
    };
    user(A, "2026-04-01T02:00:00Z", "NP");
    user(B, "2026-04-02T02:00:00Z", "NP");
    user(C, "2026-04-02T03:00:00Z", "IN");
    user(D, "2026-04-06T02:00:00Z", "NP");
    user(E, "2026-03-10T02:00:00Z", "NP");
    let sessions = [
        (A, "2026-04-02T02:00:00Z"),
        (A, "2026-04-08T02:00:00Z"),
        (B, "2026-04-03T02:00:00Z"),
        // 14:30Z on Apr 4 is 01:30 on Apr 5 in Sydney (still UTC+11): B's own day 3, the 25-hour day.
        (B, "2026-04-04T14:30:00Z"),
        (C, "2026-04-09T02:00:00Z"),
        (D, "2026-04-07T02:00:00Z"),
        (E, "2026-03-25T02:00:00Z"),
        (E, "2026-04-08T02:00:00Z"),
    ];
    for (i, (u, when)) in sessions.iter().enumerate() {
        let mut id = [0u8; 12];
        id[0] = 0x67;
        id[11] = i as u8;
        docs.push((
            Collection::Analyticsevents,
            doc! {
                "_id": ObjectId::from_bytes(id), "userId": oid(*u), "eventType": "user_action",
                "eventName": "session_start",
                "timestamp": bson::DateTime::parse_rfc3339_str(when).unwrap(),
            },
        ));
    }
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in docs {
        builder.accept(c, d).unwrap();
    }
    Engine::new(
        Arc::new(builder.build()),
        Config::default().with_ephemeral_pseudonym_key(),
    )
}

#[test]
fn weekly_retention_on_day_n_and_on_or_after() {
    let e = engine();
    let signups = DateRange::new(day("2026-04-01"), day("2026-04-09")).unwrap();
    let m = e
        .retention_matrix(
            signups,
            day("2026-04-09"),
            Granularity::Week,
            CountryFilter::All,
            &[1, 3, 7],
        )
        .unwrap();
    assert_eq!(m.cohorts.len(), 2);
    let w1 = &m.cohorts[0];
    assert_eq!((w1.cohort_date, w1.cohort_size), (day("2026-03-30"), 3));
    let cells: Vec<(u64, u64, u64)> = w1
        .cells
        .iter()
        .map(|c| (c.eligible, c.retained, c.retained_on_or_after))
        .collect();
    // Day 1: A (04-02) and B (04-03) are back, C is not; all three come back later.
    // Day 3: only B (04-05, the DST day); A (04-08) and C (04-09) later.
    // Day 7: A (04-08) and C (04-09); B never after 04-05.
    assert_eq!(cells, vec![(3, 2, 3), (3, 1, 3), (3, 2, 2)]);
    assert!((w1.cells[0].rate.unwrap() - 200.0 / 3.0).abs() < 1e-9);
    let w2 = &m.cohorts[1];
    assert_eq!((w2.cohort_date, w2.cohort_size), (day("2026-04-06"), 1));
    // D: back on day 1; day 3 is 04-09, no; day 7 (04-13) is after the as-of date: nobody is eligible.
    assert_eq!(w2.cells[0].retained, 1);
    assert_eq!((w2.cells[1].eligible, w2.cells[1].retained), (1, 0));
    assert_eq!(w2.cells[2].eligible, 0);
    assert_eq!(w2.cells[2].rate, None);
    assert_eq!(w2.cells[2].rate_on_or_after, None);

    // Nepal only: A and B in the first week.
    let np = e
        .retention_matrix(
            signups,
            day("2026-04-09"),
            Granularity::Week,
            "NP".parse().unwrap(),
            &[1, 3, 7],
        )
        .unwrap();
    let retained: Vec<u64> = np.cohorts[0].cells.iter().map(|c| c.retained).collect();
    assert_eq!(np.cohorts[0].cohort_size, 2);
    assert_eq!(retained, vec![2, 1, 1]);
}

#[test]
fn daily_cohorts_sum_to_the_signups() {
    let e = engine();
    let signups = DateRange::new(day("2026-03-01"), day("2026-04-09")).unwrap();
    let m = e
        .retention_matrix(
            signups,
            day("2026-04-09"),
            Granularity::Day,
            CountryFilter::All,
            &[0, 1],
        )
        .unwrap();
    let total: u64 = m.cohorts.iter().map(|c| c.cohort_size).sum();
    assert_eq!(total, 5);
    // Day 0 is the signup day itself: everyone is active on it.
    for c in &m.cohorts {
        assert_eq!(c.cells[0].retained, c.cohort_size);
    }
}

#[test]
fn lifecycle_reconciles_with_actives() {
    let e = engine();
    let range = DateRange::new(day("2026-04-01"), day("2026-04-09")).unwrap();
    let l = e
        .lifecycle(range, Granularity::Week, CountryFilter::All)
        .unwrap();
    let rows: Vec<(NaiveDate, u64, u64, u64, u64, i64)> = l
        .periods
        .iter()
        .map(|p| {
            (
                p.period,
                p.active,
                p.new,
                p.returning,
                p.resurrecting,
                p.dormant,
            )
        })
        .collect();
    // Week of 03-30: A, B, C all new; E (active the week before) went dormant.
    // Week of 04-06 (to 04-09): D new; A and C returning; E resurrecting; B dormant.
    assert_eq!(
        rows,
        vec![
            (day("2026-03-30"), 3, 3, 0, 0, -1),
            (day("2026-04-06"), 4, 1, 2, 1, -1),
        ]
    );
    for p in &l.periods {
        assert_eq!(p.active, p.new + p.returning + p.resurrecting);
        let r = DateRange::new(p.period, p.to).unwrap();
        let kpis = e.kpis(r, CountryFilter::All).unwrap();
        assert_eq!(kpis.engagement.active_users, p.active);
    }
}
