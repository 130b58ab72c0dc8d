//! The challenges of passkey ceremonies that the server signs instead of storing: 16
//! random bytes, the expiry and an HMAC (keyed by the token seed) over both and the purpose,
//! so that asking for options writes nothing. A challenge is spent in `spent_challenges` by
//! the batch of the ceremony that used it.

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::CHALLENGE_TTL_MS;
use crate::auth::keys::signing_seed;
use crate::auth::webauthn::{self, from_base64url, to_base64url};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Statement;

/// What a challenge was issued for: a sign-in, or adding a passkey to one account.
#[derive(Clone, Copy)]
pub enum Purpose<'a> {
    SignIn,
    Add { owner: &'a str },
}

/// A new challenge for `purpose`, as base64url.
pub fn sign(env: &Env, purpose: Purpose<'_>) -> Result<String, Error> {
    let mut nonce = [0u8; 16];
    env.random.fill(&mut nonce);
    let expires = env.clock.now_millis() + CHALLENGE_TTL_MS;
    Ok(to_base64url(&encode(
        &signing_seed(env)?,
        purpose,
        nonce,
        expires,
    )))
}

/// 16 random bytes, the expiry (ms, big-endian) and the first 16 bytes of an HMAC over
/// both, the purpose and (for adding) the owner.
fn encode(seed: &[u8; 32], purpose: Purpose<'_>, nonce: [u8; 16], expires: i64) -> Vec<u8> {
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&expires.to_be_bytes());
    let tag = mac(seed, purpose, &bytes);
    bytes.extend_from_slice(&tag[..16]);
    bytes
}

/// The expiry of a challenge signed with `seed` for `purpose` that has not expired at `now`.
fn decode(seed: &[u8; 32], purpose: Purpose<'_>, bytes: &[u8], now: i64) -> Option<i64> {
    if bytes.len() != 40 {
        return None;
    }
    let expires = i64::from_be_bytes(bytes[16..24].try_into().ok()?);
    let tag = mac(seed, purpose, &bytes[..24]);
    (webauthn::constant_time_eq(&bytes[24..], &tag[..16]) && expires > now).then_some(expires)
}

fn mac(seed: &[u8; 32], purpose: Purpose<'_>, bytes: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(seed).expect("any key length");
    mac.update(b"rainbownet passkey challenge\0");
    match purpose {
        Purpose::SignIn => mac.update(b"signin\0"),
        Purpose::Add { owner } => {
            mac.update(b"add\0");
            mac.update(owner.as_bytes());
            mac.update(b"\0");
        }
    }
    mac.update(bytes);
    mac.finalize().into_bytes().to_vec()
}

/// The challenge `clientDataJSON` names, if this server signed it for `purpose` and it has
/// not expired: its bytes, its text and its expiry.
pub fn signed(
    env: &Env,
    client_data_json: &str,
    purpose: Purpose<'_>,
) -> Option<(Vec<u8>, String, i64)> {
    #[derive(Deserialize)]
    struct Named {
        challenge: String,
    }
    let raw = from_base64url(client_data_json, "clientDataJSON").ok()?;
    let named: Named = serde_json::from_slice(&raw).ok()?;
    let bytes = from_base64url(&named.challenge, "challenge").ok()?;
    let seed = signing_seed(env).ok()?;
    let expires = decode(&seed, purpose, &bytes, env.clock.now_millis())?;
    Some((bytes, named.challenge, expires))
}

/// The statement that spends a challenge; it fails (and its batch with it) if the challenge
/// was spent before, or if the statement just before it changed no row (`guarded`).
pub fn spend(challenge: &str, expires: i64, guarded: bool) -> Statement {
    let sql = if guarded {
        // A NULL primary key is refused: the batch fails when the guard changed nothing.
        "INSERT INTO spent_challenges (challenge, expires_at) \
         VALUES (CASE WHEN changes() = 1 THEN ?1 END, ?2)"
    } else {
        "INSERT INTO spent_challenges (challenge, expires_at) VALUES (?1, ?2)"
    };
    Statement::new(sql, vec![challenge.into(), expires.into()])
}

#[cfg(test)]
mod tests {
    use super::{Purpose, decode, encode};

    #[test]
    fn a_challenge_holds_for_its_purpose_its_owner_and_its_time_only() {
        let seed = [7u8; 32];
        let now = 1_795_557_123_000;
        let signin = encode(&seed, Purpose::SignIn, [1; 16], now + 1000);
        assert_eq!(
            decode(&seed, Purpose::SignIn, &signin, now),
            Some(now + 1000)
        );
        assert_eq!(decode(&seed, Purpose::SignIn, &signin, now + 1000), None);
        assert_eq!(decode(&[8u8; 32], Purpose::SignIn, &signin, now), None);
        assert_eq!(
            decode(&seed, Purpose::Add { owner: "01A" }, &signin, now),
            None
        );
        let add = encode(&seed, Purpose::Add { owner: "01A" }, [1; 16], now + 1000);
        assert!(decode(&seed, Purpose::Add { owner: "01A" }, &add, now).is_some());
        assert_eq!(
            decode(&seed, Purpose::Add { owner: "01B" }, &add, now),
            None
        );
        // A later expiry written over the signed one, a shortened or lengthened challenge.
        let mut later = signin.clone();
        later[23] ^= 0x40;
        assert_eq!(decode(&seed, Purpose::SignIn, &later, now), None);
        assert_eq!(decode(&seed, Purpose::SignIn, &signin[..39], now), None);
        assert_eq!(
            decode(
                &seed,
                Purpose::SignIn,
                &[signin.clone(), vec![0]].concat(),
                now
            ),
            None
        );
    }
}
