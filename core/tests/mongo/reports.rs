//! Stored reports on a real server: a report produced by one engine is listed and fetched by another
//! engine sharing the database (as two processes would), and producing it again replaces its record;
//! the days it reads are rolled up on the server first, with progress.

use std::sync::Arc;

use halobuzz_analytics::api::{PeriodKind, ReportRequest, ReportsRequest};
use halobuzz_analytics::report::ReportFormat;
use halobuzz_analytics::store::MongoStore;
use halobuzz_analytics::Engine;

use super::{config, gen_config, options, seeded, server_uri};

#[test]
fn a_stored_report_is_listed_and_fetched_by_another_process() {
    let Some(uri) = server_uri() else { return };
    let gen = gen_config(0.0);
    let (mongo, _) = seeded(&uri, "reports", &gen);
    let dir = tempfile::tempdir().unwrap();
    let with_dir = || {
        let mut c = config();
        c.reports_dir = Some(dir.path().to_owned());
        c
    };
    let writer = Engine::new(Arc::new(mongo), with_dir());
    let request = ReportRequest {
        store: true,
        at: Some(halobuzz_analytics::api::Day(
            halobuzz_analytics::calendar::add_days(gen.end_date(), 1),
        )),
        // The forecast would roll up 26 weeks of history on the server first (minutes on FerretDB);
        // the records and files are what this test is about.
        forecast: Some(false),
        ..ReportRequest::new(PeriodKind::Weekly, ReportFormat::Json)
    };
    // The days it reads are rolled up on the server first, each reported once.
    let mut days = Vec::new();
    let made = request
        .run_with_progress(&writer, &mut |p| {
            days.push(p);
            std::ops::ControlFlow::Continue(())
        })
        .unwrap();
    assert!(!days.is_empty() && days.len() as u64 == days[0].total);
    assert!(days.iter().any(|p| !p.skipped), "nothing rolled up first");
    let name = super::database("reports");
    let reader = Engine::new(
        Arc::new(MongoStore::connect_with(&uri, Some(&name), options()).unwrap()),
        with_dir(),
    );
    let listed = ReportsRequest::default().run(&reader).unwrap();
    assert_eq!(listed, vec![made.record.clone()]);
    let (record, bytes) = reader.report_file(&made.record.id).unwrap();
    assert_eq!(record, made.record);
    assert_eq!(bytes, made.bytes);
    request.run(&writer).unwrap();
    assert_eq!(ReportsRequest::default().run(&reader).unwrap().len(), 1);
}
