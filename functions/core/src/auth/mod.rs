//! Who is calling, and what they may do: enrolment, login (password + TOTP), sessions
//! (access and refresh tokens), roles, invitations and staff, the bootstrap token, and the
//! primitives beneath them (Argon2id hashes, TOTP, EdDSA tokens, sealed seeds).

pub mod admin;
pub mod bootstrap;
pub mod enrolment;
pub mod invitations;
pub mod keys;
pub mod login;
pub mod passkey;
pub mod password;
pub mod role;
pub mod sealed;
pub mod session;
pub mod sessions;
pub mod staff;
pub mod token;
pub mod totp;
pub mod webauthn;

use crate::env::Env;

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

/// `N` random bytes from the randomness port.
pub(crate) fn random<const N: usize>(env: &Env) -> [u8; N] {
    let mut bytes = [0u8; N];
    env.random.fill(&mut bytes);
    bytes
}
