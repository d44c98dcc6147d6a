//! Step 07: `GET /users/me` and the assembled `app`, end to end over HTTP:
//! log in through `POST /token`, then call the protected route.

mod common;
#[path = "common/state.rs"]
mod state;

use common::{TestServer, now, random_user, serve};
use course::jwt::{Claims, LEEWAY_SECS};
use course::users_me::app;
use reqwest::Method;
use state::{state_with, test_hasher, test_state};

const LOOK: &str = "exercises/07_users_me.rs";

async fn server() -> TestServer {
    serve(app(test_state())).await
}

#[tokio::test]
async fn login_then_users_me_gives_the_profile() {
    let server = server().await;
    let token = server.login("alice", "secret123").await.access_token();
    let reply = server.get("/users/me", &[&format!("Bearer {token}")]).await;
    reply.assert_status(
        200,
        "a fresh token from POST /token opens GET /users/me",
        LOOK,
    );
    insta::assert_json_snapshot!("alice_profile", reply.json());
}

#[tokio::test]
async fn every_user_reads_their_own_profile() {
    // Users invented now: a hard-coded profile cannot pass.
    let hasher = test_hasher();
    let users: Vec<_> = (0..3)
        .map(|_| random_user(|p| hasher.hash(p).expect("hash")))
        .collect();
    let server = serve(app(state_with(&users.iter().collect::<Vec<_>>()))).await;
    for someone in &users {
        let user = &someone.user;
        let token = server
            .login(&user.username, &someone.password)
            .await
            .access_token();
        let reply = server.get_with_token("/users/me", &token).await;
        reply.assert_status(200, "a fresh token opens GET /users/me", LOOK);
        let want = serde_json::json!({
            "username": user.username,
            "email": user.email,
            "full_name": user.full_name,
            "disabled": user.disabled,
        });
        assert!(
            reply.json() == want,
            "{}",
            reply.explain(
                &format!("the profile of the token's own user, {want}"),
                "users_me and UserProfile in exercises/07_users_me.rs"
            )
        );
    }
}

#[tokio::test]
async fn the_profile_never_holds_a_hash() {
    let hasher = test_hasher();
    let someone = random_user(|p| hasher.hash(p).expect("hash"));
    let server = serve(app(state_with(&[&someone]))).await;
    let token = server
        .login(&someone.user.username, &someone.password)
        .await
        .access_token();
    let reply = server.get_with_token("/users/me", &token).await;
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
    let token = server.login("alice", "secret123").await.access_token();
    let reply = server.get("/users/me", &[&format!("bearer {token}")]).await;
    reply.assert_status(200, "`bearer` in lower case is the same scheme", LOOK);
}

#[tokio::test]
async fn users_me_without_a_token_is_401() {
    let reply = server().await.get("/users/me", &[]).await;
    reply.assert_no_error_code(
        401,
        "GET /users/me is protected; with no credentials sent, RFC 6750 §3.1 wants no error code",
        LOOK,
    );
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
    let token = state::test_keys().encode(&claims).expect("encode");
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
    reply.assert_no_error_code(
        404,
        "every error of this server is JSON, unknown paths too; not an OAuth error, so no `error` code",
        "app (its fallback) in exercises/07_users_me.rs",
    );
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405_with_allow() {
    let server = server().await;
    for (method, path, allow) in [
        (Method::GET, "/token", "POST"),
        (Method::POST, "/users/me", "GET,HEAD"),
    ] {
        let reply = server.request(method, path, &[], String::new()).await;
        reply.assert_no_error_code(
            405,
            "a known path with the wrong method: JSON like every other error, and no OAuth code",
            "app (method_not_allowed_fallback) in exercises/07_users_me.rs",
        );
        reply.assert_header(
            "allow",
            allow,
            "RFC 9110 §15.5.6: a 405 lists the methods the route does answer",
            "app in exercises/07_users_me.rs",
        );
    }
}
