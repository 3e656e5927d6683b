//! The configuration: the default window straddles the Australia/Sydney daylight-saving end (the case the
//! reporting calendar must get right), and bad configurations are rejected before anything is generated.

use chrono::{DateTime, Utc};

use super::*;

#[test]
fn default_window_crosses_the_sydney_dst_end() {
    let dst_day = date(2026, 4, 5);
    // The transition, 2026-04-05 03:00 AEDT, is 2026-04-04T16:00Z.
    let transition: DateTime<Utc> = "2026-04-04T16:00:00Z".parse().unwrap();
    for days in [1, 2, 3, 7, 14, 30, 31, 60, 90, 365] {
        let config = GeneratorConfig {
            days,
            ..GeneratorConfig::default()
        };
        let (start, end) = (config.start_date(), config.end_date());
        assert_eq!((end - start).num_days() + 1, i64::from(days));
        assert!(
            start <= dst_day && dst_day <= end,
            "{days}: {start}..={end}"
        );
        if days >= 2 {
            let from = start.and_hms_opt(0, 0, 0).unwrap().and_utc();
            let to = end
                .succ_opt()
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc();
            assert!(from <= transition && transition < to, "{days}");
        }
        config.validate().unwrap();
    }
    assert_eq!(GeneratorConfig::default().start_date(), date(2026, 3, 6));
    assert_eq!(GeneratorConfig::default().end_date(), date(2026, 5, 4));
    let fixed = GeneratorConfig {
        start: Some(date(2025, 1, 1)),
        days: 31,
        ..GeneratorConfig::default()
    };
    assert_eq!(
        (fixed.start_date(), fixed.end_date()),
        (date(2025, 1, 1), date(2025, 1, 31))
    );
}

#[test]
fn validate_rejects_bad_configs() {
    let ok = GeneratorConfig::default();
    ok.validate().unwrap();
    let drop = |day, pct| {
        Some(RevenueDrop {
            day,
            pct,
            payment_method: None,
        })
    };
    let bad = [
        GeneratorConfig {
            users: 0,
            ..ok.clone()
        },
        GeneratorConfig {
            days: 0,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: -0.1,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: 0.6,
            ..ok.clone()
        },
        GeneratorConfig {
            invalid_rate: f64::NAN,
            ..ok.clone()
        },
        GeneratorConfig {
            duplicate_rate: 0.51,
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 3, 5), 50.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 5, 5), 50.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), 0.0),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), 100.5),
            ..ok.clone()
        },
        GeneratorConfig {
            revenue_drop: drop(date(2026, 4, 1), f64::NAN),
            ..ok.clone()
        },
        GeneratorConfig {
            start: Some(date(1999, 6, 1)),
            ..ok.clone()
        },
        GeneratorConfig {
            start: Some(date(2099, 12, 1)),
            ..ok.clone()
        },
        GeneratorConfig {
            days: u32::MAX,
            ..ok.clone()
        },
    ];
    for config in bad {
        let err = config.validate().expect_err(&format!("{config:?}"));
        assert_eq!(err.code(), "INVALID_ARGUMENT");
        assert!(generate(&config, &mut Capture::default(), &mut |_, _| {}).is_err());
    }
    for (day, pct) in [(date(2026, 3, 6), 100.0), (date(2026, 5, 4), 0.5)] {
        GeneratorConfig {
            revenue_drop: drop(day, pct),
            ..ok.clone()
        }
        .validate()
        .unwrap();
    }
}
