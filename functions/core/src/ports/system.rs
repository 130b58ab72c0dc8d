//! Clock, randomness, configuration and logging: the small ports.

/// Wall-clock time. On Workers it only advances between I/O, which is what we want.
pub trait Clock {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_millis(&self) -> i64;
}

/// Cryptographically secure random bytes.
pub trait Random {
    fn fill(&self, buf: &mut [u8]);
}

/// Deployment configuration and secrets (Spin variables, Workers vars and secrets, the
/// local host's environment). Values are never logged.
pub trait Config {
    fn get(&self, key: &str) -> Option<String>;
}

/// Operator-facing log lines. Never pass patient data or secrets.
pub trait Log {
    /// Something failed that should not have (a store did not answer).
    fn error(&self, request_id: &str, message: &str);
    /// Something was refused that a component should never ask for (a store it is not
    /// granted): worth an operator's look, not a failure of ours.
    fn warn(&self, request_id: &str, message: &str);
}

/// Every configuration key the core reads. Hosts whose configuration can not be read on
/// demand (Spin variables are async) load these up front.
pub const CONFIG_KEYS: &[&str] = &[
    crate::auth::bootstrap::CONFIG_KEY,
    crate::web::ORIGIN_KEY,
    crate::web::TILE_URL_KEY,
    crate::web::TILE_ATTRIBUTION_KEY,
    crate::auth::keys::SEED_KEY,
    crate::auth::keys::PUBLIC_KEY_KEY,
];
