//! A run of local days of host facts, read from the raw collections as partials (grouped on the server
//! when the store can push the grouping down, single records otherwise; see `store::pushdown`): the
//! streams of each day by the fields host performance reads, and the day's gift transactions by sender
//! and stream.

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::HostFacts;
use crate::calendar::{Calendar, DateRange};
use crate::dictionary::Numbering;
use crate::kpi::directory::UserDirectory;
use crate::kpi::facts::seconds;
use crate::model::{CountryFilter, Livestream, Transaction, TransactionType};
use crate::store::{partials, DateField, GroupQuery, Partial, RecordRef, Store};
use crate::{Collection, Error, Result};

/// Host facts by local day, the stream's country (never `ALL`) and host id.
pub type HostDays = BTreeMap<(NaiveDate, CountryFilter, ObjectId), HostFacts>;

/// What the streams of host performance are grouped by: every field it reads.
const STREAM_FIELDS: &[&str] = &[
    "hostId",
    "country",
    "duration",
    "totalViewers",
    "totalCoins",
    "peakViewers",
    "totalGifts",
    "totalLikes",
    "totalComments",
];

/// What gifts are grouped by: the sender (a distinct count), the stream, and what makes a gift count.
const GIFT_FIELDS: &[&str] = &["userId", "type", "status", "metadata.streamId"];

/// What a computation reads.
#[derive(Clone, Copy)]
pub(crate) struct Sources<'a> {
    pub store: &'a dyn Store,
    pub numbering: &'a Numbering,
    pub dir: &'a UserDirectory,
    pub cal: &'a Calendar,
}

/// The host facts of every day of `days`, from the raw collections. Days without any stream or gift
/// have no entry.
pub(crate) fn compute(src: Sources<'_>, days: DateRange) -> Result<HostDays> {
    let dates: Vec<NaiveDate> = days.iter().collect();
    let ranges: Vec<_> = dates.iter().map(|d| src.cal.day_range(*d)).collect();
    let mut out = HostDays::new();
    let mut overflow = false;
    let streams = GroupQuery {
        collection: Collection::Livestreams,
        date_field: DateField::Primary,
        ranges: &ranges,
        only: None,
        by: STREAM_FIELDS,
    };
    partials(src.store, &streams, &mut |p| {
        let Some((day, r, n)) = located(&dates, src.cal, p) else {
            return;
        };
        if let RecordRef::Livestream(s) = r {
            stream(src.dir, &mut out, day, s, n, &mut overflow);
        }
    })?;
    // Gifters are collected by id first and numbered once per pass, in id order (so numbers do not
    // depend on the order the store returned the gifts in).
    let mut gifters: BTreeMap<(NaiveDate, CountryFilter, ObjectId), Vec<ObjectId>> =
        BTreeMap::new();
    let gifts = GroupQuery {
        collection: Collection::Transactions,
        date_field: DateField::Primary,
        ranges: &ranges,
        only: Some(("type", &["gift_sent"])),
        by: GIFT_FIELDS,
    };
    partials(src.store, &gifts, &mut |p| {
        let Some((day, RecordRef::Transaction(t), _)) = located(&dates, src.cal, p) else {
            return;
        };
        if let Some((host, country)) = gift(src.dir, t) {
            gifters
                .entry((day, country, host))
                .or_default()
                .push(t.user_id);
        }
    })?;
    if overflow {
        return Err(Error::Internal(format!(
            "a host's sums of {} … {} overflow",
            days.from, days.to
        )));
    }
    number_gifters(src, gifters, &mut out)?;
    Ok(out)
}

/// The local day, record and document count of a partial, when its day is one of `dates`.
fn located<'p>(
    dates: &[NaiveDate],
    cal: &Calendar,
    p: Partial<'p>,
) -> Option<(NaiveDate, RecordRef<'p>, u64)> {
    match p {
        Partial::Group(g) => Some((*dates.get(g.range)?, g.record, g.count)),
        Partial::Record(r) => {
            let at = match r {
                RecordRef::Livestream(s) => s.created_at,
                RecordRef::Transaction(t) => t.created_at,
                _ => return None,
            };
            let day = cal.day_of(at);
            dates.binary_search(&day).ok().map(|_| (day, r, 1))
        }
    }
}

/// `n` streams like `s` on `day`.
fn stream(
    dir: &UserDirectory,
    out: &mut HostDays,
    day: NaiveDate,
    s: &Livestream,
    n: u64,
    of: &mut bool,
) {
    let country = CountryFilter::of(s.country.or_else(|| dir.country(&s.host_id)));
    let mut times = |v: u64| {
        v.checked_mul(n).unwrap_or_else(|| {
            *of = true;
            0
        })
    };
    let c = s.counters;
    let one = HostFacts {
        streams: n,
        viewers: times(s.total_viewers),
        peak_viewers: c.peak_viewers,
        likes: times(c.likes),
        comments: times(c.comments),
        gifts: times(c.gifts),
        ..HostFacts::default()
    };
    let dec = |v: Decimal, of: &mut bool| {
        v.checked_mul(Decimal::from(n)).unwrap_or_else(|| {
            *of = true;
            Decimal::ZERO
        })
    };
    let one = HostFacts {
        duration_seconds: dec(seconds(s.duration_sec), of),
        coins: dec(s.total_coins, of),
        ..one
    };
    out.entry((day, country, s.host_id))
        .or_default()
        .merge(&one, of);
}

/// The host a gift counts for and the country of its stream, if it is a completed `gift_sent` whose
/// stream is known.
fn gift(dir: &UserDirectory, t: &Transaction) -> Option<(ObjectId, CountryFilter)> {
    if t.kind != TransactionType::GiftSent || !t.is_completed() {
        return None;
    }
    let (host, own) = dir.stream(&t.stream_id?)?;
    Some((host, CountryFilter::of(own.or_else(|| dir.country(&host)))))
}

/// Numbers the gifters (new ids are written to the store's dictionary) into the days' bitmaps.
fn number_gifters(
    src: Sources<'_>,
    gifters: BTreeMap<(NaiveDate, CountryFilter, ObjectId), Vec<ObjectId>>,
    out: &mut HostDays,
) -> Result<()> {
    let mut ids: Vec<ObjectId> = gifters.values().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let users = &src.numbering.users;
    users.number_all(src.store, ids.iter())?;
    for (key, senders) in gifters {
        let facts = out.entry(key).or_default();
        for id in senders {
            let n = match users.get(&id) {
                Some(n) => n,
                None => users.number(src.store, &id)?,
            };
            facts.gifters.insert(n);
        }
        users.remap(facts.gifters.as_mut());
    }
    Ok(())
}
