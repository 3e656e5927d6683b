//! Opening an engine: one function for every front end, from a mongoexport directory, a MongoDB URI or
//! the synthetic generator.

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::config::ConfigOptions;
use super::day::{strict_date, strict_date_opt};
use crate::config::Config;
use crate::generate::{generate, GenerationManifest, GeneratorConfig, RevenueDrop};
use crate::load::{load_directory, LoadOptions};
use crate::store::{
    is_mongodb_uri, normalize_mongodb_uri, redact_secrets, InMemoryStoreBuilder, Store,
};
use crate::{Engine, Error, Result};

/// Where the raw collections are.
#[derive(Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A directory of mongoexport files.
    Directory(PathBuf),
    /// A MongoDB deployment and the database of the platform's collections (`None`: the URI's path,
    /// else `halobuzz`).
    MongoDb {
        /// `mongodb://…` or `mongodb+srv://…`.
        uri: String,
        /// The database.
        database: Option<String>,
    },
}

impl std::fmt::Debug for DataSource {
    /// Never prints a password: the URI's user-information is redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataSource::Directory(dir) => f.debug_tuple("Directory").field(dir).finish(),
            DataSource::MongoDb { uri, database } => f
                .debug_struct("MongoDb")
                .field("uri", &redact_secrets(uri))
                .field("database", database)
                .finish(),
        }
    }
}

impl DataSource {
    /// A directory or, for a `mongodb://` / `mongodb+srv://` URI, a database; `database` applies only
    /// to a URI.
    pub fn parse(source: &str, database: Option<&str>) -> Result<DataSource> {
        if source.trim().is_empty() {
            return Err(Error::invalid_argument(
                "data",
                "must not be empty; give a mongoexport directory or a mongodb:// URI",
            ));
        }
        if is_mongodb_uri(source) {
            if database.is_some_and(|d| d.trim().is_empty()) {
                return Err(Error::invalid_argument("database", "must not be empty"));
            }
            return Ok(DataSource::MongoDb {
                uri: normalize_mongodb_uri(source),
                database: database.map(str::to_owned),
            });
        }
        if database.is_some() {
            return Err(Error::invalid_argument(
                "database",
                "applies only when the data source is a mongodb:// URI",
            ));
        }
        if source.contains("://") {
            return Err(Error::invalid_argument(
                "data",
                format!(
                    "`{}` is a URI of a scheme this engine does not read; give a directory or a \
                     mongodb:// URI",
                    redact_secrets(source)
                ),
            ));
        }
        Ok(DataSource::Directory(PathBuf::from(source)))
    }
}

/// What opening reports while it loads: bytes read so far and in all (a directory), or nothing.
pub type LoadProgress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Opens a store over `source`, validating documents at `config`'s clock.
pub fn open_store(
    source: &DataSource,
    config: &Config,
    progress: LoadProgress<'_>,
) -> Result<Arc<dyn Store>> {
    match source {
        DataSource::Directory(dir) => {
            let options = LoadOptions {
                context: config.decode_context(),
                ..LoadOptions::default()
            };
            Ok(Arc::new(load_directory(dir, &options, progress)?))
        }
        #[cfg(feature = "mongodb")]
        DataSource::MongoDb { uri, database } => {
            use crate::store::{MongoStore, MongoStoreOptions};
            let options = MongoStoreOptions {
                clock: config.clock.clone(),
                ..MongoStoreOptions::default()
            };
            Ok(Arc::new(MongoStore::connect_with(
                uri,
                database.as_deref(),
                options,
            )?))
        }
        #[cfg(not(feature = "mongodb"))]
        DataSource::MongoDb { .. } => Err(Error::invalid_argument(
            "data",
            "this build has no MongoDB support (cargo feature `mongodb`)",
        )),
    }
}

/// Opens an engine over `source` with the configuration of `options`.
pub fn open(
    source: &DataSource,
    options: ConfigOptions,
    progress: LoadProgress<'_>,
) -> Result<Engine> {
    // The configuration is checked before any data is read, so a bad option fails fast.
    let config = options.into_config()?;
    let store = open_store(source, &config, progress)?;
    Ok(Engine::new(store, config))
}

/// The options of the synthetic generator (every one optional; the defaults of [`GeneratorConfig`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerateRequest {
    /// Number of users (default 2000).
    pub users: Option<u32>,
    /// Number of days of activity (default 60).
    pub days: Option<u32>,
    /// Random seed: the same seed gives the same data (default 42).
    pub seed: Option<u64>,
    /// First day; by default the window is centred on the Sydney DST change of 2026-04-05.
    #[serde(default, with = "strict_date_opt")]
    pub start: Option<chrono::NaiveDate>,
    /// A revenue drop to inject.
    pub revenue_drop: Option<RevenueDropRequest>,
    /// Share of extra invalid documents per collection, 0–0.5 (default 0.002).
    pub invalid_rate: Option<f64>,
    /// Share of extra duplicate documents per collection, 0–0.5 (default 0.0005).
    pub duplicate_rate: Option<f64>,
}

/// A revenue drop injected on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RevenueDropRequest {
    /// The day.
    #[serde(with = "strict_date")]
    pub day: chrono::NaiveDate,
    /// Share of money payments removed that day, in % (0–100]; default 40.
    #[serde(default = "default_drop_pct")]
    pub pct: f64,
}

fn default_drop_pct() -> f64 {
    40.0
}

impl GenerateRequest {
    /// The generator's configuration, validated.
    pub fn into_config(self) -> Result<GeneratorConfig> {
        let d = GeneratorConfig::default();
        let config = GeneratorConfig {
            users: self.users.unwrap_or(d.users),
            days: self.days.unwrap_or(d.days),
            seed: self.seed.unwrap_or(d.seed),
            start: self.start,
            revenue_drop: self.revenue_drop.map(|r| RevenueDrop {
                day: r.day,
                pct: r.pct,
                payment_method: None,
            }),
            invalid_rate: self.invalid_rate.unwrap_or(d.invalid_rate),
            duplicate_rate: self.duplicate_rate.unwrap_or(d.duplicate_rate),
        };
        config.validate()?;
        Ok(config)
    }
}

/// An engine over generated data, and what was generated.
#[derive(Debug)]
pub struct Generated {
    /// The engine.
    pub engine: Engine,
    /// What the generator wrote.
    pub manifest: GenerationManifest,
}

/// Generates a dataset straight into a new in-memory engine.
pub fn open_generated(request: GenerateRequest, options: ConfigOptions) -> Result<Generated> {
    let gen = request.into_config()?;
    let config = options.into_config()?;
    let mut builder = InMemoryStoreBuilder::with_context(config.decode_context());
    let manifest = generate(&gen, &mut builder, &mut |_, _| {})?;
    Ok(Generated {
        engine: Engine::new(Arc::new(builder.build()), config),
        manifest,
    })
}
