//! Step 04: `Claims` and `JwtKeys`. Function-level tests; tokens that must
//! be refused are minted here by hand, expired far beyond the leeway rather
//! than waited for.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{TEST_SECRET, now, quiet_panics};
use course::jwt::{Claims, JwtKeys, LEEWAY_SECS, MIN_SECRET_BYTES, SecretTooShort};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use serde_json::json;

const LOOK: &str = "exercises/04_jwt.rs";

/// The keys of every test server, made the way step 05's harness makes them.
fn test_keys() -> JwtKeys {
    quiet_panics();
    JwtKeys::from_secret(TEST_SECRET).expect("a 40-byte secret must be accepted (step 04)")
}

fn claims_for(sub: &str, exp: u64) -> Claims {
    Claims {
        sub: sub.to_owned(),
        exp,
        iat: now(),
        jti: "test-jti".to_owned(),
        nbf: None,
    }
}

/// Signs any JSON claims with any HMAC algorithm and key, the way an attacker could.
fn forge(alg: Algorithm, secret: &[u8], claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret))
        .expect("sign test token")
}

/// A token with any header at all and a made-up signature.
fn handmade(header: &serde_json::Value, claims: &serde_json::Value, signature: &str) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.{signature}", part(header), part(claims))
}

fn valid_claims_json() -> serde_json::Value {
    json!({"sub": "alice", "exp": now() + 600, "iat": now(), "jti": "j1"})
}

#[track_caller]
fn assert_refused(token: &str, what: &str) {
    if let Ok(claims) = test_keys().decode::<Claims>(token) {
        panic!(
            "decode must refuse {what}, but it accepted it and returned {claims:?}.\n  token: {token}\n  \
             look at: from_secret (the Validation) and decode in {LOOK}"
        );
    }
}

#[track_caller]
fn assert_accepted(token: &str, what: &str) {
    if let Err(error) = test_keys().decode::<Claims>(token) {
        panic!(
            "decode must accept {what}, but it refused it ({error}).\n  token: {token}\n  \
             look at: from_secret (the Validation) and decode in {LOOK}"
        );
    }
}

#[test]
fn a_short_secret_is_refused() {
    let short = [b'k'; MIN_SECRET_BYTES - 1];
    let result = JwtKeys::from_secret(&short).map(|_| ());
    assert_eq!(
        result,
        Err(SecretTooShort {
            bytes: MIN_SECRET_BYTES - 1
        }),
        "from_secret with a 31-byte secret must be Err(SecretTooShort {{ bytes: 31 }}): HS256 needs 32 (RFC 7518 §3.2).\n  look at: {LOOK}"
    );
    assert!(
        JwtKeys::from_secret(&[b'k'; MIN_SECRET_BYTES]).is_ok(),
        "from_secret with exactly 32 bytes must succeed.\n  look at: {LOOK}"
    );
}

#[test]
fn new_claims_carry_subject_times_and_id() {
    let before = now();
    let claims = Claims::new("alice", Duration::from_secs(1800));
    let after = now();
    assert_eq!(
        claims.sub, "alice",
        "Claims::new(\"alice\", ..) must set sub = \"alice\".\n  look at: {LOOK}"
    );
    assert!(
        (before..=after).contains(&claims.iat),
        "iat must be the current Unix time in seconds ({before}..={after}); got {}.\n  look at: Claims::new in {LOOK}",
        claims.iat
    );
    assert_eq!(
        claims.exp - claims.iat,
        1800,
        "exp must be iat + ttl (1800 s); got exp {} and iat {}.\n  look at: Claims::new in {LOOK}",
        claims.exp,
        claims.iat
    );
    assert_eq!(
        claims.nbf, None,
        "Claims::new leaves nbf unset.\n  look at: {LOOK}"
    );
}

#[test]
fn every_token_gets_its_own_unpredictable_jti() {
    let ids: Vec<String> = (0..100)
        .map(|_| Claims::new("alice", Duration::from_secs(60)).jti)
        .collect();
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert!(
        distinct.len() == ids.len() && ids.iter().all(|id| id.len() >= 16),
        "100 calls to Claims::new must give 100 different jti values of at least 16 characters: a jti \
         is how one token is revoked later (RFC 7519 §4.1.7), so two tokens must never share one; got {:?}...\n  \
         look at: random_id in {LOOK}",
        &ids[..5]
    );
    // A counter or a clock changes only its last few characters from one
    // token to the next; random ids differ almost everywhere.
    let close = ids
        .windows(2)
        .filter(|pair| {
            let same = pair[0]
                .chars()
                .zip(pair[1].chars())
                .filter(|(a, b)| a == b)
                .count();
            same * 2 > pair[0].len().min(pair[1].len())
        })
        .count();
    assert!(
        close <= 5,
        "{close} of 99 consecutive jti values share more than half their characters, for example {:?} and {:?}: \
         that is a counter or a timestamp, not a random id. A guessable jti lets anyone who sees one token \
         predict the next, and a restart reuses a counter's values.\n  look at: random_id in {LOOK}",
        ids[0],
        ids[1]
    );
}

#[test]
fn a_token_round_trips() {
    let keys = test_keys();
    let claims = Claims::new("alice", Duration::from_secs(600));
    let token = keys.encode(&claims).expect("encode must succeed");
    match keys.decode::<Claims>(&token) {
        Ok(decoded) => assert_eq!(
            decoded, claims,
            "decode(encode(claims)) must give the same claims back.\n  look at: encode and decode in {LOOK}"
        ),
        Err(error) => panic!(
            "decode(encode(claims)) must give the claims back; it refused our own fresh token ({error}).\n  \
             look at: encode and decode in {LOOK}"
        ),
    }
}

#[test]
fn tokens_are_signed_with_hs256() {
    let token = test_keys()
        .encode(&Claims::new("alice", Duration::from_secs(600)))
        .expect("encode");
    let header = jsonwebtoken::decode_header(&token).expect("a JWT header");
    assert_eq!(
        header.alg,
        Algorithm::HS256,
        "the token header must say HS256; got {:?}.\n  look at: encode in {LOOK}",
        header.alg
    );
}

#[test]
fn decode_accepts_extra_claims_of_later_steps() {
    // A later step adds claims by wrapping these; decode must be generic.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Scoped {
        #[serde(flatten)]
        base: Claims,
        scope: String,
    }
    let keys = test_keys();
    let scoped = Scoped {
        base: Claims::new("alice", Duration::from_secs(600)),
        scope: "read".into(),
    };
    let token = keys.encode(&scoped).expect("encode");
    let back: Result<Scoped, _> = keys.decode(&token);
    assert_eq!(
        back.ok(),
        Some(scoped),
        "claims with an extra `scope` must round-trip.\n  look at: encode and decode in {LOOK}"
    );
}

#[test]
fn another_key_is_refused() {
    let token = forge(
        Algorithm::HS256,
        b"another-secret-that-is-also-32-bytes-long",
        &valid_claims_json(),
    );
    assert_refused(&token, "a token signed with another key");
}

#[test]
fn a_tampered_payload_is_refused() {
    let token = test_keys()
        .encode(&Claims::new("alice", Duration::from_secs(600)))
        .expect("encode");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD
        .encode(json!({"sub": "admin", "exp": now() + 600, "iat": now(), "jti": "x"}).to_string());
    assert_refused(
        &parts.join("."),
        "a token whose claims were changed after signing (sub swapped for admin)",
    );
}

#[test]
fn alg_none_is_refused() {
    let token = handmade(
        &json!({"alg": "none", "typ": "JWT"}),
        &valid_claims_json(),
        "",
    );
    assert_refused(
        &token,
        "an unsigned token with \"alg\": \"none\" (RFC 8725 §2.1)",
    );
}

#[test]
fn another_hmac_algorithm_is_refused() {
    let token = forge(Algorithm::HS384, TEST_SECRET, &valid_claims_json());
    assert_refused(
        &token,
        "an HS384 token, even with our own secret: accept exactly one algorithm (RFC 8725 §3.1)",
    );
}

#[test]
fn rs256_is_refused() {
    // The algorithm-confusion attack: an RS256 header hoping the server
    // checks it with its HMAC secret as if it were a public key.
    let token = handmade(
        &json!({"alg": "RS256", "typ": "JWT"}),
        &valid_claims_json(),
        "c2lnbmF0dXJl",
    );
    assert_refused(&token, "a token whose header says RS256");
}

#[test]
fn an_expired_token_is_refused() {
    let expired = now() - LEEWAY_SECS - 3600;
    let token = test_keys()
        .encode(&claims_for("alice", expired))
        .expect("encode");
    assert_refused(&token, "a token that expired an hour beyond the leeway");
}

#[test]
fn the_leeway_is_thirty_seconds() {
    assert_eq!(
        LEEWAY_SECS, 30,
        "LEEWAY_SECS is the contract's 30 seconds of clock skew.\n  look at: {LOOK}"
    );
    let keys = test_keys();
    let just = keys
        .encode(&claims_for("alice", now() - 10))
        .expect("encode");
    assert_accepted(
        &just,
        "a token that expired 10 s ago: within the 30 s leeway, a server whose clock runs a little ahead \
         must not refuse a token the issuer still considers valid",
    );
    let beyond = keys
        .encode(&claims_for("alice", now() - 60))
        .expect("encode");
    assert_refused(
        &beyond,
        "a token that expired 60 s ago: beyond the 30 s leeway (validation.leeway is in seconds; a leeway of \
         minutes keeps a stolen token alive that long after its expiry)",
    );
}

#[test]
fn a_token_without_exp_is_refused() {
    let token = forge(
        Algorithm::HS256,
        TEST_SECRET,
        &json!({"sub": "alice", "iat": now(), "jti": "j"}),
    );
    assert_refused(
        &token,
        "a token with no `exp` claim: a token that never expires is a password that never changes",
    );
}

#[test]
fn exp_is_required_by_the_validation_itself() {
    // A claims type without `exp`: only the Validation's required claims can
    // refuse the token now, not a missing field in `Claims`.
    #[derive(Debug, Deserialize)]
    struct SubjectOnly {
        #[allow(dead_code)]
        sub: String,
    }
    let token = forge(
        Algorithm::HS256,
        TEST_SECRET,
        &json!({"sub": "alice", "iat": now(), "jti": "j"}),
    );
    if let Ok(claims) = test_keys().decode::<SubjectOnly>(&token) {
        panic!(
            "decode::<SubjectOnly>, a claims type with no `exp` field, accepted a token without exp and returned \
             {claims:?}: a token without exp never expires. Require it in the Validation \
             (set_required_spec_claims), not only by the shape of Claims, or a later claims type can drop it.\n  \
             look at: from_secret in {LOOK}"
        );
    }
}

#[test]
fn a_token_without_sub_is_refused() {
    let token = forge(
        Algorithm::HS256,
        TEST_SECRET,
        &json!({"exp": now() + 600, "iat": now(), "jti": "j"}),
    );
    assert_refused(&token, "a token with no `sub` claim");
}

#[test]
fn a_token_not_yet_valid_is_refused() {
    let mut claims = claims_for("alice", now() + 7200);
    claims.nbf = Some(now() + 3600);
    let token = test_keys().encode(&claims).expect("encode");
    assert_refused(
        &token,
        "a token whose `nbf` is an hour away (jsonwebtoken skips nbf unless validate_nbf is on)",
    );
}

#[test]
fn a_token_valid_in_two_minutes_is_refused() {
    let mut claims = claims_for("alice", now() + 3600);
    claims.nbf = Some(now() + 120);
    let token = test_keys().encode(&claims).expect("encode");
    assert_refused(
        &token,
        "a token whose `nbf` is two minutes away: beyond the 30 s leeway, so not valid yet",
    );
}

#[test]
fn a_token_already_valid_is_accepted() {
    let mut claims = claims_for("alice", now() + 600);
    claims.nbf = Some(now() - 60);
    let token = test_keys().encode(&claims).expect("encode");
    assert_accepted(&token, "a token whose nbf was a minute ago");
}

#[test]
fn garbage_is_refused_without_a_panic() {
    for token in [
        "",
        "abc",
        "a.b.c",
        "...",
        "eyJhbGciOiJIUzI1NiJ9..",
        "\u{1F600}.\u{1F600}.\u{1F600}",
    ] {
        assert_refused(token, "a string that is not a JWT at all");
    }
}
