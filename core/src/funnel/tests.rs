//! Small rules of the funnel module: the wall-clock deadline across DST, medians.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn a_window_in_days_keeps_the_local_wall_clock_time_across_dst() {
    let cal = Calendar::default();
    // 2026-04-01 10:00 AEDT (UTC+11); seven days later is 2026-04-08 10:00 AEST (UTC+10): 169 hours.
    let d = wall_clock_later(&cal, t("2026-03-31T23:00:00Z"), 7).unwrap();
    assert_eq!(d, t("2026-04-08T00:00:00Z"));
    // Seconds are exact: 7 × 24 h.
    let s = ConversionWindow::seconds(7 * 86_400).unwrap();
    assert_eq!(
        s.deadline(&cal, t("2026-03-31T23:00:00Z")).unwrap(),
        t("2026-04-07T23:00:00Z")
    );
    // 02:30 on 2026-04-05 happens twice: the later one (AEST) is the deadline.
    let d = wall_clock_later(&cal, t("2026-04-02T15:30:00Z"), 2).unwrap();
    assert_eq!(d, t("2026-04-04T16:30:00Z"));
    // 02:30 on 2026-10-04 does not exist: the deadline is the end of the gap, 03:00 AEDT.
    let d = wall_clock_later(&cal, t("2026-10-01T16:30:00Z"), 2).unwrap();
    assert_eq!(d, t("2026-10-03T16:00:00Z"));
}

#[test]
fn windows_are_bounded() {
    assert!(ConversionWindow::days(0).is_err());
    assert!(ConversionWindow::days(MAX_WINDOW_DAYS + 1).is_err());
    assert!(ConversionWindow::seconds(0).is_err());
    assert!(ConversionWindow::seconds(MAX_WINDOW_SECONDS + 1).is_err());
    assert!(ConversionWindow::seconds(u64::MAX).is_err());
}

#[test]
fn medians_and_means() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(mean(&[]), None);
    assert_eq!(percent(1, 0), None);
    assert_eq!(percent(1, 4), Some(25.0));
}
