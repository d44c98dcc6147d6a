//! Step 07: `GET /users/me` and the assembled `app`, end to end over HTTP:
//! log in through `POST /token`, then call the protected route.

mod common;

use common::{TestServer, now, serve, test_state};
use course::jwt::{Claims, LEEWAY_SECS};
use course::users_me::app;

const LOOK: &str = "exercises/07_users_me.rs";

async fn server() -> TestServer {
    serve(app(test_state())).await
}

#[tokio::test]
async fn login_then_users_me_gives_the_profile() {
    let server = server().await;
    let token = server.login("alice", "secret123").await;
    let reply = server.get("/users/me", &[&format!("Bearer {token}")]).await;
    reply.assert_status(
        200,
        "a fresh token from POST /token opens GET /users/me",
        LOOK,
    );
    insta::assert_json_snapshot!("alice_profile", reply.json());
}

#[tokio::test]
async fn the_profile_never_holds_a_hash() {
    let server = server().await;
    let token = server.login("alice", "secret123").await;
    let reply = server.get("/users/me", &[&format!("Bearer {token}")]).await;
    let json = reply.json();
    let keys: Vec<_> = json
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        ["disabled", "email", "full_name", "username"],
        "{}",
        reply.explain(
            "exactly the fields username, email, full_name, disabled",
            LOOK
        )
    );
    assert!(
        !reply.body.contains("$2b$") && !reply.body.to_lowercase().contains("password"),
        "{}",
        reply.explain(
            "no password and no bcrypt hash anywhere in the body",
            "UserProfile in exercises/07_users_me.rs"
        )
    );
}

#[tokio::test]
async fn the_scheme_is_case_insensitive_end_to_end() {
    let server = server().await;
    let token = server.login("alice", "secret123").await;
    let reply = server.get("/users/me", &[&format!("bearer {token}")]).await;
    reply.assert_status(200, "`bearer` in lower case is the same scheme", LOOK);
}

#[tokio::test]
async fn users_me_without_a_token_is_401() {
    let reply = server().await.get("/users/me", &[]).await;
    reply.assert_error(401, "unauthorized", "GET /users/me is protected", LOOK);
    reply.assert_header(
        "www-authenticate",
        "Bearer",
        "the challenge tells the client which scheme to use",
        LOOK,
    );
}

#[tokio::test]
async fn users_me_with_an_expired_token_is_401() {
    let server = server().await;
    let claims = Claims {
        sub: "alice".into(),
        exp: now() - LEEWAY_SECS - 3600,
        iat: now() - LEEWAY_SECS - 5400,
        jti: "old".into(),
        nbf: None,
    };
    let token = common::test_keys().encode(&claims).expect("encode");
    let reply = server.get("/users/me", &[&format!("Bearer {token}")]).await;
    reply.assert_error(401, "invalid_token", "an expired token opens nothing", LOOK);
}

#[tokio::test]
async fn a_wrong_password_through_the_app_is_invalid_grant() {
    let server = server().await;
    let body = common::form(&[
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "nope"),
    ]);
    let reply = server.post_form("/token", &body).await;
    reply.assert_error(
        400,
        "invalid_grant",
        "app() must serve step 05's POST /token",
        LOOK,
    );
}

#[tokio::test]
async fn an_unknown_path_is_a_json_404() {
    let reply = server().await.get("/admin", &[]).await;
    reply.assert_error(
        404,
        "not_found",
        "every error of this server is JSON, unknown paths too",
        LOOK,
    );
}
