//! Typed records of the raw collections of `shared/spec/DATA.md`, and the validating decoder that makes
//! them from BSON documents (rules in `docs/data-contract.md`).

mod collection;
pub mod decode;
mod records;

pub use collection::{Collection, UnknownCollection};
pub use decode::{decode, DecodeContext, DedupeKey};
pub use records::*;
