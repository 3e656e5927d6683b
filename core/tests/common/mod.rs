//! Helpers shared by the integration tests.

pub mod bson_store;
pub mod docs;
