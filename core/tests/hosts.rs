//! Hand-computed host performance (METRICS.md "Creators", docs/hosts.md). Every expected number is
//! worked out in the comments.
//!
//! Reporting zone Australia/Sydney. DST ends on 2026-04-05 at 03:00 AEDT: local Apr 5 is 25 hours,
//! [Apr 4 13:00Z, Apr 5 14:00Z). DST starts on 2026-10-04 at 02:00 AEST: local Oct 4 is 23 hours,
//! [Oct 3 14:00Z, Oct 4 13:00Z). The April range is Apr 5 ..= Apr 6; its previous period Apr 3 ..= Apr 4.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::sync::Arc;

use bson::{doc, oid::ObjectId, Bson, Document};
use common::bson_store::BsonOnly;
use halobuzz_analytics::api::{self, HostPerformanceRequest, NameStyle};
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::config::Config;
use halobuzz_analytics::hosts::{
    HostDayDoc, HostDayMarker, HostPerformance, HostPerformanceReport,
};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::model::WarningReason;
use halobuzz_analytics::privacy::Pseudonymizer;
use halobuzz_analytics::store::{
    AnalyticsStore, DocFilter, DocumentSink, InMemoryStoreBuilder, Store,
};
use halobuzz_analytics::{Collection, Engine, ErrorCategory};
use serde_json::json;

fn oid(n: u8) -> ObjectId {
    let mut b = [0u8; 12];
    b[0] = 0x65;
    b[11] = n;
    ObjectId::from_bytes(b)
}

fn at(s: &str) -> bson::DateTime {
    bson::DateTime::parse_rfc3339_str(s).unwrap()
}

const H1: u8 = 10; // NP host "hana"
const H2: u8 = 11; // IN host "ishan"
const H3: u8 = 12; // host without a country, "tara"
const G1: u8 = 20;
const G2: u8 = 21;
const G3: u8 = 22;

/// The platform; `peak` is stream S4's `peakViewers` (a bad value must change no KPI).
fn fixture(peak: Bson) -> Vec<(Collection, Document)> {
    use Collection::*;
    let user = |n: u8, country: Option<&str>, name: &str| {
        let mut d =
            doc! { "_id": oid(n), "createdAt": at("2026-03-01T00:00:00Z"), "username": name };
        if let Some(c) = country {
            d.insert("country", c);
        }
        (Users, d)
    };
    #[allow(clippy::too_many_arguments)]
    let stream = |id: u8,
                  host: u8,
                  when: &str,
                  secs: i32,
                  viewers: i32,
                  coins: i32,
                  extra: Document| {
        let mut d = doc! { "_id": oid(id), "hostId": oid(host), "status": "ended", "duration": secs,
        "totalViewers": viewers, "totalCoins": coins, "createdAt": at(when) };
        d.extend(extra);
        (Livestreams, d)
    };
    let gift = |id: u8, user: u8, stream: Bson, when: &str, kind: &str, status: &str| {
        (
            Transactions,
            doc! { "_id": oid(id), "userId": oid(user), "type": kind, "amount": 10, "currency": "coins",
            "status": status, "fees": 2, "metadata": { "streamId": stream }, "createdAt": at(when) },
        )
    };
    let sid = |n: u8| Bson::ObjectId(oid(n));
    vec![
        user(H1, Some("NP"), "hana"),
        user(H2, Some("IN"), "ishan"),
        user(H3, None, "tara"),
        user(G1, Some("NP"), "g1"),
        user(G2, Some("NP"), "g2"),
        user(G3, Some("NP"), "g3"),
        // S0, previous period: Apr 3 (14:00 AEDT), NP by its host. Engagement 2 + 2 + 1 = 5.
        stream(
            40,
            H1,
            "2026-04-03T03:00:00Z",
            600,
            80,
            250,
            doc! { "peakViewers": 30, "totalLikes": 2, "totalComments": 2, "totalGifts": 1 },
        ),
        // S1: Apr 5 13:30Z is 23:30 AEST, still local Apr 5 (the 25-hour day); NP by its host.
        stream(
            41,
            H1,
            "2026-04-05T13:30:00Z",
            3600,
            100,
            500,
            doc! { "peakViewers": 40, "totalLikes": 10, "totalComments": 5, "totalGifts": 3 },
        ),
        // S2: Apr 4 13:30Z is 00:30 AEDT on Apr 5; its own country IN.
        stream(
            42,
            H1,
            "2026-04-04T13:30:00Z",
            1800,
            50,
            200,
            doc! { "peakViewers": 60, "totalLikes": 4, "totalComments": 1, "totalGifts": 1, "country": "IN" },
        ),
        // S3: Apr 6, IN by its host; no counters (0).
        stream(43, H2, "2026-04-06T03:00:00Z", 600, 30, 500, doc! {}),
        // S4: Apr 5, UNKNOWN (no country anywhere); a bad peakViewers reads as 0.
        stream(
            44,
            H3,
            "2026-04-05T02:00:00Z",
            1200,
            150,
            500,
            doc! { "peakViewers": peak, "totalLikes": 2, "totalComments": 2, "totalGifts": 1 },
        ),
        // October, host H2: S7 Oct 3 13:30Z = 23:30 AEST Oct 3; S6 Oct 4 12:30Z = 23:30 AEDT Oct 4 (the
        // 23-hour day); S5 Oct 4 13:30Z = 00:30 AEDT Oct 5.
        stream(47, H2, "2026-10-03T13:30:00Z", 60, 1, 40, doc! {}),
        stream(46, H2, "2026-10-04T12:30:00Z", 60, 1, 20, doc! {}),
        stream(45, H2, "2026-10-04T13:30:00Z", 60, 1, 10, doc! {}),
        // G1 gifts H1 on Apr 5 and on Apr 6 (in an older stream of theirs): one gifter over the range.
        gift(
            60,
            G1,
            sid(41),
            "2026-04-05T05:00:00Z",
            "gift_sent",
            "completed",
        ),
        gift(
            61,
            G1,
            sid(41),
            "2026-04-06T05:00:00Z",
            "gift_sent",
            "completed",
        ),
        // G2 gifts H1 in S2 (IN), the stream id written as a hex string.
        gift(
            62,
            G2,
            Bson::String(oid(42).to_hex()),
            "2026-04-06T06:00:00Z",
            "gift_sent",
            "completed",
        ),
        // Not gifters of H2: pending, the receiving side, and a stream id that names nothing.
        gift(
            63,
            G3,
            sid(43),
            "2026-04-06T07:00:00Z",
            "gift_sent",
            "pending",
        ),
        gift(
            64,
            G3,
            sid(43),
            "2026-04-06T07:00:00Z",
            "gift_received",
            "completed",
        ),
        gift(
            65,
            G3,
            Bson::String("not-a-stream".into()),
            "2026-04-06T07:00:00Z",
            "gift_sent",
            "completed",
        ),
    ]
}

fn store(peak: Bson) -> halobuzz_analytics::store::InMemoryStore {
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in fixture(peak) {
        builder.accept(c, d).unwrap();
    }
    builder.build()
}

fn config(reveal: bool) -> Config {
    Config {
        reveal_user_ids: reveal,
        ..Config::default().with_ephemeral_pseudonym_key()
    }
}

fn engine(reveal: bool) -> Engine {
    Engine::new(Arc::new(store(Bson::Int32(-1))), config(reveal))
}

fn request(args: serde_json::Value) -> HostPerformanceRequest {
    api::decode("hostPerformance", args, NameStyle::Camel).unwrap()
}

fn report(e: &Engine, args: serde_json::Value) -> HostPerformanceReport {
    request(args).run(e).unwrap()
}

fn host(r: &HostPerformanceReport, id: u8) -> &HostPerformance {
    let hex = oid(id).to_hex();
    r.hosts.iter().find(|h| h.host_id == hex).unwrap()
}

#[test]
fn a_range_per_host_with_growth_ranks_and_distinct_gifters() {
    let e = engine(true);
    let r = report(&e, json!({ "from": "2026-04-05", "to": "2026-04-06" }));
    assert_eq!(r.total_hosts, 3);
    assert_eq!(r.previous_from.to_string(), "2026-04-03");
    // H1: S1 + S2 (both local Apr 5): 2 streams, (3600 + 1800) / 60 = 90 min, 150 viewers (mean 75), peak
    // max(40, 60) = 60, likes 14, comments 6, gifts 4, 700 coins (350 per stream), engagement 24 (12 per
    // stream); gifters G1 (twice, two days) and G2: 2. Previous: S0, 250 coins, 80 viewers, engagement 5.
    let h1 = host(&r, H1);
    assert_eq!(h1.username.as_deref(), Some("hana"));
    assert_eq!(
        (h1.streams, h1.duration_minutes, h1.viewers),
        (2, 90.0, 150)
    );
    assert_eq!(h1.avg_viewers_per_stream, Some(75.0));
    assert_eq!(
        (h1.peak_viewers, h1.likes, h1.comments, h1.gifts),
        (60, 14, 6, 4)
    );
    assert_eq!((h1.coins, h1.revenue_per_stream), (700.0, Some(350.0)));
    assert_eq!((h1.engagement, h1.engagement_per_stream), (24, Some(12.0)));
    assert_eq!(h1.unique_gifters, 2);
    // (700 − 250) / 250 = 180 %; (150 − 80) / 80 = 87.5 %; (24 − 5) / 5 = 380 %.
    assert_eq!(h1.growth.revenue, Some(180.0));
    assert_eq!(h1.growth.viewers, Some(87.5));
    assert_eq!(h1.growth.engagement, Some(380.0));
    // H2 and H3 had nothing before: growth is null, never 0 or infinite.
    let h2 = host(&r, H2);
    assert_eq!(
        (h2.streams, h2.coins, h2.unique_gifters, h2.engagement),
        (1, 500.0, 0, 0)
    );
    assert_eq!(h2.growth.revenue, None);
    assert_eq!(h2.growth.engagement, None);
    let h3 = host(&r, H3);
    assert_eq!((h3.peak_viewers, h3.viewers, h3.engagement), (0, 150, 5));
    // Ranks. Revenue: H1 700; H2 and H3 tie at 500 with one stream each: the smaller id (H2) first.
    // Viewers: H1 and H3 tie at 150: H1 has more streams. Engagement: 24, 5, 0.
    let ranks = |id| {
        let h = host(&r, id);
        (h.rank.revenue, h.rank.viewers, h.rank.engagement)
    };
    assert_eq!(ranks(H1), (1, 1, 1));
    assert_eq!(ranks(H2), (2, 3, 3));
    assert_eq!(ranks(H3), (3, 2, 2));
    // Default order: revenue, descending, ties as the rank.
    let order: Vec<&str> = r.hosts.iter().map(|h| h.host_id.as_str()).collect();
    let hex = |n| oid(n).to_hex();
    assert_eq!(order, [hex(H1), hex(H2), hex(H3)]);
    // Sorted by viewers ascending, limited to 2.
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "sortBy": "viewers", "order": "asc", "limit": 2 }),
    );
    assert_eq!(r.total_hosts, 3);
    let order: Vec<&str> = r.hosts.iter().map(|h| h.host_id.as_str()).collect();
    assert_eq!(order, [hex(H2), hex(H1)]);
}

#[test]
fn each_day_is_a_local_day_across_both_dst_changes() {
    let e = engine(true);
    // Apr 5 (25 h) holds S1 and S2; Apr 6 only S3; Apr 4 nothing (S2 is past its midnight).
    let r = report(&e, json!({ "from": "2026-04-05", "to": "2026-04-05" }));
    assert_eq!(host(&r, H1).streams, 2);
    assert!(r.hosts.iter().all(|h| h.host_id != oid(H2).to_hex()));
    // G1 on Apr 5 only: one gifter that day; on Apr 6 G1 and G2.
    assert_eq!(host(&r, H1).unique_gifters, 1);
    let r = report(&e, json!({ "from": "2026-04-06", "to": "2026-04-06" }));
    assert_eq!(host(&r, H1).streams, 0);
    assert_eq!(host(&r, H1).unique_gifters, 2);
    let r = report(&e, json!({ "from": "2026-04-04", "to": "2026-04-04" }));
    assert_eq!(r.total_hosts, 0);
    // Oct 4 (23 h) holds S6 only; the day before S7: growth (20 − 40) / 40 = −50 %.
    let r = report(&e, json!({ "from": "2026-10-04", "to": "2026-10-04" }));
    let h2 = host(&r, H2);
    assert_eq!((h2.streams, h2.coins), (1, 20.0));
    assert_eq!(h2.growth.revenue, Some(-50.0));
    let r = report(&e, json!({ "from": "2026-10-05", "to": "2026-10-05" }));
    assert_eq!(host(&r, H2).coins, 10.0);
}

#[test]
fn daily_lists_each_hosts_days_and_they_add_up_to_the_range() {
    let e = engine(true);
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "daily": true }),
    );
    // H1: Apr 5 has S1 and S2 (2 streams, 700 coins, gifter G1); Apr 6 no stream but G1 and G2 gifted.
    let h1 = host(&r, H1);
    let days = h1.days.as_ref().unwrap();
    let dates: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(dates, ["2026-04-05", "2026-04-06"]);
    assert_eq!(
        (days[0].streams, days[0].coins, days[0].unique_gifters),
        (2, 700.0, 1)
    );
    assert_eq!((days[1].streams, days[1].unique_gifters), (0, 2));
    // Sums add up; distinct gifters over the range are a union (G1 on both days counts once).
    for h in &r.hosts {
        let days = h.days.as_ref().unwrap();
        assert_eq!(days.iter().map(|d| d.streams).sum::<u64>(), h.streams);
        assert_eq!(days.iter().map(|d| d.coins).sum::<f64>(), h.coins);
        assert_eq!(days.iter().map(|d| d.engagement).sum::<u64>(), h.engagement);
        assert!(days.iter().map(|d| d.unique_gifters).sum::<u64>() >= h.unique_gifters);
    }
    // Without `daily` there is no `days` field at all.
    let plain = report(&e, json!({ "from": "2026-04-05", "to": "2026-04-06" }));
    assert!(plain.hosts.iter().all(|h| h.days.is_none()));
    let json = serde_json::to_value(&plain).unwrap();
    assert!(json["hosts"][0].get("days").is_none());
    // Bounded: per-day figures of more than 400 days are refused, naming the field.
    let err = request(json!({ "from": "2025-01-01", "to": "2026-04-06", "daily": true }))
        .run(&e)
        .unwrap_err();
    assert!(err.to_string().contains("daily"), "{err}");
}

#[test]
fn a_country_selects_streams_by_their_country_or_their_hosts() {
    let e = engine(true);
    let range = json!({ "from": "2026-04-05", "to": "2026-04-06", "country": "NP" });
    // NP: S1 (its host's country), before it S0; G1 gifted in S1. S2 is IN by its own field.
    let r = report(&e, range);
    assert_eq!(r.total_hosts, 1);
    let h1 = host(&r, H1);
    assert_eq!((h1.streams, h1.coins, h1.unique_gifters), (1, 500.0, 1));
    assert_eq!(h1.growth.revenue, Some(100.0));
    // IN: S2 of H1 (own field, G2 gifted in it) and S3 of H2 (host's country); H2 ranks first.
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "country": "IN" }),
    );
    assert_eq!(r.total_hosts, 2);
    let h1 = host(&r, H1);
    assert_eq!((h1.streams, h1.coins, h1.unique_gifters), (1, 200.0, 1));
    assert_eq!(h1.growth.revenue, None);
    assert_eq!(host(&r, H2).rank.revenue, 1);
    // UNKNOWN: H3, whose stream and user have no country.
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "country": "UNKNOWN" }),
    );
    assert_eq!(r.total_hosts, 1);
    assert_eq!(host(&r, H3).streams, 1);
}

#[test]
fn a_bad_peak_viewers_is_a_warning_and_changes_no_kpi() {
    let bad = store(Bson::Int32(-1));
    let good = store(Bson::Int32(5));
    for s in [&bad, &good] {
        assert!(s.quality().collections.iter().all(|c| c.invalid == 0));
    }
    let warned = |s: &halobuzz_analytics::store::InMemoryStore, c: Collection, field: &str| {
        let q = s.quality();
        let c = q.collections.iter().find(|q| q.collection == c).unwrap();
        c.warnings_by_field
            .iter()
            .find(|w| w.field == field && w.reason == WarningReason::IgnoredValue)
            .map_or(0, |w| w.count)
    };
    assert_eq!(warned(&bad, Collection::Livestreams, "peakViewers"), 1);
    assert_eq!(warned(&good, Collection::Livestreams, "peakViewers"), 0);
    assert_eq!(
        warned(&bad, Collection::Transactions, "metadata.streamId"),
        1
    );
    let range =
        DateRange::new("2026-04-01".parse().unwrap(), "2026-04-07".parse().unwrap()).unwrap();
    let kpis = |s| {
        Engine::new(Arc::new(s), config(true))
            .kpis(range, CountryFilter::All)
            .unwrap()
    };
    let (a, b) = (kpis(bad), kpis(good));
    assert_eq!(a.engagement.total_streams, 5);
    assert_eq!(a, b);
}

#[test]
fn stored_days_reread_equal_a_recomputation_from_raw_documents() {
    let docs = BsonOnly::new(store(Bson::Int32(-1)));
    let e = Engine::new(Arc::new(docs), config(true));
    let args = json!({ "from": "2026-04-05", "to": "2026-04-06" });
    let first = report(&e, args.clone());
    // Apr 3 ..= Apr 6 are settled: each has a marker (Apr 4, empty, too) and its documents. Apr 5 has
    // H1 NP, H1 IN and H3 UNKNOWN; Apr 6 H1 NP (G1), H1 IN (G2) and H2 IN.
    let store: &dyn Store = e.store();
    let markers = store.find_docs::<HostDayMarker>(&DocFilter::all()).unwrap();
    let counts: Vec<(String, u64)> = markers
        .iter()
        .map(|m| (m.date.to_string(), m.docs))
        .collect();
    assert_eq!(
        counts,
        [
            ("2026-04-03".into(), 1),
            ("2026-04-04".into(), 0),
            ("2026-04-05".into(), 3),
            ("2026-04-06".into(), 3)
        ]
    );
    let stored = store.find_docs::<HostDayDoc>(&DocFilter::all()).unwrap();
    assert_eq!(stored.len(), 7);
    let again = report(&e, args.clone());
    let raw = request(args)
        .query()
        .map(|q| e.host_performance_from_raw(&q))
        .unwrap()
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first, raw);
    // Reading stored days writes nothing new.
    assert_eq!(
        store
            .find_docs::<HostDayDoc>(&DocFilter::all())
            .unwrap()
            .len(),
        7
    );
}

#[test]
fn host_ids_are_pseudonyms_unless_revealed() {
    let e = engine(false);
    let r = report(&e, json!({ "from": "2026-04-05", "to": "2026-04-06" }));
    let ids = e.config().pseudonymizer().unwrap();
    assert_eq!(r.hosts[0].host_id, ids.id(&oid(H1)));
    assert!(r
        .hosts
        .iter()
        .all(|h| h.host_id.starts_with("u_") && !h.host_id.contains(&oid(H1).to_hex())));
    // The same pseudonym as topCreators.
    let range =
        DateRange::new("2026-04-05".parse().unwrap(), "2026-04-06".parse().unwrap()).unwrap();
    let kpis = e.kpis(range, CountryFilter::All).unwrap();
    assert_eq!(kpis.creators.top_creators[0].host_id, r.hosts[0].host_id);
    // The host filter takes the ids reports show; ranks stay those among every host.
    let h3 = ids.id(&oid(H3));
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": [h3] }),
    );
    assert_eq!(r.total_hosts, 1);
    assert_eq!(
        (r.hosts[0].host_id.as_str(), r.hosts[0].rank.revenue),
        (h3.as_str(), 3)
    );
    // A raw id is no pseudonym: it selects nothing unless ids are revealed.
    let raw = oid(H3).to_hex();
    let r = report(
        &e,
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": [raw] }),
    );
    assert_eq!(r.total_hosts, 0);
    let r = report(
        &engine(true),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": [raw] }),
    );
    assert_eq!(r.hosts[0].host_id, raw);
    assert_eq!(Pseudonymizer::reveal().id(&oid(H3)), raw);
}

#[test]
fn bad_requests_are_refused_with_typed_errors() {
    let e = engine(true);
    for args in [
        json!({ "from": "2026-04-05", "to": "2026-04-06", "limit": 0 }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "limit": 10001 }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": [] }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": ["x".repeat(65)] }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "hosts": vec!["u_1"; 1001] }),
        json!({ "from": "0001-01-01", "to": "2026-04-06" }),
        json!({ "from": "2026-04-06", "to": "2026-04-05" }),
    ] {
        let err = request(args.clone()).run(&e).unwrap_err();
        assert_eq!(err.category(), ErrorCategory::InvalidInput, "{args}: {err}");
    }
    for args in [
        json!({ "from": "2026-04-05", "to": "2026-04-06", "sortBy": "fame" }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "limit": -1 }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "revealUserIds": true }),
        json!({ "from": "2026-04-05", "to": "2026-04-06", "country": "Nepal" }),
    ] {
        let err = api::decode::<HostPerformanceRequest>(
            "hostPerformance",
            args.clone(),
            NameStyle::Camel,
        )
        .unwrap_err();
        assert_eq!(err.category(), ErrorCategory::InvalidInput, "{args}: {err}");
    }
}
