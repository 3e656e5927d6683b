//! # halobuzz-analytics-node
//!
//! The Node.js binding of the HaloBuzz analytics engine, published as the npm package
//! `@halobuzz/analytics` (usage in `bindings-node/README.md`). It only translates: JavaScript arguments
//! into the JSON requests of the core's request layer (`halobuzz_analytics::api`, which parses and
//! validates them for every front end alike), the core's results into its serde JSON (the shape and
//! camelCase names of `shared/spec/METRICS.md`, exactly what `halobuzz-analytics … --json` prints), and
//! the core's errors into JavaScript `Error`s with a stable `code` and `category`. Every metric, option
//! and date rule is defined in the core.
//!
//! [`engine`] is the `Engine` class, [`metrics`] the catalog functions and [`forecast`] the forecasting
//! functions (and `Engine`'s forecast methods), [`report`] `Engine`'s report methods; [`args`] translates
//! arguments, [`progress`] delivers a backfill's progress to its callback, [`notifier`] calls the host's
//! alert notifier, [`task`] runs calls on the
//! libuv thread pool, [`error`] converts every error (once), and [`arguments`] declares the option
//! objects' TypeScript types. [`testing`] holds the test suite's hooks (not in `index.d.ts`).

pub mod args;
pub mod arguments;
pub mod engine;
pub mod error;
pub mod forecast;
pub mod metrics;
pub mod notifier;
pub mod progress;
pub mod report;
pub mod schedule;
pub mod task;
pub mod testing;
