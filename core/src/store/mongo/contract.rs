//! The decoder's rules (`docs/data-contract.md`) as server-side conditions, for push-downs
//! ([`super::pushdown`]): which documents the server may group because the decoder would accept each of
//! them, and the document a group's record is decoded from.
//!
//! The conditions are *sufficient*, not exact: a document that passes them is valid (for the fields the
//! caller does not group by: the values it groups by are judged by decoding the group's record, which
//! holds exactly those values), and every other document is fetched and decoded by the engine as a
//! scan would. So anything hard to say on the server (a Decimal128, a parent that is not a document,
//! an array) just travels, and results stay exact. Only `$and`/`$or`/`$nor`/`$not`, `$type`, `$in`,
//! `$ne` and ranges are used: FerretDB runs them too.

use bson::oid::ObjectId;
use bson::{doc, Bson, Document};
use chrono::{DateTime, Utc};

use crate::calendar::TimeRange;
use crate::model::*;
use crate::store::pushdown::GroupQuery;
use crate::{Error, Result};

/// The earliest valid date, 2000-01-01T00:00:00Z, in milliseconds (data-contract "Value types").
pub(super) const MIN_VALID_MILLIS: i64 = 946_684_800_000;
/// The largest plausible amount of one document, and of a per-document count (data-contract "Bounds").
const MAX_AMOUNT: i64 = 1_000_000_000_000;
/// The longest plausible duration, one year in seconds (data-contract "Bounds").
const MAX_SECONDS: i64 = 31_536_000;

/// How the decoder reads a field.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Oid,
    Date,
    Str,
    Enum(&'static [&'static str]),
    /// Money or coins: a number ≥ 0 (a refund's may be negative), at most [`MAX_AMOUNT`].
    Amount,
    /// An integral number ≥ 0, at most [`MAX_AMOUNT`].
    Count,
    /// A finite number of seconds ≥ 0, at most [`MAX_SECONDS`].
    Seconds,
    /// An integral number in the range (`ogLevel`).
    SmallInt(i32, i32),
    Bool,
    /// Any string (an unknown code is a warning, not an error).
    Country,
    /// Never invalid: anything but 1–5 is an unknown tier with a warning.
    OgTier,
    /// Never invalid: anything but an ObjectId or 24 hex digits is absent with a warning.
    StreamRef,
    /// Never invalid: anything but a short string is no platform (`properties.platform`).
    Platform,
    /// Never invalid: a count host performance alone reads (a bad one is 0 with a warning).
    LenientCount,
    /// An embedded document holding other fields of the table.
    Parent,
}

/// Whether a field must be present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    Required,
    Optional,
    /// Required when the string field is this value (`properties.durationSec` on `session_end`).
    RequiredWhen(&'static str, &'static str),
}

/// One field the decoder reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rule {
    pub(super) path: &'static str,
    pub(super) kind: Kind,
    pub(super) need: Need,
}

const fn req(path: &'static str, kind: Kind) -> Rule {
    Rule {
        path,
        kind,
        need: Need::Required,
    }
}

const fn opt(path: &'static str, kind: Kind) -> Rule {
    Rule {
        path,
        kind,
        need: Need::Optional,
    }
}

const USERS: &[Rule] = &[
    req("_id", Kind::Oid),
    req("createdAt", Kind::Date),
    opt("country", Kind::Country),
    opt("username", Kind::Str),
    opt("ogLevel", Kind::SmallInt(0, 5)),
    opt("isBanned", Kind::Bool),
];

const TRANSACTIONS: &[Rule] = &[
    req("_id", Kind::Oid),
    req("userId", Kind::Oid),
    req("type", Kind::Enum(TransactionType::WIRE_NAMES)),
    req("amount", Kind::Amount),
    req("currency", Kind::Enum(Currency::WIRE_NAMES)),
    req("status", Kind::Enum(TransactionStatus::WIRE_NAMES)),
    req("createdAt", Kind::Date),
    opt("paymentMethod", Kind::Enum(PaymentMethod::WIRE_NAMES)),
    opt("fees", Kind::Amount),
    opt("metadata", Kind::Parent),
    opt("metadata.amountPaid", Kind::Amount),
    opt("metadata.currency", Kind::Enum(MoneyCurrency::WIRE_NAMES)),
    opt("metadata.ogTier", Kind::OgTier),
    opt("metadata.streamId", Kind::StreamRef),
    opt("metadata.country", Kind::Country),
];

const LIVESTREAMS: &[Rule] = &[
    req("_id", Kind::Oid),
    req("hostId", Kind::Oid),
    req("status", Kind::Enum(StreamStatus::WIRE_NAMES)),
    req("duration", Kind::Seconds),
    req("totalViewers", Kind::Count),
    req("totalCoins", Kind::Amount),
    req("createdAt", Kind::Date),
    opt("startedAt", Kind::Date),
    opt("endedAt", Kind::Date),
    opt("peakViewers", Kind::LenientCount),
    opt("totalGifts", Kind::LenientCount),
    opt("totalLikes", Kind::LenientCount),
    opt("totalComments", Kind::LenientCount),
    opt("country", Kind::Country),
];

const MESSAGES: &[Rule] = &[
    req("_id", Kind::Oid),
    req("userId", Kind::Oid),
    req("roomId", Kind::Oid),
    req("createdAt", Kind::Date),
    opt("isDeleted", Kind::Bool),
];

const GAMESTAKES: &[Rule] = &[
    req("_id", Kind::Oid),
    req("userId", Kind::Oid),
    req("roundId", Kind::Str),
    req("stakeAmount", Kind::Amount),
    req("winAmount", Kind::Amount),
    req("result", Kind::Enum(StakeResult::WIRE_NAMES)),
    req("createdAt", Kind::Date),
    opt("gameId", Kind::Oid),
    opt("metadata", Kind::Parent),
    opt("metadata.country", Kind::Country),
];

const MODERATIONFLAGS: &[Rule] = &[
    req("_id", Kind::Oid),
    req("userId", Kind::Oid),
    req("contentType", Kind::Enum(ContentType::WIRE_NAMES)),
    req("action", Kind::Enum(FlagAction::WIRE_NAMES)),
    req("status", Kind::Enum(FlagStatus::WIRE_NAMES)),
    req("createdAt", Kind::Date),
    opt("reviewedAt", Kind::Date),
    opt("metadata", Kind::Parent),
    opt("metadata.country", Kind::Country),
];

const ANALYTICSEVENTS: &[Rule] = &[
    req("_id", Kind::Oid),
    req("eventType", Kind::Enum(EventType::WIRE_NAMES)),
    req("eventName", Kind::Str),
    req("timestamp", Kind::Date),
    opt("properties", Kind::Parent),
    Rule {
        path: "properties.durationSec",
        kind: Kind::Seconds,
        need: Need::RequiredWhen("eventName", "session_end"),
    },
    opt("userId", Kind::Oid),
    opt("sessionId", Kind::Str),
    opt("location", Kind::Parent),
    opt("location.country", Kind::Country),
    opt("properties.platform", Kind::Platform),
];

/// The decoder's table of `collection`; `None` for `gamerounds`, whose duplicates (by `roundId`, the
/// first document deciding even when invalid) no server-side group can reproduce.
pub(super) fn rules(collection: Collection) -> Option<&'static [Rule]> {
    Some(match collection {
        Collection::Users => USERS,
        Collection::Transactions => TRANSACTIONS,
        Collection::Livestreams => LIVESTREAMS,
        Collection::Messages => MESSAGES,
        Collection::Gamestakes => GAMESTAKES,
        Collection::Gamerounds => return None,
        Collection::Moderationflags => MODERATIONFLAGS,
        Collection::Analyticsevents => ANALYTICSEVENTS,
    })
}

/// What a query does with a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Grouped by (its value is in the group key): judged by decoding the group's record.
    By(usize),
    /// Only checked on the server (the caller never reads it).
    Checked,
}

/// A query checked against the collection's table, with the pieces of its pipeline.
#[derive(Debug)]
pub(super) struct Plan<'q> {
    collection: Collection,
    rules: &'static [Rule],
    roles: Vec<Role>,
    query: &'q GroupQuery<'q>,
    /// The placeholder of a required date, valid by construction.
    placeholder_date: DateTime<Utc>,
    /// The valid dates (`end` included).
    valid: TimeRange,
    min_date: Bson,
    max_date: Bson,
}

fn unknown_field(collection: Collection, path: &str, what: &str) -> Error {
    Error::invalid_argument(
        "push-down",
        format!("`{collection}.{path}` cannot be {what}: it is no such field of DATA.md"),
    )
}

impl<'q> Plan<'q> {
    /// The plan of `query`; valid dates are `2000-01-01 ..= max_date`.
    pub(super) fn new(query: &'q GroupQuery<'q>, max_date: DateTime<Utc>) -> Result<Self> {
        let collection = query.collection;
        let rules = rules(collection).ok_or_else(|| {
            Error::invalid_argument(
                "push-down",
                format!("`{collection}` cannot be grouped: its key is `roundId`, and the first document of a key decides"),
            )
        })?;
        if query.ranges.windows(2).any(|w| w[0].end != w[1].start) {
            return Err(Error::invalid_argument(
                "push-down",
                "the ranges of a grouped read must follow one another",
            ));
        }
        let position = |path: &str| rules.iter().position(|r| r.path == path);
        let mut roles = vec![Role::Checked; rules.len()];
        for (i, path) in query.by.iter().enumerate() {
            let at = position(path)
                .filter(|&p| !matches!(rules[p].kind, Kind::Parent))
                .ok_or_else(|| unknown_field(collection, path, "grouped by"))?;
            roles[at] = Role::By(i);
        }
        let min = DateTime::<Utc>::from_timestamp_millis(MIN_VALID_MILLIS).unwrap_or_default();
        let start = query.ranges.first().map_or(min, |r| r.start);
        Ok(Plan {
            collection,
            rules,
            roles,
            query,
            placeholder_date: start.clamp(min, max_date.max(min)),
            valid: TimeRange {
                start: min,
                end: max_date,
            },
            min_date: date(min),
            max_date: date(max_date),
        })
    }

    /// Whether some instant of `range` is a valid date (else no document of it is valid, and none is
    /// worth grouping).
    pub(super) fn has_valid_dates(&self, range: &TimeRange) -> bool {
        range.start <= self.valid.end && range.end > self.valid.start
    }

    /// The conditions under which a document of the range may be grouped (see the module doc).
    pub(super) fn groupable(&self) -> Document {
        let mut all: Vec<Bson> = Vec::new();
        for (rule, role) in self.rules.iter().zip(&self.roles) {
            let p = rule.path;
            let conds = match role {
                Role::Checked => self.checked(rule),
                Role::By(_) => match rule.kind {
                    // Numbers of another type but equal value share a group: an int, long or double
                    // reads the same whichever of them the group keeps (a double at its shortest form,
                    // which only an equal double shares), a Decimal128 might not (`2.0` is no OG tier,
                    // `2` is; a decimal equal to a double has all of its binary digits).
                    Kind::Amount
                    | Kind::Count
                    | Kind::Seconds
                    | Kind::SmallInt(..)
                    | Kind::OgTier
                    | Kind::LenientCount => {
                        vec![absent_or(
                            p,
                            vec![doc! { p: { "$type": ["int", "long", "double", "string"] } }],
                        )]
                    }
                    _ => Vec::new(),
                },
            };
            // A field that never makes a document invalid needs no check when nobody reads it.
            let skip = matches!(
                (role, rule.kind),
                (
                    Role::Checked,
                    Kind::OgTier | Kind::Platform | Kind::StreamRef | Kind::LenientCount
                )
            );
            if !skip {
                all.extend(conds.into_iter().map(Bson::Document));
                // `$type`, `$in` and ranges also match an array holding such a value, which the decoder
                // rejects (and a group key would hold the whole array).
                all.push(Bson::Document(doc! { p: { "$not": { "$type": "array" } } }));
            }
        }
        doc! { "$and": all }
    }

    /// The server-side checks of a field the caller does not read.
    fn checked(&self, rule: &Rule) -> Vec<Document> {
        let p = rule.path;
        let conds = match rule.kind {
            Kind::Oid => vec![doc! { p: { "$type": "objectId" } }],
            Kind::Date => {
                vec![doc! { p: { "$gte": self.min_date.clone(), "$lte": self.max_date.clone() } }]
            }
            Kind::Str | Kind::Country => vec![doc! { p: { "$type": "string" } }],
            Kind::Enum(names) => vec![doc! { p: { "$in": names.to_vec() } }],
            Kind::Amount | Kind::Count => vec![
                doc! { p: { "$type": ["int", "long"] } },
                doc! { p: { "$gte": 0_i32, "$lte": MAX_AMOUNT } },
            ],
            // A double number of seconds is read as it is (no decimal conversion), so it may pass.
            Kind::Seconds => vec![
                doc! { p: { "$type": ["int", "long", "double"] } },
                doc! { p: { "$gte": 0_i32, "$lte": MAX_SECONDS } },
            ],
            Kind::SmallInt(lo, hi) => vec![
                doc! { p: { "$type": ["int", "long"] } },
                doc! { p: { "$gte": lo, "$lte": hi } },
            ],
            Kind::Bool => vec![doc! { p: { "$in": [true, false] } }],
            Kind::OgTier | Kind::Platform | Kind::StreamRef | Kind::LenientCount => Vec::new(),
            Kind::Parent => vec![doc! { p: { "$type": "object" } }],
        };
        match rule.need {
            Need::Required => conds,
            Need::Optional => vec![absent_or(p, conds)],
            Need::RequiredWhen(field, value) => vec![doc! { "$or": [
                { "$and": conds },
                { "$and": [{ p: Bson::Null }, { field: { "$ne": value } }] },
            ] }],
        }
    }

    /// The `$group` stage: `_id.k<i>` the value of `by[i]`, `n` the count. One accumulator only:
    /// FerretDB 1.24 hands the documents of a group to its first accumulator alone (later ones sum
    /// nothing), so amounts are grouped by value and multiplied by the engine instead of summed here.
    pub(super) fn group_stage(&self) -> Document {
        let mut id = Document::new();
        for (i, path) in self.query.by.iter().enumerate() {
            id.insert(format!("k{i}"), format!("${path}"));
        }
        doc! { "_id": id, "n": { "$sum": 1_i32 } }
    }

    /// The document a group's record is decoded from: the group's values where it has them, and a valid
    /// placeholder for every other required field.
    pub(super) fn representative(&self, key: &Document) -> Document {
        let mut doc = Document::new();
        let mut conditional = Vec::new();
        for (rule, role) in self.rules.iter().zip(&self.roles) {
            let value = match role {
                Role::By(i) => key.get(format!("k{i}")).cloned(),
                Role::Checked => match rule.need {
                    Need::Required => self.placeholder(rule.kind),
                    Need::Optional => None,
                    Need::RequiredWhen(..) => {
                        conditional.push(rule);
                        None
                    }
                },
            };
            if let Some(v) = value {
                set_path(&mut doc, rule.path, v);
            }
        }
        for rule in conditional {
            if let (Need::RequiredWhen(field, value), Some(v)) =
                (rule.need, self.placeholder(rule.kind))
            {
                if matches!(doc.get(field), Some(Bson::String(s)) if s == value) {
                    set_path(&mut doc, rule.path, v);
                }
            }
        }
        doc
    }

    fn placeholder(&self, kind: Kind) -> Option<Bson> {
        Some(match kind {
            Kind::Oid => Bson::ObjectId(ObjectId::from_bytes([0; 12])),
            Kind::Date => date(self.placeholder_date),
            Kind::Str => Bson::String(String::new()),
            Kind::Enum(names) => Bson::String((*names.first()?).to_owned()),
            Kind::Amount | Kind::Count | Kind::Seconds => Bson::Int32(0),
            Kind::SmallInt(lo, _) => Bson::Int32(lo),
            Kind::Bool => Bson::Boolean(false),
            Kind::Country
            | Kind::OgTier
            | Kind::Platform
            | Kind::StreamRef
            | Kind::LenientCount
            | Kind::Parent => return None,
        })
    }

    /// The collection.
    pub(super) fn collection(&self) -> Collection {
        self.collection
    }
}

/// `p` absent (or null), or every condition of `conds`.
fn absent_or(p: &str, conds: Vec<Document>) -> Document {
    doc! { "$or": [{ p: Bson::Null }, { "$and": conds }] }
}

pub(super) fn date(t: DateTime<Utc>) -> Bson {
    Bson::DateTime(bson::DateTime::from_millis(t.timestamp_millis()))
}

/// Sets a dotted path, creating the embedded documents on the way.
fn set_path(doc: &mut Document, path: &str, value: Bson) {
    match path.split_once('.') {
        None => {
            doc.insert(path, value);
        }
        Some((head, rest)) => {
            if !matches!(doc.get(head), Some(Bson::Document(_))) {
                doc.insert(head, Document::new());
            }
            if let Some(Bson::Document(inner)) = doc.get_mut(head) {
                set_path(inner, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::decode::{decode, DecodeContext};
    use crate::store::DateField;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    const DAY: &[TimeRange] = &[];

    fn query(collection: Collection, by: &'static [&'static str]) -> GroupQuery<'static> {
        GroupQuery {
            collection,
            date_field: DateField::Primary,
            ranges: DAY,
            only: None,
            by,
        }
    }

    /// The placeholders of every required field decode: a group whose own values are valid is valid.
    #[test]
    fn placeholders_are_valid_documents() {
        let ctx = DecodeContext { now: now() };
        for c in Collection::ALL {
            if c == Collection::Gamerounds {
                continue;
            }
            let q = query(c, &[]);
            let Ok(plan) = Plan::new(&q, now()) else {
                panic!("{c}: no plan");
            };
            let rep = plan.representative(&Document::new());
            assert!(decode(c, &rep, &ctx).is_ok(), "{c}: {rep}");
        }
        // A session_end's duration is required: the placeholder supplies it.
        let q = query(Collection::Analyticsevents, &["eventName"]);
        let Ok(plan) = Plan::new(&q, now()) else {
            panic!("no plan");
        };
        let rep = plan.representative(&doc! { "k0": "session_end" });
        assert!(
            decode(Collection::Analyticsevents, &rep, &ctx).is_ok(),
            "{rep}"
        );
    }

    /// The bounds used on the server are the decoder's.
    #[test]
    fn bounds_match_the_decoder() {
        let ctx = DecodeContext { now: now() };
        let stream = |coins: i64, duration: i64| {
            doc! {
                "_id": ObjectId::new(), "hostId": ObjectId::new(), "status": "live",
                "duration": duration, "totalViewers": 0, "totalCoins": coins,
                "createdAt": date(now()),
            }
        };
        let ok = |d: &Document| decode(Collection::Livestreams, d, &ctx).is_ok();
        assert!(ok(&stream(MAX_AMOUNT, MAX_SECONDS)));
        assert!(!ok(&stream(MAX_AMOUNT + 1, 0)));
        assert!(!ok(&stream(0, MAX_SECONDS + 1)));
        let mut early = stream(0, 0);
        early.insert(
            "createdAt",
            Bson::DateTime(bson::DateTime::from_millis(MIN_VALID_MILLIS - 1)),
        );
        assert!(!ok(&early));
        early.insert(
            "createdAt",
            Bson::DateTime(bson::DateTime::from_millis(MIN_VALID_MILLIS)),
        );
        assert!(ok(&early));
    }

    #[test]
    fn unknown_fields_and_gamerounds_are_refused() {
        let q = query(Collection::Messages, &["content"]);
        assert!(Plan::new(&q, now()).is_err());
        let q = query(Collection::Gamerounds, &["roundId"]);
        assert!(Plan::new(&q, now()).is_err());
        let q = query(Collection::Transactions, &["metadata"]);
        assert!(Plan::new(&q, now()).is_err());
    }
}
