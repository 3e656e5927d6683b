//! The hostile-input suite, Rust side: every request of `tests/hostile/requests.json` through the request
//! layer (the same cases the CLI, Node and Python suites replay), each failing with its code and never
//! printing a secret.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::ops::ControlFlow;

use halobuzz_analytics::alert::notify::{DeliveryResult, Notification};
use halobuzz_analytics::api::{
    self, AlertAction, AlertActionRequest, BackfillRequest, CheckAlertsRequest, CohortTableRequest,
    ConfigOptions, DataSource, DayRequest, DeleteAlertRuleRequest, DeliverAlertsRequest,
    EvaluateAlertsRequest, FunnelRequest, GenerateRequest, HostPerformanceRequest, KpiRequest,
    LifecycleRequest, ListAlertsRequest, NameStyle, PutAlertRuleRequest, RecentBackfillRequest,
    RetentionMatrixRequest, StoredCohortsRequest, TimeSeriesRequest,
};
use halobuzz_analytics::api::{
    ForecastBatchRequest, ForecastRequest, ReportRequest, ReportsRequest, SeriesForecastRequest,
    StoredForecastsRequest,
};
use halobuzz_analytics::api::{
    NextRunsRequest, RunDueRequest, RunHistoryRequest, SchedulerOptions,
};
use halobuzz_analytics::schedule::{CatchUp, CustomJob, JobOutput, ScheduleConfig, Scheduler};
use halobuzz_analytics::Error;
use serde_json::{json, Value};

fn corpus() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/hostile/requests.json"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

/// The corpus's shorthand `{"$repeat": X, "count": N}` as N copies of X, anywhere in `v`.
fn expand(v: Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$repeat") => {
            let n = o["count"].as_u64().unwrap() as usize;
            let item = expand(o["$repeat"].clone());
            Value::Array(vec![item; n])
        }
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(expand).collect()),
        other => other,
    }
}

fn base_config() -> Value {
    json!({"usdToNpr": 133.5, "pseudonymKey": "hostile-suite-key", "now": "2026-04-20T00:00:00Z"})
}

/// Runs one case; the error it fails with.
fn run(case: &Value) -> Result<(), Error> {
    let mut config = if case["bareConfig"] == json!(true) {
        json!({})
    } else {
        base_config()
    };
    if let Some(extra) = case["config"].as_object() {
        for (k, v) in extra {
            config[k] = v.clone();
        }
    }
    let args = expand(case["arguments"].clone());
    // Series forecasts need no engine.
    match case["operation"].as_str() {
        Some("forecastSeries") => {
            return api::decode::<SeriesForecastRequest>("options", args, NameStyle::Camel)?
                .run()
                .map(drop)
        }
        Some("forecastBatch") => {
            return api::decode::<ForecastBatchRequest>("options", args, NameStyle::Camel)?
                .run()
                .map(drop)
        }
        _ => {}
    }
    let options: ConfigOptions = api::decode("config", config, NameStyle::Camel)?;
    if case["operation"] == "open" {
        let source = args["source"].as_str().unwrap_or_default();
        let database = args["database"].as_str();
        let source = DataSource::parse(source, database)?;
        api::open(&source, options, &|_, _| {})?;
        return Ok(());
    }
    let gen = GenerateRequest {
        users: Some(300),
        days: Some(20),
        seed: Some(7),
        start: Some("2026-03-20".parse().unwrap()),
        ..GenerateRequest::default()
    };
    let engine = api::open_generated(gen, options)?.engine;
    let go_on = &mut |_| ControlFlow::Continue(());
    let sent = |_: &Notification| DeliveryResult::sent("200 OK");
    match case["operation"].as_str().unwrap() {
        "kpis" => api::decode::<KpiRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "timeSeries" => api::decode::<TimeSeriesRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "retentionMatrix" => {
            api::decode::<RetentionMatrixRequest>("query", args, NameStyle::Camel)?
                .run(&engine)
                .map(drop)
        }
        "lifecycle" => api::decode::<LifecycleRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "cohorts" => api::decode::<CohortTableRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "storedCohorts" => api::decode::<StoredCohortsRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "funnel" => api::decode::<FunnelRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "hostPerformance" => {
            api::decode::<HostPerformanceRequest>("query", args, NameStyle::Camel)?
                .run(&engine)
                .map(drop)
        }
        "backfill" => api::decode::<BackfillRequest>("query", args, NameStyle::Camel)?
            .run(&engine, go_on)
            .map(drop),
        "backfillRecent" => api::decode::<RecentBackfillRequest>("query", args, NameStyle::Camel)?
            .run(&engine, go_on)
            .map(drop),
        "rollupDay" => api::decode::<DayRequest>("query", args, NameStyle::Camel)?
            .rollup(&engine)
            .map(drop),
        "checkAlerts" => api::decode::<CheckAlertsRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "evaluateAlerts" => api::decode::<EvaluateAlertsRequest>("query", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "alerts" => api::decode::<ListAlertsRequest>("filter", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "acknowledgeAlert" => api::decode::<AlertActionRequest>("query", args, NameStyle::Camel)?
            .run(&engine, AlertAction::Acknowledge)
            .map(drop),
        "resolveAlert" => api::decode::<AlertActionRequest>("query", args, NameStyle::Camel)?
            .run(&engine, AlertAction::Resolve)
            .map(drop),
        "putAlertRule" => api::decode::<PutAlertRuleRequest>("rule", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "deleteAlertRule" => {
            api::decode::<DeleteAlertRuleRequest>("query", args, NameStyle::Camel)?
                .run(&engine)
                .map(drop)
        }
        "deliverAlertNotifications" => {
            api::decode::<DeliverAlertsRequest>("query", args, NameStyle::Camel)?
                .run(&engine, &sent)
                .map(drop)
        }
        "forecast" => api::decode::<ForecastRequest>("options", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "storedForecasts" => {
            api::decode::<StoredForecastsRequest>("query", args, NameStyle::Camel)?
                .run(&engine)
                .map(drop)
        }
        "report" => api::decode::<ReportRequest>("options", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "reports" => api::decode::<ReportsRequest>("filter", args, NameStyle::Camel)?
            .run(&engine)
            .map(drop),
        "reportFile" => engine
            .report_file(args["id"].as_str().unwrap_or_default())
            .map(drop),
        "scheduler" => api::decode::<SchedulerOptions>("options", args, NameStyle::Camel)?
            .into_scheduler()
            .map(drop),
        "nextRuns" => api::decode::<NextRunsRequest>("query", args, NameStyle::Camel)?
            .run(&Scheduler::new(ScheduleConfig::default()), engine.config())
            .map(drop),
        "runDue" => api::decode::<RunDueRequest>("query", args, NameStyle::Camel)?
            .run(&Scheduler::new(ScheduleConfig::default()), &engine)
            .map(drop),
        "schedulerHistory" => api::decode::<RunHistoryRequest>("query", args, NameStyle::Camel)?
            .run(&Scheduler::new(ScheduleConfig::default()), &engine)
            .map(drop),
        "addJob" => {
            // What every binding's addJob does: the policy read by the request layer, then the job.
            let name = args["name"].as_str().unwrap_or_default().to_owned();
            let cron = args["cron"].as_str().unwrap_or_default().to_owned();
            let policy = api::decode::<AddJobPolicy>(
                "options",
                json!({ "catchUp": args.get("catchUp").cloned().unwrap_or(Value::Null) }),
                NameStyle::Camel,
            )?;
            let job: CustomJob = std::sync::Arc::new(|_, _| Ok(JobOutput::default()));
            Scheduler::new(ScheduleConfig::default()).add_custom(
                &name,
                &cron,
                "",
                policy.catch_up.unwrap_or(CatchUp::Latest),
                job,
            )
        }
        other => panic!("unknown operation {other}"),
    }
}

/// The options of a custom job the corpus gives (`addJob`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddJobPolicy {
    catch_up: Option<CatchUp>,
}

#[test]
fn every_hostile_request_fails_with_its_code_and_no_secret() {
    for case in corpus() {
        let name = case["name"].as_str().unwrap();
        let err = run(&case).expect_err(name);
        assert_eq!(err.code(), case["code"], "{name}: {err}");
        let shown = format!("{err} {err:?}");
        for secret in case["secrets"].as_array().into_iter().flatten() {
            let secret = secret.as_str().unwrap();
            assert!(!shown.contains(secret), "{name} shows `{secret}`: {shown}");
        }
    }
}
