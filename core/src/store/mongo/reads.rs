//! Reads of the raw collections: ranged, projected `find`s streamed through the validating decoder.

use std::collections::HashSet;

use bson::{doc, Bson, Document, RawDocument};

use super::MongoStore;
use crate::model::decode::{decode, dedupe_key};
use crate::model::*;
use crate::quality::QualityReport;
use crate::store::memory::{CollectionIngest, Parsed};
use crate::store::{DateField, InMemoryStoreBuilder, RecordRef, Scan};
use crate::{Error, Result};

/// The fields of DATA.md per collection: the projection of every read.
pub(super) fn projection(collection: Collection) -> Document {
    let fields: &[&str] = match collection {
        Collection::Users => &[
            "_id",
            "createdAt",
            "country",
            "username",
            "ogLevel",
            "isBanned",
        ],
        Collection::Transactions => &[
            "_id",
            "userId",
            "type",
            "amount",
            "currency",
            "status",
            "paymentMethod",
            "fees",
            "metadata.amountPaid",
            "metadata.currency",
            "metadata.ogTier",
            "metadata.streamId",
            "metadata.country",
            "createdAt",
        ],
        Collection::Livestreams => &[
            "_id",
            "hostId",
            "status",
            "startedAt",
            "endedAt",
            "duration",
            "totalViewers",
            "peakViewers",
            "totalGifts",
            "totalCoins",
            "totalLikes",
            "totalComments",
            "country",
            "createdAt",
        ],
        Collection::Messages => &["_id", "userId", "roomId", "isDeleted", "createdAt"],
        Collection::Gamestakes => &[
            "_id",
            "userId",
            "gameId",
            "roundId",
            "stakeAmount",
            "winAmount",
            "result",
            "metadata.country",
            "createdAt",
        ],
        Collection::Gamerounds => &["_id", "roundId", "startAt", "endAt", "durationSec"],
        Collection::Moderationflags => &[
            "_id",
            "userId",
            "contentType",
            "action",
            "status",
            "reviewedAt",
            "metadata.country",
            "createdAt",
        ],
        Collection::Analyticsevents => &[
            "_id",
            "userId",
            "eventType",
            "eventName",
            "timestamp",
            "sessionId",
            "properties.durationSec",
            "properties.platform",
            "location.country",
        ],
    };
    fields
        .iter()
        .map(|f| ((*f).to_owned(), Bson::Int32(1)))
        .collect()
}

pub(super) fn record_ref(r: &Record) -> RecordRef<'_> {
    match r {
        Record::User(x) => RecordRef::User(x),
        Record::Transaction(x) => RecordRef::Transaction(x),
        Record::Livestream(x) => RecordRef::Livestream(x),
        Record::Message(x) => RecordRef::Message(x),
        Record::GameStake(x) => RecordRef::GameStake(x),
        Record::GameRound(x) => RecordRef::GameRound(x),
        Record::ModerationFlag(x) => RecordRef::ModerationFlag(x),
        Record::AnalyticsEvent(x) => RecordRef::AnalyticsEvent(x),
    }
}

/// A raw BSON document from the server as a `Document`; `Err` when it cannot be read (invalid UTF-8, say),
/// which the quality report counts as malformed.
pub(super) fn to_document(raw: &RawDocument) -> std::result::Result<Document, String> {
    Document::try_from(raw).map_err(|e| format!("unreadable BSON from the server: {e}"))
}

impl MongoStore {
    pub(super) fn scan_records(
        &self,
        scan: &Scan,
        visit: &mut dyn FnMut(RecordRef<'_>),
    ) -> Result<()> {
        let collection = scan.collection;
        let field = match scan.date_field {
            DateField::Primary => collection.primary_date_field(),
            DateField::ReviewedAt if collection == Collection::Moderationflags => "reviewedAt",
            DateField::ReviewedAt => {
                return Err(Error::invalid_argument(
                    "scan",
                    format!("`{collection}` has no reviewedAt date"),
                ))
            }
        };
        // `$gte`/`$lt` on a date only match BSON dates (MongoDB compares within one type), so documents
        // whose date has the wrong type, and open reviews (null), stay on the server: the decoder would
        // reject them, or a ranged scan skip them, anyway.
        let filter = match scan.range {
            Some(r) => {
                doc! { field: { "$gte": super::contract::date(r.start), "$lt": super::contract::date(r.end) } }
            }
            None => Document::new(),
        };
        let ctx = self.context();
        // `_id` is unique in a MongoDB collection, so only `gamerounds` (keyed by `roundId`) can repeat a
        // key; the set stays as small as the rounds of the scan.
        let mut seen = HashSet::new();
        self.stream(collection, filter, &mut |doc| {
            let Ok(doc) = doc else { return };
            if collection == Collection::Gamerounds {
                if let Some(key) = dedupe_key(collection, &doc) {
                    if !seen.insert(key) {
                        return;
                    }
                }
            }
            if let Ok(record) = decode(collection, &doc, &ctx) {
                visit(record_ref(&record));
            }
        })
    }

    pub(super) fn rounds_by_id(
        &self,
        round_ids: &[&str],
        visit: &mut dyn FnMut(&GameRound),
    ) -> Result<()> {
        let ctx = self.context();
        let mut seen = HashSet::new();
        // `$in` lists are kept moderate so one query stays well under the 16 MB command limit.
        for chunk in round_ids.chunks(5000) {
            let ids: Vec<Bson> = chunk
                .iter()
                .map(|s| Bson::String((*s).to_owned()))
                .collect();
            let filter = doc! { "roundId": { "$in": ids } };
            self.stream(Collection::Gamerounds, filter, &mut |doc| {
                let Ok(doc) = doc else { return };
                // The first document of a roundId decides, valid or not, as in the loader.
                if let Some(key) = dedupe_key(Collection::Gamerounds, &doc) {
                    if !seen.insert(key) {
                        return;
                    }
                }
                if let Ok(Record::GameRound(r)) = decode(Collection::Gamerounds, &doc, &ctx) {
                    visit(&r);
                }
            })?;
        }
        Ok(())
    }

    pub(super) fn full_quality_pass(&self) -> Result<QualityReport> {
        let ctx = self.context();
        let mut builder = InMemoryStoreBuilder::with_context(ctx);
        for collection in Collection::ALL {
            let mut ingest = CollectionIngest::new(collection, ctx);
            self.stream(collection, Document::new(), &mut |doc| match doc {
                Ok(doc) => ingest.accept_document(&doc, None),
                Err(detail) => ingest.apply(Parsed::Malformed(detail), None),
            })?;
            builder.put_ingest(ingest);
        }
        Ok(builder.build().quality().clone())
    }
}
