//! The scheduler (issue 16, docs/schedule.md): next-run tables of every default job across Sydney's
//! two daylight-saving changes of 2026, a 02:30 job on both change days, catch-up after a three-day
//! outage under each policy, two schedulers on one store running each instance once, a take-over after
//! a crashed holder, and a daemon on a stepping clock running a simulated week over generated data.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Barrier, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Australia::Sydney;
use halobuzz_analytics::alert::AlertFilter;
use halobuzz_analytics::api::{
    self, ConfigOptions, Decimalish, GenerateRequest, RevenueDropRequest,
};
use halobuzz_analytics::calendar::{DateRange, Granularity};
use halobuzz_analytics::clock::{Clock, ClockHandle, SteppingClock};
use halobuzz_analytics::config::Config;
use halobuzz_analytics::kpi::CountryFilter;
use halobuzz_analytics::schedule::config::{
    ALERT_CHECK, DAILY_ROLLUP, FORECASTS, MONTHLY_COHORTS, WEEKLY_REPORT,
};
use halobuzz_analytics::schedule::lease;
use halobuzz_analytics::schedule::{
    CatchUp, Claim, CustomJob, JobOutput, LoopEvent, RunStatus, ScheduleConfig, Scheduler,
};
use halobuzz_analytics::store::InMemoryStoreBuilder;
use halobuzz_analytics::Engine;
use halobuzz_analytics::ReportFilter;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Sydney).to_rfc3339()
}

/// An empty engine on a stepping clock at `start` (the scheduler needs no platform data for custom
/// jobs and next-run tables).
fn empty_engine(start: &str) -> (Engine, Arc<SteppingClock>) {
    let clock = Arc::new(SteppingClock::new(utc(start)));
    let config = Config {
        clock: ClockHandle::shared(clock.clone()),
        ..Config::default()
    };
    let store = Arc::new(InMemoryStoreBuilder::new().build());
    (Engine::new(store, config), clock)
}

fn next_local(s: &Scheduler, e: &Engine, job: &str, after: &str, n: usize) -> Vec<String> {
    s.next_runs(e, job, utc(after), n)
        .unwrap()
        .into_iter()
        .map(local)
        .collect()
}

#[test]
fn next_run_tables_across_both_sydney_dst_changes() {
    let (engine, _) = empty_engine("2026-01-01T00:00:00Z");
    let s = Scheduler::new(ScheduleConfig::default());
    // April 5: 03:00 AEDT (+11) becomes 02:00 AEST (+10). October 4: 02:00 AEST becomes 03:00 AEDT.
    let april = "2026-04-02T14:00:00Z"; // 04-03 01:00 local
    let october = "2026-10-02T14:00:00Z"; // 10-03 00:00 local
    assert_eq!(
        next_local(&s, &engine, DAILY_ROLLUP, april, 4),
        [
            "2026-04-03T03:00:00+11:00",
            "2026-04-04T03:00:00+11:00",
            "2026-04-05T03:00:00+10:00", // after the change: 03:00 happens once, in standard time
            "2026-04-06T03:00:00+10:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, DAILY_ROLLUP, october, 3),
        [
            "2026-10-03T03:00:00+10:00",
            "2026-10-04T03:00:00+11:00",
            "2026-10-05T03:00:00+11:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, FORECASTS, april, 4),
        [
            "2026-04-03T02:00:00+11:00",
            "2026-04-04T02:00:00+11:00",
            "2026-04-05T02:00:00+11:00", // 02:00 happens twice: the first one, once
            "2026-04-06T02:00:00+10:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, FORECASTS, october, 3),
        [
            "2026-10-03T02:00:00+10:00",
            "2026-10-04T03:00:00+11:00", // 02:00 does not exist: the first instant after the gap
            "2026-10-05T02:00:00+11:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, WEEKLY_REPORT, "2026-03-29T00:00:00Z", 3),
        [
            "2026-03-30T04:00:00+11:00",
            "2026-04-06T04:00:00+10:00",
            "2026-04-13T04:00:00+10:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, WEEKLY_REPORT, "2026-09-27T00:00:00Z", 2),
        ["2026-09-28T04:00:00+10:00", "2026-10-05T04:00:00+11:00"]
    );
    assert_eq!(
        next_local(&s, &engine, MONTHLY_COHORTS, "2026-03-15T00:00:00Z", 3),
        [
            "2026-04-01T05:00:00+11:00",
            "2026-05-01T05:00:00+10:00",
            "2026-06-01T05:00:00+10:00",
        ]
    );
    assert_eq!(
        next_local(&s, &engine, MONTHLY_COHORTS, "2026-09-15T00:00:00Z", 2),
        ["2026-10-01T05:00:00+10:00", "2026-11-01T05:00:00+11:00"]
    );
    // The alert check keeps its real-time rhythm: every 15 minutes through both changes, so the
    // 25-hour day has 100 checks and the 23-hour day 92.
    for (day_start, day_end, checks) in [
        ("2026-04-04T13:00:00Z", "2026-04-05T14:00:00Z", 100),
        ("2026-10-03T14:00:00Z", "2026-10-04T13:00:00Z", 92),
    ] {
        let runs = s
            .next_runs(
                &engine,
                ALERT_CHECK,
                utc(day_start) - Duration::seconds(1),
                200,
            )
            .unwrap();
        let day: Vec<_> = runs.into_iter().filter(|t| *t < utc(day_end)).collect();
        assert_eq!(day.len(), checks, "{day_start}");
        assert!(day.windows(2).all(|w| w[1] - w[0] == Duration::minutes(15)));
    }
    // Bounded, validated requests.
    assert!(s.next_runs(&engine, "nightly", utc(april), 1).is_err());
}

/// A custom job that counts its runs per scheduled instant.
fn counting_job(counts: Arc<Mutex<BTreeMap<DateTime<Utc>, u32>>>) -> CustomJob {
    Arc::new(move |_engine: &Engine, ctx| {
        *counts.lock().unwrap().entry(ctx.scheduled_at).or_default() += 1;
        Ok(JobOutput::message(format!("ran {}", ctx.scheduled_at)))
    })
}

#[test]
fn a_0230_job_runs_once_on_each_dst_change_day() {
    for (start, end, expected) in [
        // Fall back: 02:30 happens twice; it runs at the first.
        (
            "2026-04-04T12:00:00Z",
            "2026-04-05T12:00:00Z",
            "2026-04-05T02:30:00+11:00",
        ),
        // Spring forward: 02:30 does not exist; it runs at 03:00 daylight time.
        (
            "2026-10-03T12:00:00Z",
            "2026-10-04T12:00:00Z",
            "2026-10-04T03:00:00+11:00",
        ),
    ] {
        let (engine, clock) = empty_engine(start);
        let counts = Arc::new(Mutex::new(BTreeMap::new()));
        let mut config = ScheduleConfig::default();
        config.jobs.iter_mut().for_each(|j| j.enabled = false);
        let mut s = Scheduler::new(config);
        s.add_custom(
            "at-0230",
            "30 2 * * *",
            "",
            CatchUp::All,
            counting_job(counts.clone()),
        )
        .unwrap();
        // A pass every 5 minutes of the whole local day.
        let stop = AtomicBool::new(false);
        while clock.now() <= utc(end) {
            s.run_due(&engine, clock.now(), &stop).unwrap();
            clock.advance(Duration::minutes(5));
        }
        let counts = counts.lock().unwrap();
        let ran: Vec<String> = counts.keys().map(|t| local(*t)).collect();
        assert_eq!(ran, [expected]);
        assert!(counts.values().all(|n| *n == 1));
    }
}

#[test]
fn catch_up_after_a_three_day_outage_follows_each_policy() {
    let (engine, clock) = empty_engine("2026-05-10T00:00:00Z");
    let mut config = ScheduleConfig::default();
    config.jobs.iter_mut().for_each(|j| j.enabled = false);
    let mut s = Scheduler::new(config);
    let mut counts = HashMap::new();
    for (name, policy) in [
        ("every-all", CatchUp::All),
        ("every-latest", CatchUp::Latest),
        ("every-none", CatchUp::None),
    ] {
        let c = Arc::new(Mutex::new(BTreeMap::new()));
        s.add_custom(
            name,
            "0 3 * * *",
            "daily at 03:00",
            policy,
            counting_job(c.clone()),
        )
        .unwrap();
        counts.insert(name, c);
    }
    let stop = AtomicBool::new(false);
    // First pass registers the jobs (nothing before it is theirs); then the process is down from
    // 2026-05-10 10:00 local to 2026-05-13 12:00 local: 03:00 of 11, 12 and 13 May are missed.
    assert!(s
        .run_due(&engine, clock.now(), &stop)
        .unwrap()
        .runs
        .is_empty());
    clock.set(utc("2026-05-13T02:00:00Z"));
    let pass = s.run_due(&engine, clock.now(), &stop).unwrap();
    let ran = |name: &str| counts[name].lock().unwrap().len();
    assert_eq!(ran("every-all"), 3);
    assert_eq!(ran("every-latest"), 1);
    assert_eq!(ran("every-none"), 0);
    let latest = pass
        .runs
        .iter()
        .find(|r| r.due.job == "every-latest")
        .unwrap();
    assert_eq!(local(latest.due.scheduled_at), "2026-05-13T03:00:00+10:00");
    assert_eq!(latest.due.skipped, 2);
    assert!(pass
        .runs
        .iter()
        .all(|r| r.due.catch_up && r.outcome == "succeeded"));
    // Nothing runs twice; the next day every policy runs on time.
    assert!(s
        .run_due(&engine, clock.now(), &stop)
        .unwrap()
        .runs
        .is_empty());
    clock.set(utc("2026-05-13T17:01:00Z")); // 05-14 03:01 local
    let pass = s.run_due(&engine, clock.now(), &stop).unwrap();
    assert_eq!(pass.runs.len(), 3);
    assert!(pass.runs.iter().all(|r| !r.due.catch_up));
    assert_eq!(
        (ran("every-all"), ran("every-latest"), ran("every-none")),
        (4, 2, 1)
    );
    let history = s.history(&engine, Some("every-all"), 10).unwrap();
    assert_eq!(history.len(), 4);
    assert!(history.iter().all(|r| r.status == RunStatus::Succeeded));
    let status = s.status(&engine).unwrap();
    let all = status.jobs.iter().find(|j| j.name == "every-all").unwrap();
    assert_eq!(all.last_outcome, Some(RunStatus::Succeeded));
    assert_eq!(
        all.next_run.map(local).unwrap(),
        "2026-05-15T03:00:00+10:00"
    );
}

#[test]
fn two_schedulers_on_one_store_never_run_an_instance_twice() {
    let (engine, clock) = empty_engine("2026-06-01T00:00:00Z");
    let counts = Arc::new(Mutex::new(BTreeMap::new()));
    let scheduler = || {
        let mut config = ScheduleConfig::default();
        config.jobs.iter_mut().for_each(|j| j.enabled = false);
        let mut s = Scheduler::new(config);
        let inner = counting_job(counts.clone());
        let slow: CustomJob = Arc::new(move |e: &Engine, ctx| {
            std::thread::sleep(std::time::Duration::from_millis(2));
            inner(e, ctx)
        });
        s.add_custom("quarter", "*/15 * * * *", "", CatchUp::All, slow)
            .unwrap();
        s
    };
    let (a, b) = (scheduler(), scheduler());
    // Both register the job before the first instance, so both see the same backlog.
    let stop = AtomicBool::new(false);
    a.run_due(&engine, clock.now(), &stop).unwrap();
    b.run_due(&engine, clock.now(), &stop).unwrap();
    // Two engines over one store, as two processes would have.
    let other = Engine::new(engine.store_handle(), engine.config().clone());
    let barrier = Barrier::new(2);
    let instants: Vec<DateTime<Utc>> = (1..=12)
        .map(|h| utc("2026-06-01T00:00:00Z") + Duration::hours(h))
        .collect();
    std::thread::scope(|scope| {
        for (s, e) in [(&a, &engine), (&b, &other)] {
            let (barrier, instants, stop) = (&barrier, &instants, &stop);
            scope.spawn(move || {
                for t in instants {
                    barrier.wait();
                    s.run_due(e, *t, stop).unwrap();
                }
            });
        }
    });
    let counts = counts.lock().unwrap();
    // Every quarter hour of 12 hours, and 00:00 itself (run by whichever registered first).
    assert_eq!(counts.len(), 12 * 4 + 1);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
}

#[test]
fn a_crashed_holder_is_taken_over_after_its_lease_expires() {
    let (engine, clock) = empty_engine("2026-06-01T00:30:00Z");
    let counts = Arc::new(Mutex::new(BTreeMap::new()));
    let make = || {
        let mut config = ScheduleConfig::default();
        config.jobs.iter_mut().for_each(|j| j.enabled = false);
        config.lease = Duration::minutes(5);
        let mut s = Scheduler::new(config);
        s.add_custom(
            "hourly",
            "0 * * * *",
            "",
            CatchUp::Latest,
            counting_job(counts.clone()),
        )
        .unwrap();
        s
    };
    let (a, b) = (make(), make());
    let stop = AtomicBool::new(false);
    a.run_due(&engine, clock.now(), &stop).unwrap();
    b.run_due(&engine, clock.now(), &stop).unwrap();
    // A claims 01:00 and dies before running it.
    let at = utc("2026-06-01T01:00:00Z");
    clock.set(at);
    let Claim::Won(record) = a.claim(&engine, "hourly", at, false).unwrap() else {
        panic!("the first claim wins")
    };
    // While A's lease lives, B leaves the instance alone.
    clock.set(at + Duration::minutes(2));
    let pass = b.run_due(&engine, clock.now(), &stop).unwrap();
    assert_eq!(pass.runs[0].outcome, "held");
    assert!(counts.lock().unwrap().is_empty());
    // Five minutes without a renewal: B takes over with attempt 1.
    clock.set(at + Duration::minutes(6));
    let pass = b.run_due(&engine, clock.now(), &stop).unwrap();
    assert_eq!(pass.runs[0].outcome, "succeeded");
    assert_eq!(pass.runs[0].run.as_ref().unwrap().attempt, 1);
    assert_eq!(counts.lock().unwrap()[&at], 1);
    // A comes back and finishes: recorded as abandoned, and the instance stays B's.
    let mut old = *record;
    lease::finish(
        engine.store(),
        &mut old,
        clock.now(),
        Ok(JobOutput::default()),
    )
    .unwrap();
    assert_eq!(old.status, RunStatus::Abandoned);
    assert!(matches!(
        a.claim(&engine, "hourly", at, false).unwrap(),
        Claim::Done
    ));
    assert!(a
        .run_due(&engine, clock.now(), &stop)
        .unwrap()
        .runs
        .is_empty());
    let runs = b.history(&engine, Some("hourly"), 10).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(counts.lock().unwrap().len(), 1);
}

#[test]
fn a_daemon_on_a_stepping_clock_runs_a_simulated_week() {
    let options = ConfigOptions {
        usd_to_npr: Some(Decimalish::Text("133.5".into())),
        ephemeral_pseudonym_key: true,
        now: Some("2026-03-31T13:00:00Z".into()),
        ..ConfigOptions::default()
    };
    let gen = GenerateRequest {
        users: Some(300),
        days: Some(46),
        seed: Some(16),
        start: Some("2026-02-23".parse().unwrap()),
        revenue_drop: Some(RevenueDropRequest {
            day: "2026-04-03".parse().unwrap(),
            pct: 80.0,
        }),
        ..GenerateRequest::default()
    };
    let generated = api::open_generated(gen, options).unwrap().engine;
    // The same data on a stepping clock: the week from Wednesday 1 April 00:00 local, across the
    // fall-back of 5 April, a Monday report and the first-of-month cohorts.
    let start = utc("2026-03-31T13:00:00Z");
    let end = start + Duration::days(7);
    let clock = Arc::new(SteppingClock::new(start));
    let reports = tempfile::tempdir().unwrap();
    let config = Config {
        clock: ClockHandle::shared(clock.clone()),
        reports_dir: Some(reports.path().to_owned()),
        ..generated.config().clone()
    };
    let engine = Engine::new(generated.store_handle(), config);
    // Hourly alert checks (through the old variable) keep the simulated week quick.
    let vars: HashMap<String, String> = [
        ("ALERT_INTERVAL_MIN".to_owned(), "60".to_owned()),
        (
            "SCHEDULE_FORECAST_METRICS".to_owned(),
            "revenue.total".to_owned(),
        ),
    ]
    .into();
    let s = Scheduler::new(ScheduleConfig::from_vars(&vars).unwrap());
    let mut passes = Vec::new();
    let stop = AtomicBool::new(false);
    s.run_loop(&engine, &stop, &mut |event| match event {
        LoopEvent::Pass(p) => {
            passes.push(p.clone());
            ControlFlow::Continue(())
        }
        LoopEvent::Failed(e) => panic!("a pass failed: {e}"),
        LoopEvent::Idle { until, .. } => match until {
            Some(t) if t <= end => {
                clock.set(t);
                ControlFlow::Continue(())
            }
            _ => ControlFlow::Break(()),
        },
    })
    .unwrap();
    assert!(!s.is_running());
    let runs: Vec<_> = passes.iter().flat_map(|p| p.runs.iter()).collect();
    // In time order, each on time (the daemon wakes at each instance).
    assert!(runs
        .windows(2)
        .all(|w| w[0].due.scheduled_at <= w[1].due.scheduled_at));
    assert!(runs.iter().all(|r| !r.due.catch_up));
    let of = |job: &str| runs.iter().filter(|r| r.due.job == job).collect::<Vec<_>>();
    // Hourly over the 169-hour week (a 25-hour day), both ends included: the first pass registers the
    // jobs at 00:00, and an instance at the registration instant is the job's.
    assert_eq!(of(ALERT_CHECK).len(), 7 * 24 + 1);
    assert_eq!(of(FORECASTS).len(), 7);
    assert_eq!(of(DAILY_ROLLUP).len(), 7);
    assert_eq!(of(MONTHLY_COHORTS).len(), 1);
    assert_eq!(of(WEEKLY_REPORT).len(), 1);
    for job in [
        ALERT_CHECK,
        FORECASTS,
        DAILY_ROLLUP,
        MONTHLY_COHORTS,
        WEEKLY_REPORT,
    ] {
        for r in of(job) {
            let error = r.run.as_ref().and_then(|x| x.error.as_ref());
            assert_eq!(
                r.outcome, "succeeded",
                "{job} at {}: {error:?}",
                r.due.scheduled_at
            );
        }
    }
    // Each local day: the forecasts at 02:00, then the rollup at 03:00.
    for day in 1..=7 {
        let date = NaiveDate::from_ymd_opt(2026, 4, day).unwrap();
        let on = |job: &str| {
            runs.iter()
                .position(|r| {
                    r.due.job == job
                        && r.due.scheduled_at.with_timezone(&Sydney).date_naive() == date
                })
                .unwrap()
        };
        assert!(on(FORECASTS) < on(DAILY_ROLLUP), "{date}");
    }
    // Monday's report covers the week before, Monday 30 March to Sunday 5 April, as PDF and XLSX.
    let report = &of(WEEKLY_REPORT)[0];
    assert_eq!(local(report.due.scheduled_at), "2026-04-06T04:00:00+10:00");
    let stored = engine.reports(&ReportFilter::default()).unwrap();
    assert_eq!(stored.len(), 2);
    for r in &stored {
        assert_eq!(
            (r.from.to_string(), r.to.to_string()),
            ("2026-03-30".to_owned(), "2026-04-05".to_owned())
        );
        let (_, bytes) = engine.report_file(&r.id).unwrap();
        assert!(reports.path().join(&r.file_name).exists());
        assert!(bytes.starts_with(b"%PDF") || bytes.starts_with(b"PK"));
    }
    // What the jobs produced is in the store.
    for date in ["2026-04-01", "2026-04-05", "2026-04-06"] {
        let d: NaiveDate = date.parse().unwrap();
        assert!(
            !engine.rollups_of_day(d).unwrap().is_empty(),
            "rollup of {date}"
        );
    }
    let forecasts = engine.stored_forecasts(None, None, None, None).unwrap();
    assert_eq!(forecasts.len(), 7, "one revenue forecast per night");
    let cohorts = engine
        .stored_cohorts(
            DateRange::new("2026-02-01".parse().unwrap(), "2026-04-07".parse().unwrap()).unwrap(),
            Granularity::Month,
            CountryFilter::All,
        )
        .unwrap();
    assert!(!cohorts.cohorts.is_empty());
    let alerts = engine.alerts(&AlertFilter::default()).unwrap();
    assert!(
        alerts.iter().any(|a| a.rule.contains("revenue")),
        "the injected revenue drop raised an alert: {:?}",
        alerts.iter().map(|a| &a.alert_id).collect::<Vec<_>>()
    );
    // Status in the old shape.
    let status = serde_json::to_value(s.status(&engine).unwrap()).unwrap();
    assert_eq!(status["timezone"], "Australia/Sydney");
    assert_eq!(status["running"], false);
    let jobs = status["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 5);
    for j in jobs {
        for field in [
            "name",
            "schedule",
            "description",
            "lastRun",
            "nextRun",
            "lastOutcome",
        ] {
            assert!(!j[field].is_null(), "{field} of {j}");
        }
    }
    assert_eq!(jobs[2]["name"], WEEKLY_REPORT);
    assert_eq!(jobs[2]["lastOutcome"], "succeeded");
    assert!(jobs[2]["error"].is_null());
}
