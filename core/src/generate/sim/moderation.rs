//! Moderation: the `moderationflags` raised by the AI or by user reports and their review outcome, the
//! abuse waves of flag spike days (one hour with many flags on a few accounts), and the bans and unbans
//! users undergo, each ban preceded by the block that led to it.

use bson::{doc, Bson};

use super::{date, Sim, HOUR_MS};
use crate::model::Collection;

const FLAG_REASONS: [&str; 5] = ["spam", "harassment", "nudity", "violence", "scam"];

impl<'s> Sim<'s> {
    pub(super) fn ban_events(&mut self, i: usize, day_start: i64, banned: bool) {
        let t = self.time(day_start, day_start.max(self.users[i].signup_ms));
        let moderator = format!("{:024x}", self.rng.u64());
        if banned {
            // The block that led to the ban, then the ban.
            let flag_t = (t - self.rng.range(60_000, 3_600_000))
                .max(day_start)
                .max(self.users[i].signup_ms);
            self.flag(i, flag_t, Some(("block", "resolved")), Some("text"));
            let props = doc! { "reason": "community_guidelines", "moderatorId": moderator, "ip": self.fake_ip() };
            self.event(
                t.max(flag_t + 1),
                Some(i),
                ("security_event", "user_banned"),
                props,
                None,
                None,
            );
        } else {
            let props = doc! { "reason": "appeal_accepted", "moderatorId": moderator };
            self.event(
                t,
                Some(i),
                ("security_event", "user_unbanned"),
                props,
                None,
                None,
            );
        }
    }

    fn flag(
        &mut self,
        user: usize,
        t: i64,
        decided: Option<(&'static str, &'static str)>,
        content: Option<&'static str>,
    ) {
        let content_type = content.unwrap_or_else(|| {
            self.rng.pick(&[
                ("text", 45.0),
                ("image", 15.0),
                ("video", 10.0),
                ("stream", 20.0),
                ("profile", 10.0),
            ])
        });
        let (action, status) = decided.unwrap_or_else(|| {
            let action = self.rng.pick(&[
                ("allow", 30.0),
                ("warn", 30.0),
                ("block", 15.0),
                ("review", 25.0),
            ]);
            let status = match action {
                "review" => {
                    self.rng
                        .pick(&[("pending", 60.0), ("flagged", 15.0), ("reviewed", 25.0)])
                }
                "allow" => self.rng.pick(&[("reviewed", 70.0), ("resolved", 30.0)]),
                _ => self
                    .rng
                    .pick(&[("resolved", 55.0), ("flagged", 20.0), ("reviewed", 25.0)]),
            };
            (action, status)
        });
        let delay = self.rng.piecewise(&[
            (600_000.0, 7_200_000.0, 50.0),
            (7_200_000.0, 86_400_000.0, 35.0),
            (86_400_000.0, 259_200_000.0, 15.0),
        ]) as i64;
        let (status, reviewed) = match status {
            "reviewed" | "resolved" if t + delay < self.window_end_ms => (status, date(t + delay)),
            "reviewed" | "resolved" => ("pending", Bson::Null),
            other => (other, Bson::Null),
        };
        let reason = FLAG_REASONS[self.rng.below(FLAG_REASONS.len() as u64) as usize];
        let id = self.out.ids.at(t);
        let mut metadata = doc! {
            "source": if self.rng.chance(0.7) { "ai" } else { "user_report" },
            "confidence": (self.rng.range(50, 100) as f64) / 100.0,
        };
        if let Some(c) = self.own_country(user, 0.4) {
            metadata.insert("country", c);
        }
        let doc = doc! {
            "_id": id,
            "userId": self.users[user].id,
            "contentType": content_type,
            "contentId": self.out.ids.at(t - 1000),
            "reason": reason,
            "action": action,
            "status": status,
            "reviewedAt": reviewed,
            "metadata": metadata,
            "createdAt": date(t),
        };
        self.push(Collection::Moderationflags, id, doc);
    }

    pub(super) fn moderation(&mut self, d: i64, day_start: i64, active: &[(usize, i64)]) {
        if active.is_empty() {
            return;
        }
        let n = (active.len() as f64 * 0.004) as i64 + self.rng.range(0, 3);
        for _ in 0..n {
            let (user, lb) = active[self.rng.below(active.len() as u64) as usize];
            let t = self.time(day_start, lb);
            self.flag(user, t, None, None);
        }
        if self.flag_spikes.get(d as usize).copied().unwrap_or(false) {
            // An abuse wave: one clock hour with many flags on a few accounts.
            let hour = self.diurnal.offset(&mut self.rng) / HOUR_MS;
            let offenders: Vec<usize> = (0..self.rng.range(1, 6))
                .map(|_| active[self.rng.below(active.len() as u64) as usize].0)
                .collect();
            let count = self.rng.range(60, 160);
            for _ in 0..count {
                let user = offenders[self.rng.below(offenders.len() as u64) as usize];
                let lb = (day_start + hour * HOUR_MS).max(self.users[user].signup_ms);
                let hour_end = day_start + (hour + 1) * HOUR_MS;
                if lb >= hour_end {
                    continue;
                }
                let t = self.rng.range(lb, hour_end);
                let decided = self.rng.pick(&[
                    (("block", "resolved"), 40.0),
                    (("review", "pending"), 40.0),
                    (("warn", "flagged"), 20.0),
                ]);
                let content = self.rng.pick(&[("text", 60.0), ("stream", 40.0)]);
                self.flag(user, t, Some(decided), Some(content));
            }
        }
    }
}
