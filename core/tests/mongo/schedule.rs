//! The scheduler on a real server (issue 16): two schedulers on two connections to one database (as two
//! processes) pass over the same due instances at once and run each exactly once, through the unique key
//! index of `analyticsschedulerruns`; and a holder that dies mid-run (claims, then never renews nor
//! finishes) is taken over by the other as attempt 1 once its lease has expired.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier, Mutex};

use chrono::{DateTime, Duration, Utc};
use halobuzz_analytics::clock::{Clock, ClockHandle, SteppingClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::schedule::config::ALERT_CHECK;
use halobuzz_analytics::schedule::{
    lease, CatchUp, Claim, CustomJob, JobOutput, RunStatus, ScheduleConfig, Scheduler,
};
use halobuzz_analytics::store::MongoStore;
use halobuzz_analytics::Engine;

use super::{config, database, options, server_uri};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

type Counts = Arc<Mutex<BTreeMap<DateTime<Utc>, u32>>>;

/// A cheap custom job that counts its runs per scheduled instant (shared by both "processes").
fn counting_job(counts: Counts) -> CustomJob {
    Arc::new(move |_engine: &Engine, ctx| {
        *counts.lock().unwrap().entry(ctx.scheduled_at).or_default() += 1;
        Ok(JobOutput::message(format!("ran {}", ctx.scheduled_at)))
    })
}

/// A scheduler with only `cron`'s custom job (and the alert check when asked).
fn scheduler(cron: &str, catch_up: CatchUp, counts: &Counts, alerts: bool) -> Scheduler {
    let mut c = ScheduleConfig::default();
    for j in &mut c.jobs {
        j.enabled = alerts && j.name == ALERT_CHECK;
    }
    c.lease = Duration::minutes(5);
    let mut s = Scheduler::new(c);
    s.add_custom(
        "counted",
        cron,
        "counts its runs",
        catch_up,
        counting_job(counts.clone()),
    )
    .unwrap();
    s
}

/// Two engines over two connections to one fresh database, on one stepping clock at `start`.
fn two_processes(
    uri: &str,
    test: &str,
    start: &str,
) -> (Engine, Engine, Arc<SteppingClock>, Arc<MongoStore>) {
    let name = database(test);
    let first = MongoStore::connect_with(uri, Some(&name), options()).unwrap();
    first.drop_database().unwrap();
    let first = Arc::new(first);
    let second = MongoStore::connect_with(uri, Some(&name), options()).unwrap();
    let clock = Arc::new(SteppingClock::new(utc(start)));
    let config = Config {
        clock: ClockHandle::shared(clock.clone()),
        ..config()
    };
    (
        Engine::new(first.clone(), config.clone()),
        Engine::new(Arc::new(second), config),
        clock,
        first,
    )
}

#[test]
fn two_schedulers_on_one_server_run_each_instance_once() {
    let Some(uri) = server_uri() else { return };
    let (one, two, clock, db) = two_processes(&uri, "sched_twice", "2026-06-01T00:00:00Z");
    let counts: Counts = Arc::default();
    let a = scheduler("*/15 * * * *", CatchUp::All, &counts, true);
    let b = scheduler("*/15 * * * *", CatchUp::All, &counts, true);
    let stop = AtomicBool::new(false);
    // Both register their jobs at 00:00 (the first one's 00:00 instance runs there).
    a.run_due(&one, clock.now(), &stop).unwrap();
    b.run_due(&two, clock.now(), &stop).unwrap();
    let instants: Vec<DateTime<Utc>> = (1..=3)
        .map(|h| utc("2026-06-01T00:00:00Z") + Duration::hours(h))
        .collect();
    let barrier = Barrier::new(2);
    let outcomes = Mutex::new(BTreeMap::<String, u32>::new());
    std::thread::scope(|scope| {
        for (s, e) in [(&a, &one), (&b, &two)] {
            let (barrier, instants, stop, outcomes, clock) =
                (&barrier, &instants, &stop, &outcomes, &clock);
            scope.spawn(move || {
                for t in instants {
                    // The clock moves to the instant (the alert check evaluates up to now), then both
                    // pass at once.
                    if barrier.wait().is_leader() {
                        clock.set(*t);
                    }
                    barrier.wait();
                    let pass = s.run_due(e, *t, stop).unwrap();
                    let mut o = outcomes.lock().unwrap();
                    for r in pass.runs {
                        *o.entry(r.outcome).or_default() += 1;
                    }
                }
            });
        }
    });
    let counts = counts.lock().unwrap();
    // Every quarter hour of 3 hours, and 00:00.
    assert_eq!(counts.len(), 3 * 4 + 1, "{counts:?}");
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    // Each instance of each job has exactly one attempt, finished, in the stored history (read through
    // either connection).
    let outcomes = outcomes.into_inner().unwrap();
    // The alert check (`none`: only on-time instances) runs at each hour the passes are at.
    for (job, instances) in [("counted", 13), (ALERT_CHECK, 4)] {
        let runs = b.history(&one, Some(job), 1000).unwrap();
        let mut per_instance = BTreeMap::<&str, u32>::new();
        for r in &runs {
            assert_eq!(r.attempt, 0, "{r:?}");
            assert!(r.status.is_final(), "{r:?}");
            *per_instance.entry(r.scheduled_at.as_str()).or_default() += 1;
        }
        assert_eq!(
            per_instance.len(),
            instances,
            "{job}: {runs:?} {outcomes:?}"
        );
        assert!(
            per_instance.values().all(|n| *n == 1),
            "{job}: {per_instance:?}"
        );
    }
    // The alert checks ran once each, and status shows the last.
    let status = a.status(&two).unwrap();
    let alert = status.jobs.iter().find(|j| j.name == ALERT_CHECK).unwrap();
    assert!(alert.last_run.is_some(), "{status:?}");
    db.drop_database().unwrap();
}

#[test]
fn a_dead_holder_is_taken_over_on_the_server() {
    let Some(uri) = server_uri() else { return };
    let (one, two, clock, db) = two_processes(&uri, "sched_takeover", "2026-06-01T00:30:00Z");
    let counts: Counts = Arc::default();
    let a = scheduler("0 * * * *", CatchUp::Latest, &counts, false);
    let b = scheduler("0 * * * *", CatchUp::Latest, &counts, false);
    let stop = AtomicBool::new(false);
    a.run_due(&one, clock.now(), &stop).unwrap();
    b.run_due(&two, clock.now(), &stop).unwrap();
    // A claims 01:00 and dies: it never renews its 5-minute lease nor finishes.
    let at = utc("2026-06-01T01:00:00Z");
    clock.set(at);
    let Claim::Won(record) = a.claim(&one, "counted", at, false).unwrap() else {
        panic!("the first claim wins")
    };
    assert_eq!(record.attempt, 0);
    // While the lease lives, B leaves the instance alone (and does not move past it).
    clock.set(at + Duration::minutes(2));
    let pass = b.run_due(&two, clock.now(), &stop).unwrap();
    assert_eq!(pass.runs.len(), 1);
    assert_eq!(pass.runs[0].outcome, "held");
    assert!(counts.lock().unwrap().is_empty());
    // Past expiry: B takes over with attempt 1 and runs it.
    clock.set(at + Duration::minutes(6));
    let pass = b.run_due(&two, clock.now(), &stop).unwrap();
    assert_eq!(pass.runs.len(), 1, "{pass:?}");
    assert_eq!(pass.runs[0].outcome, "succeeded");
    assert_eq!(pass.runs[0].run.as_ref().unwrap().attempt, 1);
    assert_eq!(counts.lock().unwrap().get(&at), Some(&1));
    // A's late finish is recorded as abandoned; the instance never runs again, on either side.
    let mut old = *record;
    lease::finish(one.store(), &mut old, clock.now(), Ok(JobOutput::default())).unwrap();
    assert_eq!(old.status, RunStatus::Abandoned);
    assert!(matches!(
        a.claim(&one, "counted", at, false).unwrap(),
        Claim::Done
    ));
    assert!(a.run_due(&one, clock.now(), &stop).unwrap().runs.is_empty());
    assert!(b.run_due(&two, clock.now(), &stop).unwrap().runs.is_empty());
    let runs = a.history(&one, Some("counted"), 10).unwrap();
    assert_eq!(
        runs.iter()
            .map(|r| (r.attempt, r.status))
            .collect::<Vec<_>>(),
        [(1, RunStatus::Succeeded), (0, RunStatus::Abandoned)]
    );
    assert_eq!(counts.lock().unwrap().len(), 1);
    db.drop_database().unwrap();
}
