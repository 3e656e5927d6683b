//! Opening the store of a new engine: a mongoexport directory (core `load.rs`) or a MongoDB URI (core
//! `store/mongo.rs`).

use std::path::Path;
use std::sync::Arc;

use halobuzz_analytics::load::{load_directory, LoadOptions};
use halobuzz_analytics::store::{is_mongodb_uri, MongoStore, Store};
use halobuzz_analytics::Result;

/// Loads `dir` with the default options (documents dated after now + 1 day are invalid), or connects to
/// MongoDB when it is a `mongodb://` / `mongodb+srv://` URI (database: the URI's path, else `halobuzz`).
/// The caller releases the GIL around this.
pub(crate) fn open(dir: &Path) -> Result<Arc<dyn Store>> {
    let text = dir.to_string_lossy();
    if is_mongodb_uri(&text) {
        return Ok(Arc::new(MongoStore::connect(&text, None)?));
    }
    Ok(Arc::new(load_directory(
        dir,
        &LoadOptions::default(),
        &|_, _| {},
    )?))
}
