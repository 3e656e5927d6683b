//! What each raw collection contributes to a day's facts (METRICS.md), read as partials: groups of
//! documents that share every value the rules below read, counted on the server when the store can
//! push the grouping down, or single records (`store::pushdown`). A group of `n` documents contributes
//! `n` times what one of them does (amounts multiplied exactly, in decimals). One [`Job`] per read;
//! each fills its own [`Accumulator`], so a day's collections can be read concurrently and merged in job
//! order ([`super::rollup::accumulate`]).
//!
//! Per collection, the grouping keeps what the rules need: the user (for the distinct sets, and for the
//! country fallback, which stays here because it needs the user directory), the document's own
//! country, the fields a metric branches on, and the amounts, counts and seconds it adds up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use bson::oid::ObjectId;
use chrono::{DateTime, NaiveDate, Utc};
use roaring::RoaringBitmap;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::directory::UserDirectory;
use super::facts::{add, method_index, seconds, Facts, MemberCounts, Money};
use crate::calendar::{Calendar, DateRange};
use crate::dictionary::Numbering;
use crate::model::*;
use crate::store::{partials, DateField, GroupQuery, Partial, RecordRef, Store};
use crate::{Error, Result};

/// Numbers at and above this stand for ids the dictionary did not know when a job met them; they are
/// numbered when the job is merged, in id order (see [`Accumulator::finish`]).
const PROVISIONAL: u32 = 1 << 31;

/// What a pass reads, shared by its jobs.
#[derive(Clone, Copy)]
pub(crate) struct Pass<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) numbering: &'a Numbering,
    pub(crate) dir: &'a UserDirectory,
    pub(crate) cal: &'a Calendar,
    pub(crate) days: DateRange,
}

/// One read of a pass, in the order jobs are merged (the order a sequential pass read them in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Job {
    Users,
    Transactions,
    Livestreams,
    Messages,
    Stakes,
    Flags,
    Appeals,
    Events,
}

impl Job {
    pub(super) const ALL: [Job; 8] = [
        Job::Users,
        Job::Transactions,
        Job::Livestreams,
        Job::Messages,
        Job::Stakes,
        Job::Flags,
        Job::Appeals,
        Job::Events,
    ];

    /// What this job reads: `(collection, date field, only, by)` of its grouped read (the range is set
    /// per day).
    fn query(self) -> Spec {
        match self {
            Job::Users => (
                Collection::Users,
                DateField::Primary,
                None,
                &["_id", "country"],
            ),
            // Only completed transactions count; the others need not travel.
            Job::Transactions => (
                Collection::Transactions,
                DateField::Primary,
                Some(("status", &["completed"])),
                &[
                    "userId",
                    "type",
                    "status",
                    "currency",
                    "paymentMethod",
                    "amount",
                    "fees",
                    "metadata.amountPaid",
                    "metadata.currency",
                    "metadata.ogTier",
                    "metadata.country",
                ],
            ),
            Job::Livestreams => (
                Collection::Livestreams,
                DateField::Primary,
                None,
                &[
                    "hostId",
                    "duration",
                    "totalViewers",
                    "totalCoins",
                    "country",
                ],
            ),
            Job::Messages => (
                Collection::Messages,
                DateField::Primary,
                None,
                &["userId", "isDeleted"],
            ),
            Job::Stakes => (
                Collection::Gamestakes,
                DateField::Primary,
                None,
                &[
                    "userId",
                    "roundId",
                    "stakeAmount",
                    "winAmount",
                    "result",
                    "metadata.country",
                ],
            ),
            Job::Flags => (
                Collection::Moderationflags,
                DateField::Primary,
                None,
                &["userId", "action", "metadata.country"],
            ),
            // Appeals processed in the range: by `reviewedAt`, reviewed or resolved.
            Job::Appeals => (
                Collection::Moderationflags,
                DateField::ReviewedAt,
                Some(("status", &["reviewed", "resolved"])),
                &["userId", "status", "reviewedAt", "metadata.country"],
            ),
            Job::Events => (
                Collection::Analyticsevents,
                DateField::Primary,
                None,
                &[
                    "userId",
                    "eventName",
                    "properties.durationSec",
                    "location.country",
                ],
            ),
        }
    }

    /// Reads this job's collection over the pass's days.
    pub(super) fn run(self, pass: Pass<'_>) -> Result<Accumulator<'_>> {
        let mut acc = Accumulator {
            pass,
            job: self,
            users: FxHashMap::default(),
            fresh: Vec::new(),
            error: None,
            out: BTreeMap::new(),
            rounds: Vec::new(),
        };
        let mut rounds = BTreeSet::new();
        acc.read(self.query(), |acc, day, p| match (p, day) {
            (Partial::Group(g), Some(day)) => {
                acc.contribute(Some(day), g.record, g.count, &mut rounds)
            }
            // A group has a day: one of the ranges the job asked for.
            (Partial::Group(_), None) => {}
            (Partial::Record(r), _) => acc.contribute(None, r, 1, &mut rounds),
        })?;
        if self == Job::Stakes {
            acc.rounds(rounds)?;
        }
        // Folded here, on the thread that read: what numbering adds later (rounds, new ids) is little.
        for (facts, members) in acc.out.values_mut() {
            members.fold_into(facts);
            facts.normalize();
        }
        Ok(acc)
    }
}

/// `(collection, date field, only, by)` of a grouped read.
type Spec = (
    Collection,
    DateField,
    Option<(&'static str, &'static [&'static str])>,
    &'static [&'static str],
);

/// The rounds a day's stakes referenced, per country: `(roundId, day, country)`.
type RoundRefs = BTreeSet<(String, NaiveDate, Option<Country>)>;

/// The facts one job gathered.
pub(crate) struct Accumulator<'a> {
    pass: Pass<'a>,
    job: Job,
    /// Numbers of the user ids this job met (most ids recur: one dictionary lookup each).
    users: FxHashMap<ObjectId, u32>,
    /// Ids the dictionary did not know, by provisional number − [`PROVISIONAL`].
    fresh: Vec<ObjectId>,
    /// The first failure; the pass fails with it.
    error: Option<Error>,
    out: BTreeMap<(NaiveDate, CountryFilter), (Facts, Members)>,
    /// The rounds the stakes referenced and found, with their durations, in round id order: numbered
    /// by [`Accumulator::finish`], so that a job can be read apart from the others (on another thread,
    /// ahead of earlier days) while rounds are still numbered in the order a sequential pass numbers
    /// them.
    rounds: Vec<(String, NaiveDate, Option<Country>, f64)>,
}

impl<'a> Accumulator<'a> {
    /// The pass this job read for.
    pub(crate) fn pass(&self) -> Pass<'a> {
        self.pass
    }

    /// Visits the partials of `spec` over the pass's days, grouped per local day (so the server needs no
    /// time-zone arithmetic: a day is an instant range). `on` gets the day of a group (a record has its
    /// own date).
    fn read(
        &mut self,
        (collection, date_field, only, by): Spec,
        mut on: impl FnMut(&mut Self, Option<NaiveDate>, Partial<'_>),
    ) -> Result<()> {
        let pass = self.pass;
        let days: Vec<NaiveDate> = pass.days.iter().collect();
        let ranges: Vec<_> = days.iter().map(|d| pass.cal.day_range(*d)).collect();
        let q = GroupQuery {
            collection,
            date_field,
            ranges: &ranges,
            only,
            by,
        };
        partials(pass.store, &q, &mut |p| {
            let day = match &p {
                Partial::Group(g) => days.get(g.range).copied(),
                Partial::Record(_) => None,
            };
            on(self, day, p)
        })
    }

    /// The number of user id `id`: the dictionary's, or a provisional one.
    fn user(&mut self, id: &ObjectId) -> u32 {
        if let Some(n) = self.users.get(id) {
            return *n;
        }
        let n = match self.pass.numbering.users.get(id) {
            Some(n) if n < PROVISIONAL => n,
            _ => {
                let next = u32::try_from(self.fresh.len())
                    .ok()
                    .and_then(|i| PROVISIONAL.checked_add(i))
                    .filter(|n| *n < u32::MAX);
                let Some(n) = next else {
                    self.error.get_or_insert_with(|| {
                        Error::Internal("more than 2^31 new user ids in one rollup pass".to_owned())
                    });
                    return 0;
                };
                self.fresh.push(*id);
                n
            }
        };
        self.users.insert(*id, n);
        n
    }

    /// The number of user `id` and their `users.country` (`None` without a `users` document): one
    /// probe of the directory for the users it has.
    fn member(&mut self, id: &ObjectId) -> (u32, Option<Country>) {
        match self.pass.dir.member(id) {
            // A number in the provisional range is taken as unknown, as `user` takes it.
            Some((n, country)) if n < PROVISIONAL => (n, country),
            _ => (self.user(id), self.pass.dir.country(id)),
        }
    }

    /// Applies `f` to the facts of local day `day`, for `country` and for `ALL`.
    fn add_on(&mut self, day: NaiveDate, country: Option<Country>, f: impl Fn(&mut Facts)) {
        self.add_to(day, country, Sets::NONE, 0, f);
    }

    /// [`Accumulator::add_on`], and user `n` joins `sets` of both.
    fn add_to(
        &mut self,
        day: NaiveDate,
        country: Option<Country>,
        sets: Sets,
        n: u32,
        f: impl Fn(&mut Facts),
    ) {
        for key in [(day, CountryFilter::All), (day, CountryFilter::of(country))] {
            let (facts, members) = self.out.entry(key).or_default();
            f(facts);
            members.add(sets, n);
        }
    }

    /// The `ALL` facts of local day `day` (what only `ALL` keeps: per-member facts, new hosts).
    fn all(&mut self, day: NaiveDate) -> &mut Facts {
        &mut self.out.entry((day, CountryFilter::All)).or_default().0
    }

    /// Adds `docs` to one of user `n`'s counts of `day` (cohort engagement); more than 2³² of one
    /// kind on one day is an overflow, never a wrapped count.
    fn count_member(
        &mut self,
        day: NaiveDate,
        n: u32,
        docs: u64,
        slot: fn(&mut MemberCounts) -> &mut u32,
    ) {
        let f = self.all(day);
        match u32::try_from(docs) {
            Ok(d) => add(slot(f.member_counts.entry(n)), d, &mut f.overflow),
            Err(_) => f.overflow = true,
        }
    }

    /// What `docs` documents like `r` contribute. `group_day`: the day of a server-side group, whose
    /// record has no real date (`None` for a record, which has its own).
    fn contribute(
        &mut self,
        group_day: Option<NaiveDate>,
        r: RecordRef<'_>,
        docs: u64,
        rounds: &mut RoundRefs,
    ) {
        let cal = self.pass.cal;
        let day = |at: DateTime<Utc>| group_day.unwrap_or_else(|| cal.day_of(at));
        match r {
            RecordRef::User(u) => self.signup(day(u.created_at), u),
            RecordRef::Transaction(t) => self.transaction(day(t.created_at), t, docs),
            RecordRef::Livestream(s) => {
                // A record is the host's first stream if it is the earliest; a group (no instant) holds
                // it if the earliest falls on the group's day.
                let first = self.pass.dir.first_stream(&s.host_id);
                let first = match group_day {
                    Some(d) => first.map(|t| cal.day_of(t)) == Some(d),
                    None => first == Some(s.created_at),
                };
                self.stream(day(s.created_at), s, docs, first);
            }
            RecordRef::Message(m) => self.message(day(m.created_at), m, docs),
            RecordRef::GameStake(s) => self.stake(day(s.created_at), s, docs, rounds),
            RecordRef::ModerationFlag(m) if self.job == Job::Appeals => {
                // Read by `reviewedAt`: an appeal processed that day if reviewed or resolved.
                let at = match (group_day, m.reviewed_at) {
                    (Some(d), _) => d,
                    (None, Some(at)) => cal.day_of(at),
                    (None, None) => return,
                };
                if matches!(m.status, FlagStatus::Reviewed | FlagStatus::Resolved) {
                    let country = m.country.or_else(|| self.pass.dir.country(&m.user_id));
                    self.add_on(at, country, |f| add(&mut f.appeals, docs, &mut f.overflow));
                }
            }
            RecordRef::ModerationFlag(m) => self.flag(day(m.created_at), m, docs),
            RecordRef::AnalyticsEvent(e) => self.event(day(e.timestamp), e, docs),
            RecordRef::GameRound(_) => {}
        }
    }

    fn signup(&mut self, day: NaiveDate, u: &User) {
        let (n, _) = self.member(&u.id);
        self.add_to(day, u.country, Sets::ACTIVE.and(Sets::SIGNUPS), n, |_| {});
    }

    fn transaction(&mut self, day: NaiveDate, t: &Transaction, docs: u64) {
        if !t.is_completed() {
            return;
        }
        let (n, of_user) = self.member(&t.user_id);
        let country = t.country.or(of_user);
        let method = method_index(t.payment_method);
        let mut of = false;
        // METRICS.md Conventions: `amount` in NPR/USD, else `metadata.amountPaid` in its currency.
        let money = t.money().map(|(m, cur)| (times(m, docs, &mut of), cur));
        let coins = t.coins().map(|c| times(c, docs, &mut of));
        let fees = times(t.fees, docs, &mut of);
        let mut sets = match (t.kind, money) {
            (TransactionType::Recharge, Some(_)) => Sets::PAYERS,
            (k, Some(_)) if k.is_og_purchase() => Sets::PAYERS.and(Sets::OG_BUYERS),
            _ => Sets::NONE,
        };
        if t.kind != TransactionType::GiftReceived {
            sets = sets.and(Sets::ACTIVE);
        }
        self.add_to(day, country, sets, n, |f| {
            f.overflow |= of;
            match t.kind {
                TransactionType::Recharge => {
                    add(&mut f.topup_count, docs, &mut f.overflow);
                    add(
                        &mut f.topup_coins,
                        coins.unwrap_or_default(),
                        &mut f.overflow,
                    );
                    if let Some((amount, cur)) = money {
                        f.coin_topups.add(amount, cur, &mut f.overflow);
                        f.by_payment_method[method].add(amount, cur, &mut f.overflow);
                    }
                }
                k if k.is_og_purchase() => {
                    if let Some((amount, cur)) = money {
                        f.og_subscriptions.add(amount, cur, &mut f.overflow);
                        f.by_payment_method[method].add(amount, cur, &mut f.overflow);
                        let tier = t.og_tier.map_or(5, |n| usize::from(n) - 1);
                        f.by_og_tier[tier].add(amount, cur, &mut f.overflow);
                    }
                }
                TransactionType::Refund => {
                    // Some writers store refunds negative: the refund is the absolute value.
                    if let Some((amount, cur)) = money {
                        f.refunds.add(amount.abs(), cur, &mut f.overflow);
                        f.by_payment_method[method].add(-amount.abs(), cur, &mut f.overflow);
                    }
                }
                TransactionType::GiftSent => {
                    add(&mut f.gifts_sent, docs, &mut f.overflow);
                    if let Some(coins) = coins {
                        add(&mut f.gift_revenue, coins, &mut f.overflow);
                        add(&mut f.platform_fees, fees, &mut f.overflow);
                    }
                }
                TransactionType::PlatformFee => add(
                    &mut f.platform_fees,
                    coins.unwrap_or_default(),
                    &mut f.overflow,
                ),
                _ => {}
            }
        });
        // Cohort revenue is the `total` formula per member (METRICS.md "Cohorts"): recharges and OG
        // purchases add their money value, refunds take off its absolute value.
        let net = match (t.kind, money) {
            (TransactionType::Recharge, Some((amount, cur))) => Some((amount, cur)),
            (k, Some((amount, cur))) if k.is_og_purchase() => Some((amount, cur)),
            (TransactionType::Refund, Some((amount, cur))) => Some((-amount.abs(), cur)),
            _ => None,
        };
        if let Some((amount, cur)) = net {
            let f = self.all(day);
            let m: &mut Money = f.member_money.entry(n);
            m.add(amount, cur, &mut f.overflow);
        }
        if t.kind == TransactionType::GiftSent {
            self.count_member(day, n, docs, |c| &mut c.gifts);
        }
    }

    /// `docs` streams like `s`; `first`: the host's first stream ever is among them.
    fn stream(&mut self, day: NaiveDate, s: &Livestream, docs: u64, first: bool) {
        let (n, of_user) = self.member(&s.host_id);
        let country = s.country.or(of_user);
        let mut of = false;
        let secs = times(seconds(s.duration_sec), docs, &mut of);
        let viewers = times(s.total_viewers, docs, &mut of);
        let coins = times(s.total_coins, docs, &mut of);
        self.add_to(day, country, Sets::ACTIVE, n, |f| {
            f.overflow |= of;
            let of = &mut f.overflow;
            add(&mut f.streams, docs, of);
            add(&mut f.stream_seconds, secs, of);
            add(&mut f.stream_viewers, viewers, of);
            let h = f.hosts.entry(n);
            add(&mut h.revenue, coins, of);
            add(&mut h.streams, docs, of);
            add(&mut h.viewers, viewers, of);
        });
        // A new host is one whose first stream ever (any country) is today; only `ALL` keeps the set.
        if first {
            self.all(day).new_hosts.insert(n);
        }
    }

    fn message(&mut self, day: NaiveDate, m: &Message, docs: u64) {
        // Messages have no country of their own: their author's.
        let (n, country) = self.member(&m.user_id);
        let sent = if m.is_deleted { 0 } else { docs };
        self.add_to(day, country, Sets::ACTIVE, n, |f| {
            add(&mut f.messages_sent, sent, &mut f.overflow);
        });
        if sent > 0 {
            self.count_member(day, n, sent, |c| &mut c.messages);
        }
    }

    fn stake(&mut self, day: NaiveDate, s: &GameStake, docs: u64, rounds: &mut RoundRefs) {
        let (n, of_user) = self.member(&s.user_id);
        let country = s.country.or(of_user);
        let mut of = false;
        let stakes = times(s.stake_amount, docs, &mut of);
        let wins = times(s.win_amount, docs, &mut of);
        self.add_to(day, country, Sets::ACTIVE.and(Sets::PLAYERS), n, |f| {
            f.overflow |= of;
            add(&mut f.games_played, docs, &mut f.overflow);
            add(&mut f.stakes, stakes, &mut f.overflow);
            if s.result == StakeResult::Won {
                add(&mut f.payouts, wins, &mut f.overflow);
            }
        });
        self.count_member(day, n, docs, |c| &mut c.plays);
        rounds.insert((s.round_id.clone(), day, country));
    }

    fn flag(&mut self, day: NaiveDate, m: &ModerationFlag, docs: u64) {
        let country = m.country.or_else(|| self.pass.dir.country(&m.user_id));
        let flagged = if m.action == FlagAction::Allow {
            0
        } else {
            docs
        };
        let warn_block = if matches!(m.action, FlagAction::Warn | FlagAction::Block) {
            docs
        } else {
            0
        };
        self.add_on(day, country, |f| {
            add(&mut f.flagged, flagged, &mut f.overflow);
            add(&mut f.warn_block, warn_block, &mut f.overflow);
        });
    }

    fn event(&mut self, day: NaiveDate, e: &AnalyticsEvent, docs: u64) {
        let member = e.user_id.map(|u| self.member(&u));
        let n = member.map(|(n, _)| n);
        let country = e.country.or(member.and_then(|(_, c)| c));
        let mut of = false;
        // Only the seconds of a session's end are added up.
        let secs = match e.event_name {
            EventName::SessionEnd => times(seconds(e.duration_sec.unwrap_or(0.0)), docs, &mut of),
            _ => Decimal::ZERO,
        };
        let sets = if n.is_some() {
            Sets::ACTIVE
        } else {
            Sets::NONE
        };
        self.add_to(day, country, sets, n.unwrap_or(0), |f| {
            f.overflow |= of;
            match e.event_name {
                EventName::SessionEnd => {
                    add(&mut f.session_ends, docs, &mut f.overflow);
                    add(&mut f.session_seconds, secs, &mut f.overflow);
                }
                EventName::BattleJoined => add(&mut f.battles, docs, &mut f.overflow),
                EventName::UserBanned => add(&mut f.banned, docs, &mut f.overflow),
                _ => {}
            }
        });
        if let (Some(n), EventName::SessionStart) = (n, &e.event_name) {
            self.count_member(day, n, docs, |c| &mut c.sessions);
        }
    }

    /// The durations of the rounds the stakes referenced (rounds not in `gamerounds` are dropped);
    /// they are numbered when the job is finished.
    fn rounds(&mut self, refs: RoundRefs) -> Result<()> {
        if refs.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = {
            let mut ids: Vec<&str> = refs.iter().map(|(r, _, _)| r.as_str()).collect();
            ids.dedup();
            ids
        };
        let mut durations: FxHashMap<String, f64> = FxHashMap::default();
        self.pass.store.game_rounds(&ids, &mut |r| {
            durations.insert(r.round_id.clone(), r.duration_sec);
        })?;
        self.rounds = refs
            .into_iter()
            .filter_map(|(round, day, country)| {
                let d = durations.get(&round).copied()?;
                Some((round, day, country, d))
            })
            .collect();
        Ok(())
    }

    /// Numbers the rounds of [`Accumulator::rounds`], in round id order (so the numbers do not depend
    /// on the order the store returned the stakes in), and adds them to the facts.
    fn number_rounds(&mut self) -> Result<()> {
        let pass = self.pass;
        let mut numbers: FxHashMap<String, u32> = FxHashMap::default();
        for (round, day, country, d) in std::mem::take(&mut self.rounds) {
            let n = match numbers.get(&round) {
                Some(n) => *n,
                None => {
                    let id: Arc<str> = round.as_str().into();
                    let n = pass.numbering.rounds.number(pass.store, &id)?;
                    numbers.insert(round, n);
                    n
                }
            };
            self.add_on(day, country, |f| *f.rounds.entry(n) = d);
        }
        Ok(())
    }

    /// The job's facts, with every provisional number replaced by the dictionary's (new ids are
    /// numbered in id order, so the numbers do not depend on the order the store returned them in),
    /// normalized for merging.
    pub(super) fn finish(mut self) -> Result<BTreeMap<(NaiveDate, CountryFilter), Facts>> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.number_rounds()?;
        let Pass {
            store, numbering, ..
        } = self.pass;
        let mut order: Vec<(ObjectId, usize)> = self
            .fresh
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        order.sort_unstable();
        let mut numbers = vec![0u32; self.fresh.len()];
        for (id, i) in order {
            numbers[i] = numbering.users.number(store, &id)?;
        }
        let mut out: BTreeMap<_, Facts> = self.out.into_iter().map(|(k, (f, _))| (k, f)).collect();
        for f in out.values_mut() {
            if !numbers.is_empty() {
                renumber(f, &numbers);
            }
            f.normalize();
        }
        Ok(out)
    }
}

/// The distinct sets of [`Facts`] a document's user may join (a bit each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sets(u8);

impl Sets {
    const NONE: Sets = Sets(0);
    const ACTIVE: Sets = Sets(1);
    const PAYERS: Sets = Sets(2);
    const OG_BUYERS: Sets = Sets(4);
    const PLAYERS: Sets = Sets(8);
    const SIGNUPS: Sets = Sets(16);

    const fn and(self, o: Sets) -> Sets {
        Sets(self.0 | o.0)
    }
}

/// The members a job's reads add to the sets of one `(day, country)`, as lists: appending and then
/// sorting once costs a fraction of inserting into a compressed bitmap number by number (a day's
/// documents come in time order, their users in no order).
#[derive(Debug, Default)]
pub(crate) struct Members([Vec<u32>; 5]);

impl Members {
    fn add(&mut self, sets: Sets, n: u32) {
        for (bit, list) in self.0.iter_mut().enumerate() {
            if sets.0 & (1 << bit) != 0 && list.last() != Some(&n) {
                list.push(n);
            }
        }
    }

    /// Moves the members into the sets of `f` (in the order of [`Sets`]' bits).
    fn fold_into(&mut self, f: &mut Facts) {
        let sets = [
            &mut f.active,
            &mut f.payers,
            &mut f.og_buyers,
            &mut f.players,
            &mut f.signups,
        ];
        for (list, set) in self.0.iter_mut().zip(sets) {
            if list.is_empty() {
                continue;
            }
            list.sort_unstable();
            list.dedup();
            let set: &mut RoaringBitmap = set.as_mut();
            // Sorted and without repeats, so the sorted build cannot fail; inserting is the fallback.
            match RoaringBitmap::from_sorted_iter(list.iter().copied()) {
                Ok(built) if set.is_empty() => *set = built,
                Ok(built) => *set |= built,
                Err(_) => set.extend(list.iter().copied()),
            }
            list.clear();
        }
    }
}

/// A value that a group of documents multiplies.
trait Times: Copy {
    const ZERO: Self;
    fn times(self, n: u64) -> Option<Self>;
}

impl Times for Decimal {
    const ZERO: Self = Decimal::ZERO;
    fn times(self, n: u64) -> Option<Self> {
        // × 1 keeps the value as it is (a scan adds each document's own value).
        if n == 1 {
            Some(self)
        } else {
            self.checked_mul(Decimal::from(n))
        }
    }
}

impl Times for u64 {
    const ZERO: Self = 0;
    fn times(self, n: u64) -> Option<Self> {
        self.checked_mul(n)
    }
}

/// `v × n`, exactly: what `n` documents of value `v` add up to. An impossible product marks `of` (the
/// facts overflowed: an error, never a wrapped total) and counts as zero.
fn times<T: Times>(v: T, n: u64, of: &mut bool) -> T {
    v.times(n).unwrap_or_else(|| {
        *of = true;
        T::ZERO
    })
}

/// The final number of `n` (provisional or not).
fn settled(n: u32, numbers: &[u32]) -> u32 {
    match n.checked_sub(PROVISIONAL) {
        Some(i) => numbers.get(i as usize).copied().unwrap_or(n),
        None => n,
    }
}

/// Replaces the provisional numbers of `f`'s user sets by final ones.
fn renumber(f: &mut Facts, numbers: &[u32]) {
    for set in [
        &mut f.active,
        &mut f.payers,
        &mut f.og_buyers,
        &mut f.players,
        &mut f.signups,
        &mut f.new_hosts,
    ] {
        let set: &mut RoaringBitmap = set.as_mut();
        if set.max().is_some_and(|m| m >= PROVISIONAL) {
            let provisional: Vec<u32> = set.range(PROVISIONAL..).collect();
            set.remove_range(PROVISIONAL..);
            set.extend(provisional.into_iter().map(|n| settled(n, numbers)));
        }
    }
    let mut of = f.overflow;
    f.hosts.renumber(
        |n| settled(n, numbers),
        |a, b| {
            add(&mut a.revenue, b.revenue, &mut of);
            add(&mut a.streams, b.streams, &mut of);
            add(&mut a.viewers, b.viewers, &mut of);
        },
    );
    f.member_money
        .renumber(|n| settled(n, numbers), |a, b| a.merge(b, &mut of));
    f.member_counts
        .renumber(|n| settled(n, numbers), |a, b| a.merge(b, &mut of));
    f.overflow = of;
}
