//! Funnels (see [`crate::funnel`]): the built-in signup funnels, reusing stored `analyticsfunnels`
//! days whose window is over and settled, and custom funnels over events.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::Engine;
use crate::calendar::{add_days, DateRange};
use crate::funnel::builtin::{self, DayMeasure, FunnelDoc, FUNNEL_VERSION};
use crate::funnel::custom::{self, CustomSpec};
use crate::funnel::{
    wall_clock_later, BuiltinFunnels, ConversionWindow, CustomFunnel, FunnelBreakdown, FunnelOrder,
    MAX_EVENT_NAME_CHARS, MAX_STEPS, MIN_STEPS,
};
use crate::model::CountryFilter;
use crate::store::{AnalyticsStore, DocFilter};
use crate::{Error, Result};

impl Engine {
    /// Whether the window of signup day `date`'s last possible signup has ended by the clock.
    fn funnel_window_complete(&self, date: NaiveDate, window_days: u32) -> bool {
        let cal = &self.config.calendar;
        let last_signup = cal.day_range(date).end - Duration::milliseconds(1);
        wall_clock_later(cal, last_signup, window_days)
            .is_some_and(|d| d <= self.config.clock.now())
    }

    /// Whether a signup day's funnels may be stored: its window is over, and the last day of the
    /// window is settled (late documents are in).
    fn funnel_storable(&self, date: NaiveDate, window_days: u32) -> bool {
        self.funnel_window_complete(date, window_days)
            && self.is_settled(add_days(date, i64::from(window_days)))
    }

    /// The built-in funnels (signup → first stream, first gift sent, first money payment) of the
    /// signup days `range`, for users of `country` (by `users.country`), each within `window_days`
    /// calendar days of signup. Days stored in `analyticsfunnels` are read back; the others are
    /// computed from raw documents, and stored when their window is over and settled.
    pub fn builtin_funnels(
        &self,
        range: DateRange,
        country: CountryFilter,
        window_days: u32,
    ) -> Result<BuiltinFunnels> {
        self.check_range(range)?;
        ConversionWindow::days(window_days)?;
        let stored = self.stored_funnel_days(range, country, window_days)?;
        let missing: Vec<NaiveDate> = range.iter().filter(|d| !stored.contains_key(d)).collect();
        let mut measured = stored;
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            let computed =
                self.measure_funnels(DateRange::new(*first, *last)?, country, window_days)?;
            let now = self.config.clock.now();
            let tz = self.config.calendar.tz().name();
            let mut docs = Vec::new();
            for d in &missing {
                let m = computed.get(d).cloned().unwrap_or_default();
                if self.funnel_storable(*d, window_days) {
                    docs.extend(m.to_docs(&self.config.app_id, *d, country, window_days, tz, now));
                }
                measured.insert(*d, m);
            }
            if !docs.is_empty() {
                self.store.put_docs(&docs)?;
            }
        }
        Ok(self.present_funnels(range, country, window_days, &measured))
    }

    /// The same funnels computed from raw documents alone, without reading or writing
    /// `analyticsfunnels` (for checks).
    pub fn builtin_funnels_from_raw(
        &self,
        range: DateRange,
        country: CountryFilter,
        window_days: u32,
    ) -> Result<BuiltinFunnels> {
        self.check_range(range)?;
        ConversionWindow::days(window_days)?;
        let measured = self.measure_funnels(range, country, window_days)?;
        Ok(self.present_funnels(range, country, window_days, &measured))
    }

    fn measure_funnels(
        &self,
        days: DateRange,
        country: CountryFilter,
        window_days: u32,
    ) -> Result<BTreeMap<NaiveDate, DayMeasure>> {
        let dir = self.directory()?;
        builtin::measure(
            self.store.as_ref(),
            &dir,
            &self.numbering,
            &self.config.calendar,
            days,
            country,
            window_days,
        )
    }

    /// The stored days of `range` that may be reused: all three funnels present, of this layout and
    /// zone, and the day storable (a document written under another clock is not trusted early).
    fn stored_funnel_days(
        &self,
        range: DateRange,
        country: CountryFilter,
        window_days: u32,
    ) -> Result<BTreeMap<NaiveDate, DayMeasure>> {
        let filter = DocFilter::all()
            .eq("appId", self.config.app_id.as_str())
            .eq("country", country.key())
            .eq("windowDays", i64::from(window_days))
            .between("date", range.from, range.to);
        let docs: Vec<FunnelDoc> = self.store.find_docs(&filter)?;
        let tz = self.config.calendar.tz().name();
        let mut by_day: BTreeMap<NaiveDate, Vec<&FunnelDoc>> = BTreeMap::new();
        for d in docs
            .iter()
            .filter(|d| d.version == FUNNEL_VERSION && d.timezone == tz)
        {
            by_day.entry(d.date).or_default().push(d);
        }
        Ok(by_day
            .into_iter()
            .filter(|(d, _)| self.funnel_storable(*d, window_days))
            .filter_map(|(d, docs)| DayMeasure::from_docs(&docs).map(|m| (d, m)))
            .collect())
    }

    fn present_funnels(
        &self,
        range: DateRange,
        country: CountryFilter,
        window_days: u32,
        measured: &BTreeMap<NaiveDate, DayMeasure>,
    ) -> BuiltinFunnels {
        let (days, total) =
            builtin::present(measured, |d| self.funnel_window_complete(d, window_days));
        BuiltinFunnels {
            from: range.from,
            to: range.to,
            country,
            timezone: self.config.calendar.tz().name().to_owned(),
            window_days,
            as_of: self.config.clock.now(),
            days,
            total,
        }
    }

    /// A custom funnel over `analyticsevents`: users entering with a `steps[0]` event on the days of
    /// `range` (selected by the event's country), each later step within `window` of the entering
    /// event, in `order`; optionally broken down by country or platform.
    pub fn custom_funnel(
        &self,
        range: DateRange,
        steps: &[String],
        window: ConversionWindow,
        order: FunnelOrder,
        country: CountryFilter,
        breakdown: Option<FunnelBreakdown>,
    ) -> Result<CustomFunnel> {
        self.check_range(range)?;
        check_steps(steps)?;
        let dir = self.directory()?;
        custom::compute(
            self.store.as_ref(),
            &dir,
            &self.config.calendar,
            range,
            CustomSpec {
                steps,
                window,
                order,
                country,
                breakdown,
            },
        )
    }
}

/// 2 to 20 event names, each 1 to 200 characters.
pub(crate) fn check_steps(steps: &[String]) -> Result<()> {
    if !(MIN_STEPS..=MAX_STEPS).contains(&steps.len()) {
        return Err(Error::invalid_argument(
            "steps",
            format!(
                "{} event names; a funnel has {MIN_STEPS} to {MAX_STEPS}",
                steps.len()
            ),
        ));
    }
    for (i, s) in steps.iter().enumerate() {
        let chars = s.chars().count();
        if s.trim().is_empty() || chars > MAX_EVENT_NAME_CHARS {
            return Err(Error::invalid_argument(
                format!("steps.{i}"),
                format!("an event name has 1 to {MAX_EVENT_NAME_CHARS} characters (not blank)"),
            ));
        }
    }
    Ok(())
}
