//! Clock and randomness for the local host (its configuration is `config`).

use std::time::{SystemTime, UNIX_EPOCH};

use rainbownet_core::ports::{Clock, Random};

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
