//! Typed records of the raw collections of `shared/spec/DATA.md`, the validating decoder that makes them
//! from BSON documents (rules in `docs/data-contract.md`), and what it reports for the documents it rejects.

mod collection;
mod country_filter;
pub mod decode;
pub(crate) mod invalid;
mod records;

pub use collection::{Collection, UnknownCollection};
pub use country_filter::CountryFilter;
pub use decode::{decode, decode_with_warnings, DecodeContext, DedupeKey};
pub use invalid::{shown, Invalid, InvalidReason, Warning, WarningReason};
pub use records::*;
