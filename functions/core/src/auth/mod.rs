//! Authentication. Until professional logins are wired to routes, administration is
//! guarded by a bootstrap token from configuration (`RAINBOWNET_ADMIN_TOKEN`). The
//! primitives for professional login live here already: Argon2id password hashes, TOTP
//! (RFC 6238) second factors and EdDSA access tokens.

pub mod admin;
pub mod bootstrap;
pub mod invitations;
pub mod keys;
pub mod login;
pub mod password;
pub mod role;
pub mod sealed;
pub mod session;
pub mod staff;
pub mod token;
pub mod totp;

/// A failure of the authentication primitives. Messages are for the log.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("password does not meet the policy: {0}")]
    WeakPassword(&'static str),
    #[error("credentials do not match")]
    Mismatch,
    #[error("token is not valid: {0}")]
    InvalidToken(String),
    #[error("token has expired")]
    Expired,
    #[error("key or parameters are not usable: {0}")]
    Key(String),
}
