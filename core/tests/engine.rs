//! The engine's clock and cancellation: which days count as over is decided by the configured clock
//! alone (so these tests give the same answer at any hour, in any machine zone), and a backfill stopped
//! from its progress callback leaves only whole days stored.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::ops::ControlFlow;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use halobuzz_analytics::api::RollupView;
use halobuzz_analytics::calendar::DateRange;
use halobuzz_analytics::clock::{Clock, ClockHandle, SteppingClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::generate::{generate, GeneratorConfig};
use halobuzz_analytics::store::{DocumentSink, InMemoryStoreBuilder};
use halobuzz_analytics::Collection;
use halobuzz_analytics::Engine;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A small generated platform around the Sydney DST end (2026-04-05), with a clock of the test's own.
fn engine(clock: Arc<dyn Clock>) -> Engine {
    let gen = GeneratorConfig {
        users: 150,
        days: 14,
        start: Some(day("2026-03-29")),
        ..GeneratorConfig::default()
    };
    let mut builder = InMemoryStoreBuilder::new();
    generate(&gen, &mut builder, &mut |_, _| {}).unwrap();
    let config = Config {
        clock: ClockHandle::shared(clock),
        ..Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap()
    };
    Engine::new(Arc::new(builder.build()), config)
}

fn go_on(_: halobuzz_analytics::BackfillProgress) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

#[test]
fn the_clock_alone_decides_which_days_are_over() {
    // Sunday 2026-04-05 is 25 hours long in Sydney: [Apr 4 13:00Z, Apr 5 14:00Z). With the default
    // settle delay of 60 minutes its rollup may be stored from 15:00Z on.
    let clock = Arc::new(SteppingClock::new(instant("2026-04-05T14:59:59Z")));
    let e = engine(clock.clone());
    let range = DateRange::new(day("2026-04-04"), day("2026-04-05")).unwrap();
    let s = e.backfill(range, false, &mut go_on).unwrap();
    assert_eq!((s.computed, s.skipped), (1, 1), "{s:?}");
    assert!(e.rollups_of_day(day("2026-04-05")).unwrap().is_empty());
    // A report still covers the unfinished day, computed on the fly and not stored.
    let live = e
        .kpis(DateRange::day(day("2026-04-05")), Default::default())
        .unwrap();
    assert_eq!(
        live,
        e.kpis_from_raw(DateRange::day(day("2026-04-05")), Default::default())
            .unwrap()
    );
    assert!(e.rollups_of_day(day("2026-04-05")).unwrap().is_empty());
    // Refused outright when asked for by name.
    let e2 = e.rollup_day(day("2026-04-05")).unwrap_err();
    assert_eq!(e2.code(), "INVALID_ARGUMENT");
    assert!(e2.to_string().contains("not over yet"), "{e2}");
    // One second later the 25-hour day has settled and is stored.
    clock.advance(Duration::seconds(1));
    let s = e.backfill(range, false, &mut go_on).unwrap();
    assert_eq!((s.computed, s.skipped), (1, 1), "{s:?}");
    let stored = e.rollups_of_day(day("2026-04-05")).unwrap();
    assert_eq!(stored[0].country.key(), "ALL");
    // The rollup records when it was computed: the clock's time, not the machine's.
    assert_eq!(stored[0].computed_at, instant("2026-04-05T15:00:00Z"));
}

#[test]
fn a_cancelled_backfill_leaves_only_whole_days() {
    let clock = Arc::new(SteppingClock::new(instant("2026-06-01T00:00:00Z")));
    let e = engine(clock);
    let range = DateRange::new(day("2026-03-29"), day("2026-04-11")).unwrap();
    let mut reports = Vec::new();
    let s = e
        .backfill(range, false, &mut |p| {
            reports.push(p.date);
            if p.done == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert!(s.cancelled, "{s:?}");
    assert_eq!((s.computed, s.skipped), (3, 0), "{s:?}");
    assert_eq!(reports.len(), 3);
    for (i, d) in range.iter().enumerate() {
        let stored = e.rollups_of_day(d).unwrap();
        if i < 3 {
            // A whole day: its ALL rollup (which marks it done) and its countries.
            assert_eq!(stored[0].country.key(), "ALL", "{d}");
            assert!(stored.len() > 1, "{d}");
        } else {
            assert!(stored.is_empty(), "{d} was never reached");
        }
    }
    // A later backfill resumes after the stored days.
    let s = e.backfill(range, false, &mut go_on).unwrap();
    assert_eq!((s.computed, s.skipped, s.cancelled), (11, 3, false));
    // Stopping after the last day is not a cancellation.
    let s = e
        .backfill(range, true, &mut |p| {
            if p.done == p.total {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert!(!s.cancelled);
}

#[test]
fn requests_are_bounded_in_time_and_length() {
    let clock = Arc::new(SteppingClock::new(instant("2026-06-01T00:00:00Z")));
    let e = engine(clock);
    let all = Default::default();
    for (from, to) in [
        ("0001-01-01", "9999-12-31"),
        ("1999-12-31", "2000-01-02"),
        ("2026-05-01", "2026-06-03"),
        ("2000-01-01", "2026-05-01"),
    ] {
        let r = DateRange::new(day(from), day(to)).unwrap();
        let err = e.kpis(r, all).unwrap_err();
        assert_eq!(err.code(), "INVALID_ARGUMENT", "{from} {to}");
        assert_eq!(
            e.backfill(r, false, &mut go_on).unwrap_err().code(),
            "INVALID_ARGUMENT"
        );
    }
    // Tomorrow (today + 1 in Sydney) is the last day a request may name; it is computed live.
    let r = DateRange::new(day("2026-06-01"), day("2026-06-02")).unwrap();
    assert!(e.kpis(r, all).is_ok());
    assert_eq!(
        e.rollup_day(day("2099-01-01")).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
    // Re-rolling the last days for late data: the two settled days before today.
    let s = e.backfill_recent(2, &mut go_on).unwrap();
    assert_eq!((s.days, s.computed), (2, 2));
    assert_eq!(
        e.backfill_recent(0, &mut go_on).unwrap_err().code(),
        "INVALID_ARGUMENT"
    );
}

/// Two engines over one store stand for two processes (each has its own in-process claims).
#[test]
fn a_day_being_replaced_is_never_seen_missing_or_half_written() {
    use halobuzz_analytics::store::{AnalyticsStore, DocFilter};
    let clock: Arc<dyn Clock> = Arc::new(SteppingClock::new(instant("2026-06-01T00:00:00Z")));
    let writer = engine(clock.clone());
    let store = writer.store_handle();
    let config = writer.config().clone();
    let reader = Arc::new(Engine::new(store.clone(), config.clone()));
    let second_writer = Engine::new(store.clone(), config);
    let d = day("2026-04-05");
    let range = DateRange::day(d);
    let expected = reader.kpis_from_raw(range, Default::default()).unwrap();
    writer.rollup_day(d).unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (reader, stop, expected) = (reader.clone(), stop.clone(), expected.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let got = reader.kpis(range, Default::default()).unwrap();
                    assert_eq!(got, expected, "a report saw a day half-replaced");
                    let stored = reader.rollups_of_day(d).unwrap();
                    assert_eq!(stored[0].country.key(), "ALL");
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..40 {
                writer.rollup_day(d).unwrap();
            }
        });
        s.spawn(|| {
            for _ in 0..40 {
                second_writer.rollup_day(d).unwrap();
            }
        });
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reads: usize = readers.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(reads > 0);
    // What is left: the published generation, whole, and at most the one it replaced.
    let stored: Vec<halobuzz_analytics::kpi::DailyRollup> =
        store.find_docs(&DocFilter::all().eq("date", d)).unwrap();
    let published = writer.rollups_of_day(d).unwrap();
    let generation = published[0].generation;
    assert!(published.iter().all(|r| r.generation == generation));
    let generations: std::collections::BTreeSet<i64> =
        stored.iter().map(|r| r.generation).collect();
    assert!(generations.len() <= 2, "{generations:?}");
    assert_eq!(
        stored.iter().filter(|r| r.generation == generation).count(),
        published.len()
    );
}

/// A store bounded to a few analytics documents evicts rollups; reports stay exact (evicted days are
/// published again), and memory stays bounded.
#[test]
fn a_bounded_store_evicts_rollups_and_reports_stay_exact() {
    let gen = GeneratorConfig {
        users: 150,
        days: 14,
        start: Some(day("2026-03-29")),
        ..GeneratorConfig::default()
    };
    let mut builder = InMemoryStoreBuilder::new().max_documents_per_collection(6);
    generate(&gen, &mut builder, &mut |_, _| {}).unwrap();
    let config = Config {
        clock: ClockHandle::new(halobuzz_analytics::clock::FixedClock(instant(
            "2026-06-01T00:00:00Z",
        ))),
        ..Config::default()
            .with_ephemeral_pseudonym_key()
            .with_usd_to_npr("133.5")
            .unwrap()
    };
    let e = Engine::new(Arc::new(builder.build()), config);
    let r = DateRange::new(day("2026-04-01"), day("2026-04-10")).unwrap();
    for _ in 0..2 {
        assert_eq!(
            e.kpis(r, Default::default()).unwrap(),
            e.kpis_from_raw(r, Default::default()).unwrap()
        );
    }
    use halobuzz_analytics::store::{AnalyticsStore, DocFilter};
    let kept = e
        .store()
        .find_docs::<halobuzz_analytics::kpi::DailyRollup>(&DocFilter::all())
        .unwrap();
    assert!(kept.len() <= 6, "{}", kept.len());
}

/// Reports read published rollups: a country report over rolled-up days recomputes nothing.
#[test]
fn reports_over_published_days_recompute_nothing() {
    let clock: Arc<dyn Clock> = Arc::new(SteppingClock::new(instant("2026-06-01T00:00:00Z")));
    let e = engine(clock);
    let r = DateRange::new(day("2026-04-01"), day("2026-04-10")).unwrap();
    e.backfill(halobuzz_analytics::kpi::report_days(r), false, &mut go_on)
        .unwrap();
    let generations = |e: &Engine| -> Vec<i64> {
        r.iter()
            .map(|d| e.rollups_of_day(d).unwrap()[0].generation)
            .collect()
    };
    let before = generations(&e);
    for c in ["ALL", "NP", "UNKNOWN"] {
        let c = c.parse().unwrap();
        assert_eq!(e.kpis(r, c).unwrap(), e.kpis_from_raw(r, c).unwrap());
    }
    assert_eq!(generations(&e), before, "a report republished a day");
}

/// A report that starts on 2000-01-01 reads a previous period before it: computed live (empty), never
/// stored.
#[test]
fn days_before_2000_are_never_stored() {
    let clock: Arc<dyn Clock> = Arc::new(SteppingClock::new(instant("2026-06-01T00:00:00Z")));
    let e = engine(clock);
    let r = DateRange::new(day("2000-01-01"), day("2000-01-10")).unwrap();
    let report = e.kpis(r, Default::default()).unwrap();
    assert_eq!(report, e.kpis_from_raw(r, Default::default()).unwrap());
    assert!(e.rollups_of_day(day("1999-12-31")).unwrap().is_empty());
    assert!(!e.rollups_of_day(day("2000-01-01")).unwrap().is_empty());
}

/// A backfill on several threads stores exactly what a sequential one stores, reports progress in date
/// order, and stops cleanly: the days it stored are whole.
#[test]
fn a_parallel_backfill_equals_a_sequential_one() {
    let at = "2026-06-01T00:00:00Z";
    let with_workers = |n: u32| {
        let clock: Arc<dyn Clock> = Arc::new(SteppingClock::new(instant(at)));
        let e = engine(clock);
        let config = Config {
            backfill_concurrency: n,
            ..e.config().clone()
        };
        Engine::new(e.store_handle(), config)
    };
    let r = DateRange::new(day("2026-03-29"), day("2026-04-11")).unwrap();
    // Two runs may number ids in another order (days finish in any order): compare the facts with
    // every set as its sorted ids.
    let facts = |e: &Engine| -> Vec<(String, String)> {
        r.iter()
            .flat_map(|d| e.rollups_of_day(d).unwrap())
            .map(|x| {
                let mut view = RollupView::of(&x, Some(e)).unwrap();
                let ids = view.user_ids.as_mut().unwrap();
                for set in [
                    &mut ids.active,
                    &mut ids.payers,
                    &mut ids.og_buyers,
                    &mut ids.players,
                    &mut ids.signups,
                    &mut ids.new_hosts,
                ] {
                    set.sort();
                }
                view.computed_at = Default::default();
                (
                    format!("{} {}", x.date, x.country),
                    serde_json::to_string(&view).unwrap(),
                )
            })
            .collect()
    };
    let sequential = with_workers(1);
    let s1 = sequential.backfill(r, false, &mut go_on).unwrap();
    for n in [2, 4] {
        let parallel = with_workers(n);
        let mut order = Vec::new();
        let s = parallel
            .backfill(r, false, &mut |p| {
                order.push(p.date);
                ControlFlow::Continue(())
            })
            .unwrap();
        assert_eq!(
            (s.computed, s.rollups_written, s.cancelled),
            (s1.computed, s1.rollups_written, false)
        );
        assert_eq!(
            order,
            r.iter().collect::<Vec<_>>(),
            "progress in date order"
        );
        assert_eq!(facts(&parallel), facts(&sequential), "{n} workers");
        // Stopped after the third report: cancelled, and every stored day is whole.
        let p2 = with_workers(n);
        let s = p2
            .backfill(r, false, &mut |p| {
                if p.done == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .unwrap();
        // Workers already past the stop finish their days (whole); no further day is started.
        assert!(s.cancelled && s.computed >= 3, "{s:?}");
        for d in r.iter() {
            let stored = p2.rollups_of_day(d).unwrap();
            assert!(stored.is_empty() || stored[0].country.key() == "ALL", "{d}");
        }
    }
}

/// In memory, a backfill reads several days at once but numbers ids and rounds in date order: it
/// stores exactly what rolling the days up one by one stores, number for number, with the same
/// dictionary (ids without a `users` document and rounds are numbered by the rollups).
#[test]
fn an_in_memory_backfill_numbers_as_a_day_by_day_one() {
    let at = "2026-06-01T00:00:00Z";
    // Messages of ids without a `users` document, on days both before and after one another's.
    let fresh = || {
        let gen = GeneratorConfig {
            users: 150,
            days: 14,
            start: Some(day("2026-03-29")),
            ..GeneratorConfig::default()
        };
        let mut builder = InMemoryStoreBuilder::new();
        generate(&gen, &mut builder, &mut |_, _| {}).unwrap();
        for (i, at) in ["2026-04-08", "2026-03-30", "2026-04-02", "2026-04-08"]
            .iter()
            .enumerate()
        {
            for who in [7u8, 3, 250 - i as u8] {
                let message = bson::doc! {
                    "_id": bson::oid::ObjectId::new(),
                    "userId": bson::oid::ObjectId::from_bytes([who; 12]),
                    "roomId": bson::oid::ObjectId::new(),
                    "createdAt": bson::DateTime::from_chrono(instant(&format!("{at}T03:00:00Z"))),
                };
                builder.accept(Collection::Messages, message).unwrap();
            }
        }
        let config = Config {
            clock: ClockHandle::shared(Arc::new(SteppingClock::new(instant(at)))),
            ..Config::default()
                .with_ephemeral_pseudonym_key()
                .with_usd_to_npr("133.5")
                .unwrap()
        };
        Engine::new(Arc::new(builder.build()), config)
    };
    let r = DateRange::new(day("2026-03-29"), day("2026-04-11")).unwrap();
    let one_by_one = fresh();
    for d in r.iter() {
        one_by_one.rollup_day(d).unwrap();
    }
    let whole = fresh();
    let s = whole.backfill(r, false, &mut go_on).unwrap();
    assert_eq!(s.computed, 14);
    for d in r.iter() {
        let (a, b) = (
            one_by_one.rollups_of_day(d).unwrap(),
            whole.rollups_of_day(d).unwrap(),
        );
        assert_eq!(a.len(), b.len(), "{d}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!((x.country, &x.facts), (y.country, &y.facts), "{d}");
        }
    }
    let (n1, n2) = (one_by_one.numbering(), whole.numbering());
    assert!(!n1.rounds.is_empty() && n1.users.len() == 150 + 6);
    assert_eq!(
        (n1.users.len(), n1.rounds.len()),
        (n2.users.len(), n2.rounds.len())
    );
    for n in 0..(n1.users.len() as u32 + 8192) {
        assert_eq!(n1.users.key_here(n), n2.users.key_here(n), "user {n}");
        assert_eq!(n1.rounds.key_here(n), n2.rounds.key_here(n), "round {n}");
    }
}

/// Rollups published from elsewhere (here: the synthetic capacity dataset) are read like computed ones,
/// and a rollup that does not belong to the day, the app or the layout is refused.
#[test]
fn published_rollups_are_read_and_foreign_ones_refused() {
    use halobuzz_analytics::generate::rollups::{synthesize_rollups, synthetic_users, RollupScale};
    let scale = RollupScale {
        users: 3000,
        days: 40,
        end: day("2026-05-31"),
        seed: 3,
    };
    let mut builder = InMemoryStoreBuilder::new();
    synthetic_users(&scale, &mut builder).unwrap();
    let e = Engine::new(
        Arc::new(builder.build()),
        Config::default().with_ephemeral_pseudonym_key(),
    );
    let published = synthesize_rollups(&scale, &e).unwrap();
    assert!(published > 40, "ALL and countries for every day");
    let range = DateRange::new(day("2026-05-12"), day("2026-05-31")).unwrap();
    let report = e.kpis(range, Default::default()).unwrap();
    let mut distinct = std::collections::BTreeSet::new();
    let mut daily = 0u64;
    for d in range.iter() {
        let all = e.rollups_of_day(d).unwrap().remove(0);
        daily += all.facts.active.len();
        distinct.extend(all.facts.active.iter());
    }
    assert_eq!(report.engagement.active_users, distinct.len() as u64);
    assert!((report.engagement.dau - daily as f64 / 20.0).abs() < 1e-9);
    assert!(report.creators.top_creators.len() == 10);

    let mut stray = e.rollups_of_day(day("2026-05-20")).unwrap();
    stray[0].version = 2;
    assert!(e.publish_rollups(day("2026-05-20"), stray.clone()).is_err());
    stray[0].version = e.rollups_of_day(day("2026-05-21")).unwrap()[0].version;
    assert!(
        e.publish_rollups(day("2026-05-21"), stray.clone()).is_err(),
        "wrong day"
    );
    stray.retain(|r| r.country != Default::default());
    assert!(
        e.publish_rollups(day("2026-05-20"), stray).is_err(),
        "no ALL"
    );
}
