//! # halobuzz-analytics-node
//!
//! The Node.js binding of the HaloBuzz analytics engine, published as the npm package
//! `@halobuzz/analytics` (usage in `bindings-node/README.md`). It only converts: JavaScript arguments into
//! the core's types, the core's results into its serde JSON (the shape and camelCase names of
//! `shared/spec/METRICS.md`, exactly what `halobuzz-analytics … --json` prints), and the core's errors
//! into JavaScript `Error`s with a stable `code`. Every metric is defined in the core.
//!
//! One file per core module: [`engine`] (the `Engine` class), [`config`], [`calendar`], [`kpi`],
//! [`generate`]; plus [`error`] (the one error conversion), [`args`] (argument parsing) and [`task`]
//! (running calls on the libuv thread pool).

pub mod args;
pub mod calendar;
pub mod config;
pub mod engine;
pub mod error;
pub mod generate;
pub mod kpi;
pub mod task;
