//! The user directory: what the KPI engine needs to know about users and hosts beyond one day's events
//! (a document's fallback country, signup days for retention, handles of top creators, first streams).
//!
//! It is read from the `users` and `livestreams` collections (dimension data, a small fraction of the
//! event volume), never from the event collections. Every user gets its number here (in signup order,
//! so numbers are dense and a day's signups sit together), and what the retention section asks of
//! users is kept by number: country selections as bitmaps, signup days as an array.

use std::collections::HashMap;

use bson::oid::ObjectId;
use chrono::{DateTime, Datelike, Utc};
use roaring::RoaringBitmap;
use rustc_hash::FxHashMap;

use crate::calendar::Calendar;
use crate::dictionary::Numbering;
use crate::model::{Country, CountryFilter, Livestream, User};
use crate::store::{Store, StoreExt};
use crate::Result;

/// The users a country selection picks by `users.country` (METRICS.md "Retention"), as a set
/// operation on bitmaps of user numbers.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// Every user (`ALL`).
    All,
    /// The users in this set.
    Only(&'a RoaringBitmap),
    /// Every user but those in this set (`UNKNOWN`: all but users of a recognised country).
    Except(&'a RoaringBitmap),
}

impl Selection<'_> {
    /// The selected users of `set`.
    pub fn apply(&self, set: &RoaringBitmap) -> RoaringBitmap {
        match self {
            Selection::All => set.clone(),
            Selection::Only(s) => set & *s,
            Selection::Except(s) => set - *s,
        }
    }

    /// The selected users of `set`, borrowed when every user is selected.
    pub fn borrow_or_apply<'s>(
        &self,
        set: &'s RoaringBitmap,
    ) -> std::borrow::Cow<'s, RoaringBitmap> {
        match self {
            Selection::All => std::borrow::Cow::Borrowed(set),
            _ => std::borrow::Cow::Owned(self.apply(set)),
        }
    }

    /// How many users of `set` are selected.
    pub fn count(&self, set: &RoaringBitmap) -> u64 {
        match self {
            Selection::All => set.len(),
            Selection::Only(s) => set.intersection_len(s),
            Selection::Except(s) => set.difference_len(s),
        }
    }
}

/// The signup day of a number without a `users` document.
const NO_SIGNUP: i32 = i32::MIN;

/// What the engine keeps of one user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    /// Signup instant.
    pub created_at: DateTime<Utc>,
    /// `users.country`.
    pub country: Option<Country>,
    /// Public handle.
    pub username: Option<String>,
}

/// Users by id and by number, and the first stream of every host.
#[derive(Debug, Clone, Default)]
pub struct UserDirectory {
    users: HashMap<ObjectId, UserInfo>,
    /// The number and `users.country` of every user with a document: what a rollup asks of each
    /// document's user, in one probe.
    members: FxHashMap<ObjectId, (u32, Option<Country>)>,
    first_stream: HashMap<ObjectId, DateTime<Utc>>,
    /// Numbers of users with a `users` document.
    known: RoaringBitmap,
    /// Numbers of users whose `users.country` is a recognised code.
    recognised: RoaringBitmap,
    by_country: FxHashMap<Country, RoaringBitmap>,
    empty: RoaringBitmap,
    /// Local signup day (days from the common era) by user number; [`NO_SIGNUP`] without a document.
    signup_day: Vec<i32>,
    /// Every stream's host and own country, for gifts that name their stream (`crate::hosts`).
    streams: StreamIndex,
}

/// Streams by id, sorted, 20 bytes each (a gift's `metadata.streamId` is resolved to its host by a
/// binary search): hosts are kept once, by position.
#[derive(Debug, Clone, Default)]
struct StreamIndex {
    /// `(stream id, host position, the stream's own country)`, sorted by id.
    by_id: Vec<([u8; 12], u32, Option<Country>)>,
    hosts: Vec<ObjectId>,
}

impl UserDirectory {
    /// Reads users and the hosts' first streams from a store, numbering every user (new numbers are
    /// written to the store's dictionary before this returns); signup days are local days of `cal`.
    pub fn load(store: &dyn Store, numbering: &Numbering, cal: &Calendar) -> Result<Self> {
        let mut dir = UserDirectory::default();
        let mut order = Vec::new();
        store.each::<User>(None, |u| {
            order.push(u.id);
            dir.users.insert(
                u.id,
                UserInfo {
                    created_at: u.created_at,
                    country: u.country,
                    username: u.username.clone(),
                },
            );
        })?;
        numbering.users.number_all(store, order.iter())?;
        dir.members.reserve(order.len());
        for id in &order {
            let (Some(n), Some(u)) = (numbering.users.get(id), dir.users.get(id)) else {
                continue;
            };
            dir.known.insert(n);
            dir.members.insert(*id, (n, u.country));
            if let Some(c) = u.country.filter(Country::is_recognised) {
                dir.recognised.insert(n);
                dir.by_country.entry(c).or_default().insert(n);
            }
            let i = n as usize;
            if dir.signup_day.len() <= i {
                dir.signup_day.resize(i + 1, NO_SIGNUP);
            }
            dir.signup_day[i] = cal.day_of(u.created_at).num_days_from_ce();
        }
        let mut host_at: FxHashMap<ObjectId, u32> = FxHashMap::default();
        let streams = &mut dir.streams;
        store.each::<Livestream>(None, |s| {
            dir.first_stream
                .entry(s.host_id)
                .and_modify(|t| *t = (*t).min(s.created_at))
                .or_insert(s.created_at);
            let at = *host_at.entry(s.host_id).or_insert_with(|| {
                streams.hosts.push(s.host_id);
                (streams.hosts.len() - 1) as u32
            });
            streams.by_id.push((s.id.bytes(), at, s.country));
        })?;
        dir.streams.by_id.sort_unstable_by_key(|(id, ..)| *id);
        dir.streams.by_id.shrink_to_fit();
        Ok(dir)
    }

    /// A user, if the `users` collection has them.
    pub fn user(&self, id: &ObjectId) -> Option<&UserInfo> {
        self.users.get(id)
    }

    /// `users.country` of a user (`None`: unknown user or no country).
    pub fn country(&self, id: &ObjectId) -> Option<Country> {
        self.users.get(id).and_then(|u| u.country)
    }

    /// The number and `users.country` of a user with a `users` document.
    pub fn member(&self, id: &ObjectId) -> Option<(u32, Option<Country>)> {
        self.members.get(id).copied()
    }

    /// The instant of a host's first stream ever, in any country.
    pub fn first_stream(&self, host: &ObjectId) -> Option<DateTime<Utc>> {
        self.first_stream.get(host).copied()
    }

    /// The host of stream `id` and the stream's own `country` field, if the stream was read.
    pub fn stream(&self, id: &ObjectId) -> Option<(ObjectId, Option<Country>)> {
        let s = &self.streams;
        let at = s
            .by_id
            .binary_search_by_key(&id.bytes(), |(k, ..)| *k)
            .ok()?;
        let (_, host, country) = s.by_id.get(at)?;
        Some((*s.hosts.get(*host as usize)?, *country))
    }

    /// The users `c` selects by `users.country`.
    pub fn selection(&self, c: CountryFilter) -> Selection<'_> {
        match c {
            CountryFilter::All => Selection::All,
            CountryFilter::Code(code) => {
                Selection::Only(self.by_country.get(&code).unwrap_or(&self.empty))
            }
            CountryFilter::Unknown => Selection::Except(&self.recognised),
        }
    }

    /// The recognised countries of `users.country`, sorted.
    pub fn countries(&self) -> Vec<Country> {
        let mut out: Vec<Country> = self.by_country.keys().copied().collect();
        out.sort();
        out
    }

    /// The numbers of users with a `users` document.
    pub fn known(&self) -> &RoaringBitmap {
        &self.known
    }

    /// The local signup day of user number `n` (days from the common era), if they have a document.
    pub fn signup_day(&self, n: u32) -> Option<i32> {
        self.signup_day
            .get(n as usize)
            .copied()
            .filter(|d| *d != NO_SIGNUP)
    }

    /// The earliest local signup day of any user with a document.
    pub fn first_signup_day(&self) -> Option<chrono::NaiveDate> {
        let first = self.signup_day.iter().filter(|d| **d != NO_SIGNUP).min()?;
        chrono::NaiveDate::from_num_days_from_ce_opt(*first)
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}
