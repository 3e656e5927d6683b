//! At most one run of a job instance across processes sharing a store, with the store's existing
//! primitives only, and the run history those claims leave behind (`analyticsschedulerruns`).
//!
//! An instance is (job, scheduled instant). Each attempt at it is one document keyed
//! (app, job, instant, attempt):
//!
//! - **claim**: insert attempt 0 with `insert_documents`, which inserts only free keys and is atomic
//!   across processes through the unique key index; whoever's insert lands runs the instance, the
//!   others see their key taken and leave it;
//! - **renew**: while running, the winner replaces its own document (`put_documents`) with a later
//!   `expiresAt`; nobody else ever writes that key, so a plain replace is safe;
//! - **take over**: an attempt still `running` whose `expiresAt` passed belongs to a process that died;
//!   another process inserts attempt n+1, again insert-if-absent, so exactly one takes over;
//! - **finish**: the runner writes its outcome into its document (succeeded or failed). An instance
//!   with a finished attempt is never run again. A runner that finds a later attempt at its instance
//!   lost its lease (it was too slow to renew): it stops and records itself `abandoned`.
//!
//! Expiry is the one weak point of any lease without fencing: a holder that stalls for longer than the
//! lease (a stopped VM) can find that another process ran the instance too. Renewing every third of
//! the lease keeps that to stalls longer than two thirds of it.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::job::JobOutput;
use crate::store::{AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec, KeyValue, Store};
use crate::{Error, Result};

/// After this many attempts at one instance (each ended by an expired lease), it is left alone: a
/// job that kills its process every time must not be retried forever.
pub const MAX_ATTEMPTS: u32 = 5;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RunStatus {
    /// Claimed and running (or its holder died: see `expiresAt`).
    Running,
    /// Finished without an error.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped because another process took the instance over.
    Abandoned,
}

impl RunStatus {
    /// Whether the instance is settled by this attempt (no one runs it again).
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed)
    }
}

/// An error as a run records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunError {
    /// The engine's stable error code.
    pub code: String,
    /// The message.
    pub message: String,
}

impl RunError {
    /// The record of `e`.
    pub fn of(e: &Error) -> Self {
        RunError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// One attempt at a job instance: the lease while it runs, the run history after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    /// Application id.
    pub app_id: String,
    /// The job.
    pub job: String,
    /// The instance's scheduled instant (RFC 3339, UTC, seconds: the key sorts in time order).
    pub scheduled_at: String,
    /// 0 for the first attempt; n+1 when attempt n's holder stopped renewing.
    pub attempt: i64,
    /// Which scheduler holds (held) the lease.
    pub owner: String,
    /// Where the run is.
    pub status: RunStatus,
    /// Whether it was a catch-up of a missed instance.
    pub catch_up: bool,
    /// When it started (engine clock).
    pub started_at: DateTime<Utc>,
    /// Until when the lease holds unless renewed.
    pub expires_at: DateTime<Utc>,
    /// When it finished.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// How long it took, in milliseconds of the engine clock.
    #[serde(default)]
    pub duration_ms: Option<i64>,
    /// The error of a failed (or abandoned) run.
    #[serde(default)]
    pub error: Option<RunError>,
    /// What a successful run reported.
    #[serde(default)]
    pub output: Option<JobOutput>,
}

impl AnalyticsDoc for RunRecord {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsschedulerruns",
        key_fields: &["appId", "job", "scheduledAt", "attempt"],
        key_index: "appId_1_job_1_scheduledAt_1_attempt_1",
        retired_indexes: &[],
        indexes: &[],
        // The key index is the lease: evicting a running attempt would let a second process run it.
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.job.as_str().into(),
            self.scheduled_at.as_str().into(),
            self.attempt.into(),
        ])
    }
}

/// The key text of an instant: RFC 3339 in UTC with seconds, so keys sort in time order.
pub fn instant_key(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This scheduler holds the lease: run the instance.
    Won(Box<RunRecord>),
    /// An attempt finished already: nothing to do.
    Done,
    /// Another scheduler holds a live lease (it is running the instance now).
    Held {
        /// The holder.
        owner: String,
        /// Until when, unless renewed.
        expires_at: DateTime<Utc>,
    },
    /// Another scheduler inserted the same attempt first.
    Lost,
    /// [`MAX_ATTEMPTS`] attempts ended without finishing: left alone.
    GaveUp,
}

/// The attempts at one instance, by attempt.
pub fn attempts(
    store: &dyn Store,
    app_id: &str,
    job: &str,
    at: DateTime<Utc>,
) -> Result<Vec<RunRecord>> {
    let mut runs: Vec<RunRecord> = store.find_docs(
        &DocFilter::all()
            .eq("appId", app_id)
            .eq("job", job)
            .eq("scheduledAt", instant_key(at)),
    )?;
    runs.sort_by_key(|r| r.attempt);
    Ok(runs)
}

/// Everything a claim needs.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest<'a> {
    /// Application id.
    pub app_id: &'a str,
    /// The job.
    pub job: &'a str,
    /// The instance.
    pub scheduled_at: DateTime<Utc>,
    /// The claiming scheduler.
    pub owner: &'a str,
    /// Whether the instance is a catch-up.
    pub catch_up: bool,
    /// Now, by the engine clock.
    pub now: DateTime<Utc>,
    /// The lease's length.
    pub lease: Duration,
}

/// Tries to take the lease on an instance (see the module's rules).
pub fn claim(store: &dyn Store, r: ClaimRequest<'_>) -> Result<Claim> {
    let runs = attempts(store, r.app_id, r.job, r.scheduled_at)?;
    if runs.iter().any(|x| x.status.is_final()) {
        return Ok(Claim::Done);
    }
    let attempt = match runs.last() {
        None => 0,
        Some(last) if last.status == RunStatus::Running && last.expires_at > r.now => {
            return Ok(Claim::Held {
                owner: last.owner.clone(),
                expires_at: last.expires_at,
            })
        }
        Some(last) => last.attempt.saturating_add(1),
    };
    if attempt >= i64::from(MAX_ATTEMPTS) {
        return Ok(Claim::GaveUp);
    }
    let record = RunRecord {
        app_id: r.app_id.to_owned(),
        job: r.job.to_owned(),
        scheduled_at: instant_key(r.scheduled_at),
        attempt,
        owner: r.owner.to_owned(),
        status: RunStatus::Running,
        catch_up: r.catch_up,
        started_at: r.now,
        expires_at: r.now.checked_add_signed(r.lease).unwrap_or(r.now),
        finished_at: None,
        duration_ms: None,
        error: None,
        output: None,
    };
    let taken = store.insert_new_docs(std::slice::from_ref(&record))?;
    Ok(if taken.is_empty() {
        Claim::Won(Box::new(record))
    } else {
        Claim::Lost
    })
}

/// Whether another attempt at `record`'s instance started after it (its lease was taken over).
pub fn superseded(store: &dyn Store, record: &RunRecord) -> Result<bool> {
    let runs: Vec<RunRecord> = store.find_docs(
        &DocFilter::all()
            .eq("appId", record.app_id.as_str())
            .eq("job", record.job.as_str())
            .eq("scheduledAt", record.scheduled_at.as_str())
            .with(
                "attempt",
                crate::store::Condition::Between(
                    Some(KeyValue::Int(record.attempt.saturating_add(1))),
                    None,
                ),
            ),
    )?;
    Ok(!runs.is_empty())
}

/// Extends the lease to `now + lease`; `false` (and nothing written) when it was taken over.
pub fn renew(
    store: &dyn Store,
    record: &mut RunRecord,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<bool> {
    if superseded(store, record)? {
        return Ok(false);
    }
    record.expires_at = now.checked_add_signed(lease).unwrap_or(now);
    store.put_docs(std::slice::from_ref(record))?;
    Ok(true)
}

/// Writes the outcome of a run into its record. A run whose lease was taken over meanwhile is
/// recorded `abandoned` whatever it returned: the instance belongs to the later attempt.
pub fn finish(
    store: &dyn Store,
    record: &mut RunRecord,
    now: DateTime<Utc>,
    outcome: std::result::Result<JobOutput, RunError>,
) -> Result<()> {
    let lost = superseded(store, record)?;
    record.finished_at = Some(now);
    record.duration_ms = Some((now - record.started_at).num_milliseconds().max(0));
    record.expires_at = now;
    match (lost, outcome) {
        (true, _) => {
            record.status = RunStatus::Abandoned;
            record.error = Some(RunError {
                code: "LEASE_LOST".to_owned(),
                message: format!(
                    "the lease of {} at {} expired before it was renewed and another scheduler took \
                     the run over; raise the lease (SCHEDULE_LEASE_SECONDS) if runs stall this long",
                    record.job, record.scheduled_at
                ),
            });
        }
        (false, Ok(output)) => {
            record.status = RunStatus::Succeeded;
            record.output = Some(bounded(output));
        }
        (false, Err(e)) => {
            record.status = RunStatus::Failed;
            record.error = Some(e);
        }
    }
    store.put_docs(std::slice::from_ref(record))
}

/// An output small enough to keep with its run: details beyond [`super::MAX_OUTPUT_BYTES`] of JSON are
/// replaced by a note, and the message is cut to 1,000 characters.
fn bounded(mut output: JobOutput) -> JobOutput {
    if output.message.chars().count() > 1000 {
        output.message = output.message.chars().take(1000).collect();
    }
    let size = serde_json::to_vec(&output.details).map_or(usize::MAX, |v| v.len());
    if size > super::MAX_OUTPUT_BYTES {
        output.details = serde_json::json!({
            "omitted": format!("{size} bytes of details, more than {} are not stored", super::MAX_OUTPUT_BYTES)
        });
    }
    output
}

/// Deletes the run records of instances scheduled before `before` (the history is bounded).
pub fn prune(store: &dyn Store, app_id: &str, before: DateTime<Utc>) -> Result<u64> {
    store.delete_docs::<RunRecord>(&DocFilter::all().eq("appId", app_id).with(
        "scheduledAt",
        crate::store::Condition::Between(None, Some(KeyValue::Str(instant_key(before)))),
    ))
}
