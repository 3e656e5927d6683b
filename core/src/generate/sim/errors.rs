//! Operational events: the steady trickle of error events, the outage hour of error spike days and the
//! weekly deploy, so that error monitoring has both a baseline and bursts to find.

use bson::{doc, Bson};
use chrono::{Datelike, Weekday};

use super::{date, Sim, HOUR_MS};
use crate::model::Collection;

impl<'s> Sim<'s> {
    fn error_event(&mut self, t: i64, user: Option<usize>) {
        let name = self.rng.pick(&[
            ("api_error", 70.0),
            ("stream_error", 15.0),
            ("payment_error", 10.0),
            ("socket_error", 5.0),
        ]);
        let endpoint = [
            "/api/v1/streams",
            "/api/v1/gifts/send",
            "/api/v1/wallet/recharge",
            "/api/v1/feed",
        ][self.rng.below(4) as usize];
        let code = self
            .rng
            .pick(&[(500, 60.0), (502, 15.0), (503, 15.0), (504, 10.0)]);
        let props =
            doc! { "endpoint": endpoint, "statusCode": code, "message": "upstream request failed" };
        let id = self.out.ids.at(t);
        let mut doc = doc! {
            "_id": id,
            "appId": "halobuzz",
            "userId": user.map_or(Bson::Null, |u| Bson::ObjectId(self.users[u].id)),
            "eventType": "error_event",
            "eventName": name,
            "properties": props,
            "ip": self.fake_ip(),
            "timestamp": date(t),
        };
        if user.is_none() && self.rng.chance(0.5) {
            doc.remove("userId");
        }
        self.push(Collection::Analyticsevents, id, doc);
    }

    pub(super) fn errors(&mut self, d: i64, day_start: i64, active: &[(usize, i64)]) {
        let n = (active.len() as f64 * 0.012) as i64 + self.rng.range(0, 4);
        for _ in 0..n {
            let (user, lb) = if !active.is_empty() && self.rng.chance(0.6) {
                let (u, lb) = active[self.rng.below(active.len() as u64) as usize];
                (Some(u), lb)
            } else {
                (None, day_start)
            };
            let t = self.time(day_start, lb);
            self.error_event(t, user);
        }
        if self.error_spikes.get(d as usize).copied().unwrap_or(false) {
            // An outage: one clock hour with a burst of errors, mostly anonymous.
            let hour = self.diurnal.offset(&mut self.rng) / HOUR_MS;
            let count = self.rng.range(150, 700);
            let from = day_start + hour * HOUR_MS;
            for _ in 0..count {
                let t = self.rng.range(from, from + HOUR_MS);
                self.error_event(t, None);
            }
        }
        if self.date_of(d).weekday() == Weekday::Tue {
            let t = day_start + self.rng.range(3 * HOUR_MS, 5 * HOUR_MS);
            let props = doc! { "version": format!("3.4.{}", d / 7), "service": "api" };
            self.event(
                t,
                None,
                ("system_event", "deploy_completed"),
                props,
                None,
                None,
            );
        }
    }
}
