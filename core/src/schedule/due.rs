//! What must run now: a pure function of the jobs' state and an instant, so the catch-up rules can be
//! tested (and replayed) without a store, a clock or a thread.
//!
//! Each job has a cursor: the last scheduled instant that is settled (run, or skipped by its policy).
//! The instances after the cursor and at or before `now` are the candidates; the job's [`CatchUp`]
//! policy chooses among them. A job never seen before starts its cursor at `since` (when a scheduler
//! first registered it), so a new deployment does not replay the past.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::cron::CronSchedule;
use super::job::CatchUp;
use super::MAX_CATCH_UP_RUNS;

/// One job as [`due_jobs`] sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobState {
    /// The job's name.
    pub name: String,
    /// When it runs.
    pub schedule: CronSchedule,
    /// Its catch-up policy.
    pub catch_up: CatchUp,
    /// Whether it runs at all.
    pub enabled: bool,
    /// The last settled instance (`None`: none yet).
    pub cursor: Option<DateTime<Utc>>,
    /// When a scheduler first registered the job: instances before it are not the job's.
    pub since: DateTime<Utc>,
}

/// Every job, with the zone their expressions are read in and the on-time grace.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerState {
    /// The reporting time zone.
    pub timezone: Tz,
    /// How late an instance may start and still be on time.
    pub grace: Duration,
    /// The jobs, in their configured order.
    pub jobs: Vec<JobState>,
}

/// One instance that must run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueRun {
    /// The job.
    pub job: String,
    /// The instance's scheduled instant.
    pub scheduled_at: DateTime<Utc>,
    /// Whether it is a catch-up: its time passed longer ago than the grace period.
    pub catch_up: bool,
    /// Instances before it that the policy skips (counted up to [`MAX_CATCH_UP_RUNS`]; more is
    /// shown as that number).
    pub skipped: u64,
}

/// The instances that must run at `now`, oldest first (ties in the jobs' order). `All` yields at most
/// [`MAX_CATCH_UP_RUNS`] instances per job: the oldest ones, so the cursor moves on and the next call
/// yields the following ones.
pub fn due_jobs(state: &SchedulerState, now: DateTime<Utc>) -> Vec<DueRun> {
    let tz = state.timezone;
    let mut out: Vec<(DateTime<Utc>, usize, DueRun)> = Vec::new();
    for (order, job) in state.jobs.iter().enumerate() {
        if !job.enabled {
            continue;
        }
        // Instances after the cursor; without one, from `since` on, inclusive (a job registered at
        // 03:00 runs its 03:00 instance: instances are whole minutes, so one second before is "at").
        let registered = job.since - Duration::seconds(1);
        let from = job.cursor.map_or(registered, |c| c.max(registered));
        if from >= now {
            continue;
        }
        let late = |t: DateTime<Utc>| t.checked_add_signed(state.grace).is_none_or(|d| d < now);
        let run = |t: DateTime<Utc>, skipped: u64| DueRun {
            job: job.name.clone(),
            scheduled_at: t,
            catch_up: late(t),
            skipped,
        };
        match job.catch_up {
            CatchUp::All => {
                for t in job.schedule.runs_after(from, tz, MAX_CATCH_UP_RUNS) {
                    if t > now {
                        break;
                    }
                    out.push((t, order, run(t, 0)));
                }
            }
            CatchUp::Latest | CatchUp::None => {
                let Some(latest) = job.schedule.latest_at_or_before(now, tz) else {
                    continue;
                };
                if latest <= from {
                    continue;
                }
                if job.catch_up == CatchUp::None && late(latest) {
                    continue;
                }
                let skipped = job
                    .schedule
                    .runs_after(from, tz, MAX_CATCH_UP_RUNS)
                    .into_iter()
                    .take_while(|t| *t < latest)
                    .count() as u64;
                out.push((latest, order, run(latest, skipped)));
            }
        }
    }
    out.sort_by_key(|(t, order, _)| (*t, *order));
    out.into_iter().map(|(_, _, r)| r).collect()
}

/// The cursor a job may move to after a pass at `now` in which every instance it was given is
/// settled: the last instance at or before `now` for `Latest` and `None` (the others are skipped on
/// purpose), the last instance given for `All` (more may follow).
pub fn settled_cursor(
    job: &JobState,
    tz: Tz,
    now: DateTime<Utc>,
    given: &[DateTime<Utc>],
) -> Option<DateTime<Utc>> {
    let last_given = given.iter().max().copied();
    let candidate = match job.catch_up {
        CatchUp::All => {
            if given.len() >= MAX_CATCH_UP_RUNS {
                last_given
            } else {
                job.schedule.latest_at_or_before(now, tz).or(last_given)
            }
        }
        CatchUp::Latest | CatchUp::None => job.schedule.latest_at_or_before(now, tz),
    };
    // Never backwards.
    match (job.cursor, candidate) {
        (Some(c), Some(n)) => Some(c.max(n)),
        (c, n) => n.or(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn state(catch_up: CatchUp, cursor: &str) -> SchedulerState {
        SchedulerState {
            timezone: chrono_tz::Australia::Sydney,
            grace: Duration::minutes(10),
            jobs: vec![JobState {
                name: "hourly".into(),
                schedule: CronSchedule::parse("cron", "0 * * * *").unwrap(),
                catch_up,
                enabled: true,
                cursor: Some(utc(cursor)),
                since: utc("2026-01-01T00:00:00Z"),
            }],
        }
    }

    #[test]
    fn each_policy_after_five_missed_hours() {
        let now = utc("2026-05-01T05:05:00Z");
        let all = due_jobs(&state(CatchUp::All, "2026-05-01T00:00:00Z"), now);
        assert_eq!(all.len(), 5);
        assert!(all[..4].iter().all(|r| r.catch_up) && !all[4].catch_up);
        let latest = due_jobs(&state(CatchUp::Latest, "2026-05-01T00:00:00Z"), now);
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].scheduled_at, utc("2026-05-01T05:00:00Z"));
        assert_eq!(latest[0].skipped, 4);
        // 05:00 is within the grace period: on time, so `none` runs it too.
        let none = due_jobs(&state(CatchUp::None, "2026-05-01T00:00:00Z"), now);
        assert_eq!(none.len(), 1);
        let later = utc("2026-05-01T05:30:00Z");
        assert!(due_jobs(&state(CatchUp::None, "2026-05-01T00:00:00Z"), later).is_empty());
    }

    #[test]
    fn all_is_bounded_and_resumes() {
        let now = utc("2026-05-01T00:00:00Z");
        let s = state(CatchUp::All, "2026-01-01T00:00:00Z");
        let first = due_jobs(&s, now);
        assert_eq!(first.len(), MAX_CATCH_UP_RUNS);
        let given: Vec<_> = first.iter().map(|r| r.scheduled_at).collect();
        let cursor = settled_cursor(&s.jobs[0], s.timezone, now, &given);
        assert_eq!(cursor, given.last().copied());
        let mut s2 = s.clone();
        s2.jobs[0].cursor = cursor;
        let second = due_jobs(&s2, now);
        assert_eq!(second[0].scheduled_at, given[999] + Duration::hours(1));
    }
}
