//! A software authenticator makes real ceremonies (P-256 keys, CBOR, DER signatures), and
//! each check of §7.1 and §7.2 is broken once.

use ciborium::Value;
use p256::ecdsa::signature::Signer;

use super::software::{
    Authenticator, auth_data, authenticator, cbor_bytes, client_data, cose, der,
};
use super::*;

const ORIGIN: &str = "https://care.example.jp";
const RP_ID: &str = "care.example.jp";
const CHALLENGE: &[u8] = b"0123456789abcdef0123456789abcdef";

fn expected(user_verification: bool) -> Expected<'static> {
    Expected {
        origin: ORIGIN,
        rp_id: RP_ID,
        challenge: CHALLENGE,
        user_verification,
    }
}

fn registration(a: &Authenticator, client: String, auth: Vec<u8>) -> RegistrationResponse {
    let object = cbor_bytes(&Value::Map(vec![
        (Value::from("fmt"), Value::from("none")),
        (Value::from("attStmt"), Value::Map(vec![])),
        (Value::from("authData"), Value::Bytes(auth)),
    ]));
    serde_json::from_value(serde_json::json!({
        "id": to_base64url(&a.id), "rawId": to_base64url(&a.id), "type": "public-key",
        "response": {"clientDataJSON": client, "attestationObject": to_base64url(&object), "transports": ["internal"]},
        "clientExtensionResults": {}, "authenticatorAttachment": "platform",
    }))
    .expect("registration JSON")
}

fn good_registration(a: &Authenticator) -> RegistrationResponse {
    let key = cose(a, -7);
    registration(
        a,
        client_data("webauthn.create", CHALLENGE, ORIGIN),
        auth_data(RP_ID, UP | UV, 0, Some((&a.id, &key))),
    )
}

fn assertion(
    signer: &Authenticator,
    client: String,
    auth: Vec<u8>,
    tamper: bool,
) -> AuthenticationResponse {
    let raw_client = from_base64url(&client, "clientDataJSON").expect("client data");
    let mut signed = auth.clone();
    signed.extend_from_slice(&Sha256::digest(&raw_client));
    let signature: Signature = signer.key.sign(&signed);
    let mut auth = auth;
    if tamper {
        auth[36] ^= 1;
    }
    serde_json::from_value(serde_json::json!({
        "id": to_base64url(&signer.id), "rawId": to_base64url(&signer.id), "type": "public-key",
        "response": {
            "clientDataJSON": client, "authenticatorData": to_base64url(&auth),
            "signature": to_base64url(&der(&signature)), "userHandle": to_base64url(b"user-1"),
        },
        "clientExtensionResults": {},
    }))
    .expect("assertion JSON")
}

fn get(a: &Authenticator, count: u32) -> AuthenticationResponse {
    assertion(
        a,
        client_data("webauthn.get", CHALLENGE, ORIGIN),
        auth_data(RP_ID, UP | UV, count, None),
        false,
    )
}

#[test]
fn a_registration_proves_its_key_and_a_sign_in_verifies_with_it() {
    let a = authenticator(7);
    let credential = register(&good_registration(&a), &expected(true)).expect("register");
    assert_eq!(credential.id, a.id);
    assert_eq!(
        credential.public_key,
        a.key.verifying_key().to_sec1_point(false).as_bytes()
    );
    assert!(credential.user_verified);
    let signed_in =
        authenticate(&get(&a, 5), &expected(true), &credential.public_key, 4).expect("sign in");
    assert_eq!(signed_in.sign_count, 5);
    assert_eq!(signed_in.user_handle.as_deref(), Some(&b"user-1"[..]));
    // An authenticator without a counter sends 0 every time.
    assert!(authenticate(&get(&a, 0), &expected(true), &credential.public_key, 0).is_ok());
}

#[test]
fn each_registration_check_refuses() {
    let a = authenticator(9);
    let key = cose(&a, -7);
    let attested = Some((a.id.as_slice(), key.as_slice()));
    let with =
        |client: String, auth: Vec<u8>| register(&registration(&a, client, auth), &expected(true));
    let good_auth = || auth_data(RP_ID, UP | UV, 0, attested);
    let cases: Vec<(RegistrationResponse, WebauthnError)> = vec![
        (
            registration(
                &a,
                client_data("webauthn.create", CHALLENGE, "https://evil.example"),
                good_auth(),
            ),
            WebauthnError::WrongOrigin,
        ),
        (
            registration(
                &a,
                client_data("webauthn.get", CHALLENGE, ORIGIN),
                good_auth(),
            ),
            WebauthnError::WrongType("webauthn.create"),
        ),
        (
            registration(
                &a,
                client_data("webauthn.create", b"another challenge", ORIGIN),
                good_auth(),
            ),
            WebauthnError::WrongChallenge,
        ),
        (
            registration(
                &a,
                client_data("webauthn.create", CHALLENGE, ORIGIN),
                auth_data("evil.example", UP | UV, 0, attested),
            ),
            WebauthnError::WrongRp,
        ),
        (
            registration(
                &a,
                client_data("webauthn.create", CHALLENGE, ORIGIN),
                auth_data(RP_ID, UV, 0, attested),
            ),
            WebauthnError::NoUserPresence,
        ),
        (
            registration(
                &a,
                client_data("webauthn.create", CHALLENGE, ORIGIN),
                auth_data(RP_ID, UP, 0, attested),
            ),
            WebauthnError::NoUserVerification,
        ),
        (
            registration(
                &a,
                client_data("webauthn.create", CHALLENGE, ORIGIN),
                auth_data(RP_ID, UP | UV, 0, Some((&a.id, &cose(&a, -257)))),
            ),
            WebauthnError::UnsupportedKey,
        ),
    ];
    for (response, error) in cases {
        assert_eq!(register(&response, &expected(true)), Err(error));
    }
    // Another page of the same site in a frame of another origin.
    let cross = to_base64url(
        serde_json::json!({"type": "webauthn.create", "challenge": to_base64url(CHALLENGE), "origin": ORIGIN, "crossOrigin": true})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(with(cross, good_auth()), Err(WebauthnError::WrongOrigin));
}

#[test]
fn each_sign_in_check_refuses() {
    let a = authenticator(3);
    let other = authenticator(4);
    let key = register(&good_registration(&a), &expected(true))
        .expect("register")
        .public_key;
    let check =
        |r: AuthenticationResponse, stored: u32| authenticate(&r, &expected(true), &key, stored);
    // Signed by another key; authenticator data changed after signing.
    assert_eq!(check(get(&other, 9), 0), Err(WebauthnError::BadSignature));
    let tampered = assertion(
        &a,
        client_data("webauthn.get", CHALLENGE, ORIGIN),
        auth_data(RP_ID, UP | UV, 9, None),
        true,
    );
    assert_eq!(check(tampered, 0), Err(WebauthnError::BadSignature));
    // A counter that does not go up.
    assert_eq!(check(get(&a, 7), 7), Err(WebauthnError::CounterWentBack));
    assert_eq!(check(get(&a, 0), 7), Err(WebauthnError::CounterWentBack));
    // A registration's client data, another origin, another challenge.
    let with_client = |client| assertion(&a, client, auth_data(RP_ID, UP | UV, 9, None), false);
    assert_eq!(
        check(
            with_client(client_data("webauthn.create", CHALLENGE, ORIGIN)),
            0
        ),
        Err(WebauthnError::WrongType("webauthn.get"))
    );
    assert_eq!(
        check(
            with_client(client_data(
                "webauthn.get",
                CHALLENGE,
                "http://care.example.jp"
            )),
            0
        ),
        Err(WebauthnError::WrongOrigin)
    );
    assert_eq!(
        check(with_client(client_data("webauthn.get", b"old", ORIGIN)), 0),
        Err(WebauthnError::WrongChallenge)
    );
}

#[test]
fn hostile_encodings_are_refused_without_harm() {
    let a = authenticator(5);
    let mut response = good_registration(&a);
    // A clientDataJSON of 1 MB.
    response.response.client_data_json = "A".repeat(1 << 20);
    assert_eq!(
        register(&response, &expected(true)),
        Err(WebauthnError::TooLarge("clientDataJSON"))
    );
    // CBOR nested ten thousand arrays deep.
    let mut response = good_registration(&a);
    response.response.attestation_object = to_base64url(&[0x81u8; 10_000]);
    assert_eq!(
        register(&response, &expected(true)),
        Err(WebauthnError::Malformed("attestationObject"))
    );
    // A byte string that claims 2^63 bytes.
    let mut response = good_registration(&a);
    let mut huge = vec![0xa1, 0x68];
    huge.extend_from_slice(b"authData");
    huge.push(0x5b);
    huge.extend_from_slice(&0x7fff_ffff_ffff_ffffu64.to_be_bytes());
    huge.extend_from_slice(&[0u8; 64]);
    response.response.attestation_object = to_base64url(&huge);
    assert_eq!(
        register(&response, &expected(true)),
        Err(WebauthnError::Malformed("attestationObject"))
    );
    // Not base64url; a signature that is not DER.
    let mut response = good_registration(&a);
    response.response.attestation_object = "***".into();
    assert!(matches!(
        register(&response, &expected(true)),
        Err(WebauthnError::Malformed(_))
    ));
    let key = a
        .key
        .verifying_key()
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let mut signed = get(&a, 1);
    signed.response.signature = to_base64url(&[0x30, 0x02, 0x02, 0x00]);
    assert_eq!(
        authenticate(&signed, &expected(true), &key, 0),
        Err(WebauthnError::Malformed("signature"))
    );
}
