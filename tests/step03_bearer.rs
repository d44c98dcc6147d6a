//! Step 03: the `BearerToken` extractor, over HTTP.
//! A tiny router echoes the token it was given, so each test sees exactly
//! what the extractor accepted or how it refused.

mod common;

use axum::Router;
use axum::routing::get;
use common::{Reply, serve};
use course::bearer::BearerToken;

const LOOK: &str = "exercises/03_bearer.rs";

async fn echo(BearerToken(token): BearerToken) -> String {
    token
}

async fn call(authorization: &[&str]) -> Reply {
    let server = serve(Router::new().route("/echo", get(echo))).await;
    server.get("/echo", authorization).await
}

#[track_caller]
fn assert_accepted(reply: &Reply, token: &str) {
    assert!(
        reply.status == 200 && reply.body == token,
        "{}",
        reply.explain(
            &format!("200 with the token `{token}` handed to the handler, exactly as sent"),
            LOOK
        )
    );
}

#[track_caller]
fn assert_no_credentials(reply: &Reply, why: &str) {
    reply.assert_no_error_code(
        401,
        &format!(
            "{why}; RFC 6750 §3.1: no error code when the client sent no credentials, so the body has only an error_description"
        ),
        LOOK,
    );
    reply.assert_header(
        "www-authenticate",
        "Bearer",
        "RFC 6750 §3.1: a bare challenge, with no error code, when the client sent no bearer credentials",
        LOOK,
    );
}

#[track_caller]
fn assert_malformed(reply: &Reply, why: &str) {
    reply.assert_error(400, "invalid_request", why, LOOK);
    reply.assert_header(
        "www-authenticate",
        r#"Bearer error="invalid_request""#,
        "RFC 6750 §3.1: a malformed request is invalid_request",
        LOOK,
    );
}

#[tokio::test]
async fn a_bearer_token_reaches_the_handler() {
    let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    assert_accepted(&call(&[&format!("Bearer {token}")]).await, token);
}

#[tokio::test]
async fn any_token_reaches_the_handler_unchanged() {
    // Invented now, so that no hard-coded token can pass.
    for _ in 0..5 {
        let token = format!(
            "{}.{}.{}",
            common::random_hex(12),
            common::random_hex(20),
            common::random_hex(16)
        );
        assert_accepted(&call(&[&format!("Bearer {token}")]).await, &token);
    }
}

#[tokio::test]
async fn every_b64token_character_is_accepted() {
    let token = "AZaz09-._~+/==";
    assert_accepted(&call(&[&format!("Bearer {token}")]).await, token);
}

#[tokio::test]
async fn the_scheme_is_case_insensitive() {
    for scheme in ["bearer", "BEARER", "bEaReR"] {
        let reply = call(&[&format!("{scheme} abc123")]).await;
        assert!(
            reply.status == 200 && reply.body == "abc123",
            "{}",
            reply.explain(
                "200 with the token: an auth scheme is matched case-insensitively (RFC 9110 §11.1)",
                LOOK
            )
        );
    }
}

#[tokio::test]
async fn several_spaces_after_the_scheme_are_allowed() {
    // RFC 6750 §2.1: "Bearer" 1*SP b64token.
    assert_accepted(&call(&["Bearer   abc123"]).await, "abc123");
}

#[tokio::test]
async fn no_authorization_header_is_401_with_a_bare_challenge() {
    assert_no_credentials(
        &call(&[]).await,
        "no Authorization header means no credentials",
    );
}

#[tokio::test]
async fn another_scheme_is_401_with_a_bare_challenge() {
    for header in [
        "Basic YWxpY2U6c2VjcmV0MTIz",
        "Token abc123",
        "Bearerabc123",
        "Digest",
    ] {
        assert_no_credentials(
            &call(&[header]).await,
            "a scheme other than Bearer is not a bearer credential: answer as if none was sent",
        );
    }
}

#[tokio::test]
async fn bearer_without_a_token_is_400() {
    for header in ["Bearer", "Bearer ", "Bearer    "] {
        assert_malformed(
            &call(&[header]).await,
            "the Bearer scheme with no token after it is malformed",
        );
    }
}

#[tokio::test]
async fn more_than_one_word_is_400() {
    for header in [
        "Bearer abc def",
        "Bearer abc,def",
        "Bearer a\tb",
        "Bearer abc  def",
    ] {
        assert_malformed(
            &call(&[header]).await,
            "a bearer credential is exactly one b64token",
        );
    }
}

#[tokio::test]
async fn characters_outside_b64token_are_400() {
    for header in [
        "Bearer abc$def",
        "Bearer a\"b",
        "Bearer =abc",
        "Bearer abc=def",
        "Bearer é",
    ] {
        let reply = if header.is_ascii() {
            call(&[header]).await
        } else {
            let server = serve(Router::new().route("/echo", get(echo))).await;
            server.get_raw_auth("/echo", header.as_bytes()).await
        };
        assert_malformed(
            &reply,
            "a b64token is letters, digits and -._~+/ with `=` only at the end; anything else is malformed, not a 500",
        );
    }
}

#[tokio::test]
async fn two_authorization_headers_are_400() {
    assert_malformed(
        &call(&["Bearer abc", "Bearer def"]).await,
        "two Authorization headers are ambiguous: RFC 6750 §3.1 calls that invalid_request",
    );
}
