//! Web Push as the browsers take it: the message encrypted for one subscription (RFC 8291,
//! `aes128gcm` of RFC 8188) and the server's VAPID identity (RFC 8292). Platform-free:
//! the caller supplies the random bytes and the time, and a host sends the request.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64ct::{Base64UrlUnpadded, Encoding};
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};

/// The record size announced in the header: one record holds any message we send.
const RECORD_SIZE: u32 = 4096;
/// A VAPID token lives 12 hours (RFC 8292 allows up to 24).
const VAPID_LIFETIME_SECS: i64 = 12 * 3600;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("p256dh is not an uncompressed P-256 public key")]
    BadPublicKey,
    #[error("auth is not 16 bytes")]
    BadAuth,
    #[error("the message does not fit one record")]
    TooLong,
    #[error("the endpoint is not an absolute http(s) URL")]
    BadEndpoint,
}

/// base64url without padding, as `PushSubscription.toJSON()` and JWTs write it.
pub fn b64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Reads base64url with or without padding (browsers differ).
pub fn from_b64url(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).ok()
}

/// The subscription's public key, checked to be a point on the curve.
pub fn user_agent_key(p256dh: &[u8]) -> Result<PublicKey, PushError> {
    if p256dh.len() != 65 || p256dh[0] != 4 {
        return Err(PushError::BadPublicKey);
    }
    PublicKey::from_sec1_bytes(p256dh).map_err(|_| PushError::BadPublicKey)
}

fn uncompressed(key: &PublicKey) -> Vec<u8> {
    key.to_sec1_point(false).as_bytes().to_vec()
}

/// Encrypts `plaintext` for the subscription (`p256dh`, `auth`) with the one-time key
/// `ephemeral` (32 random bytes) and `salt` (16 random bytes). The result is the request
/// body: the RFC 8188 header (salt, record size, the one-time public key) and one record.
pub fn encrypt(
    p256dh: &[u8],
    auth: &[u8],
    plaintext: &[u8],
    ephemeral: &[u8; 32],
    salt: &[u8; 16],
) -> Result<Vec<u8>, PushError> {
    let ua_public = user_agent_key(p256dh)?;
    if auth.len() != 16 {
        return Err(PushError::BadAuth);
    }
    // One record: the text, the last-record delimiter, the 16-byte tag.
    if plaintext.len() + 1 + 16 > RECORD_SIZE as usize {
        return Err(PushError::TooLong);
    }
    let as_secret = one_time_key(ephemeral);
    let as_public = uncompressed(&as_secret.public_key());
    let shared = as_secret.diffie_hellman(&ua_public);

    // RFC 8291 §3.4: the input keying material binds both public keys and the auth secret.
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(p256dh);
    key_info.extend_from_slice(&as_public);
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushError::TooLong)?;

    // RFC 8188 §2.2–2.3: the content key and nonce from the salt.
    let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
    let mut cek = [0u8; 16];
    let mut nonce = [0u8; 12];
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| PushError::TooLong)?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| PushError::TooLong)?;

    let mut record = plaintext.to_vec();
    record.push(2);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| PushError::TooLong)?;
    let sealed = cipher
        .encrypt(&Nonce::from(nonce), record.as_slice())
        .map_err(|_| PushError::TooLong)?;

    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// A P-256 key from 32 bytes of key material: hashed with a counter until it is a valid
/// scalar (all but a 2^-32 share of inputs are on the first try).
fn one_time_key(material: &[u8; 32]) -> SecretKey {
    if let Ok(key) = SecretKey::from_slice(material) {
        return key;
    }
    let mut counter: u32 = 0;
    loop {
        let mut hash = Sha256::new();
        hash.update(material);
        hash.update(counter.to_be_bytes());
        if let Ok(key) = SecretKey::from_slice(&hash.finalize()) {
            return key;
        }
        counter += 1;
    }
}

/// The server's VAPID key pair, derived from the token-signing seed under its own label,
/// so a deployment has one secret less to keep and the key survives restarts.
pub struct Vapid {
    key: SigningKey,
}

impl Vapid {
    pub fn from_seed(seed: &[u8; 32]) -> Vapid {
        let mut material = [0u8; 32];
        // The label keeps this key apart from every other key derived from the seed.
        let _ = Hkdf::<Sha256>::new(Some(b"rainbownet vapid p-256"), seed)
            .expand(b"vapid", &mut material);
        Vapid {
            key: SigningKey::from(&one_time_key(&material)),
        }
    }

    /// The public key as the browser's `applicationServerKey` takes it.
    pub fn public_key(&self) -> String {
        let public = PublicKey::from(self.key.verifying_key());
        b64url(&uncompressed(&public))
    }

    /// The `Authorization` header for a request to `endpoint` (RFC 8292 §3): an ES256 JWT
    /// for the push service's origin, signed at `now_secs`, with `subject` as the contact.
    pub fn authorization(
        &self,
        endpoint: &str,
        now_secs: i64,
        subject: &str,
    ) -> Result<String, PushError> {
        let audience = origin(endpoint).ok_or(PushError::BadEndpoint)?;
        let header = b64url(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({
            "aud": audience,
            "exp": now_secs + VAPID_LIFETIME_SECS,
            "sub": subject,
        });
        let claims = b64url(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "vapid t={signing_input}.{}, k={}",
            b64url(&signature.to_bytes()),
            self.public_key()
        ))
    }
}

/// `scheme://host[:port]` of an absolute URL.
pub fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(text: &str) -> Vec<u8> {
        from_b64url(text).expect("base64url")
    }

    /// RFC 8291 Appendix A: the fixed keys and salt give exactly the RFC's message.
    #[test]
    fn encrypts_the_rfc_8291_example() {
        let ephemeral: [u8; 32] = b("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")
            .try_into()
            .unwrap();
        let salt: [u8; 16] = b("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = encrypt(
            &b("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &b("BTBZMqHH6r4Tts7J_aSIgg"),
            b"When I grow up, I want to be a watermelon",
            &ephemeral,
            &salt,
        )
        .unwrap();
        assert_eq!(
            b64url(&body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn refuses_keys_that_are_not_points() {
        let mut not_a_point = vec![4u8];
        not_a_point.extend([7u8; 64]);
        assert_eq!(
            encrypt(&not_a_point, &[0; 16], b"x", &[1; 32], &[0; 16]),
            Err(PushError::BadPublicKey)
        );
        assert_eq!(
            user_agent_key(&[4u8; 33]).err(),
            Some(PushError::BadPublicKey)
        );
    }

    #[test]
    fn vapid_token_verifies_with_the_public_key() {
        use p256::ecdsa::VerifyingKey;
        use p256::ecdsa::signature::Verifier;
        let vapid = Vapid::from_seed(&[9; 32]);
        let header = vapid
            .authorization(
                "https://fcm.googleapis.com/fcm/send/abc",
                1_000,
                "mailto:a@example.jp",
            )
            .unwrap();
        let (token, key) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .unwrap();
        assert_eq!(key, vapid.public_key());
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let verifier = VerifyingKey::from_sec1_bytes(&b(key)).unwrap();
        let signature = Signature::from_slice(&b(signature)).unwrap();
        verifier.verify(signed.as_bytes(), &signature).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&b(signed.split('.').nth(1).unwrap())).unwrap();
        assert_eq!(claims["aud"], "https://fcm.googleapis.com");
        assert_eq!(claims["exp"], 1_000 + VAPID_LIFETIME_SECS);
        // The same seed gives the same key; another seed another.
        assert_eq!(vapid.public_key(), Vapid::from_seed(&[9; 32]).public_key());
        assert_ne!(vapid.public_key(), Vapid::from_seed(&[8; 32]).public_key());
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://Web.Push.Apple.com/QG/x?y").as_deref(),
            Some("https://web.push.apple.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080/p").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin("ftp://x/y"), None);
        assert_eq!(origin("https://user@host/"), None);
    }
}
