//! Product analytics: the `analyticsevents` of app sessions (start and end pairs with a duration), profile
//! views, battles and searches, the engagement signals of the platform, and the event builder the
//! moderation and system events share.

use bson::{doc, Bson, Document};

use super::{date, Sim};
use crate::model::Collection;

impl<'s> Sim<'s> {
    pub(super) fn event(
        &mut self,
        t: i64,
        user: Option<usize>,
        (event_type, name): (&str, &str),
        properties: Document,
        country: Option<&str>,
        session: Option<&str>,
    ) {
        let id = self.out.ids.at(t);
        let mut doc = doc! {
            "_id": id,
            "appId": "halobuzz",
            "userId": user.map_or(Bson::Null, |u| Bson::ObjectId(self.users[u].id)),
            "eventType": event_type,
            "eventName": name,
        };
        if let Some(s) = session {
            doc.insert("sessionId", s);
        }
        doc.insert("properties", properties);
        if let Some(c) = country {
            let mut location = doc! { "country": c };
            if c == "NP" {
                location.insert("city", "Kathmandu");
            }
            doc.insert("location", location);
        }
        doc.insert("timestamp", date(t));
        self.push(Collection::Analyticsevents, id, doc);
    }

    pub(super) fn fake_ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.rng.below(256),
            self.rng.below(256),
            self.rng.range(1, 255)
        )
    }

    pub(super) fn sessions(&mut self, i: usize, day_start: i64, lb: i64) {
        let n = 1 + usize::from(self.rng.chance(0.45)) + usize::from(self.rng.chance(0.2));
        for _ in 0..n {
            let t = self.time(day_start, lb);
            let duration = self.rng.piecewise(&[
                (20.0, 180.0, 40.0),
                (180.0, 1200.0, 40.0),
                (1200.0, 7200.0, 20.0),
            ]) as i64;
            // Nothing is dated after the window: a session still open at its end is cut there.
            let duration = duration.min((self.window_end_ms - 1 - t) / 1000).max(0);
            let session = format!("sess_{}", self.rng.hex(16));
            let platform = self
                .rng
                .pick(&[("android", 70.0), ("ios", 20.0), ("web", 10.0)]);
            let country = self.own_country(i, 0.3);
            let ip = self.fake_ip();
            let start_props =
                doc! { "platform": platform, "appVersion": "3.4.1", "ip": ip.as_str() };
            self.event(
                t,
                Some(i),
                ("user_action", "session_start"),
                start_props,
                country,
                Some(&session),
            );
            let duration_value = if self.rng.chance(0.1) {
                Bson::Double(duration as f64 + 0.5)
            } else {
                Bson::Int32(duration as i32)
            };
            let end_props = doc! { "platform": platform, "durationSec": duration_value, "ip": ip };
            self.event(
                t + duration * 1000,
                Some(i),
                ("user_action", "session_end"),
                end_props,
                country,
                Some(&session),
            );
            if self.rng.chance(0.05) {
                let props =
                    doc! { "coldStartMs": self.rng.range(400, 4000) as i32, "platform": platform };
                self.event(
                    t + 1,
                    Some(i),
                    ("performance_event", "app_startup"),
                    props,
                    None,
                    Some(&session),
                );
            }
        }
    }

    pub(super) fn product_events(&mut self, i: usize, day_start: i64, lb: i64) {
        if self.rng.chance(0.3) {
            let n = self.rng.range(1, 4);
            for _ in 0..n {
                let t = self.time(day_start, lb);
                let viewed = self.rng.below(self.next_user as u64) as usize;
                let props =
                    doc! { "profileId": self.users[viewed].id.to_hex(), "source": "stream" };
                self.event(
                    t,
                    Some(i),
                    ("user_action", "profile_view"),
                    props,
                    None,
                    None,
                );
            }
        }
        let battle = if self.users[i].host.is_some() {
            0.15
        } else {
            0.04
        };
        if self.rng.chance(battle) {
            let t = self.time(day_start, lb);
            let props = doc! { "battleId": format!("battle_{}", self.rng.hex(10)), "mode": "pk" };
            let country = self.own_country(i, 0.3);
            self.event(
                t,
                Some(i),
                ("user_action", "battle_joined"),
                props,
                country,
                None,
            );
        }
        if self.rng.chance(0.08) {
            let t = self.time(day_start, lb);
            let props = doc! { "query": "music", "results": self.rng.range(0, 50) as i32 };
            self.event(t, Some(i), ("user_action", "search"), props, None, None);
        }
    }
}
