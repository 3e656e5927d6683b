//! Staked games: the users' `gamestakes` and the `gamerounds` they belong to. Rounds tile the day in
//! fixed slots per game and are created by the first stake in them, so every stake joins a round.

use std::collections::BTreeMap;

use bson::oid::ObjectId;
use bson::{doc, Bson};

use super::{date, number, Sim, DAY_MS};
use crate::model::Collection;

/// Games: (code, round slot in seconds).
const GAMES: [(&str, i64); 3] = [("wheel", 60), ("teenpatti", 90), ("dice", 45)];

/// A game round of the current day.
pub(super) struct RoundDay {
    id: ObjectId,
    duration_ms: i64,
}

impl<'s> Sim<'s> {
    pub(super) fn games(
        &mut self,
        i: usize,
        day_start: i64,
        lb: i64,
        wf: f64,
        rounds: &mut BTreeMap<(usize, i64), RoundDay>,
    ) {
        if !self.rng.chance((self.users[i].game_prob * wf).min(0.9)) {
            return;
        }
        let g = self.rng.below(GAMES.len() as u64) as usize;
        let slot_ms = GAMES[g].1 * 1000;
        let n = self.rng.range(1, 7);
        let t0 = self.time(day_start, lb);
        // The next round starting at or after t0 (rounds tile the day, so it starts on this day or at its end).
        let first = (t0 + slot_ms - 1).div_euclid(slot_ms);
        let last_of_day = (day_start + DAY_MS).div_euclid(slot_ms) - 1;
        for k in 0..n {
            let slot_index = first + k;
            if slot_index > last_of_day {
                break;
            }
            let start = slot_index * slot_ms;
            let round = match rounds.entry((g, slot_index)) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    let duration_ms = if self.rng.chance(0.7) {
                        self.rng.range(slot_ms * 6 / 10_000, slot_ms * 95 / 100_000) * 1000
                    } else {
                        self.rng.range(slot_ms * 6 / 10, slot_ms * 95 / 100)
                    };
                    e.insert(RoundDay {
                        id: self.out.ids.at(start),
                        duration_ms: duration_ms.max(1000),
                    })
                }
            };
            let t = start + self.rng.range(0, round.duration_ms);
            let round_id = format!("{}-{slot_index}", GAMES[g].0);
            let stake = self.rng.pick(&[
                (10, 25.0),
                (20, 20.0),
                (50, 20.0),
                (100, 15.0),
                (200, 10.0),
                (500, 7.0),
                (1000, 3.0),
            ]);
            let result = self
                .rng
                .pick(&[("won", 44.0), ("lost", 51.0), ("pending", 5.0)]);
            let multiplier_tenths = self
                .rng
                .pick(&[(15, 50.0), (20, 30.0), (30, 15.0), (50, 5.0)]);
            let win = if result == "won" {
                number(stake * multiplier_tenths)
            } else {
                Bson::Int32(0)
            };
            let id = self.out.ids.at(t);
            let mut metadata = doc! { "multiplier": multiplier_tenths as f64 / 10.0, "clientSeed": self.rng.hex(8) };
            if let Some(c) = self.own_country(i, 0.3) {
                metadata.insert("country", c);
            }
            let doc = doc! {
                "_id": id,
                "userId": self.users[i].id,
                "gameId": self.games[g],
                "roundId": round_id,
                "stakeAmount": stake as i32,
                "winAmount": win,
                "result": result,
                "metadata": metadata,
                "createdAt": date(t),
            };
            self.push(Collection::Gamestakes, id, doc);
        }
    }

    pub(super) fn round_doc(&mut self, game: usize, slot_index: i64, round: &RoundDay) {
        let slot_ms = GAMES[game].1 * 1000;
        let start = slot_index * slot_ms;
        let duration = if round.duration_ms % 1000 == 0 {
            Bson::Int32((round.duration_ms / 1000) as i32)
        } else {
            Bson::Double(round.duration_ms as f64 / 1000.0)
        };
        let doc = doc! {
            "_id": round.id,
            "roundId": format!("{}-{slot_index}", GAMES[game].0),
            "gameId": self.games[game],
            "startAt": date(start),
            "endAt": date(start + round.duration_ms),
            "durationSec": duration,
            "serverSeedHash": self.rng.hex(32),
            "createdAt": date(start),
        };
        self.push(Collection::Gamerounds, round.id, doc);
    }
}
