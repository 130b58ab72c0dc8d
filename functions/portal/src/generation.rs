//! The page generation: a name in the `cache` KV store that every write to public data
//! replaces, so that every page and answer kept under the old one is obsolete at once.

use rainbownet_core::Env;
use rainbownet_core::ports::KvStore;

const GENERATION_KEY: &str = "pages:generation";

/// The current page generation. The first reader of a store without one names it, so
/// that two stores (a test's hosts in one process) never share a generation in the
/// instance memo.
pub async fn generation(env: &Env) -> Option<String> {
    let kv = env.kv(KvStore::Cache).await.ok()?;
    match kv.get(GENERATION_KEY).await.ok()? {
        Some(value) => Some(String::from_utf8_lossy(&value).into_owned()),
        None => {
            let named = env.new_id();
            kv.put(GENERATION_KEY, named.as_bytes(), None).await.ok()?;
            Some(named)
        }
    }
}

/// Makes every cached page obsolete. A cache failure must not fail the write that came
/// before it, so errors are logged, not returned.
pub async fn invalidate_pages(env: &Env) {
    let bump = async {
        let kv = env.kv(KvStore::Cache).await?;
        kv.put(GENERATION_KEY, env.new_id().as_bytes(), None).await
    };
    if let Err(e) = bump.await {
        env.log
            .error("pages", &format!("page cache not invalidated: {e}"));
    }
}
