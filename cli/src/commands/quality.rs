//! `quality`: opens a mongoexport directory or a MongoDB database and prints its data-quality report
//! (what was read, kept and skipped, and why), as a table or JSON.

use clap::Args;
use halobuzz_analytics::api::ConfigOptions;
use halobuzz_analytics::Error;

use super::{to_json, DataArgs};

/// The flags of `quality`.
#[derive(Debug, Args)]
pub struct QualityArgs {
    #[command(flatten)]
    source: DataArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Runs `quality`.
pub fn run(args: QualityArgs) -> Result<(), Error> {
    // The report depends on no option: the default configuration (a MongoDB store computes the
    // report with a full validating pass on request).
    let quality = args
        .source
        .open(ConfigOptions::default())?
        .quality_report()?;
    if args.json {
        outln!("{}", to_json(&quality)?);
    } else {
        out!("{}", quality.to_table());
    }
    Ok(())
}
