//! Each job's persisted state (`analyticsschedulerjobs`): since when it exists, how far its instances
//! are settled (the cursor [`super::due::due_jobs`] starts from), and its last run, which `status`
//! shows. Several schedulers may write it: the cursor only moves forward and the last run is the one
//! that started last, so a stale writer cannot undo a newer one's news (up to the race of two writes
//! in the same instant, which only delays a cursor: the leases decide what runs, not this document).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::lease::{RunError, RunRecord, RunStatus};
use crate::store::{AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec, Store};
use crate::Result;

/// The last run of a job, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    /// The instance it was for.
    pub scheduled_at: DateTime<Utc>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How it ended.
    pub status: RunStatus,
    /// How long it took.
    pub duration_ms: Option<i64>,
    /// Its error.
    pub error: Option<RunError>,
    /// Who ran it.
    pub owner: String,
}

/// A job's persisted state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobStateDoc {
    /// Application id.
    pub app_id: String,
    /// The job.
    pub job: String,
    /// When a scheduler first registered the job.
    pub since: DateTime<Utc>,
    /// The last settled instance.
    #[serde(default)]
    pub cursor: Option<DateTime<Utc>>,
    /// The last finished run.
    #[serde(default)]
    pub last_run: Option<LastRun>,
}

impl AnalyticsDoc for JobStateDoc {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsschedulerjobs",
        key_fields: &["appId", "job"],
        key_index: "appId_1_job_1",
        retired_indexes: &[],
        indexes: &[],
        evictable: false,
    };

    fn key(&self) -> DocKey {
        DocKey(vec![self.app_id.as_str().into(), self.job.as_str().into()])
    }
}

/// The states of `jobs`, creating those that do not exist yet with `since = now` (insert-if-absent:
/// the first scheduler's `since` stays).
pub fn load_states(
    store: &dyn Store,
    app_id: &str,
    jobs: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<JobStateDoc>> {
    let mut found: Vec<JobStateDoc> = store.find_docs(&DocFilter::all().eq("appId", app_id))?;
    let missing: Vec<JobStateDoc> = jobs
        .iter()
        .filter(|j| !found.iter().any(|d| d.job == **j))
        .map(|j| JobStateDoc {
            app_id: app_id.to_owned(),
            job: (*j).to_owned(),
            since: now,
            cursor: None,
            last_run: None,
        })
        .collect();
    if !missing.is_empty() {
        let taken = store.insert_new_docs(&missing)?;
        if taken.is_empty() {
            found.extend(missing);
        } else {
            // Another scheduler registered some at the same moment: read its versions.
            found = store.find_docs(&DocFilter::all().eq("appId", app_id))?;
        }
    }
    Ok(jobs
        .iter()
        .filter_map(|j| found.iter().find(|d| d.job == *j).cloned())
        .collect())
}

/// Moves a job's cursor forward to `cursor` and records `run` as its last run when it started later
/// than the recorded one.
pub fn update_state(
    store: &dyn Store,
    app_id: &str,
    job: &str,
    cursor: Option<DateTime<Utc>>,
    run: Option<&RunRecord>,
) -> Result<()> {
    let key = DocKey(vec![app_id.into(), job.into()]);
    let Some(mut doc) = store.get_doc::<JobStateDoc>(&key)? else {
        return Ok(());
    };
    let mut changed = false;
    if let Some(c) = cursor {
        if doc.cursor.is_none_or(|old| c > old) {
            doc.cursor = Some(c);
            changed = true;
        }
    }
    if let Some(r) = run {
        let scheduled_at = DateTime::parse_from_rfc3339(&r.scheduled_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(r.started_at);
        if doc
            .last_run
            .as_ref()
            .is_none_or(|l| r.started_at >= l.started_at)
        {
            doc.last_run = Some(LastRun {
                scheduled_at,
                started_at: r.started_at,
                status: r.status,
                duration_ms: r.duration_ms,
                error: r.error.clone(),
                owner: r.owner.clone(),
            });
            changed = true;
        }
    }
    if changed {
        store.put_docs(std::slice::from_ref(&doc))?;
    }
    Ok(())
}
