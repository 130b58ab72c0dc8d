//! Passkeys (WebAuthn Level 3): the relying party's checks of a registration (§7.1) and of
//! a sign-in (§7.2), for ES256 credentials. Attestation is not trusted (the options ask for
//! `none`): what a registration proves is that this origin's authenticator holds the key.
//!
//! Pure functions over the browser's JSON (`RegistrationResponseJSON`,
//! `AuthenticationResponseJSON`); the challenge, the stored key and its counter come from
//! the caller, which keeps challenges single-use and short-lived.

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The largest `clientDataJSON` accepted: a browser's is a few hundred bytes.
const MAX_CLIENT_DATA: usize = 4 * 1024;
/// The largest attestation object or authenticator data accepted (a credential id is at
/// most 1,023 bytes; attestation certificates are not kept).
const MAX_AUTHENTICATOR_BYTES: usize = 16 * 1024;
/// CBOR nesting deeper than this is refused before it can exhaust the stack.
const CBOR_DEPTH: usize = 8;

/// COSE: key type EC2, algorithm ES256, curve P-256.
const COSE_EC2: i128 = 2;
const COSE_ES256: i128 = -7;
const COSE_P256: i128 = 1;

/// What the relying party expects of a ceremony.
pub struct Expected<'a> {
    /// The page's origin, exactly (`https://care.example.jp`).
    pub origin: &'a str,
    /// The RP ID: the origin's host.
    pub rp_id: &'a str,
    /// The challenge the server issued for this ceremony.
    pub challenge: &'a [u8],
    /// Whether the authenticator must have verified the user (biometrics, PIN).
    pub user_verification: bool,
}

#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebauthnError {
    #[error("malformed {0}")]
    Malformed(&'static str),
    #[error("{0} is too large")]
    TooLarge(&'static str),
    #[error("not a {0} ceremony")]
    WrongType(&'static str),
    #[error("the challenge is not the one issued")]
    WrongChallenge,
    #[error("the origin is not this site")]
    WrongOrigin,
    #[error("the credential is for another site")]
    WrongRp,
    #[error("the user was not present")]
    NoUserPresence,
    #[error("the user was not verified")]
    NoUserVerification,
    #[error("only ES256 (P-256) keys are accepted")]
    UnsupportedKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the signature counter went backwards: a cloned authenticator?")]
    CounterWentBack,
}

/// `RegistrationResponseJSON`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: AttestationResponse,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
    #[serde(default)]
    pub transports: Vec<String>,
}

/// `AuthenticationResponseJSON`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub response: AssertionResponse,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    pub user_handle: Option<String>,
}

/// A credential a registration proved.
#[derive(Debug, PartialEq, Eq)]
pub struct NewCredential {
    pub id: Vec<u8>,
    /// SEC1 uncompressed point (65 bytes).
    pub public_key: Vec<u8>,
    pub sign_count: u32,
    pub user_verified: bool,
}

/// A sign-in that verified.
#[derive(Debug, PartialEq, Eq)]
pub struct Assertion {
    pub sign_count: u32,
    pub user_verified: bool,
    pub user_handle: Option<Vec<u8>>,
}

/// Unpadded base64url, as WebAuthn's JSON writes binary (padding is tolerated).
pub fn from_base64url(text: &str, what: &'static str) -> Result<Vec<u8>, WebauthnError> {
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('='))
        .map_err(|_| WebauthnError::Malformed(what))
}

pub fn to_base64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default)]
    cross_origin: bool,
}

/// `clientDataJSON` checked against the ceremony: its type, challenge and origin. The raw
/// bytes are returned for the signature.
fn client_data(
    encoded: &str,
    kind: &'static str,
    expected: &Expected,
) -> Result<Vec<u8>, WebauthnError> {
    if encoded.len() > MAX_CLIENT_DATA * 4 / 3 + 4 {
        return Err(WebauthnError::TooLarge("clientDataJSON"));
    }
    let raw = from_base64url(encoded, "clientDataJSON")?;
    let data: ClientData =
        serde_json::from_slice(&raw).map_err(|_| WebauthnError::Malformed("clientDataJSON"))?;
    if data.kind != kind {
        return Err(WebauthnError::WrongType(kind));
    }
    let challenge = from_base64url(&data.challenge, "challenge")?;
    if !constant_time_eq(&challenge, expected.challenge) {
        return Err(WebauthnError::WrongChallenge);
    }
    if data.origin != expected.origin || data.cross_origin {
        return Err(WebauthnError::WrongOrigin);
    }
    Ok(raw)
}

/// The authenticator data's fixed head: RP ID hash, flags, counter.
struct AuthData<'a> {
    flags: u8,
    sign_count: u32,
    /// What follows the head (attested credential data, extensions).
    rest: &'a [u8],
}

pub(crate) const UP: u8 = 0x01;
pub(crate) const UV: u8 = 0x04;
pub(crate) const AT: u8 = 0x40;

fn auth_data<'a>(bytes: &'a [u8], expected: &Expected) -> Result<AuthData<'a>, WebauthnError> {
    if bytes.len() < 37 {
        return Err(WebauthnError::Malformed("authenticator data"));
    }
    if bytes[..32] != Sha256::digest(expected.rp_id.as_bytes())[..] {
        return Err(WebauthnError::WrongRp);
    }
    let flags = bytes[32];
    if flags & UP == 0 {
        return Err(WebauthnError::NoUserPresence);
    }
    if expected.user_verification && flags & UV == 0 {
        return Err(WebauthnError::NoUserVerification);
    }
    Ok(AuthData {
        flags,
        sign_count: u32::from_be_bytes([bytes[33], bytes[34], bytes[35], bytes[36]]),
        rest: &bytes[37..],
    })
}

fn cbor(reader: &mut &[u8], what: &'static str) -> Result<ciborium::Value, WebauthnError> {
    ciborium::de::from_reader_with_recursion_limit(reader, CBOR_DEPTH)
        .map_err(|_| WebauthnError::Malformed(what))
}

/// §7.1: a registration's checks; the credential it proves.
pub fn register(
    response: &RegistrationResponse,
    expected: &Expected,
) -> Result<NewCredential, WebauthnError> {
    if response.kind != "public-key" {
        return Err(WebauthnError::Malformed("credential type"));
    }
    client_data(
        &response.response.client_data_json,
        "webauthn.create",
        expected,
    )?;
    if response.response.attestation_object.len() > MAX_AUTHENTICATOR_BYTES * 4 / 3 + 4 {
        return Err(WebauthnError::TooLarge("attestationObject"));
    }
    let object = from_base64url(&response.response.attestation_object, "attestationObject")?;
    let object = cbor(&mut object.as_slice(), "attestationObject")?;
    let auth = object
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_text() == Some("authData"))
                .and_then(|(_, v)| v.as_bytes())
        })
        .ok_or(WebauthnError::Malformed("attestationObject"))?;
    let data = auth_data(auth, expected)?;
    if data.flags & AT == 0 || data.rest.len() < 18 {
        return Err(WebauthnError::Malformed("attested credential data"));
    }
    let id_len = usize::from(u16::from_be_bytes([data.rest[16], data.rest[17]]));
    let rest = &data.rest[18..];
    if id_len == 0 || id_len > 1023 || rest.len() < id_len {
        return Err(WebauthnError::Malformed("credential id"));
    }
    let (id, mut key) = rest.split_at(id_len);
    if from_base64url(&response.id, "credential id")? != id {
        return Err(WebauthnError::Malformed("credential id"));
    }
    let public_key = cose_es256(&cbor(&mut key, "credential public key")?)?;
    Ok(NewCredential {
        id: id.to_vec(),
        public_key,
        sign_count: data.sign_count,
        user_verified: data.flags & UV != 0,
    })
}

/// A COSE_Key of an ES256 P-256 key as a SEC1 uncompressed point.
fn cose_es256(key: &ciborium::Value) -> Result<Vec<u8>, WebauthnError> {
    let map = key.as_map().ok_or(WebauthnError::UnsupportedKey)?;
    let field = |label: i128| {
        map.iter()
            .find(|(k, _)| k.as_integer().map(i128::from) == Some(label))
            .map(|(_, v)| v)
    };
    let int = |label| field(label).and_then(|v| v.as_integer()).map(i128::from);
    if int(1) != Some(COSE_EC2) || int(3) != Some(COSE_ES256) || int(-1) != Some(COSE_P256) {
        return Err(WebauthnError::UnsupportedKey);
    }
    let coordinate = |label| {
        field(label)
            .and_then(|v| v.as_bytes())
            .filter(|b| b.len() == 32)
            .ok_or(WebauthnError::UnsupportedKey)
    };
    let mut point = vec![0x04];
    point.extend_from_slice(coordinate(-2)?);
    point.extend_from_slice(coordinate(-3)?);
    VerifyingKey::from_sec1_bytes(&point).map_err(|_| WebauthnError::UnsupportedKey)?;
    Ok(point)
}

/// §7.2: a sign-in's checks against the stored key and counter.
pub fn authenticate(
    response: &AuthenticationResponse,
    expected: &Expected,
    public_key: &[u8],
    stored_count: u32,
) -> Result<Assertion, WebauthnError> {
    if response.kind != "public-key" {
        return Err(WebauthnError::Malformed("credential type"));
    }
    let client = client_data(
        &response.response.client_data_json,
        "webauthn.get",
        expected,
    )?;
    if response.response.authenticator_data.len() > MAX_AUTHENTICATOR_BYTES * 4 / 3 + 4 {
        return Err(WebauthnError::TooLarge("authenticatorData"));
    }
    let auth = from_base64url(&response.response.authenticator_data, "authenticatorData")?;
    let data = auth_data(&auth, expected)?;
    let der = from_base64url(&response.response.signature, "signature")?;
    let signature = signature_from_der(&der)?;
    let key =
        VerifyingKey::from_sec1_bytes(public_key).map_err(|_| WebauthnError::UnsupportedKey)?;
    let mut signed = auth.clone();
    signed.extend_from_slice(&Sha256::digest(&client));
    key.verify(&signed, &signature)
        .map_err(|_| WebauthnError::BadSignature)?;
    // Authenticators that keep no counter send 0 every time; one that counts must go up.
    if (data.sign_count != 0 || stored_count != 0) && data.sign_count <= stored_count {
        return Err(WebauthnError::CounterWentBack);
    }
    let user_handle = response
        .response
        .user_handle
        .as_deref()
        .filter(|h| !h.is_empty())
        .map(|h| from_base64url(h, "userHandle"))
        .transpose()?;
    Ok(Assertion {
        sign_count: data.sign_count,
        user_verified: data.flags & UV != 0,
        user_handle,
    })
}

/// An ECDSA signature as WebAuthn sends it: DER, `SEQUENCE { INTEGER r, INTEGER s }`.
fn signature_from_der(der: &[u8]) -> Result<Signature, WebauthnError> {
    let bad = WebauthnError::Malformed("signature");
    let body = match der {
        [0x30, len, body @ ..] if usize::from(*len) == body.len() && *len < 0x80 => body,
        _ => return Err(bad),
    };
    let (r, rest) = der_integer(body).ok_or(bad.clone())?;
    let (s, rest) = der_integer(rest).ok_or(bad.clone())?;
    if !rest.is_empty() {
        return Err(bad);
    }
    let mut bytes = [0u8; 64];
    bytes[32 - r.len()..32].copy_from_slice(r);
    bytes[64 - s.len()..].copy_from_slice(s);
    Signature::from_slice(&bytes).map_err(|_| bad)
}

/// One DER INTEGER's magnitude (at most 32 bytes once its sign byte is dropped) and the rest.
fn der_integer(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let [0x02, len, rest @ ..] = bytes else {
        return None;
    };
    let len = usize::from(*len);
    if len == 0 || len > 33 || rest.len() < len {
        return None;
    }
    let (mut value, rest) = rest.split_at(len);
    if value.len() > 1 && value[0] == 0 {
        value = &value[1..];
    }
    (value.len() <= 32).then_some((value, rest))
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(any(test, feature = "software-authenticator"))]
pub mod software;
#[cfg(test)]
mod tests;
