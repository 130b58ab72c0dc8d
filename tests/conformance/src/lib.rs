//! RainbowNet's HTTP conformance suite: cases that take a base URL and run unchanged
//! against every host, the launchers that start a host on a free loopback port and stop
//! it afterwards, and the check of the Spin components' imports.

/// Returns `Err(message)` from the case when the condition does not hold.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        let holds: bool = $cond;
        if !holds {
            return Err(format!($($msg)+));
        }
    };
}

pub mod abuse;
pub mod auth;
pub mod cases;
pub mod client;
pub mod collab;
pub mod disaster;
pub mod drill;
pub mod family;
pub mod hosts;
pub mod load;
pub mod move_town;
pub mod openapi;
pub mod patients;
pub mod push;
pub mod resources;
pub mod routes;
pub mod search;
pub mod spin_imports;
