//! RainbowNet's core: the domain, the HTTP API and the ports, with no platform in it.
//! Hosts (the local binary, Spin, Workers) implement the ports in `ports` and call a
//! function's `serve` with an [`Env`].

#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod blob;
pub mod care;
pub mod csv_table;
pub mod demo;
pub mod disaster;
pub mod env;
pub mod error;
pub mod geo;
pub mod guard;
pub mod health;
pub mod http;
pub mod lists;
pub mod operations;
pub mod ports;
pub mod public;
pub mod resources;
pub mod selfcheck;
pub mod settings;
pub mod text;
pub mod time;
pub mod vocabulary;
pub mod wareki;
pub mod web;

pub use env::{Env, Stores};
pub use error::{Error, FieldError};
pub use http::{Function, Request, Response};
