//! The local host's configuration: the process environment (`RAINBOWNET_*`), else the
//! defaults its data directory settled.

use rainbownet_core::ports::Config;

/// Configuration from the process environment (`RAINBOWNET_*`), else the host's defaults.
/// Only the function that issues tokens may read the signing seed (as only the `care`
/// Worker has that secret); the others get the public key.
pub struct EnvConfig {
    pub data: std::sync::Arc<crate::store::DataDir>,
    pub may_sign: bool,
}

impl Config for EnvConfig {
    fn get(&self, key: &str) -> Option<String> {
        use rainbownet_core::auth::keys::{PUBLIC_KEY_KEY, SEED_KEY};
        if key == SEED_KEY && !self.may_sign {
            return None;
        }
        // The token keys were settled together when the data directory was opened.
        let from_env = key != SEED_KEY && key != PUBLIC_KEY_KEY;
        std::env::var(key)
            .ok()
            .filter(|v| from_env && !v.is_empty())
            .or_else(|| {
                self.data
                    .config_defaults
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
            })
    }
}
