//! Hand-computed cohort tables in Australia/Sydney across the end of DST (Sunday 2026-04-05 has 25
//! hours: UTC+11 before 03:00 local, UTC+10 after). Every number is worked out in the comments.

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

fn at(s: &str) -> bson::DateTime {
    bson::DateTime::parse_rfc3339_str(s).unwrap()
}

const A: u8 = 1; // NP, signs up Tue 03-31 13:00 local
const B: u8 = 2; // NP, signs up 2026-04-04T14:30Z = Sun 04-05 01:30 local (UTC+11, the DST day)
const C: u8 = 3; // IN, signs up Thu 04-02
const D: u8 = 4; // NP, signs up Tue 04-07 (next week)

fn engine() -> Engine {
    let mut docs: Vec<(Collection, Document)> = Vec::new();
    for (n, when, country) in [
        (A, "2026-03-31T02:00:00Z", "NP"),
        (B, "2026-04-04T14:30:00Z", "NP"),
        (C, "2026-04-02T02:00:00Z", "IN"),
        (D, "2026-04-07T02:00:00Z", "NP"),
    ] {
        docs.push((
            Collection::Users,
            doc! { "_id": oid(n), "createdAt": at(when), "country": country },
        ));
    }
    let mut id = 100u8;
    let mut next = || {
        id += 1;
        oid(id)
    };
    let mut tx = |user: u8,
                  kind: &str,
                  amount: f64,
                  currency: &str,
                  status: &str,
                  when: &str,
                  extra: Document| {
        let mut d = doc! { "_id": next(), "userId": oid(user), "type": kind, "amount": amount, "currency": currency, "status": status, "createdAt": at(when) };
        d.extend(extra);
        (Collection::Transactions, d)
    };
    docs.extend([
        // A: 1000 NPR on day 1 (week1); an OG tier bought with 10 USD on day 14 (week3; 1335 NPR at
        // 133.5); a refund stored negative on day 40 (month2, −200); a pending top-up that never counts;
        // a gift (coins: no money).
        tx(
            A,
            "recharge",
            1000.0,
            "NPR",
            "completed",
            "2026-04-01T02:00:00Z",
            doc! {},
        ),
        tx(
            A,
            "og_subscription",
            500.0,
            "coins",
            "completed",
            "2026-04-14T02:00:00Z",
            doc! { "metadata": { "amountPaid": 10, "currency": "USD", "ogTier": 2 } },
        ),
        tx(
            A,
            "refund",
            -200.0,
            "NPR",
            "completed",
            "2026-05-10T02:00:00Z",
            doc! {},
        ),
        tx(
            A,
            "recharge",
            5000.0,
            "NPR",
            "pending",
            "2026-04-01T03:00:00Z",
            doc! {},
        ),
        tx(
            A,
            "gift_sent",
            50.0,
            "coins",
            "completed",
            "2026-04-01T04:00:00Z",
            doc! {},
        ),
        // C: 999 NPR before signing up (not "from signup on"), 500 NPR on day 94 (in the total, in no
        // period of revenueByPeriod).
        tx(
            C,
            "recharge",
            999.0,
            "NPR",
            "completed",
            "2026-03-20T02:00:00Z",
            doc! {},
        ),
        tx(
            C,
            "recharge",
            500.0,
            "NPR",
            "completed",
            "2026-07-05T02:00:00Z",
            doc! {},
        ),
        // D: 300 NPR on day 1.
        tx(
            D,
            "recharge",
            300.0,
            "NPR",
            "completed",
            "2026-04-08T02:00:00Z",
            doc! {},
        ),
    ]);
    docs.extend([
        // A: one message sent, one deleted (active, not sent).
        (Collection::Messages, doc! { "_id": next(), "userId": oid(A), "roomId": oid(99), "createdAt": at("2026-04-01T05:00:00Z") }),
        (Collection::Messages, doc! { "_id": next(), "userId": oid(A), "roomId": oid(99), "isDeleted": true, "createdAt": at("2026-04-01T05:01:00Z") }),
        // C: a message before signing up.
        (Collection::Messages, doc! { "_id": next(), "userId": oid(C), "roomId": oid(99), "createdAt": at("2026-03-20T05:00:00Z") }),
        // B: two stakes at 23:30 local on the DST day (13:30Z, UTC+10 by then): B's own day 0.
        (Collection::Gamestakes, doc! { "_id": next(), "userId": oid(B), "gameId": oid(98), "roundId": "r1", "stakeAmount": 10, "winAmount": 0, "result": "lost", "createdAt": at("2026-04-05T13:30:00Z") }),
        (Collection::Gamestakes, doc! { "_id": next(), "userId": oid(B), "gameId": oid(98), "roundId": "r1", "stakeAmount": 10, "winAmount": 20, "result": "won", "createdAt": at("2026-04-05T13:31:00Z") }),
        // B hosts a stream on 04-06 (day 1): a creator.
        (Collection::Livestreams, doc! { "_id": next(), "hostId": oid(B), "status": "ended", "duration": 600, "totalViewers": 3, "totalCoins": 0, "createdAt": at("2026-04-06T02:00:00Z") }),
    ]);
    for (user, when) in [
        (C, "2026-04-03T02:00:00Z"),
        (C, "2026-04-03T03:00:00Z"),
        (D, "2026-04-08T03:00:00Z"),
    ] {
        docs.push((
            Collection::Analyticsevents,
            doc! { "_id": next(), "userId": oid(user), "eventType": "user_action", "eventName": "session_start", "timestamp": at(when) },
        ));
    }
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in docs {
        builder.accept(c, d).unwrap();
    }
    let mut config = Config::default()
        .with_ephemeral_pseudonym_key()
        .with_usd_to_npr("133.5")
        .unwrap();
    config.clock = crate::clock::ClockHandle::new(crate::clock::FixedClock(
        "2026-08-01T00:00:00Z".parse().unwrap(),
    ));
    Engine::new(Arc::new(builder.build()), config)
}

fn signups() -> DateRange {
    DateRange::new(day("2026-03-30"), day("2026-04-12")).unwrap()
}

#[test]
fn weekly_table_by_hand() {
    let e = engine();
    let t = e
        .cohort_table(
            signups(),
            day("2026-07-10"),
            Granularity::Week,
            CountryFilter::All,
        )
        .unwrap();
    assert_eq!(t.cohorts.len(), 2);
    let w1 = &t.cohorts[0];
    // A (03-31), C (04-02) and B (04-05, the DST day) are the week of Monday 03-30.
    assert_eq!((w1.cohort_date, w1.cohort_size), (day("2026-03-30"), 3));
    // Day 1: A (recharge 04-01), B (stream 04-06), C (sessions 04-03). Day 14: A only (04-14).
    assert_eq!(w1.retention.d1, Some(100.0));
    assert_eq!(w1.retention.d3, Some(0.0));
    assert!((w1.retention.d14.unwrap() - 100.0 / 3.0).abs() < 1e-9);
    // Every member's day 90 (B's is 07-04) is before 07-10.
    assert_eq!(w1.retention.d90, Some(0.0));
    assert!(w1.mature);
    // A: 1000 + 1335 − 200; C: 500 (day 94). The pending top-up and C's pre-signup 999 do not count.
    assert_eq!(w1.revenue.total_revenue, 2635.0);
    assert_eq!(w1.revenue.avg_revenue_per_user, Some(878.33));
    let p = &w1.revenue.revenue_by_period;
    assert_eq!(
        (p.week1, p.week2, p.week3, p.week4, p.month2, p.month3),
        (1000.0, 0.0, 1335.0, 0.0, -200.0, 0.0)
    );
    let g = &w1.engagement;
    assert_eq!(
        (
            g.sessions,
            g.streams,
            g.gifts_sent,
            g.game_plays,
            g.messages
        ),
        (2, 1, 1, 2, 1)
    );
    assert_eq!(w1.engagement_per_member.game_plays, Some(2.0 / 3.0));
    // Active in 06-11..=07-10: C only (07-05). A and B are churned; B is the one creator.
    assert_eq!((w1.churned_members, w1.creators), (2, 1));
    assert!((w1.churn_rate.unwrap() - 200.0 / 3.0).abs() < 1e-9);

    let w2 = &t.cohorts[1];
    assert_eq!((w2.cohort_date, w2.cohort_size), (day("2026-04-06"), 1));
    assert_eq!(w2.retention.d1, Some(100.0));
    assert_eq!(w2.revenue.total_revenue, 300.0);
    assert_eq!(w2.revenue.revenue_by_period.week1, 300.0);
    assert_eq!(w2.engagement.sessions, 1);
    assert_eq!((w2.churned_members, w2.churn_rate), (1, Some(100.0)));
    // D's day 90 is 07-06, but the week's last day is 04-12: 07-11 is after the as-of date.
    assert!(!w2.mature);
}

#[test]
fn members_not_old_enough_are_null_and_countries_select_users() {
    let e = engine();
    let t = e
        .cohort_table(
            signups(),
            day("2026-05-01"),
            Granularity::Week,
            CountryFilter::All,
        )
        .unwrap();
    // Week 1, day 30: only A (04-30) is old enough, and was not active: 0 %, not null.
    assert_eq!(t.cohorts[0].retention.d30, Some(0.0));
    assert_eq!(t.cohorts[0].retention.d60, None);
    // Week 2, day 30: D's is 05-07, after the as-of date.
    assert_eq!(t.cohorts[1].retention.d30, None);
    // The refund of 05-10 is after the as-of date.
    assert_eq!(t.cohorts[0].revenue.total_revenue, 2335.0);
    let np = e
        .cohort_table(
            signups(),
            day("2026-07-10"),
            Granularity::Week,
            "NP".parse::<CountryFilter>().unwrap(),
        )
        .unwrap();
    // C (IN) leaves week 1: A and B, 2135 NPR.
    assert_eq!(np.cohorts[0].cohort_size, 2);
    assert_eq!(np.cohorts[0].revenue.total_revenue, 2135.0);
    assert_eq!(np.cohorts[0].engagement.sessions, 0);
}

#[test]
fn sizes_sum_to_signups_for_every_granularity() {
    let e = engine();
    for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
        let t = e
            .cohort_table(signups(), day("2026-07-10"), g, CountryFilter::All)
            .unwrap();
        let sizes: u64 = t.cohorts.iter().map(|c| c.cohort_size).sum();
        let revenue: f64 = t.cohorts.iter().map(|c| c.revenue.total_revenue).sum();
        assert_eq!((sizes, revenue), (4, 2935.0), "{g:?}");
    }
}

#[test]
fn stored_cohorts_equal_computed_ones_and_mature_ones_are_final() {
    let e = engine();
    let as_of = day("2026-07-10");
    let r = e
        .refresh_cohorts(signups(), as_of, Granularity::Week, CountryFilter::All)
        .unwrap();
    assert_eq!((r.written, r.kept), (2, 0));
    let computed = e
        .cohort_table(signups(), as_of, Granularity::Week, CountryFilter::All)
        .unwrap();
    let stored = e
        .stored_cohorts(signups(), Granularity::Week, CountryFilter::All)
        .unwrap();
    let rows: Vec<_> = stored.cohorts.iter().map(|d| d.row.clone()).collect();
    assert_eq!(rows, computed.cohorts);
    // Later: week 1 is mature and kept as of 07-10; week 2 is recomputed as of 07-20.
    let r = e
        .refresh_cohorts(
            signups(),
            day("2026-07-20"),
            Granularity::Week,
            CountryFilter::All,
        )
        .unwrap();
    assert_eq!((r.written, r.kept), (1, 1));
    let stored = e
        .stored_cohorts(signups(), Granularity::Week, CountryFilter::All)
        .unwrap();
    let as_ofs: Vec<NaiveDate> = stored.cohorts.iter().map(|d| d.as_of).collect();
    assert_eq!(as_ofs, vec![as_of, day("2026-07-20")]);
    assert!(stored.cohorts[1].row.mature);
}
