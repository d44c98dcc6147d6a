//! Step 06: the `CurrentUser` extractor, over HTTP. A tiny protected route
//! answers with the username it was handed.

mod common;
#[path = "common/state.rs"]
mod state;

use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Reply, TEST_SECRET, now, random_user, serve};
use course::current_user::CurrentUser;
use course::jwt::{Claims, LEEWAY_SECS};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use state::{state_with, test_hasher, test_keys, test_state};

const LOOK: &str = "exercises/06_current_user.rs";

async fn whoami(CurrentUser(user): CurrentUser) -> String {
    user.username
}

async fn call(authorization: &[&str]) -> Reply {
    let app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(test_state());
    serve(app).await.get("/whoami", authorization).await
}

async fn call_with(token: &str) -> Reply {
    call(&[&format!("Bearer {token}")]).await
}

fn sign(alg: Algorithm, secret: &[u8], claims: serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign")
}

fn claims(sub: &str) -> serde_json::Value {
    json!({"sub": sub, "exp": now() + 600, "iat": now(), "jti": "test-jti"})
}

/// JWT library error text a description must never carry: it says more
/// than the contract, and which checks a forger should work around.
const LIBRARY_TEXT: [&str; 9] = [
    "InvalidSignature",
    "ExpiredSignature",
    "ImmatureSignature",
    "InvalidAlgorithm",
    "MissingRequiredClaim",
    "InvalidToken",
    "Base64",
    "Json",
    "Error(",
];

#[track_caller]
fn assert_invalid_token(reply: &Reply, what: &str) {
    reply.assert_error(
        401,
        "invalid_token",
        &format!("{what} is not a token to trust (RFC 6750 §3.1)"),
        LOOK,
    );
    reply.assert_header(
        "www-authenticate",
        r#"Bearer error="invalid_token""#,
        "a 401 names its scheme, and invalid_token tells the client to get a new token",
        LOOK,
    );
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if let Some(text) = LIBRARY_TEXT.iter().find(|t| description.contains(**t)) {
        panic!(
            "{}",
            reply.explain(
                &format!(
                    "for {what}, an error_description in the server's own words; this one carries the JWT \
                     library's error text ({text:?}), which says more than the contract and tells a forger \
                     which check stopped them"
                ),
                "decode_access_token in exercises/06_current_user.rs"
            )
        );
    }
}

#[tokio::test]
async fn a_valid_token_gives_its_user() {
    let token = test_keys()
        .encode(&Claims::new("alice", std::time::Duration::from_secs(600)))
        .expect("encode");
    let reply = call_with(&token).await;
    assert!(
        reply.status == 200 && reply.body == "alice",
        "{}",
        reply.explain("200 with the handler given alice's stored record", LOOK)
    );
}

#[tokio::test]
async fn any_user_with_a_valid_token_is_handed_to_the_handler() {
    // Users invented now: a lookup hard-coded to the demo users cannot pass.
    let hasher = test_hasher();
    let users: Vec<_> = (0..3)
        .map(|_| random_user(|p| hasher.hash(p).expect("hash")))
        .collect();
    let app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(state_with(&users.iter().collect::<Vec<_>>()));
    let server = serve(app).await;
    for someone in &users {
        let name = &someone.user.username;
        let token = test_keys()
            .encode(&Claims::new(name, std::time::Duration::from_secs(600)))
            .expect("encode");
        let reply = server.get_with_token("/whoami", &token).await;
        assert!(
            reply.status == 200 && &reply.body == name,
            "{}",
            reply.explain(
                &format!("200 with the handler given {name}'s stored record: the user the token's `sub` names"),
                "load_user in exercises/06_current_user.rs"
            )
        );
    }
}

#[tokio::test]
async fn bearer_rejections_pass_through() {
    let reply = call(&[]).await;
    reply.assert_no_error_code(401, "no token: step 03's rejection, unchanged", LOOK);
    reply.assert_header(
        "www-authenticate",
        "Bearer",
        "no error code when no credentials were sent",
        LOOK,
    );
    let reply = call(&["Bearer two words"]).await;
    reply.assert_error(
        400,
        "invalid_request",
        "a malformed header: step 03's rejection, unchanged",
        LOOK,
    );
}

#[tokio::test]
async fn another_key_is_401() {
    let token = sign(
        Algorithm::HS256,
        b"somebody-elses-secret-of-at-least-32-bytes",
        claims("alice"),
    );
    assert_invalid_token(&call_with(&token).await, "a token signed with another key");
}

#[tokio::test]
async fn other_algorithms_are_401() {
    let hs384 = sign(Algorithm::HS384, TEST_SECRET, claims("alice"));
    assert_invalid_token(&call_with(&hs384).await, "an HS384 token");
    let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        part(json!({"alg": "none"})),
        part(claims("alice"))
    );
    // An empty signature leaves a trailing dot, still a b64token.
    assert_invalid_token(&call_with(&none).await, "an unsigned alg=none token");
    let rs256 = format!(
        "{}.{}.c2ln",
        part(json!({"alg": "RS256", "typ": "JWT"})),
        part(claims("alice"))
    );
    assert_invalid_token(&call_with(&rs256).await, "an RS256 token");
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let mut expired = claims("alice");
    expired["exp"] = json!(now() - LEEWAY_SECS - 3600);
    let token = sign(Algorithm::HS256, TEST_SECRET, expired);
    assert_invalid_token(&call_with(&token).await, "a token that expired an hour ago");
}

#[tokio::test]
async fn a_token_not_yet_valid_is_401() {
    let mut early = claims("alice");
    early["nbf"] = json!(now() + 3600);
    let token = sign(Algorithm::HS256, TEST_SECRET, early);
    assert_invalid_token(
        &call_with(&token).await,
        "a token whose nbf is an hour away",
    );
}

#[tokio::test]
async fn a_token_without_exp_is_401() {
    let token = sign(
        Algorithm::HS256,
        TEST_SECRET,
        json!({"sub": "alice", "iat": now(), "jti": "j"}),
    );
    assert_invalid_token(&call_with(&token).await, "a token with no exp");
}

#[tokio::test]
async fn an_unknown_subject_is_401() {
    let token = sign(Algorithm::HS256, TEST_SECRET, claims("mallory"));
    assert_invalid_token(
        &call_with(&token).await,
        "a well-signed token for a user the store does not have",
    );
}

#[tokio::test]
async fn garbage_is_401() {
    for token in ["abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.sig"] {
        assert_invalid_token(&call_with(token).await, "a string that is not a JWT");
    }
}
