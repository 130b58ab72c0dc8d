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

/// Admission to work that takes much memory at once: an Argon2id hash holds 19 MiB for
/// its duration. A host that runs requests in parallel on threads (the local host) bounds
/// how many run together and queues a few more; a host that runs one request per isolate
/// or instance (Workers, Spin) admits every request, its platform bounds the memory.
pub trait Admission {
    /// A permit held while the work runs (dropping it lets the next one in), or `None`
    /// when the queue is full: the caller answers 503 with `Retry-After`.
    fn costly(&self) -> Option<Permit>;
}

/// Held while admitted work runs; whatever the host put inside releases on drop.
pub struct Permit(#[allow(dead_code)] Option<Box<dyn std::any::Any>>);

impl Permit {
    /// A permit that holds nothing back (hosts that do not bound admitted work).
    pub fn unbounded() -> Permit {
        Permit(None)
    }

    /// A permit whose `guard` is dropped when the work ends.
    pub fn holding(guard: Box<dyn std::any::Any>) -> Permit {
        Permit(Some(guard))
    }
}

/// Admits everything: for hosts that run one request per isolate or instance.
pub struct Unbounded;

impl Admission for Unbounded {
    fn costly(&self) -> Option<Permit> {
        Some(Permit::unbounded())
    }
}

/// Operator-facing log lines. Never pass patient data or secrets.
pub trait Log {
    /// Something failed that should not have (a store did not answer).
    fn error(&self, request_id: &str, message: &str);
    /// Something was refused that a component should never ask for (a store it is not
    /// granted): worth an operator's look, not a failure of ours.
    fn warn(&self, request_id: &str, message: &str);
}

/// Log lines on the process's standard error, for the hosts that have one (the local host,
/// Spin under WASI); Workers log through the console instead.
pub struct StderrLog;

impl Log for StderrLog {
    fn error(&self, request_id: &str, message: &str) {
        eprintln!("error request_id={request_id} {message}");
    }

    fn warn(&self, request_id: &str, message: &str) {
        eprintln!("warn request_id={request_id} {message}");
    }
}
