//! Step 05: `POST /token`, over HTTP, against `token_route::router`.

mod common;

use common::{FORM, Reply, TEST_TTL, TestServer, form, serve, test_hasher, test_keys, test_state};
use course::fake_db::{InMemoryUserStore, User};
use course::jwt::Claims;
use course::token_route::{AuthState, MAX_BODY_BYTES, router};

const LOOK: &str = "exercises/05_token_route.rs";

async fn server() -> TestServer {
    serve(router(test_state())).await
}

async fn login(fields: &[(&str, &str)]) -> Reply {
    server().await.post_form("/token", &form(fields)).await
}

fn password_grant<'a>(username: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ]
}

fn assert_no_store(reply: &Reply) {
    reply.assert_header(
        "cache-control",
        "no-store",
        "RFC 6749 §5.1: token responses must not be cached",
        LOOK,
    );
    reply.assert_header(
        "pragma",
        "no-cache",
        "RFC 6749 §5.1, for HTTP/1.0 caches",
        LOOK,
    );
}

#[tokio::test]
async fn the_right_password_gets_a_bearer_token() {
    let reply = login(&password_grant("alice", "secret123")).await;
    reply.assert_status(200, "alice / secret123 are the right credentials", LOOK);
    reply.assert_header(
        "content-type",
        "application/json",
        "the token response is JSON (RFC 6749 §5.1)",
        LOOK,
    );
    insta::assert_json_snapshot!("token_response", reply.json(), { ".access_token" => "[jwt]" });
    assert_no_store(&reply);
}

#[tokio::test]
async fn the_access_token_names_the_user_and_lives_the_ttl() {
    let reply = login(&password_grant("alice", "secret123")).await;
    let token = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let claims = test_keys().decode::<Claims>(&token);
    let claims = claims.unwrap_or_else(|e| {
        panic!(
            "{}",
            reply.explain(
                &format!("an access_token our keys can decode (decode said: {e})"),
                LOOK
            )
        )
    });
    assert_eq!(
        claims.sub, "alice",
        "the token's `sub` must be the username.\n  look at: issue_token in {LOOK}"
    );
    assert_eq!(
        claims.exp - claims.iat,
        TEST_TTL.as_secs(),
        "the token must live access_token_ttl ({} s).\n  look at: issue_token in {LOOK}",
        TEST_TTL.as_secs()
    );
}

#[tokio::test]
async fn a_charset_on_the_content_type_is_fine() {
    let body = form(&password_grant("alice", "secret123"));
    let reply = server()
        .await
        .post(
            "/token",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            body,
        )
        .await;
    reply.assert_status(
        200,
        "a charset parameter does not change what the form is",
        LOOK,
    );
}

#[tokio::test]
async fn unknown_fields_and_a_scope_are_ignored() {
    let mut fields = password_grant("alice", "secret123").to_vec();
    fields.extend([
        ("client_id", "cli"),
        ("scope", "read write"),
        ("remember_me", "yes"),
    ]);
    login(&fields)
        .await
        .assert_status(200, "RFC 6749 §3.2: unknown parameters are ignored", LOOK);
}

#[tokio::test]
async fn wrong_password_unknown_user_and_disabled_user_get_one_answer() {
    let cases = [
        ("alice", "wrong-password", "a wrong password"),
        ("mallory", "secret123", "an unknown user"),
        ("bob", "correct horse battery staple", "a disabled user"),
    ];
    let mut bodies = Vec::new();
    for (username, password, what) in cases {
        let reply = login(&password_grant(username, password)).await;
        reply.assert_error(
            400,
            "invalid_grant",
            &format!("{what} is invalid_grant (RFC 6749 §5.2), not 401"),
            LOOK,
        );
        assert_no_store(&reply);
        bodies.push((what, reply.body));
    }
    for (what, body) in &bodies[1..] {
        assert_eq!(
            body, &bodies[0].1,
            "the answer to {what} must be byte for byte the answer to a wrong password, \
             or an attacker learns which usernames exist.\n  look at: TokenError::InvalidGrant in {LOOK}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&bodies[0].1).unwrap_or_default();
    insta::assert_json_snapshot!("invalid_grant", json, { ".error_description" => "[text]" });
}

#[tokio::test]
async fn a_long_password_never_matches_by_its_first_72_bytes() {
    let hasher = test_hasher();
    let password = "p".repeat(72);
    let mut store = InMemoryUserStore::new();
    store.insert(User {
        username: "carol".into(),
        full_name: "Carol Example".into(),
        email: "carol@example.com".into(),
        disabled: false,
        password_hash: hasher.hash(&password).expect("72 bytes hash"),
    });
    let state = AuthState::new(store, hasher, test_keys(), TEST_TTL);
    let server = serve(router(state)).await;
    let longer = format!("{password}EXTRA");
    let reply = server
        .post_form("/token", &form(&password_grant("carol", &longer)))
        .await;
    reply.assert_error(
        400,
        "invalid_grant",
        "carol's password is 72 p's; 72 p's plus more must not log in",
        LOOK,
    );
}

#[tokio::test]
async fn a_missing_or_empty_field_is_invalid_request() {
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[("username", "alice"), ("password", "secret123")],
            "no grant_type (RFC 6749 §4.3.2 requires it)",
        ),
        (
            &[("grant_type", "password"), ("password", "secret123")],
            "no username",
        ),
        (
            &[("grant_type", "password"), ("username", "alice")],
            "no password",
        ),
        (
            &[
                ("grant_type", "password"),
                ("username", ""),
                ("password", "secret123"),
            ],
            "an empty username",
        ),
        (
            &[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", ""),
            ],
            "an empty password",
        ),
        (
            &[
                ("grant_type", ""),
                ("username", "alice"),
                ("password", "secret123"),
            ],
            "an empty grant_type",
        ),
    ];
    for (fields, what) in cases {
        let reply = login(fields).await;
        reply.assert_error(
            400,
            "invalid_request",
            &format!("{what}: an empty field counts as missing"),
            LOOK,
        );
        assert_no_store(&reply);
    }
}

#[tokio::test]
async fn a_repeated_field_is_invalid_request() {
    let body = "grant_type=password&username=alice&username=bob&password=secret123";
    let reply = server().await.post_form("/token", body).await;
    reply.assert_error(
        400,
        "invalid_request",
        "RFC 6749 §3.1: parameters must not be included more than once",
        LOOK,
    );
}

#[tokio::test]
async fn another_grant_type_is_unsupported() {
    for grant in ["client_credentials", "authorization_code", "PASSWORD"] {
        let reply = login(&[
            ("grant_type", grant),
            ("username", "alice"),
            ("password", "secret123"),
        ])
        .await;
        reply.assert_error(
            400,
            "unsupported_grant_type",
            &format!("grant_type={grant} is not one this server supports"),
            LOOK,
        );
    }
}

#[tokio::test]
async fn json_is_invalid_request_not_415() {
    let body = r#"{"grant_type":"password","username":"alice","password":"secret123"}"#.to_owned();
    let reply = server()
        .await
        .post("/token", Some("application/json"), body)
        .await;
    reply.assert_error(
        400,
        "invalid_request",
        "the token endpoint takes a form (RFC 6749 §4.3.2); map axum's 415 to invalid_request",
        LOOK,
    );
}

#[tokio::test]
async fn a_body_without_a_form_content_type_is_invalid_request() {
    let body = form(&password_grant("alice", "secret123"));
    for content_type in [
        None,
        Some("text/plain"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let reply = server()
            .await
            .post("/token", content_type, body.clone())
            .await;
        reply.assert_error(
            400,
            "invalid_request",
            "only application/x-www-form-urlencoded is a token request",
            LOOK,
        );
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = format!(
        "{}&padding={padding}",
        form(&password_grant("alice", "secret123"))
    );
    let reply = server().await.post("/token", Some(FORM), body).await;
    reply.assert_error(
        413,
        "invalid_request",
        "a body over 16 KiB is refused before it is parsed",
        LOOK,
    );
}

#[tokio::test]
async fn odd_input_never_gives_a_server_error() {
    let server = server().await;
    let long_name = "a".repeat(10_000);
    let bodies = [
        "%".to_owned(),
        "grant_type=password&username=%ff%fe&password=%zz".to_owned(),
        "grant_type=password&username=al%00ice&password=secret123".to_owned(),
        "&&&===&&".to_owned(),
        format!("grant_type=password&username={long_name}&password=x"),
        "grant_type=password&username=alice&password=secret123&grant_type=password".to_owned(),
    ];
    for body in bodies {
        let reply = server.post_form("/token", &body).await;
        assert!(
            reply.status == 400,
            "{}",
            reply.explain("400 (invalid_request or invalid_grant): bad input is the client's error, never a 500 or a panic", LOOK)
        );
    }
}
