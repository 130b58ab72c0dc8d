//! Clock, randomness, configuration and logging on Spin (WASI).

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use rainbownet_core::ports::{Clock, Config, Random};

pub struct WasiClock;

impl Clock for WasiClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

pub struct WasiRandom;

impl Random for WasiRandom {
    fn fill(&self, buf: &mut [u8]) {
        let bytes = spin_sdk::wasip3::random::random::get_random_bytes(buf.len() as u64);
        buf.copy_from_slice(&bytes[..buf.len()]);
    }
}

/// Spin variables are read asynchronously, the config port is synchronous: the keys the
/// core knows are read once per request, up front. Spin names are the keys in lower case.
pub struct SpinConfig(HashMap<&'static str, String>);

impl SpinConfig {
    pub async fn load() -> SpinConfig {
        #[allow(unused_mut)] // without the `variables` feature nothing is read
        let mut values = HashMap::new();
        #[cfg(feature = "variables")]
        for setting in rainbownet_core::settings::ALL {
            if let Ok(value) = spin_sdk::variables::get(setting.spin_name()).await {
                values.insert(setting.name, value);
            }
        }
        SpinConfig(values)
    }
}

impl Config for SpinConfig {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).filter(|v| !v.is_empty()).cloned()
    }
}
