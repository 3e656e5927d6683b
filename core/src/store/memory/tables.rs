//! The valid records of the in-memory store, one vector per collection, sorted by date.
//!
//! Most collections keep their records as the public types. `analyticsevents`, the largest collection
//! (about half of all documents), keeps compact 48-byte rows instead, with each event name stored once;
//! a scan hands out the public [`AnalyticsEvent`] rebuilt from a row, which costs a copy and no
//! allocation (names are shared). Sorting is stable and in place: a permutation of 4-byte indices is
//! sorted, then applied by swaps, so no second copy of a table is ever held.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bson::oid::ObjectId;
use chrono::{DateTime, Utc};

use crate::model::*;

/// The valid records, one vector per collection.
#[derive(Debug, Default, Clone)]
pub(crate) struct Tables {
    pub(super) users: Vec<User>,
    pub(super) transactions: Vec<Transaction>,
    pub(super) livestreams: Vec<Livestream>,
    pub(super) messages: Vec<Message>,
    pub(super) stakes: Vec<GameStake>,
    pub(super) rounds: Vec<GameRound>,
    pub(super) flags: Vec<ModerationFlag>,
    pub(super) events: EventTable,
}

impl Tables {
    pub(super) fn push(&mut self, record: Record) {
        match record {
            Record::User(r) => self.users.push(r),
            Record::Transaction(r) => self.transactions.push(r),
            Record::Livestream(r) => self.livestreams.push(r),
            Record::Message(r) => self.messages.push(r),
            Record::GameStake(r) => self.stakes.push(r),
            Record::GameRound(r) => self.rounds.push(r),
            Record::ModerationFlag(r) => self.flags.push(r),
            Record::AnalyticsEvent(r) => self.events.push(&r),
        }
    }

    /// Makes room for `n` more records of `collection`.
    pub(super) fn reserve(&mut self, collection: Collection, n: usize) {
        match collection {
            Collection::Users => self.users.reserve_exact(n),
            Collection::Transactions => self.transactions.reserve_exact(n),
            Collection::Livestreams => self.livestreams.reserve_exact(n),
            Collection::Messages => self.messages.reserve_exact(n),
            Collection::Gamestakes => self.stakes.reserve_exact(n),
            Collection::Gamerounds => self.rounds.reserve_exact(n),
            Collection::Moderationflags => self.flags.reserve_exact(n),
            Collection::Analyticsevents => self.events.rows.reserve_exact(n),
        }
    }

    /// Moves the records of `other` in (each collection is filled by one ingest, so at most one side
    /// of each pair is non-empty and this moves vectors rather than copying them).
    pub(super) fn append(&mut self, other: &mut Tables) {
        fn take<T>(into: &mut Vec<T>, from: &mut Vec<T>) {
            if into.is_empty() {
                std::mem::swap(into, from);
            } else {
                into.append(from);
            }
        }
        take(&mut self.users, &mut other.users);
        take(&mut self.transactions, &mut other.transactions);
        take(&mut self.livestreams, &mut other.livestreams);
        take(&mut self.messages, &mut other.messages);
        take(&mut self.stakes, &mut other.stakes);
        take(&mut self.rounds, &mut other.rounds);
        take(&mut self.flags, &mut other.flags);
        self.events.append(&mut other.events);
    }

    /// Sorts every collection by its primary date, stably, so loading is deterministic. The events
    /// (about half of all records) are sorted on a second thread while the rest are sorted here.
    pub(super) fn sort(&mut self) {
        let Tables {
            users,
            transactions,
            livestreams,
            messages,
            stakes,
            rounds,
            flags,
            events,
        } = self;
        // Taken by whichever thread gets to it first: the spawned one, or this one if none could start.
        let event_rows = Mutex::new(Some(&mut events.rows));
        let sort_events = || {
            if let Some(rows) = event_rows.lock().ok().and_then(|mut slot| slot.take()) {
                sort_stable_by_key(rows, |r| r.timestamp);
            }
        };
        std::thread::scope(|s| {
            let helper = std::thread::Builder::new()
                .name("halobuzz-sort".to_owned())
                .spawn_scoped(s, sort_events);
            sort_stable_by_key(users, |r| r.created_at);
            sort_stable_by_key(transactions, |r| r.created_at);
            sort_stable_by_key(livestreams, |r| r.created_at);
            sort_stable_by_key(messages, |r| r.created_at);
            sort_stable_by_key(stakes, |r| r.created_at);
            sort_stable_by_key(rounds, |r| r.start_at);
            sort_stable_by_key(flags, |r| r.created_at);
            if let Ok(helper) = helper {
                let _ = helper.join();
            }
            sort_events();
        });
        events.index = HashMap::new();
        events.known = [None; 5];
    }

    /// The earliest and latest primary date of each collection, in [`Collection::ALL`] order (after
    /// [`Tables::sort`]: the first and last dated records).
    pub(super) fn date_spans(&self) -> [Option<(DateTime<Utc>, DateTime<Utc>)>; 8] {
        fn span<T>(
            items: &[T],
            date: impl Fn(&T) -> Option<DateTime<Utc>>,
        ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
            // Undated records (a round without `startAt`) sort first.
            let first = items.iter().find_map(&date)?;
            Some((first, items.last().and_then(&date)?))
        }
        [
            span(&self.users, |r| Some(r.created_at)),
            span(&self.transactions, |r| Some(r.created_at)),
            span(&self.livestreams, |r| Some(r.created_at)),
            span(&self.messages, |r| Some(r.created_at)),
            span(&self.stakes, |r| Some(r.created_at)),
            span(&self.rounds, |r| r.start_at),
            span(&self.flags, |r| Some(r.created_at)),
            span(&self.events.rows, |r| Some(r.timestamp())),
        ]
    }

    /// The positions of the rounds, sorted by `roundId` (the join of stakes to rounds).
    pub(super) fn round_index(&self) -> Vec<u32> {
        let mut index: Vec<u32> = (0..self.rounds.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        index.sort_unstable_by(|&a, &b| {
            let name = |i: u32| self.rounds.get(i as usize).map(|r| r.round_id.as_str());
            name(a).cmp(&name(b))
        });
        index
    }
}

/// A stable sort that needs 4 bytes per element rather than a second copy of half the slice (what the
/// standard stable sort borrows): positions are sorted by (key, position), then the permutation is
/// applied by following its cycles. Already sorted input is only checked.
pub(super) fn sort_stable_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    if items.is_sorted_by_key(&key) {
        return;
    }
    let Ok(len) = u32::try_from(items.len()) else {
        // Beyond 4 billion records, the standard stable sort.
        items.sort_by_key(key);
        return;
    };
    let mut order: Vec<u32> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (items.get(a as usize), items.get(b as usize));
        x.map(&key).cmp(&y.map(&key)).then(a.cmp(&b))
    });
    // `order[k]` is the position whose element belongs at `k`; each cycle is walked once, marking
    // done places by pointing them at themselves.
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order.get(at).map_or(at, |&f| f as usize);
            if let Some(slot) = order.get_mut(at) {
                *slot = at as u32;
            }
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

/// An event's name and platform (`properties.platform`), kept once per distinct pair: the pairs of a
/// dataset are few (names × platforms), so an event row holds the platform in its name's position and
/// stays 48 bytes.
pub(crate) type EventLabel = (EventName, Option<Arc<str>>);

/// The events, as compact rows, and the distinct labels (name and platform) they refer to.
#[derive(Debug, Default, Clone)]
pub(crate) struct EventTable {
    pub(super) rows: Vec<EventRow>,
    /// Each distinct label once; rows refer to them by position.
    pub(super) names: Vec<EventLabel>,
    /// The position of each other label while rows are added (dropped once the store is built).
    index: HashMap<EventLabel, u32>,
    /// The position of each well-known name without a platform, once seen (most events: no hashing).
    known: [Option<u32>; 5],
}

/// One event in 48 bytes: what [`AnalyticsEvent`] holds, with the instant in milliseconds, the ids as
/// bytes and the name as a position in [`EventTable::names`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EventRow {
    /// `timestamp`, milliseconds since the epoch (BSON dates have no finer precision).
    pub(super) timestamp: i64,
    /// `properties.durationSec` when [`EventRow::HAS_DURATION`] is set.
    duration_sec: f64,
    pub(super) id: [u8; 12],
    /// `userId` when [`EventRow::HAS_USER`] is set.
    user_id: [u8; 12],
    /// The position of the event's label (name and platform) in its table's names.
    pub(super) name: u32,
    /// `location.country` when [`EventRow::HAS_COUNTRY`] is set.
    country: [u8; 2],
    event_type: u8,
    flags: u8,
}

impl EventRow {
    const HAS_USER: u8 = 1;
    const HAS_DURATION: u8 = 2;
    const HAS_COUNTRY: u8 = 4;

    /// The event's own country.
    pub(super) fn country(&self) -> Option<Country> {
        (self.flags & Self::HAS_COUNTRY != 0).then(|| Country::from_code(self.country))
    }

    /// The event's user.
    pub(super) fn user_id(&self) -> Option<ObjectId> {
        (self.flags & Self::HAS_USER != 0).then(|| ObjectId::from_bytes(self.user_id))
    }

    /// The instant.
    pub(super) fn timestamp(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.timestamp).unwrap_or_default()
    }
}

impl EventTable {
    /// An empty table with room for `rows` rows.
    pub(super) fn with_capacity(rows: usize) -> Self {
        EventTable {
            rows: Vec::with_capacity(rows),
            ..EventTable::default()
        }
    }

    /// The position of `label` in [`EventTable::names`], added if new.
    pub(super) fn name_position(&mut self, label: &EventLabel) -> u32 {
        let known = match label {
            (EventName::SessionStart, None) => Some(0),
            (EventName::SessionEnd, None) => Some(1),
            (EventName::BattleJoined, None) => Some(2),
            (EventName::UserBanned, None) => Some(3),
            (EventName::UserUnbanned, None) => Some(4),
            _ => None,
        };
        let seen = match known.and_then(|k| self.known.get(k)) {
            Some(slot) => *slot,
            None => self.index.get(label).copied(),
        };
        if let Some(at) = seen {
            return at;
        }
        let at = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(label.clone());
        match known.and_then(|k| self.known.get_mut(k)) {
            Some(slot) => *slot = Some(at),
            None => {
                self.index.insert(label.clone(), at);
            }
        }
        at
    }

    pub(super) fn push(&mut self, e: &AnalyticsEvent) {
        let name = self.name_position(&(e.event_name.clone(), e.platform.clone()));
        let mut flags = 0;
        let user_id = e.user_id.map_or([0; 12], |u| {
            flags |= EventRow::HAS_USER;
            u.bytes()
        });
        let duration_sec = e.duration_sec.map_or(0.0, |d| {
            flags |= EventRow::HAS_DURATION;
            d
        });
        let country = e.country.map_or([0; 2], |c| {
            flags |= EventRow::HAS_COUNTRY;
            c.code()
        });
        self.rows.push(EventRow {
            timestamp: e.timestamp.timestamp_millis(),
            duration_sec,
            id: e.id.bytes(),
            user_id,
            name,
            country,
            event_type: e.event_type as u8,
            flags,
        });
    }

    fn append(&mut self, other: &mut EventTable) {
        if self.rows.is_empty() && self.names.is_empty() {
            std::mem::swap(self, other);
            return;
        }
        let names = std::mem::take(&mut other.names);
        for row in other.rows.drain(..) {
            let event = expand(&row, &names);
            self.push(&event);
        }
    }

    /// The event of a row, as the public record.
    pub(super) fn event(&self, row: &EventRow) -> AnalyticsEvent {
        expand(row, &self.names)
    }
}

fn expand(row: &EventRow, names: &[EventLabel]) -> AnalyticsEvent {
    let (event_name, platform) = names
        .get(row.name as usize)
        .cloned()
        .unwrap_or_else(|| (EventName::Other(Arc::from("")), None));
    AnalyticsEvent {
        id: ObjectId::from_bytes(row.id),
        user_id: row.user_id(),
        event_type: EventType::ALL
            .get(usize::from(row.event_type))
            .copied()
            .unwrap_or(EventType::UserAction),
        event_name,
        timestamp: row.timestamp(),
        duration_sec: (row.flags & EventRow::HAS_DURATION != 0).then_some(row.duration_sec),
        country: row.country(),
        platform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_row_is_48_bytes_and_gives_back_its_event() {
        assert_eq!(std::mem::size_of::<EventRow>(), 48);
        let mut table = EventTable::default();
        let event = AnalyticsEvent {
            id: ObjectId::from_bytes([1; 12]),
            user_id: Some(ObjectId::from_bytes([2; 12])),
            event_type: EventType::ErrorEvent,
            event_name: EventName::from_wire("api_error"),
            timestamp: DateTime::from_timestamp_millis(1_772_341_200_123).unwrap_or_default(),
            duration_sec: Some(12.5),
            country: Country::parse("np"),
            platform: Some(Arc::from("ios")),
        };
        let bare = AnalyticsEvent {
            user_id: None,
            duration_sec: None,
            country: None,
            platform: None,
            event_name: EventName::SessionStart,
            ..event.clone()
        };
        let android = AnalyticsEvent {
            platform: Some(Arc::from("android")),
            ..event.clone()
        };
        for e in [&event, &bare, &event, &android] {
            table.push(e);
        }
        assert_eq!(table.names.len(), 3, "each name and platform is kept once");
        let back: Vec<AnalyticsEvent> = table.rows.iter().map(|r| table.event(r)).collect();
        assert_eq!(back, [event.clone(), bare, event, android]);
    }

    #[test]
    fn the_in_place_sort_is_stable() {
        let mut items: Vec<(u8, usize)> = [5u8, 1, 5, 3, 1, 0, 5, 2, 3, 3]
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i))
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|x| x.0);
        sort_stable_by_key(&mut items, |x| x.0);
        assert_eq!(items, expected);
        for n in 0..40usize {
            let mut v: Vec<(usize, usize)> = (0..n).map(|i| ((i * 7919) % 13, i)).collect();
            let mut want = v.clone();
            want.sort_by_key(|x| x.0);
            sort_stable_by_key(&mut v, |x| x.0);
            assert_eq!(v, want, "{n}");
        }
    }
}
