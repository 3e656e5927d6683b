//! The backfill of a store read in this process ([`Store::reads_in_process`]): whole days are read on
//! every core at once, and numbered, merged and published on the calling thread in date order.
//!
//! Reading a day numbers nothing (ids and rounds the dictionaries do not know stay provisional, see
//! `kpi::rollup::read_all`), so days may be read in any order and ahead of one another; numbering in
//! date order then hands out the numbers a sequential backfill hands out, and the stored rollups are
//! the sequential ones, number for number.
//!
//! [`Store::reads_in_process`]: crate::store::Store::reads_in_process

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel};
use std::sync::Mutex;

use chrono::NaiveDate;

use super::rollups::Claim;
use super::{BackfillProgress, BackfillSummary, Engine, Progress};
use crate::calendar::DateRange;
use crate::kpi::partials::Accumulator;
use crate::{Error, Result};

/// Days read ahead of the one being published, per reader: enough to keep the readers busy while
/// the calling thread publishes, few enough that the partial facts waiting stay small.
const AHEAD_PER_READER: usize = 2;

/// A day read and not yet published: its claim (held until it is published) and its jobs' facts;
/// `None` when the day is skipped.
type Read<'a> = Option<(Claim<'a>, Vec<Accumulator<'a>>)>;

impl Engine {
    /// Rolls up `days` with `readers` threads reading whole days, publishing on this thread in date
    /// order. A stop (a `Break` from `progress`, or an error) publishes nothing more: the days already
    /// published are whole, the others are left for a later backfill.
    pub(super) fn backfill_in_process(
        &self,
        days: &[NaiveDate],
        force: bool,
        done: &HashSet<NaiveDate>,
        readers: usize,
        progress: Progress<'_>,
        summary: &mut BackfillSummary,
    ) -> Result<()> {
        let dir = self.directory()?;
        let dir = dir.as_ref();
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        // One credit per day that may be read and not yet published: a reader takes one before it
        // takes a day, this thread gives it back once that day is published.
        let ahead = readers.max(1) * AHEAD_PER_READER;
        let (credit_tx, credit_rx) = sync_channel::<()>(ahead);
        for _ in 0..ahead {
            let _ = credit_tx.send(());
        }
        let credit_rx = Mutex::new(credit_rx);
        let (tx, rx) = channel::<(usize, Result<Read<'_>>)>();
        let mut failure = None;
        std::thread::scope(|scope| {
            for _ in 0..readers.max(1).min(days.len()) {
                let tx = tx.clone();
                let (next, stop, credit_rx) = (&next, &stop, &credit_rx);
                scope.spawn(move || {
                    while !stop.load(Ordering::Acquire) {
                        let credit = match credit_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        if credit.is_err() || stop.load(Ordering::Acquire) {
                            return;
                        }
                        let i = next.fetch_add(1, Ordering::AcqRel);
                        let Some(&date) = days.get(i) else { return };
                        // A panic in a reader is caught here, so it is an error, not a poisoned scope.
                        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.read_day(date, force, done, dir)
                        }))
                        .unwrap_or_else(|p| Err(Error::from_panic(&*p)));
                        if tx.send((i, read)).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(tx);
            // Dropped at the first stop: readers waiting for a credit then end.
            let mut credits = Some(credit_tx);
            let mut pending = BTreeMap::new();
            let mut reported = 0usize;
            for (i, read) in rx {
                pending.insert(i, read);
                while let Some(read) = pending.remove(&reported) {
                    let date = days[reported];
                    reported += 1;
                    if credits.is_none() {
                        continue;
                    }
                    let published = read.and_then(|read| self.publish_day_read(read));
                    let written = match published {
                        Ok(written) => written,
                        Err(e) => {
                            failure.get_or_insert(e);
                            stop.store(true, Ordering::Release);
                            credits = None;
                            continue;
                        }
                    };
                    summary.count(written);
                    let report = BackfillProgress {
                        done: reported as u64,
                        total: summary.days,
                        date,
                        skipped: written.is_none(),
                    };
                    if progress(report).is_break() {
                        stop.store(true, Ordering::Release);
                        credits = None;
                        summary.cancelled = reported < days.len();
                        continue;
                    }
                    if let Some(c) = &credits {
                        let _ = c.send(());
                    }
                }
            }
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Reads one day of a backfill, claimed, unless it is done or not settled (`None`).
    fn read_day<'a>(
        &'a self,
        date: NaiveDate,
        force: bool,
        done: &HashSet<NaiveDate>,
        dir: &'a crate::kpi::UserDirectory,
    ) -> Result<Read<'a>> {
        if done.contains(&date) || !self.is_settled(date) {
            return Ok(None);
        }
        let claim = self.claim(date);
        // Another request of this engine (or another process) may have rolled the day up since `done`
        // was read.
        if !force && !self.rolled_up_days(DateRange::day(date))?.is_empty() {
            return Ok(None);
        }
        // The readers already take every core: a day's collections are read one after the other.
        let parts = crate::kpi::rollup::read_all(self.pass(dir, date), 1)?;
        Ok(Some((claim, parts)))
    }

    /// Publishes a day read by [`Engine::read_day`]: the documents written, or `None` when skipped.
    fn publish_day_read(&self, read: Read<'_>) -> Result<Option<u64>> {
        let Some((claim, parts)) = read else {
            return Ok(None);
        };
        let Some(pass) = parts.first().map(Accumulator::pass) else {
            return Err(Error::Internal(
                "a day was read without its jobs".to_owned(),
            ));
        };
        let written = self.publish_read(pass, parts)?.len() as u64;
        drop(claim);
        Ok(Some(written))
    }
}
