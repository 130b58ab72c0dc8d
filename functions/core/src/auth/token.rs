//! Short-lived access tokens: EdDSA (Ed25519) JWTs. The `care` function signs with the
//! private seed; every function verifies with the public key alone, so `disaster` needs no
//! access to the users table (revocations are checked in KV by the caller).

use chrono::{DateTime, Duration, Utc};
use ed25519_compact::{KeyPair, PublicKey, Seed};
use jwt_compact::alg::Ed25519;
use jwt_compact::{AlgorithmExt, Claims, Header, TimeOptions, UntrustedToken};
use serde::{Deserialize, Serialize};

use super::AuthError;

/// Access tokens live ten minutes; refresh tokens renew them.
pub const ACCESS_TTL_SECONDS: i64 = 600;
/// Clock difference tolerated between functions, seconds.
const LEEWAY_SECONDS: i64 = 30;

/// What a token says about its bearer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// The professional's id.
    pub sub: String,
    pub roles: Vec<super::role::Role>,
    pub org: Option<String>,
    pub municipality: Option<String>,
    /// Token id, for revocation.
    pub jti: String,
    /// The login session (refresh-token family) the token was issued in, so that logout
    /// with the access token alone ends the whole session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The professional's display name, for the records other functions keep of what they
    /// did (the disaster function never reads the care database).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a family member (患者・家族連携): the one patient they are linked to. Their token
    /// carries no roles, and only the guards that name family callers admit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<String>,
}

impl Subject {
    pub fn has(&self, role: super::role::Role) -> bool {
        self.roles.contains(&role)
    }

    /// A family member's (or the patient's own) token, not a professional's.
    pub fn is_family(&self) -> bool {
        self.patient.is_some()
    }
}

fn time(now_millis: i64) -> TimeOptions<impl Fn() -> DateTime<Utc>> {
    let now = DateTime::from_timestamp_millis(now_millis).unwrap_or_default();
    TimeOptions::new(Duration::seconds(LEEWAY_SECONDS), move || now)
}

/// The public key for a 32-byte signing seed.
pub fn public_key(seed: &[u8; 32]) -> [u8; 32] {
    *KeyPair::from_seed(Seed::new(*seed)).pk
}

pub fn issue(seed: &[u8; 32], subject: &Subject, now_millis: i64) -> Result<String, AuthError> {
    let pair = KeyPair::from_seed(Seed::new(*seed));
    let claims = Claims::new(subject.clone())
        .set_duration_and_issuance(&time(now_millis), Duration::seconds(ACCESS_TTL_SECONDS));
    Ed25519
        .token(&Header::empty(), &claims, &pair.sk)
        .map_err(|e| AuthError::Key(e.to_string()))
}

/// Tokens whose signature this process has checked, with the key that checked them and
/// when they expire (leeway included): a surge of check-ins is the same few supporters'
/// tokens again and again, and the signature check was a tenth of a check-in's time.
/// Revocation is not decided here (`session.rs` asks the revocation list every time).
struct Verified {
    key: [u8; 32],
    token: String,
    expires_millis: i64,
    subject: Subject,
}

static VERIFIED: std::sync::Mutex<Vec<Verified>> = std::sync::Mutex::new(Vec::new());
/// A bound, not a policy: beyond it the list starts over.
const VERIFIED_MAX: usize = 512;

/// The subject of a valid, unexpired token signed by the holder of `public_key`.
pub fn verify(public_key: &[u8; 32], token: &str, now_millis: i64) -> Result<Subject, AuthError> {
    {
        let verified = VERIFIED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = verified
            .iter()
            .find(|v| v.token == token && v.key == *public_key)
        {
            return if now_millis <= v.expires_millis {
                Ok(v.subject.clone())
            } else {
                Err(AuthError::Expired)
            };
        }
    }
    let subject = verify_signature(public_key, token, now_millis)?;
    if let Some(expires_millis) = expiry_millis(token) {
        let mut verified = VERIFIED.lock().unwrap_or_else(|p| p.into_inner());
        if verified.len() >= VERIFIED_MAX {
            verified.clear();
        }
        verified.push(Verified {
            key: *public_key,
            token: token.to_owned(),
            expires_millis,
            subject: subject.clone(),
        });
    }
    Ok(subject)
}

/// When a token (already verified) stops being accepted: its `exp` plus the leeway.
fn expiry_millis(token: &str) -> Option<i64> {
    let untrusted = UntrustedToken::new(token).ok()?;
    let claims = untrusted.deserialize_claims_unchecked::<Subject>().ok()?;
    Some(claims.expiration?.timestamp_millis() + LEEWAY_SECONDS * 1000)
}

fn verify_signature(
    public_key: &[u8; 32],
    token: &str,
    now_millis: i64,
) -> Result<Subject, AuthError> {
    let key = PublicKey::from_slice(public_key).map_err(|e| AuthError::Key(e.to_string()))?;
    let untrusted =
        UntrustedToken::new(token).map_err(|e| AuthError::InvalidToken(e.to_string()))?;
    let token = Ed25519
        .validator::<Subject>(&key)
        .validate(&untrusted)
        .map_err(|e| AuthError::InvalidToken(e.to_string()))?;
    token
        .claims()
        .validate_expiration(&time(now_millis))
        .map_err(|_| AuthError::Expired)?;
    Ok(token.claims().custom.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject {
        Subject {
            sub: "01PRO".into(),
            roles: vec![super::super::role::Role::Professional],
            org: Some("01ORG".into()),
            municipality: Some("23233".into()),
            jti: "01JTI".into(),
            sid: None,
            name: None,
            patient: None,
        }
    }

    #[test]
    fn issued_tokens_verify_until_they_expire() {
        let seed = [9u8; 32];
        let now = 1_795_557_123_000;
        let token = issue(&seed, &subject(), now).unwrap();
        assert_eq!(
            verify(&public_key(&seed), &token, now + 1_000).unwrap(),
            subject()
        );
        let late = now + (ACCESS_TTL_SECONDS + LEEWAY_SECONDS + 1) * 1000;
        assert_eq!(
            verify(&public_key(&seed), &token, late),
            Err(AuthError::Expired)
        );
        // Remembered or not, another key does not accept it, and a changed token is refused.
        assert!(verify(&public_key(&[8u8; 32]), &token, now + 1_000).is_err());
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(verify(&public_key(&seed), &forged, now + 1_000).is_err());
    }

    #[test]
    fn other_keys_and_tampering_are_refused() {
        let now = 1_795_557_123_000;
        let token = issue(&[1u8; 32], &subject(), now).unwrap();
        assert!(matches!(
            verify(&public_key(&[2u8; 32]), &token, now),
            Err(AuthError::InvalidToken(_))
        ));
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = issue(
            &[1u8; 32],
            &Subject {
                roles: vec![super::super::role::Role::Sysadmin],
                ..subject()
            },
            now,
        )
        .unwrap();
        parts[1] = forged.split('.').nth(1).unwrap();
        assert!(matches!(
            verify(&public_key(&[1u8; 32]), &parts.join("."), now),
            Err(AuthError::InvalidToken(_))
        ));
        assert!(verify(&public_key(&[1u8; 32]), "not.a.token", now).is_err());
    }
}
