//! Live streams and their chat: the streams hosts start each day, which viewers join by popularity and
//! whose viewer, gift and comment totals accumulate over the day (so the `livestreams` documents, written
//! at its end, agree with the gifts and messages), and the `messages` viewers post in them.

use bson::oid::ObjectId;
use bson::{doc, Bson};

use super::random::Rand;
use super::users::Host;
use super::{date, Sim, OTHER_COUNTRIES};
use crate::model::Collection;

const CHAT_LINES: [&str; 12] = [
    "hello from pokhara",
    "namaste!",
    "love this song",
    "🔥🔥🔥",
    "where are you from?",
    "so cool",
    "haha",
    "please play it again",
    "good evening everyone",
    "first time here",
    "❤️",
    "sending a rose",
];

const TITLES: [&str; 5] = ["Evening", "Music", "Chill", "Late night", "Talk"];
const CATEGORIES: [&str; 5] = ["music", "chat", "gaming", "dance", "talk"];

/// A stream of the current day.
pub(super) struct StreamDay {
    pub(super) id: ObjectId,
    pub(super) host: usize,
    pub(super) created: i64,
    pub(super) started: Option<i64>,
    pub(super) duration_s: i64,
    pub(super) status: &'static str,
    pub(super) country: Option<&'static str>,
    pub(super) base_viewers: i64,
    pub(super) participants: i64,
    pub(super) gifts: i64,
    pub(super) coins: i64,
    pub(super) comments: i64,
}

impl StreamDay {
    /// The instants viewers can interact in, if the stream went live.
    fn window(&self) -> Option<(i64, i64)> {
        self.started.map(|s| (s, s + self.duration_s * 1000))
    }
}

/// The day's streams that viewers can be in, drawn by popularity.
pub(super) struct Rooms {
    pub(super) cumulative: Vec<f64>,
    pub(super) total: f64,
}

impl Rooms {
    pub(super) fn pick(&self, rng: &mut Rand) -> usize {
        let u = rng.unit() * self.total;
        self.cumulative
            .partition_point(|c| *c <= u)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

impl<'s> Sim<'s> {
    pub(super) fn new_stream(
        &mut self,
        host_index: usize,
        host: Host,
        day_start: i64,
        lb: i64,
        last_day: bool,
    ) -> StreamDay {
        let created = self.time(day_start, lb);
        let id = self.out.ids.at(created);
        let rng = &mut self.rng;
        let status = if last_day && rng.chance(0.1) {
            "live"
        } else {
            rng.pick(&[
                ("ended", 90.0),
                ("live", 2.0),
                ("preparing", 5.0),
                ("banned", 3.0),
            ])
        };
        let planned = rng.piecewise(&[
            (300.0, 1800.0, 50.0),
            (1800.0, 5400.0, 35.0),
            (5400.0, 14_400.0, 15.0),
        ]) as i64;
        let (started, mut duration_s) = match status {
            "preparing" => (None, 0),
            "banned" => (Some(created + rng.range(5_000, 120_000)), planned / 4 + 30),
            _ => (Some(created + rng.range(5_000, 120_000)), planned),
        };
        // A stream that would run past the end of the window is still live when the data is exported.
        let mut status = status;
        let mut started = started;
        if let Some(start) = started {
            if start + 1000 >= self.window_end_ms {
                (status, started, duration_s) = ("preparing", None, 0);
            } else if start + duration_s * 1000 >= self.window_end_ms {
                status = "live";
                duration_s = (self.window_end_ms - 1 - start) / 1000;
            }
        }
        let own = self.users[host_index].country;
        let country = if self.rng.chance(0.08) {
            None
        } else if self.rng.chance(0.03) {
            Some(OTHER_COUNTRIES[self.rng.below(OTHER_COUNTRIES.len() as u64) as usize])
        } else {
            own
        };
        let base_viewers = if started.is_some() {
            (host.popularity * self.rng.uniform(2.0, 20.0)) as i64
        } else {
            0
        };
        StreamDay {
            id,
            host: host_index,
            created,
            started,
            duration_s,
            status,
            country,
            base_viewers,
            participants: 0,
            gifts: 0,
            coins: 0,
            comments: 0,
        }
    }

    pub(super) fn stream_doc(&mut self, s: StreamDay) {
        let rng = &mut self.rng;
        let host_id = self.users[s.host].id;
        let viewers = if s.started.is_some() {
            s.base_viewers + s.participants + 1
        } else {
            0
        };
        let peak = if viewers > 0 {
            ((viewers as f64 * rng.uniform(0.3, 0.7)) as i64).max(1)
        } else {
            0
        };
        let likes = (viewers as f64 * rng.uniform(0.0, 8.0)) as i64;
        let ended = match (s.status, s.window()) {
            ("ended" | "banned", Some((_, end))) => date(end),
            _ => Bson::Null,
        };
        let title = format!("{} live", TITLES[rng.below(TITLES.len() as u64) as usize]);
        let category = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
        let mut doc = doc! {
            "_id": s.id,
            "hostId": host_id,
            "title": title,
            "category": category,
            "status": s.status,
            "startedAt": s.started.map_or(Bson::Null, date),
            "endedAt": ended,
            "duration": s.duration_s as i32,
            "totalViewers": viewers as i32,
            "peakViewers": peak as i32,
            "totalGifts": s.gifts as i32,
            "totalCoins": s.coins,
            "totalLikes": likes as i32,
            "totalComments": s.comments as i32,
        };
        if let Some(c) = s.country {
            doc.insert("country", c);
        }
        doc.insert("streamKey", format!("sk_live_FAKE_{}", rng.hex(24)));
        doc.insert("agoraToken", format!("007eJxTFAKETOKEN{}", rng.hex(32)));
        doc.insert("agoraChannel", format!("hb_{}", s.id.to_hex()));
        doc.insert("isPrivate", false);
        doc.insert("createdAt", date(s.created));
        doc.insert("updatedAt", date(s.window().map_or(s.created, |w| w.1)));
        self.push(Collection::Livestreams, s.id, doc);
    }

    /// A time inside a stream's window, not before `lb`.
    pub(super) fn time_in(&mut self, s: &StreamDay, lb: i64) -> Option<i64> {
        let (from, to) = s.window()?;
        let from = from.max(lb);
        (from < to).then(|| self.rng.range(from, to))
    }

    pub(super) fn chat(&mut self, i: usize, lb: i64, rooms: &Rooms, streams: &mut [StreamDay]) {
        if rooms.total <= 0.0 || !self.rng.chance(self.users[i].chat_prob) {
            return;
        }
        let s = rooms.pick(&mut self.rng);
        let n = self
            .rng
            .piecewise(&[(1.0, 3.0, 60.0), (3.0, 10.0, 30.0), (10.0, 30.0, 10.0)])
            as i64;
        streams[s].participants += 1;
        for _ in 0..n {
            let Some(t) = self.time_in(&streams[s], lb) else {
                return;
            };
            let id = self.out.ids.at(t);
            let deleted = self.rng.chance(0.05);
            let doc = doc! {
                "_id": id,
                "userId": self.users[i].id,
                "roomId": streams[s].id,
                "content": CHAT_LINES[self.rng.below(CHAT_LINES.len() as u64) as usize],
                "type": "text",
                "isDeleted": deleted,
                "createdAt": date(t),
            };
            streams[s].comments += 1;
            self.push(Collection::Messages, id, doc);
        }
    }
}
