//! Clock, randomness, configuration and logging on Workers.

use rainbownet_core::ports::{Clock, Config, Log, Random};
use wasm_bindgen::{JsCast, JsValue};

pub struct DateClock;

impl Clock for DateClock {
    fn now_millis(&self) -> i64 {
        js_sys::Date::now() as i64
    }
}

/// `crypto.getRandomValues`, called per request (Workers forbid it at module load).
pub struct CryptoRandom;

impl Random for CryptoRandom {
    fn fill(&self, buf: &mut [u8]) {
        let array = js_sys::Uint8Array::new_with_length(buf.len() as u32);
        let filled = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
            .and_then(|crypto| {
                let get: js_sys::Function =
                    js_sys::Reflect::get(&crypto, &JsValue::from_str("getRandomValues"))?
                        .dyn_into()?;
                get.call1(&crypto, &array)
            });
        // Without a working CSPRNG no identifier or token may be issued; stop this request.
        assert!(filled.is_ok(), "crypto.getRandomValues is not available");
        array.copy_to(buf);
    }
}

/// Worker secrets first, then plain vars.
pub struct WorkerConfig(pub worker::Env);

impl Config for WorkerConfig {
    fn get(&self, key: &str) -> Option<String> {
        self.0
            .secret(key)
            .map(|s| s.to_string())
            .or_else(|_| self.0.var(key).map(|v| v.to_string()))
            .ok()
            .filter(|v| !v.is_empty())
    }
}

pub struct ConsoleLog;

impl Log for ConsoleLog {
    fn error(&self, request_id: &str, message: &str) {
        worker::console_error!("error request_id={request_id} {message}");
    }

    fn warn(&self, request_id: &str, message: &str) {
        worker::console_warn!("warn request_id={request_id} {message}");
    }
}
