//! The user directory: what the KPI engine needs to know about users and hosts beyond one day's events
//! (a document's fallback country, signup days for retention, handles of top creators, first streams).
//!
//! It is read from the `users` and `livestreams` collections (dimension data, a small fraction of the
//! event volume), never from the event collections.

use std::collections::HashMap;

use bson::oid::ObjectId;
use chrono::{DateTime, Utc};

use crate::model::{Country, Livestream, User};
use crate::store::{Store, StoreExt};
use crate::Result;

/// What the engine keeps of one user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    /// Signup instant.
    pub created_at: DateTime<Utc>,
    /// `users.country`.
    pub country: Option<Country>,
    /// Public handle.
    pub username: Option<String>,
}

/// Users by id, and the first stream of every host.
#[derive(Debug, Clone, Default)]
pub struct UserDirectory {
    users: HashMap<ObjectId, UserInfo>,
    first_stream: HashMap<ObjectId, DateTime<Utc>>,
}

impl UserDirectory {
    /// Reads users and the hosts' first streams from a store.
    pub fn load(store: &dyn Store) -> Result<Self> {
        let mut dir = UserDirectory::default();
        store.each::<User>(None, |u| {
            dir.users.insert(
                u.id,
                UserInfo {
                    created_at: u.created_at,
                    country: u.country,
                    username: u.username.clone(),
                },
            );
        })?;
        store.each::<Livestream>(None, |s| {
            dir.first_stream
                .entry(s.host_id)
                .and_modify(|t| *t = (*t).min(s.created_at))
                .or_insert(s.created_at);
        })?;
        Ok(dir)
    }

    /// A user, if the `users` collection has them.
    pub fn user(&self, id: &ObjectId) -> Option<&UserInfo> {
        self.users.get(id)
    }

    /// `users.country` of a user (`None`: unknown user or no country).
    pub fn country(&self, id: &ObjectId) -> Option<Country> {
        self.users.get(id).and_then(|u| u.country)
    }

    /// The instant of a host's first stream ever, in any country.
    pub fn first_stream(&self, host: &ObjectId) -> Option<DateTime<Utc>> {
        self.first_stream.get(host).copied()
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}
