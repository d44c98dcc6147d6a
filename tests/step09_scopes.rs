//! Step 09: scopes at login, in the token, and per route, over HTTP.

mod common;
#[path = "common/state.rs"]
mod state;

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use common::{Reply, TestServer, TestUser, form, serve};
use course::jwt::Claims;
use course::scopes::{
    ItemStore, RequireScope, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState, app, scope,
};
use course::token_route::MAX_BODY_BYTES;
use reqwest::Method;
use serde_json::{Value, json};
use state::{someone, state_with, test_keys, token_for};

const LOOK: &str = "exercises/09_scopes.rs";

/// The demo users and `extra` with the scopes given, alice's demo items.
fn state(extra: &[(&TestUser, &[Scope])]) -> ScopesState {
    let users: Vec<&TestUser> = extra.iter().map(|(user, _)| *user).collect();
    let mut grants = ScopeGrants::demo();
    for (user, scopes) in extra {
        grants.allow(&user.user.username, Scopes::of(scopes));
    }
    ScopesState::new(state_with(&users), grants, ItemStore::demo())
}

async fn server(extra: &[(&TestUser, &[Scope])]) -> TestServer {
    serve(app(state(extra))).await
}

async fn login(server: &TestServer, username: &str, password: &str, scope: Option<&str>) -> Reply {
    let mut fields = vec![
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ];
    if let Some(scope) = scope {
        fields.push(("scope", scope));
    }
    server.post_form("/token", &form(&fields)).await
}

/// A token for `username` carrying exactly `scope` (or no claim at all).
fn scoped_token(username: &str, scope: Option<&str>) -> String {
    let claims = ScopedClaims {
        claims: Claims::new(username, Duration::from_secs(600)),
        scope: scope.map(str::to_owned),
    };
    test_keys().encode(&claims).expect("the test keys sign")
}

#[track_caller]
fn assert_granted(reply: &Reply, scope: &str, why: &str) {
    reply.assert_status(200, why, LOOK);
    reply.assert_header(
        "cache-control",
        "no-store",
        "every token response, step 05's rule",
        LOOK,
    );
    let body = reply.json();
    assert!(
        body["scope"] == scope,
        "{}",
        reply.explain(
            &format!(
                "\"scope\": \"{scope}\" in the token response: {why}; the server always says what it granted \
                 (RFC 6749 §5.1), since it may differ from what was asked"
            ),
            "scoped_access_token in exercises/09_scopes.rs"
        )
    );
    let token = body["access_token"].as_str().unwrap_or_default();
    let claims = test_keys().decode::<ScopedClaims>(token);
    let claim = claims.as_ref().ok().and_then(|c| c.scope.clone());
    assert!(
        claim.as_deref() == Some(scope),
        "{}",
        reply.explain(
            &format!(
                "an access token whose `scope` claim is \"{scope}\" (space separated, RFC 9068 §2.2.3): the \
                 token carries its scopes to every route; its claims decoded to {claims:?}"
            ),
            "scoped_access_token in exercises/09_scopes.rs"
        )
    );
}

#[track_caller]
fn assert_invalid_scope(reply: &Reply, why: &str) {
    reply.assert_error(
        400,
        "invalid_scope",
        why,
        "requested_scopes and grant in exercises/09_scopes.rs",
    );
}

#[track_caller]
fn assert_insufficient(reply: &Reply, scope: &str) {
    reply.assert_error(
        403,
        "insufficient_scope",
        &format!("the token is valid but lacks `{scope}`: 403, not 401 (RFC 6750 §3.1)"),
        "RequireScope and insufficient_scope in exercises/09_scopes.rs",
    );
    reply.assert_header(
        "www-authenticate",
        &format!(r#"Bearer error="insufficient_scope", scope="{scope}""#),
        "the challenge names the scope the client must ask for at login",
        "insufficient_scope in exercises/09_scopes.rs",
    );
}

#[tokio::test]
async fn no_scope_asked_means_profile() {
    let server = server(&[]).await;
    for scope in [None, Some(""), Some("  ")] {
        let reply = login(&server, "alice", "secret123", scope).await;
        assert_granted(
            &reply,
            "profile",
            "no scope asked for (or an empty one) means profile",
        );
    }
}

#[tokio::test]
async fn the_grant_is_what_was_asked_and_allowed() {
    let reader = someone();
    let server = server(&[(&reader, &[Scope::ItemsRead, Scope::Profile])]).await;
    let reply = login(
        &server,
        "bob",
        "correct horse battery staple",
        Some("items:read"),
    )
    .await;
    reply.assert_error(
        400,
        "invalid_grant",
        "bob is disabled: scopes change nothing about who may log in",
        LOOK,
    );
    let name = reader.user.username.as_str();
    let reply = login(
        &server,
        name,
        &reader.password,
        Some("items:read items:write"),
    )
    .await;
    assert_granted(
        &reply,
        "items:read",
        "asked for items:read and items:write, allowed profile and items:read: granted the intersection",
    );
    let reply = login(
        &server,
        "alice",
        "secret123",
        Some("items:write profile items:read"),
    )
    .await;
    assert_granted(
        &reply,
        "profile items:read items:write",
        "alice may have all three; the scope is written space separated",
    );
    let reply = login(
        &server,
        "alice",
        "secret123",
        Some("items:read  profile items:read"),
    )
    .await;
    assert_granted(
        &reply,
        "profile items:read",
        "a scope named twice, with a double space: the scope is a set (RFC 6749 §3.3), so naming one twice \
         still grants it once",
    );
}

#[tokio::test]
async fn a_scope_the_server_does_not_define_is_invalid_scope() {
    let server = server(&[]).await;
    for scope in ["admin", "profile admin", "Profile", "items:*"] {
        let reply = login(&server, "alice", "secret123", Some(scope)).await;
        assert_invalid_scope(
            &reply,
            &format!(
                "scope={scope:?} names a scope this server does not define (names are case-sensitive)"
            ),
        );
    }
}

#[tokio::test]
async fn nothing_allowed_is_invalid_scope() {
    let server = server(&[]).await;
    let reply = login(&server, "carol", "otp-demo-password-1", Some("items:write")).await;
    assert_invalid_scope(
        &reply,
        "carol may have only profile; asking for items:write alone leaves nothing to grant",
    );
}

#[tokio::test]
async fn credentials_come_before_what_the_user_may_have() {
    let server = server(&[]).await;
    let reply = login(&server, "carol", "wrong", Some("items:write")).await;
    reply.assert_error(
        400,
        "invalid_grant",
        "a wrong password with a scope the user may not have is invalid_grant: what a user may have is \
         checked only once we know who they are, or the answer tells an attacker about the account",
        LOOK,
    );
    let reply = login(&server, "nobody-here", "wrong", Some("items:write")).await;
    reply.assert_error(
        400,
        "invalid_grant",
        "an unknown user asking for scopes is invalid_grant, like any unknown user",
        LOOK,
    );
    let reply = login(&server, "alice", "wrong", Some("admin")).await;
    assert_invalid_scope(
        &reply,
        "a scope name the server does not define is refused before bcrypt runs, whatever the password",
    );
}

#[tokio::test]
async fn each_route_needs_its_scope() {
    let server = server(&[]).await;
    let cases: [(Method, &str, &str); 3] = [
        (Method::GET, "/users/me", "profile"),
        (Method::GET, "/users/me/items", "items:read"),
        (Method::POST, "/users/me/items", "items:write"),
    ];
    for (method, path, needed) in cases {
        let others: Vec<&str> = ["profile", "items:read", "items:write"]
            .into_iter()
            .filter(|s| *s != needed)
            .collect();
        let token = scoped_token("alice", Some(&others.join(" ")));
        let reply = server
            .request(
                method.clone(),
                path,
                &[
                    ("authorization", &format!("Bearer {token}")),
                    ("content-type", "application/json"),
                ],
                json!({"name": "Pencil"}).to_string(),
            )
            .await;
        assert_insufficient(&reply, needed);
    }
}

#[tokio::test]
async fn a_token_without_a_scope_claim_has_no_scopes() {
    let server = server(&[]).await;
    // A step 07 token: no `scope` claim at all.
    let reply = server
        .get_with_token("/users/me", &token_for("alice"))
        .await;
    assert_insufficient(&reply, "profile");
    let reply = server
        .get_with_token("/users/me", &scoped_token("alice", Some("admin superuser")))
        .await;
    assert_insufficient(&reply, "profile");
}

#[tokio::test]
async fn users_me_answers_with_profile_scope() {
    let someone = someone();
    let server = server(&[(&someone, &[Scope::Profile])]).await;
    let token = login(&server, &someone.user.username, &someone.password, None)
        .await
        .access_token();
    let reply = server.get_with_token("/users/me", &token).await;
    reply.assert_status(200, "a token with profile opens GET /users/me", LOOK);
    assert!(
        reply.json()["username"] == someone.user.username.as_str(),
        "{}",
        reply.explain(
            "the profile of the token's own user",
            "users_me in exercises/09_scopes.rs"
        )
    );
}

#[tokio::test]
async fn items_are_listed_per_user() {
    let reader = someone();
    let server = server(&[(&reader, &[Scope::ItemsRead])]).await;
    let token = login(&server, "alice", "secret123", Some("items:read"))
        .await
        .access_token();
    let reply = server.get_with_token("/users/me/items", &token).await;
    reply.assert_status(200, "alice's token with items:read lists her items", LOOK);
    let names: Vec<Value> = reply
        .json()
        .as_array()
        .map(|items| items.iter().map(|i| i["name"].clone()).collect())
        .unwrap_or_default();
    assert!(
        names == [json!("Notebook"), json!("Fountain pen")],
        "{}",
        reply.explain(
            "alice's two demo items, as [{\"id\": ..., \"name\": \"Notebook\"}, {..., \"name\": \"Fountain pen\"}]",
            "list_items in exercises/09_scopes.rs"
        )
    );
    let token = login(
        &server,
        &reader.user.username,
        &reader.password,
        Some("items:read"),
    )
    .await
    .access_token();
    let reply = server.get_with_token("/users/me/items", &token).await;
    assert!(
        reply.status == 200 && reply.json() == json!([]),
        "{}",
        reply.explain(
            "200 [] for a user with no items: each user sees their own items, never alice's",
            "list_items in exercises/09_scopes.rs"
        )
    );
}

async fn add(server: &TestServer, token: &str, body: String, content_type: &str) -> Reply {
    let authorization = format!("Bearer {token}");
    server
        .request(
            Method::POST,
            "/users/me/items",
            &[
                ("authorization", &authorization),
                ("content-type", content_type),
            ],
            body,
        )
        .await
}

/// `POST /users/me/items` with the JSON body `{"name": name}`.
async fn add_named(server: &TestServer, token: &str, name: &str) -> Reply {
    let body = json!({ "name": name }).to_string();
    add(server, token, body, "application/json").await
}

#[tokio::test]
async fn an_added_item_is_201_and_listed_after() {
    let writer = someone();
    let server = server(&[(&writer, &[Scope::ItemsRead, Scope::ItemsWrite])]).await;
    let token = login(
        &server,
        &writer.user.username,
        &writer.password,
        Some("items:read items:write"),
    )
    .await
    .access_token();
    let name = format!("Item {}", common::random_hex(4));
    let reply = add_named(&server, &token, &name).await;
    reply.assert_status(
        201,
        "POST /users/me/items with items:write creates an item",
        LOOK,
    );
    let item = reply.json();
    assert!(
        item["name"] == name.as_str() && item["id"].is_u64(),
        "{}",
        reply.explain(
            &format!("the new item, {{\"id\": <number>, \"name\": \"{name}\"}}"),
            "add_item in exercises/09_scopes.rs"
        )
    );
    let second = add_named(&server, &token, "Another").await;
    assert!(
        second.json()["id"].is_u64() && second.json()["id"] != item["id"],
        "{}",
        second.explain(
            &format!(
                "a second item with an id of its own, not the first's {}",
                item["id"]
            ),
            "ItemStore::add in exercises/09_scopes.rs"
        )
    );
    let listed = server.get_with_token("/users/me/items", &token).await;
    assert!(
        listed.json() == json!([item, second.json()]),
        "{}",
        listed.explain(
            &format!(
                "the user's items now list exactly the two new ones, oldest first, {item} and {}",
                second.json()
            ),
            "add_item in exercises/09_scopes.rs"
        )
    );
}

#[tokio::test]
async fn a_user_has_at_most_a_hundred_items() {
    let writer = someone();
    let server = server(&[(&writer, &[Scope::ItemsWrite])]).await;
    let token = login(
        &server,
        &writer.user.username,
        &writer.password,
        Some("items:write"),
    )
    .await
    .access_token();
    for n in 1..=course::scopes::MAX_ITEMS_PER_USER {
        add_named(&server, &token, &format!("item {n}"))
            .await
            .assert_status(201, &format!("item number {n} of at most 100"), LOOK);
    }
    let reply = add_named(&server, &token, "one too many").await;
    reply.assert_error(
        400,
        "invalid_request",
        "item number 101, for a user who has 100 (MAX_ITEMS_PER_USER): refused with a sentence, never a 500. \
         A store any logged-in user can add to must be bounded, or one account fills the server's memory",
        "add_item in exercises/09_scopes.rs (ItemStore::add answers None)",
    );
}

#[tokio::test]
async fn an_item_name_is_one_to_a_hundred_characters() {
    let server = server(&[]).await;
    let token = scoped_token("alice", Some("items:write"));
    let accented = "é".repeat(100);
    let reply = add_named(&server, &token, &accented).await;
    reply.assert_status(
        201,
        "a name of 100 characters (200 bytes of UTF-8) is allowed: the limit counts characters, not bytes",
        "add_item in exercises/09_scopes.rs",
    );
    let bad: [(String, &str, &str); 5] = [
        (
            json!({"name": ""}).to_string(),
            "application/json",
            "an empty name",
        ),
        (
            json!({"name": "x".repeat(101)}).to_string(),
            "application/json",
            "a name of 101 characters",
        ),
        (
            json!({"title": "x"}).to_string(),
            "application/json",
            "no name field",
        ),
        (
            "name=x".to_owned(),
            "application/x-www-form-urlencoded",
            "a form, not JSON",
        ),
        ("{".to_owned(), "application/json", "broken JSON"),
    ];
    for (body, content_type, what) in bad {
        let reply = add(&server, &token, body, content_type).await;
        reply.assert_error(
            400,
            "invalid_request",
            &format!("{what}: the client's mistake, answered as JSON in the server's words"),
            "add_item in exercises/09_scopes.rs",
        );
    }
}

#[tokio::test]
async fn an_item_body_over_the_limit_is_413() {
    let server = server(&[]).await;
    let token = scoped_token("alice", Some("items:write"));
    let name = "x".repeat(MAX_BODY_BYTES);
    let reply = add_named(&server, &token, &name).await;
    reply.assert_error(
        413,
        "invalid_request",
        &format!(
            "a JSON body over {MAX_BODY_BYTES} bytes is too large, not malformed: 413, as POST /token \
             answers it, so the client knows to send less rather than to fix its JSON"
        ),
        "add_item in exercises/09_scopes.rs: the JsonRejection's status",
    );
}

#[tokio::test]
async fn the_rules_of_earlier_steps_still_hold() {
    let server = server(&[]).await;
    let reply = server.get("/users/me", &[]).await;
    reply.assert_no_error_code(401, "no token at all: step 03's bare 401", LOOK);
    let reply = server
        .get_with_token("/users/me", &scoped_token("bob", Some("profile")))
        .await;
    reply.assert_error(
        401,
        "invalid_token",
        "bob is disabled: step 08's answer, whatever scopes his token carries",
        "principal_from_token in exercises/09_scopes.rs",
    );
    let reply = server.get("/nowhere", &[]).await;
    reply.assert_no_error_code(404, "the app ends with step 07's with_json_fallbacks", LOOK);
}

async fn write_only(RequireScope(principal, _): RequireScope<scope::ItemsWrite>) -> String {
    principal.user.username
}

#[tokio::test]
async fn require_scope_guards_any_handler() {
    let state = state(&[]);
    let app = Router::new()
        .route("/write", get(write_only))
        .with_state(state);
    let server = serve(app).await;
    let reply = server
        .get_with_token("/write", &scoped_token("alice", Some("items:write")))
        .await;
    assert!(
        reply.status == 200 && reply.body == "alice",
        "{}",
        reply.explain(
            "200 with alice as the principal: her token carries items:write",
            "RequireScope in exercises/09_scopes.rs"
        )
    );
    let reply = server
        .get_with_token("/write", &scoped_token("alice", Some("profile items:read")))
        .await;
    assert_insufficient(&reply, "items:write");
}
