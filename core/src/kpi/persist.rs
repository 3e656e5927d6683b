//! How daily rollups are persisted: [`DailyRollup`] is an analytics document of `analyticsdailykpis`,
//! unique by `(appId, date, country)`, and a day is replaced as a whole.

use chrono::NaiveDate;

use super::rollup::DailyRollup;
use crate::model::CountryFilter;
use crate::store::{AnalyticsDoc, AnalyticsStore, DocFilter, DocKey, DocSpec, Store};
use crate::Result;

impl AnalyticsDoc for DailyRollup {
    const SPEC: DocSpec = DocSpec {
        collection: "analyticsdailykpis",
        key_fields: &["appId", "date", "country"],
        // The name MongoDB gives this index by default: deployments that created it keep it.
        key_index: "appId_1_date_1_country_1",
        indexes: &[],
    };

    fn key(&self) -> DocKey {
        DocKey(vec![
            self.app_id.as_str().into(),
            self.date.into(),
            self.country.key().into(),
        ])
    }
}

/// Replaces everything stored for one app and day with `rollups` (the day's `ALL` and per-country
/// rollups). The `ALL` rollup is written last: its presence marks the day done, so an interrupted write
/// is redone by the next backfill.
pub(crate) fn replace_day(
    store: &dyn Store,
    app_id: &str,
    date: NaiveDate,
    rollups: &[DailyRollup],
) -> Result<()> {
    store.delete_docs::<DailyRollup>(&DocFilter::all().eq("appId", app_id).eq("date", date))?;
    let (all, countries): (Vec<DailyRollup>, Vec<DailyRollup>) = rollups
        .iter()
        .cloned()
        .partition(|r| r.country == CountryFilter::All);
    store.put_docs(&countries)?;
    store.put_docs(&all)
}

/// The stored rollups of one app with dates in `from..=to`, of one country selection or (`None`) all,
/// by date then country.
pub(crate) fn read_rollups(
    store: &dyn Store,
    app_id: &str,
    country: Option<CountryFilter>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DailyRollup>> {
    if from > to {
        return Ok(Vec::new());
    }
    let mut filter = DocFilter::all()
        .eq("appId", app_id)
        .between("date", from, to);
    if let Some(c) = country {
        filter = filter.eq("country", c.key());
    }
    store.find_docs(&filter)
}
