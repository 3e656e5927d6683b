//! The analytics-document layer on the in-memory store and on a store that keeps only BSON (as a
//! database does): two document types round-trip with their own keys.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::bson_store::BsonOnly;
use halobuzz_analytics::store::InMemoryStoreBuilder;

#[test]
fn in_memory_store_round_trips_two_document_types() {
    common::docs::round_trip_two_document_types(&InMemoryStoreBuilder::new().build());
}

#[test]
fn bson_store_round_trips_two_document_types() {
    common::docs::round_trip_two_document_types(&BsonOnly::new(
        InMemoryStoreBuilder::new().build(),
    ));
}
