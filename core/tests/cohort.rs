//! Cohort tables against an independent computation from the raw documents of generated data: the
//! engine's tables (from rollups, bitmaps and per-member facts) must equal, cohort by cohort, what a
//! plain walk over users, transactions, events, messages, stakes and streams gives for METRICS.md
//! "Cohorts" and `docs/cohorts.md`.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use bson::oid::ObjectId;
use chrono::NaiveDate;
use halobuzz_analytics::calendar::{add_days, Calendar, DateRange, Granularity};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{generate, GeneratorConfig};
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::model::{
    AnalyticsEvent, Country, EventName, GameStake, Livestream, Message, MoneyCurrency, Transaction,
    TransactionType, User,
};
use halobuzz_analytics::store::{InMemoryStoreBuilder, Store, StoreExt};
use halobuzz_analytics::Engine;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

const RATE: &str = "133.5";

/// Everything the reference needs per user.
#[derive(Default)]
struct Person {
    signup: Option<NaiveDate>,
    country: Option<Country>,
    active: BTreeSet<NaiveDate>,
    money: Vec<(NaiveDate, Decimal)>,
    sessions: Vec<NaiveDate>,
    gifts: Vec<NaiveDate>,
    plays: Vec<NaiveDate>,
    messages: Vec<NaiveDate>,
    streams: Vec<NaiveDate>,
}

fn people(store: &dyn Store, cal: &Calendar) -> HashMap<ObjectId, Person> {
    let rate: Decimal = RATE.parse().unwrap();
    let mut p: HashMap<ObjectId, Person> = HashMap::new();
    store
        .each::<User>(None, |u| {
            let e = p.entry(u.id).or_default();
            e.signup = Some(cal.day_of(u.created_at));
            e.country = u.country;
            e.active.insert(cal.day_of(u.created_at));
        })
        .unwrap();
    store
        .each::<Transaction>(None, |t| {
            if !t.is_completed() {
                return;
            }
            let d = cal.day_of(t.created_at);
            let e = p.entry(t.user_id).or_default();
            if t.kind != TransactionType::GiftReceived {
                e.active.insert(d);
            }
            let npr = t.money().map(|(a, c)| match c {
                MoneyCurrency::Npr => a,
                MoneyCurrency::Usd => a * rate,
            });
            match (t.kind, npr) {
                (TransactionType::Recharge, Some(a)) => e.money.push((d, a)),
                (k, Some(a)) if k.is_og_purchase() => e.money.push((d, a)),
                (TransactionType::Refund, Some(a)) => e.money.push((d, -a.abs())),
                _ => {}
            }
            if t.kind == TransactionType::GiftSent {
                e.gifts.push(d);
            }
        })
        .unwrap();
    store
        .each::<AnalyticsEvent>(None, |ev| {
            if let Some(u) = ev.user_id {
                let d = cal.day_of(ev.timestamp);
                let e = p.entry(u).or_default();
                e.active.insert(d);
                if ev.event_name == EventName::SessionStart {
                    e.sessions.push(d);
                }
            }
        })
        .unwrap();
    store
        .each::<Message>(None, |m| {
            let d = cal.day_of(m.created_at);
            let e = p.entry(m.user_id).or_default();
            e.active.insert(d);
            if !m.is_deleted {
                e.messages.push(d);
            }
        })
        .unwrap();
    store
        .each::<GameStake>(None, |s| {
            let d = cal.day_of(s.created_at);
            let e = p.entry(s.user_id).or_default();
            e.active.insert(d);
            e.plays.push(d);
        })
        .unwrap();
    store
        .each::<Livestream>(None, |s| {
            let d = cal.day_of(s.created_at);
            let e = p.entry(s.host_id).or_default();
            e.active.insert(d);
            e.streams.push(d);
        })
        .unwrap();
    p
}

fn round2(d: Decimal) -> f64 {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .to_f64()
        .unwrap()
}

#[test]
fn cohort_tables_equal_an_independent_walk_over_raw_documents() {
    let gen = GeneratorConfig {
        users: 500,
        days: 120,
        seed: 23,
        invalid_rate: 0.01,
        duplicate_rate: 0.005,
        ..GeneratorConfig::default()
    };
    let mut builder = InMemoryStoreBuilder::new();
    generate(&gen, &mut builder, &mut |_, _| {}).unwrap();
    let store = Arc::new(builder.build());
    let engine = Engine::new(
        store.clone(),
        Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr(RATE)
            .unwrap(),
    );
    let cal = engine.config().calendar;
    let people = people(store.as_ref(), &cal);
    let as_of = gen.end_date();
    let signups = DateRange::new(gen.start_date(), add_days(gen.start_date(), 69)).unwrap();
    let mut checked_revenue = false;
    for country in ["ALL", "NP", "UNKNOWN"] {
        let filter: CountryFilter = country.parse().unwrap();
        let t = engine
            .cohort_table(signups, as_of, Granularity::Week, filter)
            .unwrap();
        // Reference: members by cohort (Monday of the signup week).
        let mut cohorts: BTreeMap<NaiveDate, Vec<&Person>> = BTreeMap::new();
        for person in people.values() {
            let Some(s) = person.signup else { continue };
            let selected = match filter {
                CountryFilter::All => true,
                CountryFilter::Code(c) => person.country == Some(c),
                CountryFilter::Unknown => !person.country.is_some_and(|c| c.is_recognised()),
            };
            if selected && signups.contains(s) {
                cohorts
                    .entry(Granularity::Week.period_start(s))
                    .or_default()
                    .push(person);
            }
        }
        let sizes: u64 = t.cohorts.iter().map(|c| c.cohort_size).sum();
        assert_eq!(
            sizes,
            cohorts.values().map(|m| m.len() as u64).sum::<u64>(),
            "{country}: cohort sizes sum to the signups"
        );
        for row in &t.cohorts {
            let members = cohorts.get(&row.cohort_date).cloned().unwrap_or_default();
            assert_eq!(
                row.cohort_size,
                members.len() as u64,
                "{country} {}",
                row.cohort_date
            );
            // Retention dN.
            for (n, got) in [
                (1, row.retention.d1),
                (7, row.retention.d7),
                (30, row.retention.d30),
                (90, row.retention.d90),
            ] {
                let eligible: Vec<&&Person> = members
                    .iter()
                    .filter(|p| add_days(p.signup.unwrap(), n) <= as_of)
                    .collect();
                let retained = eligible
                    .iter()
                    .filter(|p| p.active.contains(&add_days(p.signup.unwrap(), n)))
                    .count();
                let want =
                    (!eligible.is_empty()).then(|| retained as f64 * 100.0 / eligible.len() as f64);
                assert_eq!(got, want, "{country} {} d{n}", row.cohort_date);
            }
            // Revenue and engagement from signup to the as-of date.
            let since = |p: &Person, d: NaiveDate| (d - p.signup.unwrap()).num_days();
            let in_window = |p: &Person, d: NaiveDate| since(p, d) >= 0 && d <= as_of;
            let mut total = Decimal::ZERO;
            let mut week1 = Decimal::ZERO;
            let mut month2 = Decimal::ZERO;
            for p in &members {
                for (d, a) in &p.money {
                    if in_window(p, *d) {
                        total += a;
                        match since(p, *d) {
                            0..7 => week1 += a,
                            30..60 => month2 += a,
                            _ => {}
                        }
                    }
                }
            }
            assert_eq!(
                row.revenue.total_revenue,
                round2(total),
                "{country} {}",
                row.cohort_date
            );
            assert_eq!(row.revenue.revenue_by_period.week1, round2(week1));
            assert_eq!(row.revenue.revenue_by_period.month2, round2(month2));
            checked_revenue |= !total.is_zero();
            let count = |f: fn(&Person) -> &Vec<NaiveDate>| -> u64 {
                members
                    .iter()
                    .map(|p| f(p).iter().filter(|d| in_window(p, **d)).count() as u64)
                    .sum()
            };
            let e = &row.engagement;
            assert_eq!(
                (
                    e.sessions,
                    e.streams,
                    e.gifts_sent,
                    e.game_plays,
                    e.messages
                ),
                (
                    count(|p| &p.sessions),
                    count(|p| &p.streams),
                    count(|p| &p.gifts),
                    count(|p| &p.plays),
                    count(|p| &p.messages)
                ),
                "{country} {}",
                row.cohort_date
            );
            let recent = add_days(as_of, -29);
            let churned = members
                .iter()
                .filter(|p| !p.active.iter().any(|d| *d >= recent && *d <= as_of))
                .count() as u64;
            let creators = members
                .iter()
                .filter(|p| p.streams.iter().any(|d| in_window(p, *d)))
                .count() as u64;
            assert_eq!((row.churned_members, row.creators), (churned, creators));
        }
    }
    assert!(checked_revenue, "the generated cohorts have revenue");
}
