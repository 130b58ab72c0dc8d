//! A Spin-compatible test harness: runs a Spin application's real component artifacts
//! under Wasmtime 48, implementing the host side of Spin's published interfaces
//! (`spin:sqlite@3.1.0`, `spin:key-value@3.0.0`, `spin:variables@3.0.0`, outbound
//! `wasi:http` limited by `allowed_outbound_hosts`) and Spin's HTTP trigger (routing,
//! `spin-*` headers, `wasi:http@0.3` handler, instance reuse) with the semantics of the
//! Spin CLI. It is not Spin: see README.md for what differs.

pub mod app;
pub mod host;
pub mod manifest;
pub mod outbound;
pub mod routes;
pub mod runtime_config;
pub mod server;
pub mod variables;
