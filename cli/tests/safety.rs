//! The command line's hardening, end to end: reports need a pseudonymisation key (or an explicit
//! ephemeral one), data cannot drive the terminal, `generate` touches only its own files, the clock,
//! range and settle flags reach the engine, `backfill --recent` re-rolls the last settled days, and the
//! demo keeps its data in a private temporary directory with an ephemeral key.

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

mod common;

use common::{dataset, run, run_without_key};

const RANGE: [&str; 4] = ["--from", "2026-03-28", "--to", "2026-04-08"];

fn kpis<'a>(data: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [
        &["kpis", "--data", data, "--usd-to-npr", "133.5"][..],
        &RANGE,
        extra,
    ]
    .concat()
}

#[test]
fn kpis_need_a_pseudonym_key_or_an_ephemeral_one() {
    let (_dir, data) = dataset("300", "20");
    let r = run_without_key(&kpis(&data, &["--json"]));
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(
        r.err
            .starts_with("error[INVALID_ARGUMENT]: invalid pseudonym-key: "),
        "{}",
        r.err
    );
    assert!(r.out.is_empty(), "{}", r.out);

    let host = |r: common::Run| {
        assert!(r.ok(), "{}", r.err);
        let k: serde_json::Value = serde_json::from_str(&r.out).unwrap();
        k["creators"]["topCreators"][0]["hostId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ephemeral = kpis(&data, &["--json", "--ephemeral-pseudonym-key"]);
    let (a, b) = (
        host(run_without_key(&ephemeral)),
        host(run_without_key(&ephemeral)),
    );
    assert_ne!(a, b, "an ephemeral key is one process's");
    // A configured key wins over the ephemeral one.
    assert_eq!(host(run(&ephemeral)), host(run(&kpis(&data, &["--json"]))));
}

#[test]
fn usernames_cannot_drive_the_terminal() {
    let (_dir, data) = dataset("300", "20");
    let r = run(&kpis(&data, &["--json", "--reveal-user-ids"]));
    assert!(r.ok(), "{}", r.err);
    let k: serde_json::Value = serde_json::from_str(&r.out).unwrap();
    let top = &k["creators"]["topCreators"][0];
    let (id, name) = (
        top["hostId"].as_str().unwrap(),
        top["username"].as_str().unwrap(),
    );
    let users = std::path::Path::new(&data).join("users.json");
    let text = std::fs::read_to_string(&users).unwrap();
    let line = text.lines().find(|l| l.contains(id)).unwrap();
    let hostile = line.replace(
        &format!(r#""username":"{name}""#),
        r#""username":"\u001b[31mmallory\u0007\r""#,
    );
    assert_ne!(&hostile, line);
    std::fs::write(&users, text.replace(line, &hostile)).unwrap();

    let r = run(&kpis(&data, &[]));
    assert!(r.ok(), "{}", r.err);
    assert!(
        !r.out.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        r.out
    );
    assert!(r.out.contains("#1 [31mmallory "), "{}", r.out);
}

#[test]
fn generate_writes_only_its_own_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "keep me").unwrap();
    let generate = |extra: &[&str]| {
        run(&[
            &["generate", "--out", out, "--users", "50", "--days", "3"][..],
            extra,
        ]
        .concat())
    };
    let r = generate(&[]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(
        r.err.starts_with("error[INVALID_ARGUMENT]: invalid out: ")
            && r.err.contains("notes.txt")
            && r.err.contains("--force"),
        "{}",
        r.err
    );
    assert!(!dir.path().join("users.json").exists());

    let r = generate(&["--force"]);
    assert!(r.ok(), "{}", r.err);
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "keep me");
    assert!(dir.path().join("manifest.json").is_file());
    // Generating again replaces its own files (the folder holds nothing else of its own).
    std::fs::remove_file(&notes).unwrap();
    assert!(generate(&[]).ok());

    #[cfg(unix)]
    {
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim.json");
        std::fs::write(&victim, "victim").unwrap();
        std::fs::remove_file(dir.path().join("users.json")).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("users.json")).unwrap();
        let r = generate(&["--force"]);
        assert_eq!(r.code, Some(2), "{}", r.err);
        assert!(r.err.contains("symbolic link"), "{}", r.err);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "victim");
    }
}

#[test]
fn clock_range_and_settle_flags_reach_the_engine() {
    let (dir, data) = dataset("200", "12");
    let r = run(&kpis(&data, &["--max-range-days", "5"]));
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("`max-range-days`"), "{}", r.err);
    // 2026-04-02 ends at 13:00 UTC in Sydney; half an hour later it is over but not settled.
    let rollup = |extra: &[&str]| {
        run(&[
            &["rollup", "--data", &data, "--usd-to-npr", "133.5"][..],
            &["--date", "2026-04-02"],
            extra,
        ]
        .concat())
    };
    let half_past = ["--now", "2026-04-02T13:30:00Z"];
    let r = rollup(&half_past);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("settle delay of 60 minutes"), "{}", r.err);
    assert!(rollup(&[&half_past[..], &["--settle-minutes", "0"]].concat()).ok());
    let r = rollup(&["--now", "tomorrow"]);
    assert_eq!(r.code, Some(2), "{}", r.err);
    assert!(r.err.contains("invalid now: `tomorrow`"), "{}", r.err);

    // --recent N: the last N settled days before the frozen clock, always recomputed.
    let file = dir.path().join("recent.json");
    let recent = [
        "backfill",
        "--data",
        &data,
        "--recent",
        "3",
        "--now",
        "2026-04-06T00:00:00Z",
        "--out",
        file.to_str().unwrap(),
    ];
    let r = run(&recent);
    assert!(r.ok(), "{}", r.err);
    assert!(r.out.starts_with("3 days: 3 rolled up"), "{}", r.out);
    let dates: std::collections::BTreeSet<String> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["date"].to_string())
        .collect();
    assert_eq!(dates.len(), 3, "{dates:?}");
    assert!(run(&recent).out.starts_with("3 days: 3 rolled up"));
    for clash in [&["--from", "2026-04-01"][..], &["--force"]] {
        let r = run(&[&recent[..], clash].concat());
        assert_eq!(r.code, Some(2), "{clash:?}: {}", r.err);
        assert!(r.err.contains("cannot be used with"), "{}", r.err);
    }
    let r = run(&["backfill", "--data", &data]);
    assert_eq!(r.code, Some(2), "{}", r.err);
}

#[test]
fn the_demo_uses_a_private_temporary_directory_and_an_ephemeral_key() {
    let child = common::bin()
        .args(["demo", "--users", "200", "--days", "10"])
        .env_remove("ANALYTICS_PSEUDONYM_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.contains("ephemeral key"))
            .count(),
        1,
        "{stdout}"
    );
    let wrote = stdout
        .lines()
        .find(|l| l.contains("documents to "))
        .unwrap();
    let dir = wrote.rsplit_once(" to ").unwrap().1.trim();
    assert!(!dir.ends_with(&format!("halobuzz-demo-{pid}")), "{dir}");
    assert!(!std::path::Path::new(dir).exists(), "{dir} was not removed");
}
