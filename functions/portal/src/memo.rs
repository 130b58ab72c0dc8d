//! Answers this instance keeps in its own memory for a few seconds: searches near a
//! position and free text, which are not written to the `cache` KV store (their keys are
//! endless, and an outsider must not fill the store or the town's bill). Bounded by
//! entries and bytes, so no query can grow it; a Worker isolate, the local host's process
//! or a Spin instance each has its own (on Spin it lives for one request, harmlessly).
//! Keys carry the page generation, so a write makes every kept answer obsolete here too.
//! The words the network knows (`dictionary`) are kept here too, one copy per generation.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use rainbownet_core::Error;
use rainbownet_core::env::Env;
use rainbownet_core::resources::search::{Cells, Kept, SearchQuery};
use rainbownet_core::resources::words::Dictionary;

const MAX_ENTRIES: usize = 512;
const MAX_BYTES: usize = 16 * 1024 * 1024;
/// Longest time an answer is kept here: residents a street apart share it, and a surge
/// asks the same places again and again within seconds.
pub const MAX_TTL_MILLIS: i64 = 30_000;

struct Entry {
    until: i64,
    bytes: Arc<Vec<u8>>,
}

#[derive(Default)]
struct Memo {
    entries: HashMap<String, Entry>,
    /// Insertion order, oldest first: the first to go when a bound is reached.
    order: VecDeque<String>,
    bytes: usize,
}

static MEMO: Mutex<Option<Memo>> = Mutex::new(None);

fn with<T>(f: impl FnOnce(&mut Memo) -> T) -> T {
    // A panic while holding the lock leaves at worst a stale entry: reuse it.
    let mut guard = MEMO.lock().unwrap_or_else(|p| p.into_inner());
    f(guard.get_or_insert_with(Memo::default))
}

pub fn get(key: &str, now: i64) -> Option<Arc<Vec<u8>>> {
    with(|memo| match memo.entries.get(key) {
        Some(entry) if entry.until > now => Some(Arc::clone(&entry.bytes)),
        _ => None,
    })
}

pub fn put(key: &str, bytes: &[u8], now: i64, ttl_millis: i64) {
    if bytes.len() > MAX_BYTES / 16 {
        return;
    }
    with(|memo| {
        if let Some(old) = memo.entries.remove(key) {
            memo.bytes -= old.bytes.len();
            memo.order.retain(|k| k != key);
        }
        while memo.entries.len() >= MAX_ENTRIES || memo.bytes + bytes.len() > MAX_BYTES {
            let Some(oldest) = memo.order.pop_front() else {
                break;
            };
            if let Some(gone) = memo.entries.remove(&oldest) {
                memo.bytes -= gone.bytes.len();
            }
        }
        memo.bytes += bytes.len();
        memo.order.push_back(key.to_owned());
        memo.entries.insert(
            key.to_owned(),
            Entry {
                until: now + ttl_millis.min(MAX_TTL_MILLIS),
                bytes: Arc::new(bytes.to_vec()),
            },
        );
    });
}

/// The words the network knows (synonyms, categories, towns), read and folded once per
/// page generation rather than on every search: every write to them makes a new
/// generation. Kept for a minute at most, for writes that make none (the command line
/// writing the database beside a running host).
const DICTIONARY_TTL_MILLIS: i64 = 60_000;

type KeptDictionary = (String, i64, Arc<Dictionary>);

static DICTIONARY: Mutex<Option<KeptDictionary>> = Mutex::new(None);

pub async fn dictionary(
    env: &Env,
    query: &SearchQuery,
    generation: Option<&str>,
) -> Result<Arc<Dictionary>, Error> {
    if query.words.is_none() {
        return Ok(Arc::new(Dictionary::default()));
    }
    let now = env.clock.now_millis();
    let Some(generation) = generation else {
        return Ok(Arc::new(Dictionary::load(env).await?));
    };
    {
        let kept = DICTIONARY.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((g, until, dictionary)) = kept.as_ref()
            && g == generation
            && *until > now
        {
            return Ok(Arc::clone(dictionary));
        }
    }
    let dictionary = Arc::new(Dictionary::load(env).await?);
    *DICTIONARY.lock().unwrap_or_else(|p| p.into_inner()) = Some((
        generation.to_owned(),
        now + DICTIONARY_TTL_MILLIS,
        Arc::clone(&dictionary),
    ));
    Ok(dictionary)
}

/// The places of the cells residents searched near, kept for the page generation (see
/// `rainbownet_core::resources::search::Cells`). A Worker isolate has 128 MB for
/// everything and never gives back memory it grew into: there a quarter of a host's
/// (about 25,000 places, 5,000 rows). On Spin an instance lives for one request anyway.
#[cfg(target_arch = "wasm32")]
static CELLS: Cells = Cells::bounded(16 * 1024 * 1024, 5_000);
#[cfg(not(target_arch = "wasm32"))]
static CELLS: Cells = Cells::new();

/// Reads the region's places into memory when they are not there for the current page
/// generation or were read a while ago (a host's work after responses and its timer; a
/// no-op where regions are not kept).
pub async fn keep_places_fresh(env: &Env) {
    if !CELLS.reads_regions() {
        return;
    }
    let Some(generation) = crate::generation::generation(env).await else {
        return;
    };
    if let Err(e) = CELLS.keep_region_fresh(env, &generation).await {
        env.log
            .error("search", &format!("the region's places were not read: {e}"));
    }
}

/// The kept places to search near, when the store has a page generation to key them by.
pub fn places(generation: Option<&str>) -> Kept<'_> {
    generation.map(|g| (&CELLS, g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_until_its_time_and_bounded_by_entries() {
        put("test:a", b"answer", 1_000, 60_000);
        assert_eq!(get("test:a", 2_000).as_deref(), Some(&b"answer".to_vec()));
        // Never longer than MAX_TTL_MILLIS, whatever the caller asks.
        assert!(get("test:a", 1_000 + MAX_TTL_MILLIS).is_none());
        for i in 0..MAX_ENTRIES + 10 {
            put(&format!("test:n{i}"), b"x", 1_000, 10_000);
        }
        assert!(get("test:n0", 2_000).is_none(), "the oldest went first");
        assert!(get(&format!("test:n{}", MAX_ENTRIES + 9), 2_000).is_some());
        with(|memo| {
            assert!(memo.entries.len() <= MAX_ENTRIES);
            assert_eq!(memo.entries.len(), memo.order.len());
            assert_eq!(
                memo.bytes,
                memo.entries.values().map(|e| e.bytes.len()).sum::<usize>()
            );
        });
        // Too big to keep: not kept, nothing else pushed out.
        put("test:big", &vec![0; MAX_BYTES], 1_000, 10_000);
        assert!(get("test:big", 2_000).is_none());
    }
}
