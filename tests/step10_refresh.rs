//! Step 10: refresh tokens, over HTTP and through the store.

mod common;
#[path = "common/state.rs"]
mod state;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Reply, TestServer, TestUser, form, now, serve};
use course::refresh::{
    DEFAULT_REFRESH_TTL, MAX_FAMILIES_PER_USER, REMEMBERED_PER_FAMILY, RefreshFailure,
    RefreshState, RefreshStore, SessionClaims, app,
};
use course::scopes::{ItemStore, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState};
use sha2::{Digest, Sha256};
use state::{someone, state_with, test_keys};

const LOOK: &str = "exercises/10_refresh.rs";
const DAY: u64 = 24 * 60 * 60;

/// The demo users and `extra` (allowed `scopes`), with `store`.
fn state(extra: &[(&TestUser, &[Scope])], store: RefreshStore) -> RefreshState {
    let users: Vec<&TestUser> = extra.iter().map(|(user, _)| *user).collect();
    let mut grants = ScopeGrants::demo();
    for (user, scopes) in extra {
        grants.allow(&user.user.username, Scopes::of(scopes));
    }
    let scopes = ScopesState::new(state_with(&users), grants, ItemStore::demo());
    RefreshState::new(scopes, store)
}

async fn server(extra: &[(&TestUser, &[Scope])]) -> TestServer {
    serve(app(state(extra, RefreshStore::new(DEFAULT_REFRESH_TTL)))).await
}

async fn password(server: &TestServer, user: &TestUser, scope: &str) -> Reply {
    let fields = [
        ("grant_type", "password"),
        ("username", user.user.username.as_str()),
        ("password", user.password.as_str()),
        ("scope", scope),
    ];
    server.post_form("/token", &form(&fields)).await
}

async fn refresh(server: &TestServer, token: &str, scope: Option<&str>) -> Reply {
    let mut fields = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    server.post_form("/token", &form(&fields)).await
}

/// The refresh token of a successful token response.
#[track_caller]
fn refresh_token_of(reply: &Reply) -> String {
    reply.assert_status(200, "the grant succeeds", LOOK);
    reply.assert_header(
        "cache-control",
        "no-store",
        "a response with tokens in it is never cached (RFC 6749 §5.1)",
        LOOK,
    );
    match reply.json()["refresh_token"].as_str() {
        Some(token) => token.to_owned(),
        None => panic!(
            "{}",
            reply.explain(
                "a `refresh_token` string beside the access token (RFC 6749 §5.1)",
                LOOK
            )
        ),
    }
}

#[track_caller]
fn assert_invalid_grant(reply: &Reply, why: &str) {
    reply.assert_error(
        400,
        "invalid_grant",
        why,
        "refresh_grant in exercises/10_refresh.rs",
    );
}

#[tokio::test]
async fn a_login_returns_an_opaque_256_bit_refresh_token() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile])]).await;
    let reply = password(&server, &user, "profile").await;
    let token = refresh_token_of(&reply);
    let bytes = URL_SAFE_NO_PAD.decode(&token).unwrap_or_default();
    assert!(
        bytes.len() == 32,
        "{}",
        reply.explain(
            &format!(
                "a refresh token of 256 random bits as base64url without padding (43 characters); got {token:?}, \
                 {} bytes once decoded. Opaque: not a JWT, nothing for the client to read",
                bytes.len()
            ),
            "new_refresh_token in exercises/10_refresh.rs"
        )
    );
    let other = refresh_token_of(&password(&server, &user, "profile").await);
    let same = token
        .chars()
        .zip(other.chars())
        .filter(|(a, b)| a == b)
        .count();
    assert!(
        same < 20,
        "two logins gave refresh tokens sharing {same} of 43 characters ({token} and {other}): they must be \
         random, or one token predicts the next.\n  look at: new_refresh_token in {LOOK}"
    );
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile])]).await;
    let first = refresh_token_of(&password(&server, &user, "profile").await);
    let reply = refresh(&server, &first, None).await;
    let second = refresh_token_of(&reply);
    assert!(
        second != first,
        "{}",
        reply.explain(
            "a new refresh token in place of the one sent: rotation, so a stolen copy is caught when \
             either holder uses it",
            LOOK
        )
    );
    let access = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let me = server.get_with_token("/users/me", &access).await;
    me.assert_status(200, "the refreshed access token opens GET /users/me", LOOK);
    assert!(
        me.json()["username"] == user.user.username.as_str(),
        "{}",
        me.explain("the profile of the user who logged in", LOOK)
    );
    let again = refresh(&server, &first, None).await;
    assert_invalid_grant(
        &again,
        "a refresh token already traded in is dead: one use each",
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile])]).await;
    let first = refresh_token_of(&password(&server, &user, "profile").await);
    let second = refresh_token_of(&refresh(&server, &first, None).await);
    // An attacker replays the first token...
    assert_invalid_grant(
        &refresh(&server, &first, None).await,
        "a refresh token presented after it was rotated is a reuse",
    );
    // ...and the family dies: the user's current token too.
    assert_invalid_grant(
        &refresh(&server, &second, None).await,
        "after a reuse, the whole family is revoked, its current refresh token too (RFC 9700 §4.14.2): \
         the server cannot tell the user from the thief, so both must log in again",
    );
    // Another login is another family, untouched.
    let fresh = refresh_token_of(&password(&server, &user, "profile").await);
    refresh_token_of(&refresh(&server, &fresh, None).await);
}

#[tokio::test]
async fn a_refresh_may_narrow_the_scopes_never_widen_them() {
    let user = someone();
    let server = server(&[(
        &user,
        &[Scope::Profile, Scope::ItemsRead, Scope::ItemsWrite],
    )])
    .await;
    let token = refresh_token_of(&password(&server, &user, "profile items:read").await);
    let reply = refresh(&server, &token, Some("items:read")).await;
    let token = refresh_token_of(&reply);
    assert!(
        reply.json()["scope"] == "items:read",
        "{}",
        reply.explain(
            "scope \"items:read\": a refresh may ask for a subset of the login's scopes",
            LOOK
        )
    );
    let reply = refresh(&server, &token, None).await;
    let token = refresh_token_of(&reply);
    assert!(
        reply.json()["scope"] == "profile items:read",
        "{}",
        reply.explain(
            "scope \"profile items:read\": without a scope, a refresh gets all the login's scopes; a narrowed \
             refresh does not shrink the family (RFC 6749 §6)",
            LOOK
        )
    );
    for (asked, why) in [
        (
            "items:write",
            "items:write was not granted at login, even if the user may have it",
        ),
        ("admin", "a scope the server does not define"),
    ] {
        let reply = refresh(&server, &token, Some(asked)).await;
        reply.assert_error(
            400,
            "invalid_scope",
            &format!("scope={asked}: {why}; a refresh may narrow the scopes, never widen them"),
            "narrowed_scopes in exercises/10_refresh.rs",
        );
    }
    refresh_token_of(&refresh(&server, &token, None).await);
}

#[tokio::test]
async fn unknown_garbage_and_missing_refresh_tokens_are_refused() {
    let server = server(&[]).await;
    let unknown = URL_SAFE_NO_PAD.encode([7u8; 32]);
    for token in [unknown.as_str(), "garbage", "a.b.c", "%00"] {
        assert_invalid_grant(
            &refresh(&server, token, None).await,
            "a refresh token the server never issued",
        );
    }
    let reply = server.post_form("/token", "grant_type=refresh_token").await;
    reply.assert_error(
        400,
        "invalid_request",
        "grant_type=refresh_token without a refresh_token field: a malformed request, not a bad grant",
        LOOK,
    );
}

#[tokio::test]
async fn an_expired_family_is_refused() {
    let user = someone();
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let old = store
        .issue(
            &user.user.username,
            &Scopes::of(&[Scope::Profile]),
            now() - 15 * DAY,
        )
        .token;
    let server = serve(app(state(&[(&user, &[Scope::Profile])], store))).await;
    assert_invalid_grant(
        &refresh(&server, &old, None).await,
        "a family issued 15 days ago has outlived its 14-day lifetime: however often it was rotated, \
         the user must log in again",
    );
}

#[tokio::test]
async fn a_user_disabled_since_the_login_gets_no_new_token() {
    let mut user = someone();
    user.user.disabled = true;
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let token = store
        .issue(&user.user.username, &Scopes::of(&[Scope::Profile]), now())
        .token;
    let state = state(&[(&user, &[Scope::Profile])], store);
    let store = state.refresh.clone();
    let server = serve(app(state)).await;
    assert_invalid_grant(
        &refresh(&server, &token, None).await,
        "the family's user is disabled now: a refresh token does not outlive the account",
    );
    let after = store.peek(&token, now());
    assert!(
        after == Err(RefreshFailure::Unknown),
        "a refresh refused because the account is disabled must end the family for good: the store still \
         knows the token afterwards ({after:?}), so it works again the day the account is re-enabled, \
         and a thief holding it gets back in with the user. Revoke the family before you refuse.\n  \
         look at: refresh_grant in {LOOK}"
    );
}

#[test]
fn the_store_keeps_only_hashes() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let token = store
        .issue("someone", &Scopes::of(&[Scope::Profile]), now())
        .token;
    let shown = format!("{store:?}");
    let digest: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        !shown.contains(&token) && shown.contains(&digest),
        "the store printed with {{:?}} must show what it keeps: the SHA-256 of each token as hex ({digest} for \
         the token {token}), never the token itself; it showed {shown}. Keep only its SHA-256, so a leaked \
         table or memory dump gives no usable token.\n  look at: hash and RefreshStore's Debug in {LOOK}"
    );
}

#[test]
fn rotation_reuse_and_expiry_in_the_store() {
    let store = RefreshStore::new(Duration::from_secs(100));
    let scopes = Scopes::of(&[Scope::Profile]);
    let t0 = now();
    let first = store.issue("someone", &scopes, t0).token;
    let second = store.rotate(&first, t0 + 1);
    let second = match second {
        Ok(token) => token,
        Err(why) => {
            panic!("rotating a fresh token must succeed; got {why:?}.\n  look at: rotate in {LOOK}")
        }
    };
    assert_eq!(
        store.rotate(&first, t0 + 2),
        Err(RefreshFailure::Reused),
        "presenting a token already rotated is a reuse.\n  look at: rotate in {LOOK}"
    );
    assert_eq!(
        store.rotate(&second, t0 + 3),
        Err(RefreshFailure::Unknown),
        "after a reuse the family is gone: its current token is unknown.\n  look at: rotate in {LOOK}"
    );
    let late = store.issue("someone", &scopes, t0).token;
    let rotated = store.rotate(&late, t0 + 100);
    assert!(
        matches!(
            rotated,
            Err(RefreshFailure::Expired | RefreshFailure::Unknown)
        ),
        "a family whose lifetime (100 s here) has passed is expired (or already pruned: unknown); rotating \
         its token gave {rotated:?}.\n  look at: rotate in {LOOK}"
    );
}

#[test]
fn expired_families_are_pruned() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let scopes = Scopes::of(&[Scope::Profile]);
    for i in 0..500 {
        store.issue(&format!("churn-{i}"), &scopes, now() - 15 * DAY);
    }
    store.issue("someone", &scopes, now());
    assert_eq!(
        store.len(),
        1,
        "500 families issued 15 days ago, then one now: only the live one may stay in memory, or a server \
         that logs users in all day grows without end.\n  look at: prune in {LOOK}"
    );
}

#[tokio::test]
async fn refreshed_access_tokens_carry_the_scope_claim() {
    let server = server(&[]).await;
    let fields = [
        ("grant_type", "password"),
        ("username", "alice"),
        ("password", "secret123"),
        ("scope", "items:read"),
    ];
    let token = refresh_token_of(&server.post_form("/token", &form(&fields)).await);
    let reply = refresh(&server, &token, None).await;
    refresh_token_of(&reply);
    let access = reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let claims = test_keys().decode::<ScopedClaims>(&access);
    assert!(
        claims.as_ref().is_ok_and(|c| c.scope.as_deref() == Some("items:read")),
        "{}",
        reply.explain(
            &format!("an access token whose scope claim is \"items:read\"; it decoded to {claims:?}"),
            "refresh_grant in exercises/10_refresh.rs (step 09's scoped_access_token makes every access token)"
        )
    );
    let items = server.get_with_token("/users/me/items", &access).await;
    items.assert_status(200, "the refreshed token opens what its scopes allow", LOOK);
}

#[test]
fn each_login_is_a_family_of_its_own() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let t0 = now();
    let profile = Scopes::of(&[Scope::Profile]);
    let items = Scopes::of(&[Scope::ItemsRead]);
    let first = store.issue("first-user", &profile, t0).token;
    let other = store.issue("other-user", &items, t0);
    let next = store.rotate(&first, t0 + 1);
    let next = next.unwrap_or_else(|why| {
        panic!(
            "rotating the first user's fresh token, with another user's family issued after it, gave \
             {why:?}: every family needs an id of its own, or one login's tokens land in another's \
             family.\n  look at: issue in {LOOK}"
        )
    });
    let named = |token: &str| {
        store
            .peek(token, t0 + 2)
            .map(|session| (session.username, session.scopes))
    };
    assert_eq!(
        (named(&next), named(&other.token)),
        (
            Ok(("first-user".to_owned(), profile)),
            Ok(("other-user".to_owned(), items))
        ),
        "two logins by two users, then one rotation: each token must still name its own user and \
         scopes: every family needs an id of its own, or one user's refresh token yields another's \
         access token.\n  look at: issue in {LOOK}"
    );
    assert_eq!(
        store.rotate(&first, t0 + 3),
        Err(RefreshFailure::Reused),
        "presenting a token already rotated is a reuse.\n  look at: rotate in {LOOK}"
    );
    assert_eq!(
        store
            .peek(&other.token, t0 + 4)
            .map(|session| session.username),
        Ok("other-user".to_owned()),
        "a reuse in one family revoked another user's family: revoke only the family the reused \
         token belongs to.\n  look at: rotate in {LOOK}"
    );
}

#[test]
fn reuse_is_recognised_for_the_last_remembered_rotations() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let t0 = now();
    let first = store
        .issue("someone", &Scopes::of(&[Scope::Profile]), t0)
        .token;
    let mut current = first.clone();
    for n in 1..=REMEMBERED_PER_FAMILY {
        current = store.rotate(&current, t0).unwrap_or_else(|why| {
            panic!("rotation number {n} of a live family failed with {why:?}.\n  look at: rotate in {LOOK}")
        });
    }
    assert_eq!(
        store.rotate(&first, t0),
        Err(RefreshFailure::Reused),
        "after {REMEMBERED_PER_FAMILY} rotations, presenting the family's first token again: the family \
         remembers its last REMEMBERED_PER_FAMILY rotated tokens, and the first is one of them, so this \
         is a reuse (RFC 9700 §4.14.2) that revokes the family.\n  look at: rotate in {LOOK}"
    );
}

/// The access token of a successful token response.
#[track_caller]
fn access_token_of(reply: &Reply) -> String {
    reply.assert_status(200, "the grant succeeds", LOOK);
    reply.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn access_tokens_die_with_their_family() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile])]).await;
    let login = password(&server, &user, "profile").await;
    let first = refresh_token_of(&login);
    let login_access = access_token_of(&login);
    let refreshed = refresh(&server, &first, None).await;
    let second = refresh_token_of(&refreshed);
    let refreshed_access = access_token_of(&refreshed);
    let claims = test_keys().decode::<SessionClaims>(&refreshed_access);
    let sid = claims.as_ref().ok().and_then(|c| c.sid.clone());
    assert!(
        sid.is_some(),
        "{}",
        refreshed.explain(
            &format!(
                "an access token with a `sid` claim, the id of the refresh family it was minted from, so \
                 that revoking the family revokes it too; it decoded to {claims:?}"
            ),
            "session_access_token and refresh_grant in exercises/10_refresh.rs"
        )
    );
    for (token, which) in [
        (&login_access, "the login's"),
        (&refreshed_access, "the refresh's"),
    ] {
        server
            .get_with_token("/users/me", token)
            .await
            .assert_status(
                200,
                &format!("{which} access token, its family alive"),
                LOOK,
            );
    }
    // The first refresh token comes back: reuse, and the family is revoked.
    assert_invalid_grant(
        &refresh(&server, &first, None).await,
        "a refresh token presented after it was rotated is a reuse",
    );
    for (token, which) in [(&login_access, "login's"), (&refreshed_access, "refresh's")] {
        let me = server.get_with_token("/users/me", token).await;
        me.assert_error(
            401,
            "invalid_token",
            &format!(
                "GET /users/me with the {which} access token, after its family was revoked for reuse: an \
                 access token minted from a family dies with it (RFC 7009 §2.1, RFC 9700 §4.14.2), or the \
                 thief who replayed the refresh token keeps the access it already took for 30 more minutes"
            ),
            "principal_in_session (is_live) and the sid of every access token in exercises/10_refresh.rs",
        );
    }
    assert_invalid_grant(
        &refresh(&server, &second, None).await,
        "the family's current refresh token, after a reuse revoked the family",
    );
}

#[tokio::test]
async fn a_refresh_hands_out_only_what_the_account_may_still_have() {
    let user = someone();
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    // Logged in when the account had items:write; today it has profile only.
    let token = store
        .issue(
            &user.user.username,
            &Scopes::of(&[Scope::Profile, Scope::ItemsWrite]),
            now(),
        )
        .token;
    let server = serve(app(state(&[(&user, &[Scope::Profile])], store))).await;
    let reply = refresh(&server, &token, None).await;
    refresh_token_of(&reply);
    assert!(
        reply.json()["scope"] == "profile",
        "{}",
        reply.explain(
            "scope \"profile\": the family was granted profile and items:write, but the account may have only \
             profile today. A refresh re-checks the account's grants (ScopeGrants::allowed) and hands out \
             the intersection: a permission taken away since the login is not handed out again for 14 days",
            "refresh_grant in exercises/10_refresh.rs"
        )
    );
}

#[test]
fn revoking_any_token_of_a_family_ends_it() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let t0 = now();
    let scopes = Scopes::of(&[Scope::Profile]);
    let first = store.issue("someone", &scopes, t0);
    let second = store.rotate(&first.token, t0).unwrap_or_else(|why| {
        panic!("rotating a fresh token gave {why:?}.\n  look at: rotate in {LOOK}")
    });
    let revoked = store.revoke(&first.token);
    let after = store.peek(&second, t0);
    assert!(
        revoked.as_deref() == Some("someone") && after == Err(RefreshFailure::Unknown),
        "revoking the family's first token, already rotated, returned {revoked:?} and left its current token \
         {after:?}: revoking any token of a family, an old one too, ends the whole family. A user who \
         revokes the token they still hold from last week must not leave its successor alive.\n  \
         look at: revoke in {LOOK}"
    );
    assert!(
        !store.is_live(&first.sid, "someone", t0),
        "after the family was revoked, is_live({:?}) still says it is alive: its access tokens would keep \
         working.\n  look at: revoke and is_live in {LOOK}",
        first.sid
    );
}

#[test]
fn a_user_has_at_most_max_families_per_user_sessions() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let t0 = now();
    let scopes = Scopes::of(&[Scope::Profile]);
    let bystander = store.issue("bystander", &scopes, t0);
    let logins: Vec<_> = (0..=MAX_FAMILIES_PER_USER)
        .map(|_| store.issue("busy", &scopes, t0))
        .collect();
    assert!(
        store.len() == MAX_FAMILIES_PER_USER + 1,
        "one user logged in {} times and another once: {} families kept. A user has at most \
         MAX_FAMILIES_PER_USER ({MAX_FAMILIES_PER_USER}) live families; a login past that ends their oldest, \
         or one account that logs in all day fills the server's memory.\n  look at: issue in {LOOK}",
        MAX_FAMILIES_PER_USER + 1,
        store.len()
    );
    let oldest = store.peek(&logins[0].token, t0);
    assert!(
        oldest == Err(RefreshFailure::Unknown) && !store.is_live(&logins[0].sid, "busy", t0),
        "the busy user's first family, the oldest, must be the one that ended: its token gave {oldest:?}.\n  \
         look at: issue in {LOOK}"
    );
    assert!(
        store.peek(&bystander.token, t0).is_ok() && store.peek(&logins[1].token, t0).is_ok(),
        "ending the busy user's oldest family must touch no other family: not another user's, not the \
         busy user's newer ones.\n  look at: issue in {LOOK}"
    );
}

#[tokio::test]
async fn a_refused_refresh_leaves_the_client_its_token() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile, Scope::ItemsRead])]).await;
    let token = refresh_token_of(&password(&server, &user, "profile").await);
    refresh(&server, &token, Some("items:read"))
        .await
        .assert_error(
            400,
            "invalid_scope",
            "a refresh asking for items:read, which the login was not granted",
            "narrowed_scopes in exercises/10_refresh.rs",
        );
    let reply = refresh(&server, &token, None).await;
    assert!(
        reply.status == 200,
        "{}",
        reply.explain(
            "200: the same refresh token, after a refresh refused for its scope, still works. A refused \
             refresh used up the token: check with `peek` before you `rotate`, so the client that asked for \
             too much keeps its session",
            "refresh_grant in exercises/10_refresh.rs"
        )
    );
}

#[tokio::test]
async fn each_refused_refresh_says_what_was_wrong() {
    let user = someone();
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    // A family issued now, then one whose clock read 15 days earlier: the
    // queue is in issue order, so pruning stops at the live one, and the
    // expired one behind it is found, and refused as expired.
    store.issue("someone-else", &Scopes::of(&[Scope::Profile]), now());
    let expired = store
        .issue(
            &user.user.username,
            &Scopes::of(&[Scope::Profile]),
            now() - 15 * DAY,
        )
        .token;
    let server = serve(app(state(&[(&user, &[Scope::Profile])], store))).await;
    let first = refresh_token_of(&password(&server, &user, "profile").await);
    refresh_token_of(&refresh(&server, &first, None).await);
    let reused = refresh(&server, &first, None).await;
    let unknown = refresh(&server, &URL_SAFE_NO_PAD.encode([9u8; 32]), None).await;
    let wrong_password = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "password"),
                ("username", user.user.username.as_str()),
                ("password", "not-the-password"),
            ]),
        )
        .await;
    let expired = refresh(&server, &expired, None).await;
    let described = |reply: &Reply| {
        reply.json()["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let texts = [
        ("reused", described(&reused)),
        ("unknown", described(&unknown)),
        ("expired", described(&expired)),
    ];
    let password_text = described(&wrong_password);
    for (i, (what, text)) in texts.iter().enumerate() {
        assert_invalid_grant(
            [&reused, &unknown, &expired][i],
            &format!("a refresh token that is {what}"),
        );
        let clash = texts
            .iter()
            .find(|(other, other_text)| other != what && other_text == text);
        assert!(
            *text != password_text && clash.is_none(),
            "a refresh token that is {what} was refused with error_description {text:?}; a wrong password \
             gets {password_text:?}, and the other refusals {texts:?}. Every invalid_grant says what was \
             wrong (unknown, expired, reused: RefreshFailure::description), so the developer reading the \
             client's log knows why, and never the password's sentence, which would send them looking \
             for a typo.\n  look at: refresh_grant in {LOOK}"
        );
    }
}

#[tokio::test]
async fn two_refreshes_of_one_token_at_once_are_a_reuse() {
    let user = someone();
    let server = server(&[(&user, &[Scope::Profile])]).await;
    let token = refresh_token_of(&password(&server, &user, "profile").await);
    let (a, b) = tokio::join!(
        refresh(&server, &token, None),
        refresh(&server, &token, None)
    );
    let statuses = [a.status, b.status];
    let won = [&a, &b].into_iter().find(|reply| reply.status == 200);
    assert!(
        statuses.iter().filter(|s| **s == 200).count() == 1 && won.is_some(),
        "two refreshes of one refresh token sent at once answered {statuses:?}: exactly one may succeed. \
         This course detects reuse strictly (RFC 9700 §4.14.2): a token is traded in once, checked and \
         rotated under one lock, and the second use is a reuse. A client refreshes one request at a time.\n  \
         look at: rotate in {LOOK}"
    );
    if let Some(won) = won {
        let successor = won.json()["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert_invalid_grant(
            &refresh(&server, &successor, None).await,
            "the refresh token the winner got, after the same token was presented twice: the second use was a \
             reuse, and a reuse revokes the whole family, the winner's new token too",
        );
    }
}

#[test]
fn a_family_forgets_what_it_no_longer_remembers() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let t0 = now();
    let first = store
        .issue("someone", &Scopes::of(&[Scope::Profile]), t0)
        .token;
    let mut current = first.clone();
    for n in 1..=REMEMBERED_PER_FAMILY + 1 {
        current = store.rotate(&current, t0).unwrap_or_else(|why| {
            panic!("rotation number {n} of a live family failed with {why:?}.\n  look at: rotate in {LOOK}")
        });
    }
    let first_again = store.peek(&first, t0);
    assert!(
        first_again == Err(RefreshFailure::Unknown),
        "after {} rotations, the family's first token gave {first_again:?}: a family remembers only its last \
         REMEMBERED_PER_FAMILY ({REMEMBERED_PER_FAMILY}) rotated tokens, and forgets the older ones entirely \
         (unknown, not reused), from its list and from the store's map of hashes. Otherwise one account that \
         refreshes in a loop grows the server's memory for fourteen days.\n  look at: rotate in {LOOK}",
        REMEMBERED_PER_FAMILY + 1
    );
    assert!(
        store.rotate(&current, t0).is_ok(),
        "the family's current token must still rotate after its oldest rotations were forgotten.\n  look at: rotate \
         in {LOOK}"
    );
}

#[test]
fn one_users_logins_keep_the_expiry_queue_small() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let scopes = Scopes::of(&[Scope::Profile]);
    for _ in 0..1000 {
        store.issue("logs-in-all-day", &scopes, now());
    }
    assert!(
        store.len() == MAX_FAMILIES_PER_USER && store.queued() <= 2 * store.len() + 64,
        "one user logged in 1000 times: {} families live and {} entries in the expiry queue. Each login past \
         MAX_FAMILIES_PER_USER ends the oldest family, and the queue must forget the entries of families already \
         gone (compact_expiry), or it holds one entry per login for fourteen days.\n  look at: issue and \
         compact_expiry in {LOOK}",
        store.len(),
        store.queued()
    );
}

#[test]
fn family_ids_cannot_be_counted() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let scopes = Scopes::of(&[Scope::Profile]);
    let ids: Vec<u64> = (0..8)
        .map(|i| {
            let sid = store.issue(&format!("user-{i}"), &scopes, now()).sid;
            u64::from_str_radix(&sid, 16).unwrap_or_else(|_| {
                panic!("a sid of 16 hex digits (sid_of), got {sid:?}.\n  look at: sid_of and issue in {LOOK}")
            })
        })
        .collect();
    let counted = ids
        .windows(2)
        .all(|pair| pair[1].wrapping_sub(pair[0]) < 1 << 16);
    let small = ids.iter().all(|id| *id >> 32 == 0);
    assert!(
        !counted && !small,
        "eight logins got the family ids {ids:?}: they look counted. A family's id (an access token's sid) is 64 \
         random bits (new_family_id): a counter tells anyone who reads a token how many logins came before, and \
         after a restart with the same key it hands an old session's id to a new one.\n  look at: issue in {LOOK}"
    );
}

#[test]
fn an_expired_family_is_not_live_before_it_is_pruned() {
    let store = RefreshStore::new(DEFAULT_REFRESH_TTL);
    let scopes = Scopes::of(&[Scope::Profile]);
    // A live family first, so that pruning stops before the expired one.
    store.issue("someone-else", &scopes, now());
    let expired = store.issue("someone", &scopes, now() - 15 * DAY);
    assert!(
        !store.is_live(&expired.sid, "someone", now()),
        "a family issued 15 days ago (its 14 days over), not yet pruned: is_live says it is alive, so its access \
         tokens would outlive it. Alive means present and not expired.\n  look at: is_live in {LOOK}"
    );
    let live = store.issue("owner", &scopes, now());
    assert!(
        store.is_live(&live.sid, "owner", now())
            && !store.is_live(&live.sid, "not-the-owner", now()),
        "is_live must say yes for a live family and its own user, and no for any other user: an access token \
         names its family and its user, and both must agree.\n  look at: is_live in {LOOK}"
    );
}
