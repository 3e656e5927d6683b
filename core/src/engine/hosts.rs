//! Host performance reports (see [`crate::hosts`] and `docs/hosts.md`): stored days are read, settled
//! days without a whole stored generation are computed from the raw collections and stored, and the
//! rest (not settled yet, or before 2000-01-01) are computed live and never stored.

use chrono::NaiveDate;

use super::rollups::FIRST_DAY;
use super::Engine;
use crate::calendar::DateRange;
use crate::hosts::day::{compute, HostDays, Sources};
use crate::hosts::persist::{publish_day, read_days};
use crate::hosts::report::build;
use crate::hosts::{HostPerformanceReport, HostQuery, MAX_HOST_FILTER, MAX_HOST_LIMIT};
use crate::{Error, Result};

/// The longest host id a host filter may hold (a pseudonym has 26 characters, a raw id 24).
const MAX_HOST_ID_LEN: usize = 64;

impl Engine {
    /// Host performance of `q.range` (stored days read, missing settled days computed and stored).
    pub fn host_performance(&self, q: &HostQuery<'_>) -> Result<HostPerformanceReport> {
        self.check_host_query(q)?;
        let days = self.host_days(self.host_window(q.range)?, true)?;
        self.host_report(&days, q)
    }

    /// The same report computed from the raw collections alone, reading and writing no stored day.
    pub fn host_performance_from_raw(&self, q: &HostQuery<'_>) -> Result<HostPerformanceReport> {
        self.check_host_query(q)?;
        let days = self.host_days(self.host_window(q.range)?, false)?;
        self.host_report(&days, q)
    }

    fn check_host_query(&self, q: &HostQuery<'_>) -> Result<()> {
        self.check_range(q.range)?;
        if q.limit == 0 || q.limit > MAX_HOST_LIMIT {
            return Err(Error::invalid_argument(
                "limit",
                format!("{} is not between 1 and {MAX_HOST_LIMIT}", q.limit),
            ));
        }
        if let Some(hosts) = q.hosts {
            if hosts.is_empty() || hosts.len() > MAX_HOST_FILTER {
                return Err(Error::invalid_argument(
                    "hosts",
                    format!("between 1 and {MAX_HOST_FILTER} host ids"),
                ));
            }
            if hosts
                .iter()
                .any(|h| h.is_empty() || h.len() > MAX_HOST_ID_LEN)
            {
                return Err(Error::invalid_argument(
                    "hosts",
                    format!("a host id is empty or longer than {MAX_HOST_ID_LEN} bytes"),
                ));
            }
        }
        Ok(())
    }

    fn host_report(&self, days: &HostDays, q: &HostQuery<'_>) -> Result<HostPerformanceReport> {
        let ids = self.config.pseudonymizer()?;
        let dir = self.directory()?;
        build(days, &dir, &ids, q)
    }

    /// The range and its previous period; days before 2000-01-01 have no valid document and are left
    /// out (they are empty).
    fn host_window(&self, range: DateRange) -> Result<Option<DateRange>> {
        let from = range.previous().from.max(FIRST_DAY);
        if from > range.to {
            return Ok(None);
        }
        DateRange::new(from, range.to).map(Some)
    }

    /// The host facts of `window`: with `stored`, read from and written to the store as the module doc
    /// says; without, all computed live.
    fn host_days(&self, window: Option<DateRange>, stored: bool) -> Result<HostDays> {
        let Some(window) = window else {
            return Ok(HostDays::new());
        };
        let tz = self.config.calendar.tz().name();
        let (mut out, whole) = if stored {
            read_days(
                self.store.as_ref(),
                &self.config.app_id,
                tz,
                window.from,
                window.to,
            )?
        } else {
            (HostDays::new(), Vec::new())
        };
        let missing: Vec<NaiveDate> = window
            .iter()
            .filter(|d| whole.binary_search(d).is_err())
            .collect();
        let (Some(&first), Some(&last)) = (missing.first(), missing.last()) else {
            return Ok(out);
        };
        // One pass over the span of the missing days (usually one run of days at the end of a range).
        let dir = self.directory()?;
        let computed = compute(
            Sources {
                store: self.store.as_ref(),
                numbering: &self.numbering,
                dir: &dir,
                cal: &self.config.calendar,
            },
            DateRange::new(first, last)?,
        )?;
        if stored {
            let now = self.config.clock.now();
            for d in missing.iter().filter(|d| self.is_settled(**d)) {
                publish_day(
                    self.store.as_ref(),
                    &self.config.app_id,
                    tz,
                    *d,
                    &computed,
                    now,
                )?;
            }
        }
        out.extend(
            computed
                .into_iter()
                .filter(|((d, ..), _)| missing.binary_search(d).is_ok()),
        );
        Ok(out)
    }
}
