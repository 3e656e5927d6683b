//! Loading a mongoexport directory (core `load.rs`).

use std::path::Path;

use halobuzz_analytics::load::{load_directory, LoadOptions};
use halobuzz_analytics::store::InMemoryStore;
use halobuzz_analytics::Result;

/// Loads `dir` with the default options (documents dated after now + 1 day are invalid). Reading and
/// validation run on the core's worker threads; the caller releases the GIL around this.
pub(crate) fn load(dir: &Path) -> Result<InMemoryStore> {
    load_directory(dir, &LoadOptions::default(), &|_, _| {})
}
