//! Pseudonymisation of user ids that leave the engine: a keyed hash (HMAC-SHA-256), stable for one key,
//! so outputs can be joined with each other but not traced back to a user without the key.

use bson::oid::ObjectId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Turns user ids into pseudonyms, or reveals them when the caller asked for raw ids.
#[derive(Clone)]
pub struct Pseudonymizer {
    key: Vec<u8>,
    reveal: bool,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the key.
        f.debug_struct("Pseudonymizer")
            .field("reveal", &self.reveal)
            .finish_non_exhaustive()
    }
}

impl Pseudonymizer {
    /// Pseudonyms under `key`.
    pub fn new(key: &[u8]) -> Self {
        Pseudonymizer {
            key: key.to_vec(),
            reveal: false,
        }
    }

    /// Raw ids (hex ObjectIds): only when the caller explicitly asks for them.
    pub fn reveal() -> Self {
        Pseudonymizer {
            key: Vec::new(),
            reveal: true,
        }
    }

    /// The id as it may leave the engine: `u_` and 24 hex digits of the keyed hash, or the raw hex id.
    pub fn id(&self, id: &ObjectId) -> String {
        if self.reveal {
            return id.to_hex();
        }
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return "u_unavailable".to_owned();
        };
        mac.update(&id.bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(26);
        out.push_str("u_");
        for b in &digest[..12] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
}

/// A random key for this process, the same for every call: 32 bytes from the standard library's
/// randomly seeded hasher keys (seeded from the operating system's entropy), as hex.
pub fn process_key() -> String {
    use std::hash::{BuildHasher, RandomState};
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        (0u64..4)
            .map(|i| format!("{:016x}", RandomState::new().hash_one(i)))
            .collect()
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_key_and_differ_across_keys() {
        let id = ObjectId::parse_str("65f1a2b3c4d5e6f708192a3b").unwrap();
        let a = Pseudonymizer::new(b"k1");
        assert_eq!(a.id(&id), a.id(&id));
        assert_ne!(a.id(&id), Pseudonymizer::new(b"k2").id(&id));
        assert!(!a.id(&id).contains("65f1a2b3"));
        assert_eq!(a.id(&id).len(), 26);
        assert_eq!(Pseudonymizer::reveal().id(&id), "65f1a2b3c4d5e6f708192a3b");
    }
}
