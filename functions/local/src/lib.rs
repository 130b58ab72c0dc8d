//! The local host: every RainbowNet function on one port, over embedded SQLite, with the
//! routes and store grants of `spin.toml`. The embedded default: no account, no network.

pub mod admission;
pub mod backup;
pub mod cli;
pub mod config;
pub mod followups;
pub mod functions;
pub mod manifest;
pub mod server;
pub mod store;
pub mod system;

/// Migrations and `spin.toml`, embedded at build time by `build.rs`.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
