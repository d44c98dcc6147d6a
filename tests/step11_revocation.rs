//! Step 11: `POST /logout`, RFC 7009 `POST /revoke` and the deny-list.

mod common;
#[path = "common/state.rs"]
mod state;

use std::sync::Arc;
use std::time::Duration;

use common::{FORM, Reply, TestServer, TestUser, form, now, serve};
use course::jwt::{Claims, JwtKeys};
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore, SessionClaims};
use course::revocation::{DenyList, PRUNE_EVERY, RevocationState, app};
use course::scopes::{ItemStore, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState};
use reqwest::Method;
use state::{someone, state_with, test_keys};

const LOOK: &str = "exercises/11_revocation.rs";

async fn server(extra: &[&TestUser]) -> TestServer {
    server_and_list(extra).await.0
}

/// A server, and its deny-list to look into.
async fn server_and_list(extra: &[&TestUser]) -> (TestServer, Arc<DenyList>) {
    let mut grants = ScopeGrants::demo();
    for user in extra {
        grants.allow(&user.user.username, Scopes::of(&[Scope::Profile]));
    }
    let scopes = ScopesState::new(state_with(extra), grants, ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let state = RevocationState::new(refresh, DenyList::default());
    let denied = state.denied.clone();
    (serve(app(state)).await, denied)
}

/// An access token of `username` (scope `profile`) that belongs to no
/// refresh family: no `sid`, like the ones step 12's cookie login issues.
fn session_less_token(username: &str, keys: &JwtKeys) -> String {
    let claims = ScopedClaims {
        claims: Claims::new(username, Duration::from_secs(600)),
        scope: Some("profile".to_owned()),
    };
    keys.encode(&claims).expect("the keys sign")
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
    let (browser, tablet) = (
        session_less_token(&user.user.username, &test_keys()),
        session_less_token(&user.user.username, &test_keys()),
    );
    for (gone, kept, what) in [
        (&laptop, &phone, "its session"),
        (&browser, &tablet, "its jti"),
    ] {
        logout(&server, gone, "")
            .await
            .assert_status(204, "logout", LOOK);
        server.get_with_token("/users/me", kept).await.assert_status(
            200,
            &format!(
                "logging out on the laptop revokes the laptop's token ({what}), not the phone's: another \
                 token of the same user stays valid"
            ),
            "log_out in exercises/11_revocation.rs",
        );
    }
}

#[tokio::test]
async fn logout_with_a_refresh_token_revokes_its_family_too() {
    let user = someone();
    let server = server(&[&user]).await;
    let (access, _) = login(&server, &user).await;
    let (_, other_session) = login(&server, &user).await;
    let (_, kept) = login(&server, &user).await;
    let body = form(&[("refresh_token", &other_session)]);
    logout(&server, &access, &body).await.assert_status(
        204,
        "logout with a refresh token of another of the caller's sessions",
        LOOK,
    );
    refresh(&server, &other_session).await.assert_error(
        400,
        "invalid_grant",
        "the refresh token sent to /logout is revoked with its family, though it is another session's",
        "log_out in exercises/11_revocation.rs",
    );
    refresh(&server, &kept).await.assert_status(
        200,
        "a third session's refresh token, neither logged out nor sent: logout touches the session it logs \
         out and the one it names, no other",
        "log_out in exercises/11_revocation.rs",
    );
}

#[tokio::test]
async fn logout_ends_the_whole_session() {
    let user = someone();
    let (server, denied) = server_and_list(&[&user]).await;
    let (first_access, first_refresh) = login(&server, &user).await;
    let reply = refresh(&server, &first_refresh).await;
    let access = reply.access_token();
    let refresh_token = reply.json()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    logout(&server, &access, "")
        .await
        .assert_status(204, "logout", LOOK);
    assert_revoked(
        &server.get_with_token("/users/me", &first_access).await,
        "GET /users/me with the login's first access token, after a later access token of the same session \
         logged out: logout ends the session the token was minted from (its sid), and every access token \
         of it dies with it",
    );
    refresh(&server, &refresh_token).await.assert_error(
        400,
        "invalid_grant",
        "the session's refresh token, after the session logged out: logout ends the session, refresh token \
         and all, or the client that logged out could go on refreshing",
        "log_out and revoke_access_token in exercises/11_revocation.rs",
    );
    assert!(
        denied.is_empty(),
        "logging out a token that carries a sid ended its session, and the deny-list now holds {} entries: \
         a session's tokens die with the session (step 10's is_live), so nothing need be kept per token. \
         Denying them one by one lets any logged-in user grow the list without end (refresh, log out, \
         refresh...).\n  look at: revoke_access_token in {LOOK}",
        denied.len()
    );
}

#[tokio::test]
async fn a_token_without_a_session_is_revoked_by_its_jti() {
    let user = someone();
    let (server, denied) = server_and_list(&[&user]).await;
    let token = session_less_token(&user.user.username, &test_keys());
    server
        .get_with_token("/users/me", &token)
        .await
        .assert_status(
            200,
            "a valid access token that belongs to no refresh family",
            LOOK,
        );
    logout(&server, &token, "")
        .await
        .assert_status(204, "logout with it", LOOK);
    assert_revoked(
        &server.get_with_token("/users/me", &token).await,
        "GET /users/me with a token that belongs to no session (no sid, like a cookie login's), just logged \
         out: with no session to end, its jti goes on the deny-list",
    );
    assert!(
        denied.len() == 1,
        "after one session-less token logged out the deny-list holds {} entries, not 1.\n  look at: \
         revoke_access_token in {LOOK}",
        denied.len()
    );
    let other = session_less_token(&user.user.username, &test_keys());
    assert_empty_200(
        &revoke(&server, &[("token", &other)]).await,
        "a session-less access token",
    );
    assert_revoked(
        &server.get_with_token("/users/me", &other).await,
        "GET /users/me with a session-less token revoked through /revoke",
    );
}

#[tokio::test]
async fn revoke_trusts_only_tokens_whose_signature_it_verified() {
    let user = someone();
    let (server, denied) = server_and_list(&[&user]).await;
    let victims = session_less_token(&user.user.username, &test_keys());
    let (in_session, _) = login(&server, &user).await;
    let forger =
        JwtKeys::from_secret(b"an-attackers-own-secret-long-enough-to-sign").expect("keys");
    let mut forged = Vec::new();
    for token in [&victims, &in_session] {
        let claims = test_keys()
            .decode::<SessionClaims>(token)
            .expect("the test keys decode their own tokens");
        // The victim's own jti and sid, under the attacker's signature.
        forged.push(forger.encode(&claims).expect("the forger signs"));
    }
    for token in &forged {
        assert_empty_200(
            &revoke(&server, &[("token", token)]).await,
            "a forged token",
        );
    }
    for (token, what) in [(&victims, "session-less"), (&in_session, "in-session")] {
        server.get_with_token("/users/me", token).await.assert_status(
            200,
            &format!(
                "the victim's {what} access token, after /revoke was sent forgeries carrying its jti and sid \
                 under another key: /revoke believes only a token whose signature it verified (keys.decode), \
                 or anyone can log anyone out by copying a jti"
            ),
            "revoke_token in exercises/11_revocation.rs",
        );
    }
    assert!(
        denied.is_empty(),
        "forged tokens sent to /revoke grew the deny-list to {} entries: only a token whose signature \
         verified may add to it, or anyone can fill the server's memory with made-up jtis.\n  look at: \
         revoke_token in {LOOK}",
        denied.len()
    );
}

#[tokio::test]
async fn revoking_an_access_token_of_a_session_ends_the_session() {
    let user = someone();
    let (server, denied) = server_and_list(&[&user]).await;
    let (access, refresh_token) = login(&server, &user).await;
    assert_empty_200(
        &revoke(&server, &[("token", &access)]).await,
        "an access token minted from a refresh family",
    );
    assert_revoked(
        &server.get_with_token("/users/me", &access).await,
        "GET /users/me with an access token revoked through /revoke",
    );
    refresh(&server, &refresh_token).await.assert_error(
        400,
        "invalid_grant",
        "the refresh token of the session whose access token was revoked: revoking an access token of a \
         session ends the session (RFC 7009 §2.1 allows it), so nothing is kept per token",
        "revoke_access_token in exercises/11_revocation.rs",
    );
    assert!(
        denied.is_empty(),
        "revoking an access token that carries a sid added {} entries to the deny-list: end its session \
         instead, so that one login cannot grow the list by refreshing and revoking in a loop.\n  look at: \
         revoke_access_token in {LOOK}",
        denied.len()
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
    let (access, refresh_token) = login(&server, &user).await;
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
    assert_revoked(
        &server.get_with_token("/users/me", &access).await,
        "GET /users/me with the access token of a session whose refresh token was revoked: RFC 7009 §2.1 \
         says its access tokens SHOULD go too, and this step's Principal checks the session (step 10's \
         principal_from_session_bearer) as well as the deny-list",
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
