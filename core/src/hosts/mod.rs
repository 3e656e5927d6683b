//! Host performance (METRICS.md "Creators", `shared/spec/METRICS.md`; the choices are in `docs/hosts.md`):
//! per host and local day, what their streams did (streams, minutes, viewers, peak, likes, comments,
//! gifts, coins) and who gifted them, then for any range the sums, means, unique gifters (a union of
//! the days' bitmaps, never a sum), growth against the previous period and ranks.
//!
//! A host's day D is their `livestreams` created on local day D; a stream's country is its own
//! `country`, else the host's `users.country`, else `UNKNOWN`. Unique gifters of a host on day D are the
//! users with a completed `gift_sent` created on D whose `metadata.streamId` names any stream of that
//! host, counted under that stream's country. Settled days are stored as [`HostDayDoc`]s
//! (`analyticshostperformances`) with a [`HostDayMarker`] per day, so an empty day is known to be done.

pub(crate) mod day;
pub(crate) mod persist;
pub(crate) mod report;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::kpi::facts::add;
use crate::kpi::sets::Bitmap;

pub use persist::{HostDayDoc, HostDayMarker, HOSTS_VERSION};
pub use report::{
    HostDay, HostGrowth, HostPerformance, HostPerformanceReport, HostQuery, HostRanks, HostSort,
    SortOrder, MAX_DAILY_DAYS, MAX_HOST_FILTER, MAX_HOST_LIMIT,
};

/// What one host's streams of one local day and one country did, and who gifted them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostFacts {
    /// Streams created that day.
    pub streams: u64,
    /// Σ `duration`, seconds (exact).
    #[serde(with = "rust_decimal::serde::str")]
    pub duration_seconds: Decimal,
    /// Σ `totalViewers`.
    pub viewers: u64,
    /// max `peakViewers`.
    pub peak_viewers: u64,
    /// Σ `totalLikes`.
    pub likes: u64,
    /// Σ `totalComments`.
    pub comments: u64,
    /// Σ `totalGifts`.
    pub gifts: u64,
    /// Σ `totalCoins`: the host's revenue, coins (exact).
    #[serde(with = "rust_decimal::serde::str")]
    pub coins: Decimal,
    /// Numbers ([`crate::dictionary`]) of the users who sent a completed gift in one of the host's
    /// streams that day.
    pub gifters: Bitmap,
}

impl HostFacts {
    /// Adds `o` (sums checked; a sum that would overflow sets `overflow`, and the caller fails).
    pub fn merge(&mut self, o: &HostFacts, overflow: &mut bool) {
        add(&mut self.streams, o.streams, overflow);
        add(&mut self.duration_seconds, o.duration_seconds, overflow);
        add(&mut self.viewers, o.viewers, overflow);
        self.peak_viewers = self.peak_viewers.max(o.peak_viewers);
        add(&mut self.likes, o.likes, overflow);
        add(&mut self.comments, o.comments, overflow);
        add(&mut self.gifts, o.gifts, overflow);
        add(&mut self.coins, o.coins, overflow);
        if !o.gifters.is_empty() {
            *self.gifters.as_mut() |= &*o.gifters;
        }
    }

    /// Whether nothing happened (no stream, no gifter).
    pub fn is_empty(&self) -> bool {
        self.streams == 0 && self.gifters.is_empty()
    }
}
