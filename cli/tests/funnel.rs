//! `funnel`: the built-in signup funnels and a custom funnel, as tables and JSON, and the core's
//! refusals with exit status 2.

#![allow(clippy::unwrap_used)]

mod common;

use common::{dataset_with, run};
use serde_json::Value;

const RANGE: [&str; 4] = ["--from", "2026-03-20", "--to", "2026-04-08"];

#[test]
fn funnel_prints_builtin_and_custom_funnels() {
    let (_dir, data) = dataset_with("300", "20", &["--seed", "3", "--start", "2026-03-20"]);
    let r = run(&[&["funnel", "--data", &data, "--json"][..], &RANGE].concat());
    assert!(r.ok(), "{}", r.err);
    let f: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(f["kind"], "builtin");
    assert_eq!(f["windowDays"], 7);
    let days = f["days"].as_array().unwrap();
    assert_eq!(days.len(), 20);
    let members: u64 = days.iter().map(|d| d["members"].as_u64().unwrap()).sum();
    assert_eq!(f["total"]["members"].as_u64().unwrap(), members);
    assert!(members > 0);

    let custom = [
        &[
            "funnel",
            "--data",
            &data,
            "--json",
            "--breakdown",
            "platform",
        ][..],
        &["--steps", "session_start,profile_view,session_end"],
        &RANGE,
    ]
    .concat();
    let r = run(&custom);
    assert!(r.ok(), "{}", r.err);
    let f: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(f["kind"], "custom");
    let users: Vec<u64> = f["total"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["users"].as_u64().unwrap())
        .collect();
    assert!(users.windows(2).all(|w| w[0] >= w[1]), "{users:?}");
    assert!(users[0] > 0);
    let platforms: Vec<&str> = f["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["value"].as_str().unwrap())
        .collect();
    assert!(platforms.contains(&"android"), "{platforms:?}");

    // The table: hostile step names are shown inert.
    let table = run(&[
        &["funnel", "--data", &data, "--order", "consecutive"][..],
        &["--steps", "session_start,\u{1b}[31mred"],
        &RANGE,
    ]
    .concat());
    assert!(table.ok(), "{}", table.err);
    assert!(table.out.contains("drop-off"), "{}", table.out);
    assert!(!table.out.contains('\u{1b}'), "{}", table.out);
    let builtin = run(&[&["funnel", "--data", &data][..], &RANGE].concat());
    assert!(
        builtin.out.contains("first money payment"),
        "{}",
        builtin.out
    );
    assert!(builtin.out.contains("total"), "{}", builtin.out);

    // The core refuses what it does not accept, naming the flag.
    for bad in [
        &["--steps", "only_one"][..],
        &["--window-days", "0"],
        &["--window-seconds", "60"],
        &["--steps", "a,b", "--breakdown", "city"],
    ] {
        let r = run(&[&["funnel", "--data", &data][..], bad, &RANGE].concat());
        assert_eq!(r.code, Some(2), "{bad:?}: {}", r.err);
        assert!(r.err.contains("INVALID_ARGUMENT"), "{}", r.err);
    }
    let r = run(&[
        &["funnel", "--data", &data, "--window-seconds", "60"][..],
        &RANGE,
    ]
    .concat());
    assert!(r.err.contains("window-seconds"), "{}", r.err);
}
