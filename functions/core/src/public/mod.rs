//! Public data: what residents may read without logging in.

pub mod municipalities;
pub mod notices;
