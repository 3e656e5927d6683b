//! The plausibility of the valid data: the shares, joins and consistencies the metrics rely on, so that
//! what is computed from generated data looks like HaloBuzz.

use std::collections::{BTreeMap, HashMap, HashSet};

use bson::{Bson, Document};

use super::*;

/// Plausibility of the valid data: shares, joins and consistency the metrics rely on.
#[test]
fn the_data_looks_like_halobuzz() {
    let config = GeneratorConfig {
        users: 3000,
        days: 30,
        invalid_rate: 0.0,
        duplicate_rate: 0.0,
        ..GeneratorConfig::default()
    };
    let (manifest, docs) = capture(&config);
    assert_eq!(manifest.total_documents(), docs.len() as u64);
    let start = config.start_date().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let by = |c: Collection| docs.iter().filter(move |(x, _)| *x == c).map(|(_, d)| d);

    // ObjectIds: unique, first 4 bytes = creation time.
    let mut ids = HashSet::new();
    for (c, d) in &docs {
        let id = d.get_object_id("_id").unwrap();
        assert!(ids.insert(id), "duplicate id in {c:?}");
        let primary = d
            .get_datetime(c.primary_date_field())
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            id.timestamp().timestamp_millis(),
            primary / 1000 * 1000,
            "{c:?} {d}"
        );
    }

    // Users: ~35% before the window, mostly Nepal, ~3% without a country, private fields present.
    let users: Vec<&Document> = by(Collection::Users).collect();
    assert_eq!(users.len(), 3000);
    let share = |n: usize| n as f64 / users.len() as f64;
    let pre = users
        .iter()
        .filter(|u| u.get_datetime("createdAt").unwrap().to_chrono() < start)
        .count();
    assert!((0.33..0.37).contains(&share(pre)), "{pre}");
    let np = users
        .iter()
        .filter(|u| u.get_str("country").ok() == Some("NP"))
        .count();
    assert!((0.65..0.75).contains(&share(np)), "{np}");
    let none = users.iter().filter(|u| !u.contains_key("country")).count();
    assert!((0.015..0.05).contains(&share(none)), "{none}");
    assert!(users.iter().all(|u| u.contains_key("email")
        && u.contains_key("passwordHash")
        && u.contains_key("phone")));
    let user_country: HashMap<_, _> = users
        .iter()
        .map(|u| (u.get_object_id("_id").unwrap(), u.get_str("country").ok()))
        .collect();

    // Sessions come in pairs with a duration.
    let events: Vec<&Document> = by(Collection::Analyticsevents).collect();
    let name = |e: &&Document| e.get_str("eventName").unwrap_or_default().to_owned();
    let starts: HashSet<&str> = events
        .iter()
        .filter(|e| name(e) == "session_start")
        .map(|e| e.get_str("sessionId").unwrap())
        .collect();
    let ends: Vec<&&Document> = events.iter().filter(|e| name(e) == "session_end").collect();
    assert_eq!(starts.len(), ends.len());
    assert!(ends
        .iter()
        .all(|e| starts.contains(e.get_str("sessionId").unwrap())
            && e.get_document("properties")
                .unwrap()
                .contains_key("durationSec")));
    let names: HashSet<String> = events.iter().map(name).collect();
    for n in [
        "battle_joined",
        "user_banned",
        "user_unbanned",
        "api_error",
        "profile_view",
    ] {
        assert!(names.contains(n), "no {n}");
    }
    assert!(events
        .iter()
        .any(|e| e.get_str("eventType").ok() == Some("error_event")
            && e.get("userId").is_none_or(|u| *u == Bson::Null)));

    // Streams: totalCoins is the sum of the completed gifts sent in them; messages are in streams.
    let streams: HashMap<_, &Document> = by(Collection::Livestreams)
        .map(|s| (s.get_object_id("_id").unwrap(), s))
        .collect();
    assert!(streams.len() > 100);
    let statuses: HashSet<&str> = streams
        .values()
        .map(|s| s.get_str("status").unwrap())
        .collect();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    let mut coins: HashMap<_, i64> = HashMap::new();
    let txs: Vec<&Document> = by(Collection::Transactions).collect();
    let (mut sent, mut received, mut as_string) = (0, 0, 0);
    for t in &txs {
        let kind = t.get_str("type").unwrap();
        if kind == "gift_sent" || kind == "gift_received" {
            let stream = match t.get_document("metadata").unwrap().get("streamId").unwrap() {
                Bson::ObjectId(o) => *o,
                Bson::String(s) => {
                    as_string += 1;
                    bson::oid::ObjectId::parse_str(s).unwrap()
                }
                other => panic!("{other:?}"),
            };
            assert!(streams.contains_key(&stream));
            if kind == "gift_sent" {
                sent += 1;
                if t.get_str("status").ok() == Some("completed") {
                    *coins.entry(stream).or_default() += i64::from(t.get_i32("amount").unwrap());
                }
            } else {
                received += 1;
            }
        }
    }
    assert_eq!(sent, received);
    assert!(sent > 500 && as_string > 0 && as_string < sent);
    for (id, s) in &streams {
        assert_eq!(
            s.get_i64("totalCoins").unwrap(),
            coins.get(id).copied().unwrap_or(0)
        );
    }
    let messages: Vec<&Document> = by(Collection::Messages).collect();
    assert!(messages
        .iter()
        .all(|m| streams.contains_key(&m.get_object_id("roomId").unwrap())));
    let deleted = messages
        .iter()
        .filter(|m| m.get_bool("isDeleted").ok() == Some(true))
        .count();
    assert!((0.03..0.07).contains(&(deleted as f64 / messages.len() as f64)));

    // Top-ups: every form appears, and the payment methods follow the mix.
    let recharges: Vec<&&Document> = txs
        .iter()
        .filter(|t| t.get_str("type").ok() == Some("recharge"))
        .collect();
    assert!(recharges.len() > 300, "{}", recharges.len());
    let coin_form = recharges
        .iter()
        .filter(|t| t.get_str("currency").ok() == Some("coins"))
        .count();
    let npr_form = recharges
        .iter()
        .filter(|t| t.get_str("currency").ok() == Some("NPR"))
        .count();
    let null_method = recharges
        .iter()
        .filter(|t| t.get("paymentMethod") == Some(&Bson::Null))
        .count();
    assert!(coin_form > npr_form && npr_form > 0 && null_method > 0);
    let mut methods: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &recharges {
        if let Ok(m) = t.get_str("paymentMethod") {
            *methods.entry(m).or_default() += 1;
        }
        if t.get_str("currency").ok() == Some("coins") {
            let meta = t.get_document("metadata").unwrap();
            let paid = meta.get_str("currency").unwrap();
            if let Ok(method) = t.get_str("paymentMethod") {
                assert_eq!(
                    paid == "USD",
                    method == "stripe" || method == "paypal",
                    "{t}"
                );
            }
            assert!(meta.contains_key("amountPaid"));
        }
    }
    let esewa = methods["esewa"] as f64 / methods.values().sum::<usize>() as f64;
    assert!((0.38..0.55).contains(&esewa), "{methods:?}");
    for m in ["khalti", "stripe", "paypal"] {
        assert!(methods[m] > 0);
    }

    // Every transaction type, refunds in both signs, and some recorded countries differing from the user's.
    let types: HashSet<&str> = txs.iter().map(|t| t.get_str("type").unwrap()).collect();
    for t in [
        "recharge",
        "og_subscription",
        "subscription",
        "gift_sent",
        "gift_received",
        "og_bonus",
        "refund",
        "withdrawal",
        "tip",
        "platform_fee",
    ] {
        assert!(types.contains(t), "no {t}");
    }
    let refunds: Vec<&&Document> = txs
        .iter()
        .filter(|t| t.get_str("type").ok() == Some("refund"))
        .collect();
    let negative = |t: &&&Document| match t.get("amount") {
        Some(Bson::Int32(v)) => *v < 0,
        Some(Bson::Double(v)) => *v < 0.0,
        _ => false,
    };
    assert!(refunds.iter().any(negative) && !refunds.iter().all(negative));
    let foreign = txs
        .iter()
        .filter(|t| {
            let own = user_country[&t.get_object_id("userId").unwrap()];
            t.get_document("metadata")
                .ok()
                .and_then(|m| m.get_str("country").ok())
                .is_some_and(|c| Some(c) != own)
        })
        .count();
    assert!(foreign > 0);
    let statuses: HashSet<&str> = txs.iter().map(|t| t.get_str("status").unwrap()).collect();
    assert_eq!(statuses.len(), 4);

    // Stakes join rounds; results and wins are consistent.
    let rounds: HashSet<&str> = by(Collection::Gamerounds)
        .map(|r| r.get_str("roundId").unwrap())
        .collect();
    let stakes: Vec<&Document> = by(Collection::Gamestakes).collect();
    assert!(stakes.len() > 500);
    for s in &stakes {
        assert!(rounds.contains(s.get_str("roundId").unwrap()));
        let won = s.get_str("result").ok() == Some("won");
        assert_eq!(won, s.get("winAmount") != Some(&Bson::Int32(0)), "{s}");
    }

    // Moderation: some reviewed flags with reviewedAt, at least one abuse hour over 50 flags.
    let flags: Vec<&Document> = by(Collection::Moderationflags).collect();
    let mut per_hour: HashMap<i64, usize> = HashMap::new();
    for f in &flags {
        let status = f.get_str("status").unwrap();
        let reviewed = matches!(f.get("reviewedAt"), Some(Bson::DateTime(_)));
        assert_eq!(
            reviewed,
            status == "reviewed" || status == "resolved",
            "{f}"
        );
        *per_hour
            .entry(f.get_datetime("createdAt").unwrap().timestamp_millis() / 3_600_000)
            .or_default() += 1;
    }
    assert!(per_hour.values().any(|n| *n > 50));
    let mut errors_per_hour: HashMap<i64, usize> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.get_str("eventType").ok() == Some("error_event"))
    {
        *errors_per_hour
            .entry(e.get_datetime("timestamp").unwrap().timestamp_millis() / 3_600_000)
            .or_default() += 1;
    }
    assert!(errors_per_hour.values().any(|n| *n > 100));
    let normal_hours = errors_per_hour.values().filter(|n| **n < 30).count();
    assert!(normal_hours * 10 > errors_per_hour.len() * 9);

    // Weekly seasonality: Saturdays are busier than Tuesdays.
    let mut sessions_by_weekday = [0usize; 7];
    for e in events.iter().filter(|e| name(e) == "session_start") {
        let t = e.get_datetime("timestamp").unwrap().to_chrono();
        if t >= start {
            sessions_by_weekday[chrono::Datelike::weekday(&t).num_days_from_monday() as usize] += 1;
        }
    }
    assert!(
        sessions_by_weekday[5] > sessions_by_weekday[1],
        "{sessions_by_weekday:?}"
    );
}
