//! Clock, randomness, configuration and logging for the local host.

use std::time::{SystemTime, UNIX_EPOCH};

use rainbownet_core::ports::{Clock, Config, Log, Random};

pub struct SystemClock;

impl SystemClock {
    pub fn millis() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        Self::millis()
    }
}

pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The OS generator failing means the machine can not run securely at all.
        getrandom::fill(buf).expect("the operating system's random number generator failed");
    }
}

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

pub struct StderrLog;

impl Log for StderrLog {
    fn error(&self, request_id: &str, message: &str) {
        eprintln!("error request_id={request_id} {message}");
    }

    fn warn(&self, request_id: &str, message: &str) {
        eprintln!("warn request_id={request_id} {message}");
    }
}
