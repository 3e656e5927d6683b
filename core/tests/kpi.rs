//! Hand-computed KPIs on a small platform. Every expected number is worked out in the comments.
//!
//! Reporting zone Australia/Sydney. DST ends on 2026-04-05 at 03:00 AEDT (16:00Z on Apr 4): before that
//! local = UTC+11, after it UTC+10, so Sunday 2026-04-05 is a 25-hour day, [Apr 4 13:00Z, Apr 5 14:00Z).
//! The report range is Apr 4 ..= Apr 6 (3 days); the previous period is Apr 1 ..= Apr 3.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use std::ops::ControlFlow;
use std::sync::Arc;

use bson::{doc, oid::ObjectId, Document};
use chrono::NaiveDate;
use common::bson_store::BsonOnly;
use halobuzz_analytics::calendar::{DateRange, Granularity};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::kpi::{CountryFilter, DailyRollup, KpiReport, Metric, SafetyTrend};
use halobuzz_analytics::store::{AnalyticsStore, DocFilter, DocumentSink, InMemoryStoreBuilder};
use halobuzz_analytics::{Collection, Engine};

fn oid(n: u8) -> ObjectId {
    let mut b = [0u8; 12];
    b[0] = 0x65;
    b[11] = n;
    ObjectId::from_bytes(b)
}

fn at(s: &str) -> bson::DateTime {
    bson::DateTime::parse_rfc3339_str(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(id: &str) -> &'static Metric {
    Metric::parse(id).unwrap()
}

const A: u8 = 1; // NP, signs up Apr 1
const B: u8 = 2; // IN, signs up Apr 1
const C: u8 = 3; // no country, signs up Mar 20
const D: u8 = 4; // NP, signs up Apr 4 (the only signup in the range)
const E: u8 = 5; // NP, signs up Mar 10, never seen again
const H: u8 = 8; // NP host, signs up Mar 1

fn fixture() -> Vec<(Collection, Document)> {
    use Collection::*;
    let user = |n: u8, when: &str, country: Option<&str>, name: &str| {
        let mut d = doc! { "_id": oid(n), "createdAt": at(when), "username": name, "email": format!("{name}@example.invalid") };
        if let Some(c) = country {
            d.insert("country", c);
        }
        (Users, d)
    };
    let tx = |id: u8,
              user: u8,
              kind: &str,
              amount: f64,
              currency: &str,
              when: &str,
              extra: Document| {
        let mut d = doc! { "_id": oid(100 + id), "userId": oid(user), "type": kind, "amount": amount, "currency": currency, "status": "completed", "createdAt": at(when) };
        d.extend(extra);
        (Transactions, d)
    };
    let event = |id: u8, user: Option<u8>, name: &str, when: &str, extra: Document| {
        let mut d = doc! { "_id": oid(150 + id), "eventType": "user_action", "eventName": name, "timestamp": at(when) };
        if let Some(u) = user {
            d.insert("userId", oid(u));
        }
        d.extend(extra);
        (Analyticsevents, d)
    };
    vec![
        user(A, "2026-04-01T01:00:00Z", Some("NP"), "asha"),
        user(B, "2026-04-01T02:00:00Z", Some("IN"), "bina"),
        user(C, "2026-03-20T00:00:00Z", None, "chet"),
        user(D, "2026-04-04T02:00:00Z", Some("NP"), "dev"),
        user(E, "2026-03-10T00:00:00Z", Some("NP"), "esha"),
        user(H, "2026-03-01T00:00:00Z", Some("NP"), "hostie"),
        // 1. Coin top-up as the app writes it: 500 coins, 500 NPR paid via esewa. Apr 4 14:00 local.
        tx(
            1,
            A,
            "recharge",
            500.0,
            "coins",
            "2026-04-04T03:00:00Z",
            doc! { "paymentMethod": "esewa", "metadata": { "amountPaid": 500, "currency": "NPR" } },
        ),
        // 2. B (an IN user) tops up in NP: 1000 coins for 10 USD = 1335 NPR at 133.5. Apr 5 23:30 AEST.
        tx(
            2,
            B,
            "recharge",
            1000.0,
            "coins",
            "2026-04-05T13:30:00Z",
            doc! { "paymentMethod": "stripe", "metadata": { "amountPaid": 10.0, "currency": "USD", "country": "NP" } },
        ),
        // 3. OG tier 2 for 1200 NPR via khalti, Apr 6 00:30 AEST (the 25-hour day is over).
        tx(
            3,
            A,
            "og_subscription",
            0.0,
            "coins",
            "2026-04-05T14:30:00Z",
            doc! { "paymentMethod": "khalti", "metadata": { "amountPaid": 1200, "currency": "NPR", "ogTier": 2 } },
        ),
        // 4. A refund written negative: 200 NPR back, esewa. Apr 6.
        tx(
            4,
            A,
            "refund",
            -200.0,
            "NPR",
            "2026-04-06T05:00:00Z",
            doc! { "paymentMethod": "esewa" },
        ),
        // 5 + 6. One gift of 100 coins (30 platform fee), written as a sent/received pair: counted once.
        tx(
            5,
            A,
            "gift_sent",
            100.0,
            "coins",
            "2026-04-04T04:00:00Z",
            doc! { "fees": 30, "metadata": { "streamId": oid(201).to_hex() } },
        ),
        tx(
            6,
            H,
            "gift_received",
            100.0,
            "coins",
            "2026-04-04T04:00:00Z",
            doc! { "metadata": { "streamId": oid(201) } },
        ),
        // 7. Pending: never counts.
        (
            Transactions,
            doc! { "_id": oid(107), "userId": oid(B), "type": "recharge", "amount": 999, "currency": "NPR", "status": "pending", "createdAt": at("2026-04-04T03:00:00Z") },
        ),
        // 8. A 5-coin platform fee from C (no country: UNKNOWN).
        tx(
            8,
            C,
            "platform_fee",
            5.0,
            "coins",
            "2026-04-04T05:00:00Z",
            doc! {},
        ),
        // Streams: H streamed first on Apr 2 (previous period) and again Apr 4; B's first stream is Apr 6.
        (
            Livestreams,
            doc! { "_id": oid(200), "hostId": oid(H), "status": "ended", "duration": 1800, "totalViewers": 10, "totalCoins": 0, "createdAt": at("2026-04-02T03:00:00Z"), "streamKey": "secret" },
        ),
        (
            Livestreams,
            doc! { "_id": oid(201), "hostId": oid(H), "status": "ended", "duration": 3600, "totalViewers": 40, "totalCoins": 100, "createdAt": at("2026-04-04T03:30:00Z") },
        ),
        (
            Livestreams,
            doc! { "_id": oid(202), "hostId": oid(B), "status": "live", "duration": 600, "totalViewers": 5, "totalCoins": 0, "createdAt": at("2026-04-06T01:00:00Z") },
        ),
        // Messages: A's counts; B's is deleted (not sent, but B was active).
        (
            Messages,
            doc! { "_id": oid(210), "userId": oid(A), "roomId": oid(201), "content": "hi", "createdAt": at("2026-04-04T04:10:00Z") },
        ),
        (
            Messages,
            doc! { "_id": oid(211), "userId": oid(B), "roomId": oid(201), "isDeleted": true, "createdAt": at("2026-04-04T04:20:00Z") },
        ),
        // Events.
        event(
            1,
            Some(A),
            "session_start",
            "2026-04-04T03:55:00Z",
            doc! { "sessionId": "s1" },
        ),
        event(
            2,
            Some(A),
            "session_end",
            "2026-04-04T04:25:00Z",
            doc! { "sessionId": "s1", "properties": { "durationSec": 1800 } },
        ),
        // Apr 5 23:59:59 AEST, own country IN.
        event(
            3,
            Some(B),
            "session_end",
            "2026-04-05T13:59:59Z",
            doc! { "properties": { "durationSec": 600 }, "location": { "country": "IN" } },
        ),
        // Exactly Apr 6 00:00 AEST.
        event(4, Some(A), "battle_joined", "2026-04-05T14:00:00Z", doc! {}),
        (
            Analyticsevents,
            doc! { "_id": oid(155), "userId": oid(C), "eventType": "security_event", "eventName": "user_banned", "timestamp": at("2026-04-05T01:00:00Z") },
        ),
        (
            Analyticsevents,
            doc! { "_id": oid(156), "userId": null, "eventType": "error_event", "eventName": "api_error", "timestamp": at("2026-04-05T01:00:00Z") },
        ),
        // D comes back on day 1.
        event(7, Some(D), "session_start", "2026-04-05T06:00:00Z", doc! {}),
        // Games: round R1 (60 s) staked by A (won 80 on 50) and B (lost 20), R2 (30 s) by A (pending 10).
        (
            Gamestakes,
            doc! { "_id": oid(220), "userId": oid(A), "roundId": "R1", "stakeAmount": 50, "winAmount": 80, "result": "won", "createdAt": at("2026-04-04T06:00:00Z") },
        ),
        (
            Gamestakes,
            doc! { "_id": oid(221), "userId": oid(B), "roundId": "R1", "stakeAmount": 20, "winAmount": 0, "result": "lost", "metadata": { "country": "IN" }, "createdAt": at("2026-04-04T06:01:00Z") },
        ),
        (
            Gamestakes,
            doc! { "_id": oid(222), "userId": oid(A), "roundId": "R2", "stakeAmount": 10, "winAmount": 0, "result": "pending", "createdAt": at("2026-04-06T02:00:00Z") },
        ),
        (
            Gamerounds,
            doc! { "roundId": "R1", "durationSec": 60, "startAt": at("2026-04-04T06:00:00Z") },
        ),
        (Gamerounds, doc! { "roundId": "R2", "durationSec": 30 }),
        (Gamerounds, doc! { "roundId": "R3", "durationSec": 999 }),
        // Flags: F1 (prev period, block, resolved on Apr 6), F2 allow, F3 warn.
        (
            Moderationflags,
            doc! { "_id": oid(230), "userId": oid(B), "contentType": "text", "action": "block", "status": "resolved", "reviewedAt": at("2026-04-06T00:00:00Z"), "createdAt": at("2026-04-03T00:00:00Z") },
        ),
        (
            Moderationflags,
            doc! { "_id": oid(231), "userId": oid(A), "contentType": "image", "action": "allow", "status": "reviewed", "createdAt": at("2026-04-04T02:00:00Z") },
        ),
        (
            Moderationflags,
            doc! { "_id": oid(232), "userId": oid(A), "contentType": "stream", "action": "warn", "status": "pending", "createdAt": at("2026-04-05T02:00:00Z") },
        ),
    ]
}

fn engine() -> Engine {
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in fixture() {
        builder.accept(c, d).unwrap();
    }
    let store = builder.build();
    assert_eq!(
        store
            .quality()
            .collections
            .iter()
            .map(|c| c.invalid + c.duplicates)
            .sum::<u64>(),
        0
    );
    let config = Config {
        reveal_user_ids: true,
        ..Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap()
    };
    Engine::new(Arc::new(store), config)
}

fn range() -> DateRange {
    DateRange::new(day("2026-04-04"), day("2026-04-06")).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn report(country: &str) -> KpiReport {
    engine().kpis(range(), country.parse().unwrap()).unwrap()
}

#[test]
fn revenue_all() {
    let r = report("ALL").revenue;
    // coinTopups = 500 + 10 × 133.5 = 1835; og = 1200; refunds = |−200|; total = 1835 + 1200 − 200.
    assert_eq!(
        (r.coin_topups, r.og_subscriptions, r.refunds, r.total),
        (1835.0, 1200.0, 200.0, 2835.0)
    );
    // esewa 500 − 200, khalti 1200, stripe 1335: the parts sum to total.
    let m = &r.by_payment_method;
    assert_eq!(
        (m.esewa, m.khalti, m.stripe, m.paypal, m.other),
        (300.0, 1200.0, 1335.0, 0.0, 0.0)
    );
    assert_eq!(
        (r.by_og_tier.tier2, r.by_og_tier.tier1, r.by_og_tier.unknown),
        (1200.0, 0.0, None)
    );
    // One gift of 100 coins (the received half is not counted again); fees 30 + platform_fee 5.
    assert_eq!((r.gift_revenue, r.platform_fees), (100.0, 35.0));
    // Nothing was paid Apr 1–3: growth against zero is null.
    assert_eq!(r.growth, None);
}

#[test]
fn engagement_all_with_the_dst_day() {
    let e = report("ALL").engagement;
    // Active: Apr 4 {A (top-up, gift, message, session, stake), B (deleted message, stake), C (fee), D (signup),
    // H (stream)} = 5; Apr 5 {B (top-up 23:30, session end 23:59:59), C (ban event), D (session)} = 3;
    // Apr 6 {A (OG 00:30, refund, battle at 00:00, stake), B (stream)} = 2.
    assert!(close(e.dau, 10.0 / 3.0), "{}", e.dau);
    assert_eq!(e.active_users, 5);
    // Mar 8 ..= Apr 6 adds E (signup Mar 10): 6.
    assert_eq!(e.mau, 6);
    assert!(close(e.stickiness.unwrap(), 10.0 / 3.0 / 6.0 * 100.0));
    // (1800 + 600) / 2 s = 20 min.
    assert!(close(e.avg_session_duration.unwrap(), 20.0));
    // Streams Apr 4 (3600 s, 40 viewers) and Apr 6 (600 s, 5 viewers).
    assert_eq!((e.total_streams, e.total_stream_duration), (2, 70.0));
    assert!(close(e.avg_viewers_per_stream.unwrap(), 22.5));
    assert_eq!(
        (e.battle_participation, e.gift_sent, e.messages_sent),
        (1, 1, 1)
    );
    // Previous period: Apr 1 {A, B} signups, Apr 2 {H} stream, Apr 3 nobody: dau 1.
    assert!(close(e.growth.unwrap(), (10.0 / 3.0 - 1.0) * 100.0));
}

#[test]
fn monetization_all() {
    let m = report("ALL").monetization;
    // Payers: A (money top-up, OG), B (money top-up) = 2 of 5 active.
    assert_eq!(m.paying_users, 2);
    assert_eq!((m.arpu, m.arppu), (Some(567.0), Some(1417.5)));
    assert!(close(m.payer_rate.unwrap(), 40.0));
    assert_eq!(m.avg_gift_value, Some(100.0));
    // Pending top-up excluded: 2 top-ups, 1500 coins.
    assert_eq!((m.coin_topup_count, m.coin_topup_volume), (2, 1500.0));
    assert!(close(m.og_conversion_rate.unwrap(), 20.0));
    // Previous arpu is 0 / 3 = 0: growth null.
    assert_eq!(m.growth, None);
}

#[test]
fn retention_all() {
    let r = report("ALL").retention;
    // Cohort: D (signup Apr 4), active on Apr 5 = day 1. Day 7 and 30 are after Apr 6: nobody eligible.
    assert_eq!(
        (r.d1_retention, r.d7_retention, r.d30_retention),
        (Some(100.0), None, None)
    );
    // Previous period active {A, B, H} are all active again.
    assert_eq!(r.churn_rate, Some(0.0));
    // Lifetimes (last active − signup + 1): A 6, B 6, C Mar 20→Apr 5 17, D 2, H Mar 1→Apr 4 35.
    assert!(close(r.avg_lifetime_days.unwrap(), 66.0 / 5.0));
    // Of the 6 active in Mar 8 ..= Apr 6, only E (last seen Mar 10) is 7+ days silent.
    assert!(close(r.churn_risk_score.unwrap(), 100.0 / 6.0));
}

#[test]
fn creators_all() {
    let c = report("ALL").creators;
    assert_eq!(c.active_hosts, 2);
    assert_eq!(
        (c.top_host_revenue, c.avg_host_revenue),
        (Some(100.0), Some(50.0))
    );
    // B's first stream ever is Apr 6; H's was Apr 2.
    assert_eq!(c.new_hosts, 1);
    // H hosted in the previous period and again.
    assert_eq!(c.host_retention_rate, Some(100.0));
    let top: Vec<_> = c
        .top_creators
        .iter()
        .map(|t| (t.username.as_deref(), t.revenue, t.streams, t.viewers))
        .collect();
    assert_eq!(
        top,
        [(Some("hostie"), 100.0, 1, 40), (Some("bina"), 0.0, 1, 5)]
    );
    assert_eq!(c.top_creators[0].host_id, oid(H).to_hex());
}

#[test]
fn safety_all() {
    let s = report("ALL").safety;
    // F3 (warn) flagged; F2 is allow; F1 was created in the previous period.
    assert_eq!(
        (
            s.flagged_content,
            s.banned_users,
            s.appeals_processed,
            s.moderation_actions
        ),
        (1, 1, 1, 2)
    );
    // w = (1 + 5) × 1000 / 5 = 1200 → 100 − 120 clamps to 0. Previous: (1 + 0) × 1000 / 3 → 100 − 33.3.
    assert_eq!(s.safety_score, Some(0.0));
    assert_eq!(s.trend, SafetyTrend::Declining);
}

#[test]
fn gaming_all() {
    let g = report("ALL").gaming;
    assert_eq!(
        (g.games_played, g.total_stakes, g.total_payouts, g.revenue),
        (3, 80.0, 80.0, 0.0)
    );
    assert_eq!(g.house_edge, Some(0.0));
    assert_eq!(g.active_players, 2);
    // Distinct rounds R1 (60 s, staked twice) and R2 (30 s); R3 is not staked on.
    assert_eq!(g.avg_game_duration, Some(45.0));
}

#[test]
fn country_filter_uses_the_documents_own_country() {
    let np = report("NP");
    // B's top-up carries metadata.country NP: it counts in NP although B is an IN user.
    assert_eq!(np.revenue.total, 2835.0);
    // C's platform fee is UNKNOWN: NP keeps only the gift fee.
    assert_eq!(np.revenue.platform_fees, 30.0);
    // NP activity: Apr 4 {A, H, D}, Apr 5 {B via the NP top-up, D}, Apr 6 {A}.
    assert!(close(np.engagement.dau, 2.0));
    assert_eq!(np.engagement.active_users, 4);
    assert_eq!(np.monetization.paying_users, 2);
    assert_eq!(np.monetization.arpu, Some(708.75));

    let india = report("in");
    // B is active in IN every day (deleted message + IN stake, IN session end, IN-hosted stream).
    assert_eq!(
        (india.engagement.active_users, india.engagement.dau),
        (1, 1.0)
    );
    assert_eq!(india.revenue.total, 0.0);
    // No payer: arppu has a zero denominator and is null, not 0.
    assert_eq!(
        (india.monetization.arpu, india.monetization.arppu),
        (Some(0.0), None)
    );
    assert_eq!(india.gaming.active_players, 1);

    let unknown = report("UNKNOWN");
    assert_eq!(unknown.safety.banned_users, 1);
    assert_eq!(unknown.revenue.platform_fees, 5.0);
    // Retention selects users by users.country: D is the NP cohort.
    assert_eq!(np.retention.d1_retention, Some(100.0));
    assert_eq!(india.retention.d1_retention, None);
}

#[test]
fn a_missing_usd_rate_is_an_error_not_a_guess() {
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in fixture() {
        builder.accept(c, d).unwrap();
    }
    let engine = Engine::new(
        Arc::new(builder.build()),
        Config::default().with_ephemeral_pseudonym_key(),
    );
    let err = engine.kpis(range(), CountryFilter::All).unwrap_err();
    assert_eq!(err.code(), "INVALID_ARGUMENT");
    assert!(err.to_string().contains("USD"), "{err}");
}

#[test]
fn weekly_and_monthly_buckets_across_a_month_end() {
    let e = engine();
    let r = DateRange::new(day("2026-03-30"), day("2026-04-12")).unwrap();
    let s = e
        .time_series(m("revenue.total"), r, Granularity::Week, CountryFilter::All)
        .unwrap();
    let points: Vec<_> = s
        .points
        .iter()
        .map(|p| (p.period, p.from, p.to, p.value))
        .collect();
    // Week of Mon Mar 30: top-ups 500 + 1335; week of Apr 6: OG 1200 − refund 200.
    assert_eq!(
        points,
        [
            (
                day("2026-03-30"),
                day("2026-03-30"),
                day("2026-04-05"),
                Some(1835.0)
            ),
            (
                day("2026-04-06"),
                day("2026-04-06"),
                day("2026-04-12"),
                Some(1000.0)
            ),
        ]
    );
    // Daily active users: Apr 1 2, Apr 2 1, Apr 4 5, Apr 5 3 → 11 / 7; then Apr 6 2 → 2 / 7.
    let dau = e
        .time_series(
            m("engagement.dau"),
            r,
            Granularity::Week,
            CountryFilter::All,
        )
        .unwrap();
    assert!(close(dau.points[0].value.unwrap(), 11.0 / 7.0));
    assert!(close(dau.points[1].value.unwrap(), 2.0 / 7.0));
    let monthly = e
        .time_series(
            m("revenue.total"),
            r,
            Granularity::Month,
            CountryFilter::All,
        )
        .unwrap();
    let values: Vec<_> = monthly.points.iter().map(|p| (p.period, p.value)).collect();
    assert_eq!(
        values,
        [
            (day("2026-03-01"), Some(0.0)),
            (day("2026-04-01"), Some(2835.0))
        ]
    );
    // A bucket without data keeps its null ratio.
    let arppu = e
        .time_series(
            m("monetization.arppu"),
            r,
            Granularity::Day,
            CountryFilter::All,
        )
        .unwrap();
    assert_eq!(arppu.points.len(), 14);
    assert_eq!(arppu.points[0].value, None);
    let err = Metric::parse("revenue.totl").unwrap_err();
    assert!(err.to_string().contains("revenue.total"), "{err}");
}

#[test]
fn rollups_equal_raw_and_rerunning_a_day_replaces_it() {
    let e = engine();
    let r = DateRange::new(day("2026-03-08"), day("2026-04-06")).unwrap();
    for c in ["ALL", "NP", "IN", "UNKNOWN", "BD"] {
        let c: CountryFilter = c.parse().unwrap();
        assert_eq!(e.kpis(r, c).unwrap(), e.kpis_from_raw(r, c).unwrap(), "{c}");
    }
    // Published rollups (what readers see); a replaced day keeps its previous generation until the
    // next flip, invisible to readers.
    let count = |e: &Engine| {
        r.iter()
            .map(|d| e.rollups_of_day(d).unwrap().len())
            .sum::<usize>()
    };
    let before = count(&e);
    let again = e.rollup_day(day("2026-04-04")).unwrap();
    // ALL, NP, IN, UNKNOWN were seen on Apr 4.
    let keys: Vec<String> = again.iter().map(|r| r.country.key()).collect();
    assert_eq!(keys, ["ALL", "IN", "NP", "UNKNOWN"]);
    assert_eq!(count(&e), before);
    let np: Vec<DailyRollup> = e
        .rollups_of_day(day("2026-04-04"))
        .unwrap()
        .into_iter()
        .filter(|r| r.country.key() == "NP")
        .collect();
    assert_eq!(np.len(), 1);
    // A backfill over rolled-up days skips them unless forced.
    let s = e
        .backfill(r, false, &mut |_| ControlFlow::Continue(()))
        .unwrap();
    assert_eq!((s.computed, s.skipped), (0, 30));
    let mut seen = 0;
    let s = e
        .backfill(r, true, &mut |_| {
            seen += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!((s.computed, s.skipped, seen), (30, 0, 30));
}

#[test]
fn bad_arguments_are_clear_errors() {
    assert!("Nepal"
        .parse::<CountryFilter>()
        .unwrap_err()
        .to_string()
        .contains("Nepal"));
    assert!(DateRange::new(day("2026-04-06"), day("2026-04-04")).is_err());
}

#[test]
fn every_metric_path_of_a_series_equals_the_report_of_its_bucket() {
    let e = engine();
    let r = DateRange::new(day("2026-03-30"), day("2026-04-12")).unwrap();
    let paths = halobuzz_analytics::kpi::timeseries::metric_paths();
    assert!(paths.len() > 50, "{paths:?}");
    for c in [CountryFilter::All, "NP".parse().unwrap()] {
        for g in [Granularity::Day, Granularity::Week] {
            let reports: Vec<serde_json::Value> = g
                .buckets(r)
                .iter()
                .map(|b| serde_json::to_value(e.kpis(b.range, c).unwrap()).unwrap())
                .collect();
            for path in &paths {
                let series = e.time_series(m(path), r, g, c).unwrap();
                for (p, report) in series.points.iter().zip(&reports) {
                    let expected = report
                        .pointer(&format!("/{}", path.replace('.', "/")))
                        .and_then(|v| v.as_f64());
                    let expected = if path == "revenue.byOGTier.unknown" {
                        expected.or(Some(0.0))
                    } else {
                        expected
                    };
                    assert_eq!(p.value, expected, "{path} {g} {c} {}", p.from);
                }
            }
        }
    }
}

#[test]
fn rollups_stored_as_documents_give_the_same_reports() {
    let mut builder = InMemoryStoreBuilder::new();
    for (c, d) in fixture() {
        builder.accept(c, d).unwrap();
    }
    let docs = BsonOnly::new(builder.build());
    let config = Config {
        reveal_user_ids: true,
        ..Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap()
    };
    let by_documents = Engine::new(Arc::new(docs), config);
    let typed = engine();
    let r = DateRange::new(day("2026-03-08"), day("2026-04-06")).unwrap();
    for c in ["ALL", "NP", "IN", "UNKNOWN"] {
        let c: CountryFilter = c.parse().unwrap();
        assert_eq!(
            by_documents.kpis(r, c).unwrap(),
            typed.kpis(r, c).unwrap(),
            "{c}"
        );
    }
    // Re-running a day replaces its documents: one per country, no leftovers.
    by_documents.rollup_day(day("2026-04-04")).unwrap();
    let stored = by_documents.rollups_of_day(day("2026-04-04")).unwrap();
    let keys: Vec<String> = stored.iter().map(|r| r.country.key()).collect();
    assert_eq!(keys, ["ALL", "IN", "NP", "UNKNOWN"]);
    let generations: std::collections::BTreeSet<i64> = by_documents
        .store()
        .find_docs::<DailyRollup>(&DocFilter::all().eq("date", day("2026-04-04")))
        .unwrap()
        .iter()
        .map(|r| r.generation)
        .collect();
    assert!(generations.len() <= 2, "{generations:?}");
    // Read back, they carry the same facts as the typed ones.
    let facts = |e: &Engine| -> Vec<(String, halobuzz_analytics::kpi::facts::Facts)> {
        e.rollups_of_day(day("2026-04-04"))
            .unwrap()
            .into_iter()
            .map(|r| (r.country.key(), (*r.facts).clone()))
            .collect()
    };
    assert_eq!(facts(&by_documents), facts(&typed));
}

#[test]
fn concurrent_backfills_compute_each_day_once() {
    let e = Arc::new(engine());
    let r = DateRange::new(day("2026-03-08"), day("2026-04-06")).unwrap();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || {
                e.backfill(r, false, &mut |_| ControlFlow::Continue(()))
                    .unwrap()
            })
        })
        .collect();
    let summaries: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        summaries.iter().map(|s| s.computed).sum::<u64>(),
        30,
        "{summaries:?}"
    );
    assert!(summaries.iter().all(|s| s.computed + s.skipped == 30));
}

#[test]
fn metric_paths_follow_the_report_order() {
    let paths = halobuzz_analytics::kpi::timeseries::metric_paths();
    assert_eq!(
        &paths[..3],
        [
            "revenue.total",
            "revenue.coinTopups",
            "revenue.ogSubscriptions"
        ]
    );
    assert_eq!(
        paths.last().map(String::as_str),
        Some("gaming.avgGameDuration")
    );
}
