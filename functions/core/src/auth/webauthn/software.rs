//! A software authenticator: real ceremonies (P-256 keys, CBOR, DER signatures) for the
//! tests here and for the conformance suite, which signs in with it on every host. Built
//! for tests and for the `software-authenticator` feature only.

use ciborium::Value;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};

use super::{AT, to_base64url};

/// A key and its credential id.
pub struct Authenticator {
    pub key: SigningKey,
    pub id: Vec<u8>,
}

/// An authenticator whose key is `seed` repeated (distinct seeds, distinct keys).
pub fn authenticator(seed: u8) -> Authenticator {
    Authenticator {
        key: SigningKey::from_slice(&[seed; 32]).expect("key"),
        id: vec![seed; 20],
    }
}

/// `clientDataJSON`, base64url.
pub fn client_data(kind: &str, challenge: &[u8], origin: &str) -> String {
    to_base64url(
        serde_json::json!({
            "type": kind, "challenge": to_base64url(challenge), "origin": origin, "crossOrigin": false,
        })
        .to_string()
        .as_bytes(),
    )
}

pub fn cbor_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(value, &mut out).expect("cbor");
    out
}

/// The COSE_Key of the authenticator's public key, with algorithm `alg`.
pub fn cose(a: &Authenticator, alg: i64) -> Vec<u8> {
    let point = a.key.verifying_key().to_sec1_point(false);
    let bytes = point.as_bytes();
    cbor_bytes(&Value::Map(vec![
        (Value::from(1), Value::from(2)),
        (Value::from(3), Value::from(alg)),
        (Value::from(-1), Value::from(1)),
        (Value::from(-2), Value::Bytes(bytes[1..33].to_vec())),
        (Value::from(-3), Value::Bytes(bytes[33..65].to_vec())),
    ]))
}

/// Authenticator data; with `attested`, the credential id and COSE key after the head.
pub fn auth_data(rp_id: &str, flags: u8, count: u32, attested: Option<(&[u8], &[u8])>) -> Vec<u8> {
    let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
    data.push(flags | if attested.is_some() { AT } else { 0 });
    data.extend_from_slice(&count.to_be_bytes());
    if let Some((id, key)) = attested {
        data.extend_from_slice(&[0u8; 16]);
        data.extend_from_slice(&u16::try_from(id.len()).expect("id length").to_be_bytes());
        data.extend_from_slice(id);
        data.extend_from_slice(key);
    }
    data
}

/// DER of a signature, as authenticators send it.
pub fn der(signature: &Signature) -> Vec<u8> {
    let bytes = signature.to_bytes();
    let integer = |half: &[u8]| {
        let mut v: Vec<u8> = half.iter().copied().skip_while(|b| *b == 0).collect();
        if v.first().is_none_or(|b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, u8::try_from(v.len()).expect("length")];
        out.extend(v);
        out
    };
    let mut body = integer(&bytes[..32]);
    body.extend(integer(&bytes[32..]));
    let mut out = vec![0x30, u8::try_from(body.len()).expect("length")];
    out.extend(body);
    out
}

/// The `RegistrationResponseJSON` this authenticator gives for `navigator.credentials.create`
/// on `origin` with `rp_id` and `challenge` (user present and verified, attestation none).
pub fn registration_json(
    a: &Authenticator,
    challenge: &[u8],
    origin: &str,
    rp_id: &str,
) -> serde_json::Value {
    let key = cose(a, -7);
    let auth = auth_data(rp_id, super::UP | super::UV, 0, Some((&a.id, &key)));
    let object = cbor_bytes(&Value::Map(vec![
        (Value::from("fmt"), Value::from("none")),
        (Value::from("attStmt"), Value::Map(vec![])),
        (Value::from("authData"), Value::Bytes(auth)),
    ]));
    serde_json::json!({
        "id": to_base64url(&a.id), "rawId": to_base64url(&a.id), "type": "public-key",
        "response": {
            "clientDataJSON": client_data("webauthn.create", challenge, origin),
            "attestationObject": to_base64url(&object), "transports": ["internal"],
        },
        "clientExtensionResults": {}, "authenticatorAttachment": "platform",
    })
}

/// The `AuthenticationResponseJSON` for `navigator.credentials.get`, counter `count`.
pub fn assertion_json(
    a: &Authenticator,
    challenge: &[u8],
    origin: &str,
    rp_id: &str,
    count: u32,
    user_handle: &[u8],
) -> serde_json::Value {
    use p256::ecdsa::signature::Signer;
    let client = client_data("webauthn.get", challenge, origin);
    let auth = auth_data(rp_id, super::UP | super::UV, count, None);
    let mut signed = auth.clone();
    let raw_client = super::from_base64url(&client, "clientDataJSON").unwrap_or_default();
    signed.extend_from_slice(&Sha256::digest(&raw_client));
    let signature: Signature = a.key.sign(&signed);
    serde_json::json!({
        "id": to_base64url(&a.id), "rawId": to_base64url(&a.id), "type": "public-key",
        "response": {
            "clientDataJSON": client, "authenticatorData": to_base64url(&auth),
            "signature": to_base64url(&der(&signature)), "userHandle": to_base64url(user_handle),
        },
        "clientExtensionResults": {},
    })
}
