//! Step 08: the `ActiveUser` extractor and the app that uses it, over HTTP.

mod common;
#[path = "common/state.rs"]
mod state;

use axum::Router;
use axum::routing::get;
use common::{Reply, TestServer, serve};
use course::active_user::{ActiveUser, app, router};
use state::{someone, state_with, token_for};

const LOOK: &str = "exercises/08_active_user.rs";

async fn whoami(ActiveUser(user): ActiveUser) -> String {
    user.username
}

/// A server for `ActiveUser` alone, with an enabled and a disabled user
/// invented for this test.
async fn guarded() -> (TestServer, String, String) {
    let enabled = someone();
    let mut disabled = someone();
    disabled.user.disabled = true;
    let state = state_with(&[&enabled, &disabled]);
    let app = Router::new()
        .route("/whoami", get(whoami))
        .with_state(state);
    (
        serve(app).await,
        enabled.user.username.clone(),
        disabled.user.username.clone(),
    )
}

#[track_caller]
fn assert_disabled_refused(reply: &Reply, look: &str) {
    reply.assert_error(
        401,
        "invalid_token",
        "a still-valid token for a disabled account is invalid for another reason (RFC 6750 §3.1): \
         401 invalid_token, like a deleted account's, so the client logs in again and is refused",
        look,
    );
    reply.assert_header(
        "www-authenticate",
        r#"Bearer error="invalid_token""#,
        "a 401 carries its challenge; invalid_token tells the client to drop the token",
        look,
    );
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        description.contains("disabled"),
        "{}",
        reply.explain(
            "an error_description saying the account is disabled, so the person debugging knows to look \
             at the account, not at the token",
            look
        )
    );
}

#[tokio::test]
async fn an_enabled_user_passes() {
    let (server, enabled, _) = guarded().await;
    let reply = server.get_with_token("/whoami", &token_for(&enabled)).await;
    assert!(
        reply.status == 200 && reply.body == enabled,
        "{}",
        reply.explain(
            &format!("200 with {enabled}'s record handed to the handler: the account is enabled"),
            LOOK
        )
    );
}

#[tokio::test]
async fn a_disabled_users_valid_token_is_401_invalid_token() {
    let (server, _, disabled) = guarded().await;
    let reply = server
        .get_with_token("/whoami", &token_for(&disabled))
        .await;
    assert_disabled_refused(&reply, LOOK);
}

#[tokio::test]
async fn bobs_token_from_before_he_was_disabled_is_refused() {
    let (server, _, _) = guarded().await;
    let reply = server.get_with_token("/whoami", &token_for("bob")).await;
    assert_disabled_refused(&reply, LOOK);
}

#[tokio::test]
async fn what_current_user_refuses_stays_refused() {
    let (server, _, _) = guarded().await;
    let reply = server.get("/whoami", &[]).await;
    reply.assert_no_error_code(
        401,
        "no token at all: step 03's bare 401, unchanged by this step",
        LOOK,
    );
    reply.assert_header(
        "www-authenticate",
        "Bearer",
        "step 03's bare challenge",
        LOOK,
    );
    let reply = server
        .get_with_token("/whoami", &token_for("mallory"))
        .await;
    reply.assert_error(
        401,
        "invalid_token",
        "a token for a user the store does not have: step 06's answer, unchanged",
        LOOK,
    );
}

#[tokio::test]
async fn the_app_serves_users_me_to_active_users_only() {
    let enabled = someone();
    let mut disabled = someone();
    disabled.user.disabled = true;
    let server = serve(app(state_with(&[&enabled, &disabled]))).await;
    let token = server
        .login(&enabled.user.username, &enabled.password)
        .await
        .access_token();
    let reply = server.get_with_token("/users/me", &token).await;
    reply.assert_status(200, "an enabled user reads their profile", LOOK);
    let username = reply.json()["username"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        username == enabled.user.username,
        "{}",
        reply.explain(
            &format!("the profile of {}, the token's user", enabled.user.username),
            LOOK
        )
    );
    let reply = server
        .get_with_token("/users/me", &token_for(&disabled.user.username))
        .await;
    assert_disabled_refused(
        &reply,
        "app and users_me in exercises/08_active_user.rs: GET /users/me takes ActiveUser",
    );
}

#[tokio::test]
async fn the_router_alone_guards_users_me() {
    let mut disabled = someone();
    disabled.user.disabled = true;
    let server = serve(router(state_with(&[&disabled]))).await;
    let reply = server
        .get_with_token("/users/me", &token_for(&disabled.user.username))
        .await;
    assert_disabled_refused(&reply, "router and users_me in exercises/08_active_user.rs");
}

#[tokio::test]
async fn the_app_keeps_the_token_route_and_json_fallbacks() {
    let server = serve(app(state_with(&[]))).await;
    let reply = server.login("bob", "correct horse battery staple").await;
    reply.assert_error(
        400,
        "invalid_grant",
        "bob cannot log in: app() must still serve step 05's POST /token",
        "app in exercises/08_active_user.rs",
    );
    let reply = server.get("/nowhere", &[]).await;
    reply.assert_no_error_code(
        404,
        "app() ends with step 07's with_json_fallbacks: unknown paths answer JSON",
        "app in exercises/08_active_user.rs",
    );
}
