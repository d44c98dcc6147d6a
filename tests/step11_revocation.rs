//! Step 11: `POST /logout`, RFC 7009 `POST /revoke` and the deny-list.

mod common;
#[path = "common/state.rs"]
mod state;

use common::{FORM, Reply, TestServer, TestUser, form, now, serve};
use course::jwt::JwtKeys;
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, PRUNE_EVERY, RevocationState, app};
use course::scopes::{ItemStore, Scope, ScopeGrants, Scopes, ScopesState};
use reqwest::Method;
use state::{someone, state_with};

const LOOK: &str = "exercises/11_revocation.rs";

async fn server(extra: &[&TestUser]) -> TestServer {
    let mut grants = ScopeGrants::demo();
    for user in extra {
        grants.allow(&user.user.username, Scopes::of(&[Scope::Profile]));
    }
    let scopes = ScopesState::new(state_with(extra), grants, ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    serve(app(RevocationState::new(refresh, DenyList::default()))).await
}

/// A login's access and refresh tokens.
async fn login(server: &TestServer, user: &TestUser) -> (String, String) {
    let reply = server.login(&user.user.username, &user.password).await;
    let access = reply.access_token();
    let refresh = reply.json()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (access, refresh)
}

async fn logout(server: &TestServer, access: &str, body: &str) -> Reply {
    let authorization = format!("Bearer {access}");
    let mut headers = vec![("authorization", authorization.as_str())];
    if !body.is_empty() {
        headers.push(("content-type", FORM));
    }
    server
        .request(Method::POST, "/logout", &headers, body.to_owned())
        .await
}

async fn refresh(server: &TestServer, token: &str) -> Reply {
    let body = form(&[("grant_type", "refresh_token"), ("refresh_token", token)]);
    server.post_form("/token", &body).await
}

async fn revoke(server: &TestServer, fields: &[(&str, &str)]) -> Reply {
    server.post_form("/revoke", &form(fields)).await
}

#[track_caller]
fn assert_revoked(reply: &Reply, why: &str) {
    reply.assert_error(
        401,
        "invalid_token",
        &format!("{why}: a revoked token is invalid_token until it would have expired"),
        "ensure_not_revoked and the Principal extractor in exercises/11_revocation.rs",
    );
}

#[track_caller]
fn assert_empty_200(reply: &Reply, what: &str) {
    assert!(
        reply.status == 200 && reply.body.is_empty(),
        "{}",
        reply.explain(
            &format!(
                "200 with an empty body for {what}: RFC 7009 §2.2 answers the same whatever the token was, so \
                 the endpoint tells nobody which tokens are valid"
            ),
            "revoke in exercises/11_revocation.rs"
        )
    );
}

#[tokio::test]
async fn logout_kills_the_access_token() {
    let user = someone();
    let server = server(&[&user]).await;
    let (access, _) = login(&server, &user).await;
    let reply = logout(&server, &access, "").await;
    assert!(
        reply.status == 204 && reply.body.is_empty(),
        "{}",
        reply.explain(
            "204 No Content: logged out",
            "logout in exercises/11_revocation.rs"
        )
    );
    let reply = server.get_with_token("/users/me", &access).await;
    assert_revoked(&reply, "GET /users/me with the token just logged out");
    let reply = logout(&server, &access, "").await;
    assert_revoked(&reply, "logging out twice with the same token");
}

#[tokio::test]
async fn logout_leaves_other_tokens_alone() {
    let user = someone();
    let server = server(&[&user]).await;
    let (laptop, _) = login(&server, &user).await;
    let (phone, _) = login(&server, &user).await;
    logout(&server, &laptop, "")
        .await
        .assert_status(204, "logout", LOOK);
    server
        .get_with_token("/users/me", &phone)
        .await
        .assert_status(
            200,
            "logging out on the laptop revokes the laptop's token (its jti), not the phone's",
            "log_out in exercises/11_revocation.rs",
        );
}

#[tokio::test]
async fn logout_with_a_refresh_token_revokes_its_family_too() {
    let user = someone();
    let server = server(&[&user]).await;
    let (access, refresh_token) = login(&server, &user).await;
    let (other_access, kept) = login(&server, &user).await;
    let body = form(&[("refresh_token", &refresh_token)]);
    logout(&server, &access, &body)
        .await
        .assert_status(204, "logout with a refresh token", LOOK);
    refresh(&server, &refresh_token).await.assert_error(
        400,
        "invalid_grant",
        "the refresh token sent to /logout is revoked with its family",
        "log_out in exercises/11_revocation.rs",
    );
    logout(&server, &other_access, "")
        .await
        .assert_status(204, "the other session logs out", LOOK);
    refresh(&server, &kept).await.assert_status(
        200,
        "logging out without a refresh_token leaves refresh tokens alone: the client may still hold one \
         for another session",
        "log_out in exercises/11_revocation.rs",
    );
}

#[tokio::test]
async fn logout_never_revokes_another_users_refresh_token() {
    let (mallory, victim) = (someone(), someone());
    let server = server(&[&mallory, &victim]).await;
    let (access, _) = login(&server, &mallory).await;
    let (_, victims_refresh) = login(&server, &victim).await;
    let body = form(&[("refresh_token", &victims_refresh)]);
    logout(&server, &access, &body)
        .await
        .assert_status(204, "mallory logs out", LOOK);
    refresh(&server, &victims_refresh).await.assert_status(
        200,
        "a refresh token of another user sent to /logout is left alone: logout revokes the caller's own \
         sessions only",
        "log_out in exercises/11_revocation.rs",
    );
}

#[tokio::test]
async fn logout_needs_a_valid_token() {
    let server = server(&[]).await;
    let reply = server
        .request(Method::POST, "/logout", &[], String::new())
        .await;
    reply.assert_no_error_code(
        401,
        "POST /logout without a token: step 03's bare 401",
        LOOK,
    );
}

#[tokio::test]
async fn revoke_kills_a_refresh_family() {
    let user = someone();
    let server = server(&[&user]).await;
    let (_, refresh_token) = login(&server, &user).await;
    let reply = revoke(
        &server,
        &[
            ("token", &refresh_token),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_empty_200(&reply, "a refresh token");
    refresh(&server, &refresh_token).await.assert_error(
        400,
        "invalid_grant",
        "a refresh token revoked through /revoke no longer refreshes",
        "revoke_token in exercises/11_revocation.rs",
    );
}

#[tokio::test]
async fn revoke_kills_an_access_token_whatever_the_hint() {
    let user = someone();
    let server = server(&[&user]).await;
    for hint in [
        None,
        Some("access_token"),
        Some("refresh_token"),
        Some("nonsense"),
    ] {
        let (access, _) = login(&server, &user).await;
        let mut fields = vec![("token", access.as_str())];
        if let Some(hint) = hint {
            fields.push(("token_type_hint", hint));
        }
        assert_empty_200(&revoke(&server, &fields).await, "an access token");
        let reply = server.get_with_token("/users/me", &access).await;
        assert_revoked(
            &reply,
            &format!(
                "an access token revoked with token_type_hint {hint:?}: a hint only says where to look first \
                 (RFC 7009 §2.1); the server must search every kind it supports"
            ),
        );
    }
}

#[tokio::test]
async fn revoke_answers_the_same_for_any_token() {
    let server = server(&[]).await;
    let foreign = JwtKeys::from_secret(b"somebody-elses-secret-that-is-long-enough")
        .expect("a long secret")
        .encode(&course::jwt::Claims::new(
            "alice",
            std::time::Duration::from_secs(600),
        ))
        .expect("sign");
    for (token, what) in [
        ("not-a-token", "garbage"),
        ("a.b.c", "something shaped like a JWT"),
        (foreign.as_str(), "a token signed with another key"),
    ] {
        assert_empty_200(&revoke(&server, &[("token", token)]).await, what);
    }
}

#[tokio::test]
async fn revoke_without_a_token_is_invalid_request() {
    let server = server(&[]).await;
    let reply = revoke(&server, &[("token_type_hint", "access_token")]).await;
    reply.assert_error(
        400,
        "invalid_request",
        "RFC 7009 §2.1: `token` is required",
        "revoke in exercises/11_revocation.rs",
    );
    let reply = server
        .post(
            "/revoke",
            Some("application/json"),
            r#"{"token":"x"}"#.to_owned(),
        )
        .await;
    reply.assert_error(
        400,
        "invalid_request",
        "RFC 7009 takes a form, like the token endpoint",
        "revoke in exercises/11_revocation.rs",
    );
}

#[test]
fn the_deny_list_forgets_tokens_that_expired_anyway() {
    let denied = DenyList::default();
    let now = now();
    // A token that expired an hour ago: past its leeway too.
    denied.deny_token("expired-long-ago", now - 3600);
    for i in 0..10 * PRUNE_EVERY {
        denied.deny(&format!("old-{i}"), now - 10, now);
    }
    denied.deny("live", now + 600, now);
    assert!(
        denied.is_denied("live"),
        "a token denied until ten minutes from now is denied.\n  look at: deny in {LOOK}"
    );
    assert!(
        denied.len() <= PRUNE_EVERY,
        "after {} entries whose tokens expired before now and one live one, the deny-list keeps {} entries: \
         an entry past its token's expiry protects nothing, so prune them (at least every PRUNE_EVERY \
         additions) or the list grows with every logout forever.\n  look at: deny in {LOOK}",
        10 * PRUNE_EVERY,
        denied.len()
    );
    assert!(
        !denied.is_denied("expired-long-ago"),
        "a token whose `exp` was an hour ago, revoked with deny_token, was still kept after {} \
         more entries: its denial ends at `exp` plus the leeway, and then the prune must drop \
         it.\n  look at: deny_token in {LOOK}",
        10 * PRUNE_EVERY
    );
}

#[test]
fn pruning_the_deny_list_keeps_every_token_still_accepted() {
    let denied = DenyList::default();
    let now = now();
    denied.deny("live", now + 600, now);
    // A token whose `exp` is this second is still accepted for step 04's leeway.
    denied.deny_token("in-its-leeway", now);
    for i in 0..10 * PRUNE_EVERY {
        denied.deny(&format!("old-{i}"), now - 10, now);
    }
    assert!(
        denied.is_denied("live"),
        "a token denied until ten minutes from now was forgotten once {} expired entries were added: \
         pruning must drop only the entries whose `until` has passed, or a burst of logouts \
         brings every revoked token back to life.\n  look at: deny in {LOOK}",
        10 * PRUNE_EVERY
    );
    assert!(
        denied.is_denied("in-its-leeway"),
        "a token whose `exp` is now, revoked with deny_token, was forgotten by the next prune: \
         the token is still accepted for the {}-second leeway after its `exp`, so its denial must \
         last until `exp` plus that leeway.\n  look at: deny_token in {LOOK}",
        course::jwt::LEEWAY_SECS
    );
}
