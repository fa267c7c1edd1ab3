//! Record keys derived from a [`PublishKey`], Bluesky's idempotency for posts.
//!
//! A post record's key is normally a TID: 13 characters of base32-sortable (`234567a-z`) over 64 bits — a zero
//! top bit, 53 bits of microseconds since the Unix epoch and a 10-bit clock id. Chorus does not take the current
//! time: it derives the key from the publish key (a UUIDv7) and the part of the thread, so every attempt to
//! publish the same part writes the same record key, and the PDS keeps it to one record (written with
//! `putRecord` and `swapRecord: null`, "create only if absent").
//!
//! The derivation, for part `n` (0 is the post, 1 the first reply of the thread…):
//! - the seconds are those of the UUIDv7's 48-bit timestamp (when the variant was created), so keys sort with
//!   time like the TIDs of other clients;
//! - the UUID's 74 random bits are folded (XOR of 25-bit chunks) into 25 bits: 10 become the clock id, 15 (taken
//!   modulo 31,250) a "spread";
//! - microseconds = seconds × 1,000,000 + spread × 32 + `n`, which stays within the second (31,249 × 32 + 31 <
//!   1,000,000) and keeps a thread's parts in order.
//!
//! The sub-second part of the time is given up for randomness: two variants published to the same account
//! collide only if they were created in the same second *and* fold to the same 25 bits (1 in 32,000,000), which
//! a bulk import of many posts in one second could otherwise approach. A collision is not a double or a lost
//! post: the key then holds a post with other text, and publishing stops with a permanent error.

use crate::PublishKey;

const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// Most parts a thread may have: 32 part numbers fit in a spread step (`n` < 32).
pub const MAX_PARTS: usize = 32;

/// Keeps microseconds below 2^53 for any UUID, even one that is not a v7 (whose "timestamp" is random).
const SECONDS_LIMIT: u64 = (1 << 53) / 1_000_000;
/// Spreads within a second, leaving room for [`MAX_PARTS`] parts after each.
const SPREADS: u64 = 1_000_000 / MAX_PARTS as u64;

/// The record key of part `part` of the post published under `key`; `None` past [`MAX_PARTS`].
pub fn record_key(key: &PublishKey, part: usize) -> Option<String> {
    if part >= MAX_PARTS {
        return None;
    }
    let bits = key.0.as_u128();
    let seconds = (((bits >> 80) as u64) / 1000) % SECONDS_LIMIT;
    // UUIDv7: 48 bits of time, 4 of version, 12 random (rand_a), 2 of variant, 62 random (rand_b).
    let random = (((bits >> 64) & 0xfff) << 62) | (bits & ((1 << 62) - 1));
    let mut fold = 0u64;
    let mut rest = random;
    while rest != 0 {
        fold ^= (rest & 0x1ff_ffff) as u64;
        rest >>= 25;
    }
    let clock = fold & 0x3ff;
    let spread = (fold >> 10) % SPREADS;
    let micros = seconds * 1_000_000 + spread * MAX_PARTS as u64 + part as u64;
    Some(encode((micros << 10) | clock))
}

/// The 13-character base32-sortable form of a TID value.
fn encode(mut value: u64) -> String {
    let mut key = [0u8; 13];
    for slot in key.iter_mut().rev() {
        *slot = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    key.iter().map(|&b| char::from(b)).collect()
}

/// Whether `key` has the syntax of a TID (`@atproto/syntax`: `^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`).
pub fn is_tid(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == 13 && b"234567abcdefghij".contains(&bytes[0]) && bytes[1..].iter().all(|b| ALPHABET.contains(b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a test that cannot set up should stop loudly

    use super::*;

    fn key() -> PublishKey {
        PublishKey(uuid::Uuid::parse_str("019aacd2-7b3e-7c41-9f2e-5a1b2c3d4e5f").unwrap())
    }

    #[test]
    fn keys_are_tids_deterministic_and_distinct_per_part() {
        let parts: Vec<String> = (0..MAX_PARTS).map(|n| record_key(&key(), n).unwrap()).collect();
        for part in &parts {
            assert!(is_tid(part), "{part} is not a TID");
        }
        let again: Vec<String> = (0..MAX_PARTS).map(|n| record_key(&key(), n).unwrap()).collect();
        assert_eq!(parts, again, "the same key and part give the same record key");
        let mut sorted = parts.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, parts, "distinct, and in thread order when sorted");
        assert_eq!(record_key(&key(), MAX_PARTS), None);
    }

    #[test]
    fn keys_carry_the_variants_creation_time() {
        let key = key();
        let millis = (key.0.as_u128() >> 80) as u64;
        let decoded = record_key(&key, 0)
            .unwrap()
            .bytes()
            .fold(0u64, |value, b| (value << 5) | ALPHABET.iter().position(|&a| a == b).unwrap() as u64);
        assert_eq!((decoded >> 10) / 1_000_000, millis / 1000);
    }

    #[test]
    fn other_variants_get_other_keys() {
        // A bulk import: a thousand variants created in the same millisecond, their random bits fixed so that the
        // test gives the same answer every run.
        let mut seen = std::collections::HashSet::new();
        let mut random = 0x9e37_79b9_7f4a_7c15_u64;
        let millis = 0x019a_acd2_7b3e_u128;
        for _ in 0..1000 {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            let bits = (millis << 80)
                | (0x7 << 76)
                | (u128::from(random) << 12 & (0xfff << 64))
                | (0b10 << 62)
                | u128::from(random >> 2);
            let key = PublishKey(uuid::Uuid::from_u128(bits));
            assert!(seen.insert(record_key(&key, 0).unwrap()), "two variants got the same record key");
        }
        for _ in 0..50 {
            assert!(seen.insert(record_key(&PublishKey(uuid::Uuid::now_v7()), 0).unwrap()));
        }
        // Any UUID, not only a v7, still gives a valid key.
        assert!(is_tid(&record_key(&PublishKey(uuid::Uuid::from_u128(u128::MAX)), 3).unwrap()));
        assert!(is_tid(&record_key(&PublishKey(uuid::Uuid::nil()), 0).unwrap()));
    }
}
