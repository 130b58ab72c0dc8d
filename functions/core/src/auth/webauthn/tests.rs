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

/// Bytes from hex (the test vectors' notation).
fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The published test vector "ES256 Credential with No Attestation" of WebAuthn Level 3
/// (§16, w3c/webauthn index.bs): its registration and its authentication verify, with the
/// backup flags (BE, BS) set, an `extraData` member in clientDataJSON and no user
/// verification; a user-verification requirement, another challenge or a counter already
/// past refuse them.
#[test]
fn the_published_es256_none_vector_verifies() {
    let registration_challenge =
        unhex("00c30fb78531c464d2b6771dab8d7b603c01162f2fa486bea70f283ae556e130");
    let credential_id = unhex("f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4");
    let client = unhex(
        "7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a22414d4d507434557878475453746e63647134313759447742466938767049612d7077386f4f755657345441222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c73652c22657874726144617461223a22636c69656e74446174614a534f4e206d617920626520657874656e6465642077697468206164646974696f6e616c206669656c647320696e20746865206675747572652c207375636820617320746869733a20426b5165446a646354427258426941774a544c453551227d",
    );
    let object = unhex(
        "a363666d74646e6f6e656761747453746d74a068617574684461746158a4bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b559000000008446ccb9ab1db374750b2367ff6f3a1f0020f91f391db4c9b2fde0ea70189cba3fb63f579ba6122b33ad94ff3ec330084be4a5010203262001215820afefa16f97ca9b2d23eb86ccb64098d20db90856062eb249c33a9b672f26df61225820930a56b87a2fca66334b03458abf879717c12cc68ed73290af2e2664796b9220",
    );
    let registration: RegistrationResponse = serde_json::from_value(serde_json::json!({
        "id": to_base64url(&credential_id), "rawId": to_base64url(&credential_id), "type": "public-key",
        "response": {"clientDataJSON": to_base64url(&client), "attestationObject": to_base64url(&object)},
    }))
    .expect("registration JSON");
    let example = |challenge: &'static [u8], user_verification: bool| Expected {
        origin: "https://example.org",
        rp_id: "example.org",
        challenge,
        user_verification,
    };
    let challenge: &'static [u8] = registration_challenge.leak();
    let credential =
        register(&registration, &example(challenge, false)).expect("the vector registers");
    assert_eq!(credential.id, credential_id);
    assert_eq!(credential.sign_count, 0);
    assert!(!credential.user_verified);
    assert_eq!(
        register(&registration, &example(challenge, true)),
        Err(WebauthnError::NoUserVerification)
    );

    let signin_challenge: &'static [u8] =
        unhex("39c0e7521417ba54d43e8dc95174f423dee9bf3cd804ff6d65c857c9abf4d408").leak();
    let assertion: AuthenticationResponse = serde_json::from_value(serde_json::json!({
        "id": to_base64url(&credential_id), "rawId": to_base64url(&credential_id), "type": "public-key",
        "response": {
            "authenticatorData": to_base64url(&unhex("bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b51900000000")),
            "clientDataJSON": to_base64url(&unhex("7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a224f63446e55685158756c5455506f334a5558543049393770767a7a59425039745a63685879617630314167222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c73657d")),
            "signature": to_base64url(&unhex("3046022100f50a4e2e4409249c4a853ba361282f09841df4dd4547a13a87780218deffcd380221008480ac0f0b93538174f575bf11a1dd5d78c6e486013f937295ea13653e331e87")),
        },
    }))
    .expect("assertion JSON");
    let verified = authenticate(
        &assertion,
        &example(signin_challenge, false),
        &credential.public_key,
        0,
    )
    .expect("the vector signs in");
    assert_eq!(verified.sign_count, 0);
    assert_eq!(
        authenticate(
            &assertion,
            &example(challenge, false),
            &credential.public_key,
            0
        ),
        Err(WebauthnError::WrongChallenge)
    );
    assert_eq!(
        authenticate(
            &assertion,
            &example(signin_challenge, false),
            &credential.public_key,
            3
        ),
        Err(WebauthnError::CounterWentBack)
    );
}
