//! Daily rollups: the [`Facts`] of one local day for `ALL` and for each country seen that day, computed
//! from raw records in one read per collection (concurrently) and stored under the unique key
//! `(appId, date, country)` (`docs/rollups.md`).
//!
//! This module and [`super::partials`] are the only place that decides what a raw document contributes
//! to which metric (METRICS.md): which country it belongs to, whether it makes its user active, which
//! sums and sets it feeds. Range KPIs ([`super::compute`]) only merge facts.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::directory::UserDirectory;
use super::facts::Facts;
use super::partials::{Accumulator, Job, Pass};
use crate::calendar::{Calendar, DateRange};
use crate::dictionary::Numbering;
use crate::model::*;
use crate::store::Store;
use crate::{Error, Result};

/// The version of the rollup document layout; a stored rollup of another version is recomputed.
/// Version 2 added generations (`docs/rollups.md` "Publishing a day"); version 3 holds sets as
/// bitmaps of dictionary numbers; version 4 added the per-member money and counts of cohort tables.
pub const ROLLUP_VERSION: u32 = 4;

/// The facts of one `(appId, date, country)`, as stored in `analyticsdailykpis`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyRollup {
    /// Application id.
    pub app_id: String,
    /// Local date in `timezone`.
    pub date: NaiveDate,
    /// `ALL`, a country code or `UNKNOWN`.
    pub country: CountryFilter,
    /// The reporting time zone the day was cut in; a rollup of another zone is not reused.
    pub timezone: String,
    /// Layout version ([`ROLLUP_VERSION`]).
    pub version: u32,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// The write that produced it: a day is published whole by pointing its [`RollupDay`] marker at a
    /// new generation (see `kpi::persist`).
    ///
    /// [`RollupDay`]: super::persist::RollupDay
    #[serde(default)]
    pub generation: i64,
    /// The day's facts (shared: a loaded rollup is read by many reports without copying its sets).
    pub facts: Arc<Facts>,
}

/// Facts by (day, country selection), `ALL` included, for the days a pass covered.
pub(crate) type FactsByDay = BTreeMap<(NaiveDate, CountryFilter), Arc<Facts>>;

/// Computes the facts of every day of `days` (local dates in `cal`), per country and for `ALL`, from raw
/// records. Every day of `days` gets an `ALL` entry, even an empty one. Ids new to `numbering` are
/// numbered and the numbers written before this returns.
///
/// Each collection is one job ([`Job`]) filling its own partial facts; up to
/// [`Store::read_concurrency`] jobs run at once, and their facts are merged in job order, with new ids
/// numbered in id order, so the result does not depend on which job finished first (nor on whether the
/// store grouped documents on the server).
pub(crate) fn accumulate(
    store: &dyn Store,
    numbering: &Numbering,
    dir: &UserDirectory,
    cal: &Calendar,
    days: DateRange,
) -> Result<FactsByDay> {
    let pass = Pass {
        store,
        numbering,
        dir,
        cal,
        days,
    };
    accumulate_with(pass, store.read_concurrency())
}

/// [`accumulate`] on at most `threads` threads (1: on the calling thread, one job after the other).
pub(crate) fn accumulate_with(pass: Pass<'_>, threads: usize) -> Result<FactsByDay> {
    settle(pass, read_all(pass, threads)?)
}

/// The reads of a pass: every job's partial facts, in job order, with the ids and rounds the
/// dictionaries do not know yet left provisional. Reading numbers nothing, so the reads of several
/// days may run at once (and ahead of one another) while [`settle`] numbers in day order: the result
/// is then the sequential pass's, number for number.
pub(crate) fn read_all(pass: Pass<'_>, threads: usize) -> Result<Vec<Accumulator<'_>>> {
    run_jobs(pass, threads)
}

/// The facts of a pass from its reads ([`read_all`]): new ids and rounds numbered (in job order, and
/// in id order within a job) and written, the jobs' facts merged per day and country.
pub(crate) fn settle<'a>(pass: Pass<'a>, parts: Vec<Accumulator<'a>>) -> Result<FactsByDay> {
    let mut out: BTreeMap<(NaiveDate, CountryFilter), Vec<Facts>> = pass
        .days
        .iter()
        .map(|d| ((d, CountryFilter::All), Vec::new()))
        .collect();
    for part in parts {
        for (key, facts) in part.finish()? {
            out.entry(key).or_default().push(facts);
        }
    }
    // Numbers handed out in this pass are written before any fact holding them can be stored; one
    // that lost to another process's number for the same id is replaced in the sets.
    pass.numbering.commit(pass.store)?;
    out.into_iter()
        .map(|((day, country), parts)| {
            // One merge of every job's facts, rather than one per job: each set is united once.
            let mut f = match <[Facts; 1]>::try_from(parts) {
                Ok([one]) => one,
                Err(parts) => Facts::merge_all(&parts),
            };
            f.remap(pass.numbering);
            f.normalize();
            f.check(|| format!("the facts of {day} for {country}"))?;
            Ok(((day, country), Arc::new(f)))
        })
        .collect()
}

/// Runs every job, on up to `threads` scoped threads that take the next job as they finish one; the
/// results come back in job order. A job's panic is its error; after a failure no further job starts.
fn run_jobs(pass: Pass<'_>, threads: usize) -> Result<Vec<Accumulator<'_>>> {
    let run = |job: Job| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(pass)))
            .unwrap_or_else(|p| Err(Error::from_panic(&*p)))
    };
    if threads <= 1 {
        return Job::ALL.into_iter().map(run).collect();
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut done: Vec<(usize, Result<Accumulator<'_>>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.min(Job::ALL.len()))
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while !stop.load(Ordering::Acquire) {
                        let i = next.fetch_add(1, Ordering::AcqRel);
                        let Some(&job) = Job::ALL.get(i) else { break };
                        let result = run(job);
                        if result.is_err() {
                            stop.store(true, Ordering::Release);
                        }
                        mine.push((i, result));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|p| vec![(usize::MAX, Err(Error::from_panic(&*p)))])
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    // The first failure in job order, or every job's facts (a stop leaves jobs out only after one
    // failed).
    done.into_iter().map(|(_, r)| r).collect()
}

/// Turns one pass's facts into rollup documents for `app_id`.
pub(crate) fn into_rollups(
    facts: FactsByDay,
    app_id: &str,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Vec<DailyRollup> {
    facts
        .into_iter()
        .map(|((date, country), facts)| DailyRollup {
            app_id: app_id.to_owned(),
            date,
            country,
            timezone: cal.tz().name().to_owned(),
            version: ROLLUP_VERSION,
            computed_at: now,
            generation: 0,
            facts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{generate, GeneratorConfig};
    use crate::model::DecodeContext;
    use crate::store::InMemoryStoreBuilder;
    use chrono::TimeZone;

    /// A day's facts read on several threads equal a sequential read's, numbers included, whatever
    /// order the jobs finish in.
    #[test]
    fn concurrent_reads_equal_a_sequential_pass() -> Result<()> {
        let now = Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .single()
            .ok_or_else(|| Error::Internal("no instant".into()))?;
        let gen = GeneratorConfig {
            users: 300,
            days: 10,
            seed: 11,
            invalid_rate: 0.02,
            duplicate_rate: 0.01,
            ..GeneratorConfig::default()
        };
        let mut builder = InMemoryStoreBuilder::with_context(DecodeContext { now });
        generate(&gen, &mut builder, &mut |_, _| {})?;
        let store = builder.build();
        let cal = Calendar::default();
        let days = DateRange::new(gen.start_date(), gen.end_date())?;
        let facts = |threads: usize| -> Result<FactsByDay> {
            let numbering = Numbering::default();
            let dir = UserDirectory::load(&store, &numbering, &cal)?;
            let pass = Pass {
                store: &store,
                numbering: &numbering,
                dir: &dir,
                cal: &cal,
                days,
            };
            accumulate_with(pass, threads)
        };
        let sequential = facts(1)?;
        assert!(sequential.len() > days.days() as usize);
        for threads in [2, 3, 8] {
            assert_eq!(facts(threads)?, sequential, "{threads} threads");
        }
        Ok(())
    }
}
