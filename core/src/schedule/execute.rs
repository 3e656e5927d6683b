//! What each built-in job does: one function per job kind, each a thin call of the engine capability
//! of an earlier issue, so a scheduled run computes exactly what the same request would.

use std::ops::ControlFlow;

use serde_json::json;

use super::job::{JobContext, JobKind, JobOutput};
use crate::api::{self, ForecastRequest, NameStyle, PeriodKind, ReportRequest};
use crate::calendar::{add_days, DateRange, Granularity};
use crate::kpi::CountryFilter;
use crate::report::ReportFormat;
use crate::{Engine, Error, Result};

/// Runs a built-in job kind (`Custom` jobs are run by the scheduler, which holds their functions).
pub fn run_builtin(engine: &Engine, kind: &JobKind, ctx: &JobContext) -> Result<JobOutput> {
    match kind {
        JobKind::DailyRollup { recent_days } => daily_rollup(engine, *recent_days, ctx),
        JobKind::Forecasts {
            metrics,
            horizon_days,
            history_days,
        } => forecasts(engine, metrics, *horizon_days, *history_days, ctx),
        JobKind::WeeklyReport => weekly_report(engine, ctx),
        JobKind::AlertCheck => alert_check(engine, ctx),
        JobKind::MonthlyCohorts { months } => monthly_cohorts(engine, *months),
        JobKind::Custom => Err(Error::Internal(format!(
            "the custom job `{}` has no registered function",
            ctx.job
        ))),
    }
}

/// Yesterday's rollup and the re-roll of the days before it (late documents): the last
/// `recent_days` settled days, recomputed. Stops between days when the run is cancelled.
fn daily_rollup(engine: &Engine, recent_days: u32, ctx: &JobContext) -> Result<JobOutput> {
    let summary = engine.backfill_recent(recent_days, &mut |_| {
        if ctx.is_cancelled() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    Ok(JobOutput {
        message: format!(
            "{} day(s) rolled up ({} documents){}",
            summary.computed,
            summary.rollups_written,
            if summary.cancelled { ", cancelled" } else { "" }
        ),
        details: serde_json::to_value(summary).unwrap_or_default(),
    })
}

/// Each metric's forecast over its history up to the last settled day, stored in
/// `analyticsforecasts`. Every metric is tried; the first failure fails the run after the others
/// were stored.
fn forecasts(
    engine: &Engine,
    metrics: &[String],
    horizon_days: u32,
    history_days: u32,
    ctx: &JobContext,
) -> Result<JobOutput> {
    let to = engine.last_settled_day();
    let span = i64::from(history_days.clamp(1, engine.config().max_range_days));
    let from = add_days(to, 1 - span);
    let mut stored = Vec::new();
    let mut first_error = None;
    for metric in metrics {
        if ctx.is_cancelled() {
            break;
        }
        // The request layer's own defaults (levels, seasons, validation) apply, as from any front end.
        let request: Result<ForecastRequest> = api::decode(
            "forecast",
            json!({
                "metric": metric,
                "horizon": horizon_days,
                "from": from.to_string(),
                "to": to.to_string(),
                "store": true,
            }),
            NameStyle::Camel,
        );
        match request.and_then(|r| r.run(engine)) {
            Ok(f) => stored.push(json!({ "metric": f.metric, "model": f.model_type })),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(JobOutput {
        message: format!(
            "{} forecast(s) of {horizon_days} days from history {from} … {to} stored",
            stored.len()
        ),
        details: json!({ "historyFrom": from, "historyTo": to, "forecasts": stored }),
    })
}

/// Every alert rule checked as of the instance's instant (not the start of the run: a check that
/// waited for a long job still judges the window it was scheduled for). Notifications are the host's
/// to deliver (`Engine::deliver_notifications` with its notifier).
fn alert_check(engine: &Engine, ctx: &JobContext) -> Result<JobOutput> {
    let check = engine.check_alerts(ctx.scheduled_at)?;
    Ok(JobOutput {
        message: format!(
            "{} evaluation(s), {} alert change(s)",
            check.evaluations.len(),
            check.transitions.len()
        ),
        details: json!({
            "at": check.at,
            "evaluations": check.evaluations.len(),
            "transitions": check.transitions.len(),
            "alerts": check.alerts.iter().map(|a| a.alert_id.clone()).collect::<Vec<_>>(),
        }),
    })
}

/// The monthly signup cohorts of the last `months` months (the current one included) brought up to
/// the last settled day; mature cohorts already stored are kept.
fn monthly_cohorts(engine: &Engine, months: u32) -> Result<JobOutput> {
    let as_of = engine.last_settled_day();
    let mut first = Granularity::Month.period_start(as_of);
    for _ in 1..months.clamp(1, 120) {
        first = Granularity::Month.period_start(add_days(first, -1));
    }
    // A range never reaches before the engine's first day or beyond its longest span.
    let span = i64::from(engine.config().max_range_days);
    let from = first.max(add_days(as_of, 1 - span));
    let r = engine.refresh_cohorts(
        DateRange::new(from, as_of)?,
        as_of,
        Granularity::Month,
        CountryFilter::All,
    )?;
    Ok(JobOutput {
        message: format!(
            "{} cohort(s) written, {} kept (signups {} … {as_of}, {} month(s))",
            r.written,
            r.kept,
            from,
            months.clamp(1, 120)
        ),
        details: serde_json::to_value(&r).unwrap_or_default(),
    })
}

/// The weekly report of the week before the instance's local day (Monday to Sunday), as PDF and
/// XLSX, stored in the reports directory with its `analyticsreports` records. Without a configured
/// directory (`REPORTS_STORAGE_DIR`) the run fails with the error that says so: a report nobody can
/// fetch would be work thrown away.
fn weekly_report(engine: &Engine, ctx: &JobContext) -> Result<JobOutput> {
    let day = engine.config().calendar.day_of(ctx.scheduled_at);
    let mut made = Vec::new();
    for format in [ReportFormat::Pdf, ReportFormat::Xlsx] {
        if ctx.is_cancelled() {
            break;
        }
        let request = ReportRequest {
            at: Some(api::Day(day)),
            store: true,
            ..ReportRequest::new(PeriodKind::Weekly, format)
        };
        // The week's days are rolled up (if they are not yet) with a check for cancellation after
        // each: on a fresh database that is most of the run.
        let stop = |_| {
            if ctx.is_cancelled() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        match request.run_with_progress(engine, &mut { stop }) {
            Ok(report) => made.push(report.record),
            Err(Error::Cancelled { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    let Some(first) = made.first() else {
        return Err(Error::Cancelled {
            what: "the weekly report".to_owned(),
        });
    };
    Ok(JobOutput {
        message: format!(
            "weekly report {} … {} stored as {}",
            first.from,
            first.to,
            made.iter()
                .map(|r| r.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        details: serde_json::to_value(&made).unwrap_or_default(),
    })
}
