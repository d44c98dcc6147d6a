//! Step 16: clients that authenticate at /token, the client credentials
//! grant, and `GET /users`, over HTTP.

mod common;
#[path = "common/state.rs"]
mod state;

use std::time::Duration;

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{Reply, TEST_SECRET, TestServer, form, serve};
use course::clients::{
    COURSE_SERVICE_SECRET, COURSE_WEB_SECRET, Client, ClientClaims, ClientKind, ClientRegistry,
    ClientsState, GrantType, Presented, RedirectUris, app, client_token_keys, demo_usernames,
    secret_sha256,
};
use course::cookies::{CookieState, CsrfKey};
use course::login_throttle::{HashingPool, Limiter, LoginLimits, ThrottleState};
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, ScopeGrants, ScopesState};
use course::totp::{MfaKeys, TotpSecrets, TotpState, system_clock};
use serde_json::Value;
use state::test_state;

const LOOK: &str = "exercises/16_clients.rs";

/// A confidential client of the tests' own, with client_credentials.
fn service(id: &str, secret: &str, scopes: &[&str]) -> Client {
    Client {
        id: id.into(),
        kind: ClientKind::Confidential {
            secret_sha256: secret_sha256(secret),
        },
        redirect_uris: RedirectUris::None,
        grants: vec![GrantType::ClientCredentials],
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
    }
}

/// The demo clients and `extra`.
fn registry(extra: Vec<Client>) -> ClientRegistry {
    let demo = ClientRegistry::demo();
    let mut clients: Vec<Client> = ["course-cli", "course-web", "course-service"]
        .iter()
        .map(|id| demo.get(id).expect("a demo client (given)").clone())
        .collect();
    clients.extend(extra);
    ClientRegistry::new(clients)
}

/// Step 14's state with the test keys, and the clients.
fn clients_state(clients: ClientRegistry) -> ClientsState {
    let scopes = ScopesState::new(test_state(), ScopeGrants::demo(), ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let revocation = RevocationState::new(refresh, DenyList::default());
    let cookies = CookieState::new(
        revocation,
        CsrfKey::derive(TEST_SECRET).expect("a long secret"),
    );
    let totp = TotpState::new(
        cookies,
        TotpSecrets::demo(),
        MfaKeys::derive(TEST_SECRET).expect("a long secret"),
        system_clock(),
    );
    let limits = LoginLimits::new(
        Limiter::new(100, Duration::from_secs(60)),
        Limiter::new(100, Duration::from_secs(60)),
        std::sync::Arc::new(course::refresh::now),
    );
    let throttle = ThrottleState::new(totp, HashingPool::new(1, 8), limits);
    ClientsState::new(
        throttle,
        clients,
        client_token_keys(TEST_SECRET).expect("a long secret"),
        demo_usernames(),
    )
}

async fn server_with(extra: Vec<Client>) -> TestServer {
    serve(app(clients_state(registry(extra)))).await
}

async fn server() -> TestServer {
    server_with(Vec::new()).await
}

/// `Basic base64(form(id) ":" form(secret))`, as RFC 6749 §2.3.1 says.
fn basic(id: &str, secret: &str) -> String {
    let encode = |s: &str| form(&[("x", s)])["x=".len()..].to_owned();
    let pair = format!("{}:{}", encode(id), encode(secret));
    format!("Basic {}", STANDARD.encode(pair))
}

/// `POST path` with a form and an `Authorization` header.
async fn post_with_basic(
    server: &TestServer,
    path: &str,
    authorization: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let headers = [
        ("content-type", common::FORM),
        ("authorization", authorization),
    ];
    server
        .request(Method::POST, path, &headers, form(fields))
        .await
}

async fn token_with_basic(
    server: &TestServer,
    authorization: &str,
    fields: &[(&str, &str)],
) -> Reply {
    post_with_basic(server, "/token", authorization, fields).await
}

/// A client_credentials token for the tests' own client `id`.
async fn client_token(server: &TestServer, id: &str, secret: &str) -> String {
    let reply = token_with_basic(
        server,
        &basic(id, secret),
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_status(
        200,
        &format!("the client {id} may use client_credentials"),
        "`grant`",
    );
    reply.access_token()
}

async fn service_token(server: &TestServer) -> String {
    let reply = token_with_basic(
        server,
        &basic("course-service", COURSE_SERVICE_SECRET),
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_status(
        200,
        "course-service, with its own secret by HTTP Basic, may use client_credentials",
        "`grant` and `client_credentials_grant`",
    );
    reply.access_token()
}

fn claims_of(token: &str) -> ClientClaims {
    client_token_keys(TEST_SECRET)
        .expect("a long secret")
        .decode::<ClientClaims>(token)
        .unwrap_or_else(|error| {
            panic!(
                "the client_credentials token must be signed with `state.client_keys` and carry ClientClaims; decoding it failed ({error}).\n  Look at `client_credentials_grant` in {LOOK}."
            )
        })
}

#[tokio::test]
async fn a_request_naming_no_client_is_the_first_party_client() {
    let server = server().await;
    let reply = server.login("alice", "secret123").await;
    reply.assert_status(
        200,
        "a token request without client_id is the first-party public client course-cli, so step 05's password grant keeps working",
        "`ClientRegistry::authenticate` (None)",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "secret123"),
                ("client_id", "course-cli"),
            ]),
        )
        .await;
    reply.assert_status(
        200,
        "course-cli is public: its client_id alone identifies it, with no secret",
        "`ClientRegistry::authenticate` (a public client)",
    );
}

#[tokio::test]
async fn a_confidential_client_gets_a_token_for_itself_by_basic_or_by_the_form() {
    let server = server().await;
    let by_basic = service_token(&server).await;
    let by_form = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "course-service"),
                ("client_secret", COURSE_SERVICE_SECRET),
            ]),
        )
        .await;
    by_form.assert_status(
        200,
        "client_secret_post (client_id and client_secret in the form) is the other way a client authenticates",
        "`presented_client`",
    );
    let body = by_form.json();
    assert!(
        body.get("refresh_token").is_none(),
        "{}",
        by_form.explain(
            "no refresh_token: RFC 6749 §4.4.3 says a client credentials grant SHOULD NOT get one; the client can always ask again with its secret, and a refresh token would only be one more secret to steal",
            "`client_credentials_grant`"
        )
    );
    assert_eq!(
        body["scope"],
        "users:read",
        "{}",
        by_form.explain(
            "scope \"users:read\": asking for none, a client gets every scope it is registered for",
            "`client_credentials_grant`"
        )
    );
    for token in [by_basic, by_form.access_token()] {
        let claims = claims_of(&token);
        assert!(
            claims.sub == "course-service" && claims.client_id == "course-service",
            "a client_credentials token acts for the client itself: sub and client_id must both be \"course-service\"; they were {:?} and {:?}.\n  Look at `client_credentials_grant` in {LOOK}. (RFC 9068 §2.2: with no user, sub names the client.)",
            claims.sub,
            claims.client_id
        );
    }
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_invalid_client() {
    let server = server().await;
    let reply = token_with_basic(
        &server,
        &basic("course-service", "course-service-secret-0123456789aX"),
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_error(
        401,
        "invalid_client",
        "a confidential client with a wrong secret is refused: anyone could claim to be course-service",
        "`ClientRegistry::authenticate`",
    );
    reply.assert_header(
        "www-authenticate",
        r#"Basic realm="course""#,
        "RFC 6749 §5.2: a client that tried HTTP Basic gets a 401 with the Basic challenge",
        "`ClientError`'s answer (given) and the `basic` flag of `Presented`",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "course-service"),
                ("client_secret", "wrong"),
            ]),
        )
        .await;
    reply.assert_error(
        401,
        "invalid_client",
        "a wrong client_secret in the form is refused too",
        "`ClientRegistry::authenticate`",
    );
    assert!(
        reply.header("www-authenticate").is_none(),
        "{}",
        reply.explain(
            "no Basic challenge when the client did not try Basic (`basic: false`): a browser would pop up a password dialog for it",
            "`presented_client`"
        )
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "course-service"),
            ]),
        )
        .await;
    reply.assert_error(
        401,
        "invalid_client",
        "a confidential client that sends no secret has proved nothing: its client_id is public",
        "`ClientRegistry::authenticate`",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
            ]),
        )
        .await;
    reply.assert_error(
        401,
        "invalid_client",
        "an unknown client_id is invalid_client",
        "`ClientRegistry::authenticate`",
    );
}

#[tokio::test]
async fn a_public_client_sending_a_secret_is_invalid_client() {
    let server = server().await;
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "secret123"),
                ("client_id", "course-cli"),
                ("client_secret", "anything"),
            ]),
        )
        .await;
    reply.assert_error(
        401,
        "invalid_client",
        "course-cli is public and has no secret: one that sends a secret is confused or is not course-cli, and accepting any secret would teach clients that secrets are checked when they are not",
        "`ClientRegistry::authenticate` (a public client with a secret)",
    );
}

#[tokio::test]
async fn basic_credentials_are_form_decoded_after_base64() {
    let server = server_with(vec![service("svc one", "s:cr+t%/x", &["users:read"])]).await;
    let authorization = basic("svc one", "s:cr+t%/x");
    let reply = token_with_basic(
        &server,
        &authorization,
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_status(
        200,
        "RFC 6749 §2.3.1: the id and the secret are form-urlencoded, then joined by a colon and base64-encoded, so `svc+one:s%3Acr%2Bt%25%2Fx` is id \"svc one\" and secret \"s:cr+t%/x\"; decode each half after splitting at the colon",
        "`presented_client` and `form_decode`",
    );
}

#[tokio::test]
async fn basic_and_a_form_secret_at_once_is_invalid_request() {
    let server = server().await;
    let reply = token_with_basic(
        &server,
        &basic("course-service", COURSE_SERVICE_SECRET),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "course-service"),
            ("client_secret", COURSE_SERVICE_SECRET),
        ],
    )
    .await;
    reply.assert_error(
        400,
        "invalid_request",
        "RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request; a server that picks one lets the two disagree",
        "`presented_client`",
    );
}

#[tokio::test]
async fn the_client_is_authenticated_before_its_grant_is_looked_at() {
    let server = server().await;
    let reply = token_with_basic(
        &server,
        &basic("course-web", "not-the-secret"),
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
        ],
    )
    .await;
    reply.assert_error(
        401,
        "invalid_client",
        "a wrong secret is 401 invalid_client whatever the grant: answering unauthorized_client first would tell anyone, without the secret, which grants course-web has",
        "`grant`: authenticate, then look at the grant",
    );
}

#[tokio::test]
async fn a_grant_the_client_is_not_registered_for_is_unauthorized_client() {
    let server = server().await;
    let cases = [
        (
            basic("course-web", COURSE_WEB_SECRET),
            vec![
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "secret123"),
            ],
            "course-web may use authorization_code and refresh_token, not the password grant (RFC 9700 §2.4: no new client should)",
        ),
        (
            basic("course-service", COURSE_SERVICE_SECRET),
            vec![("grant_type", "refresh_token"), ("refresh_token", "x")],
            "course-service may use client_credentials only",
        ),
    ];
    for (authorization, fields, why) in cases {
        let reply = token_with_basic(&server, &authorization, &fields).await;
        reply.assert_error(400, "unauthorized_client", why, "`grant`: `client.allows`");
    }
    let reply = server
        .post_form("/token", &form(&[("grant_type", "client_credentials")]))
        .await;
    reply.assert_error(
        400,
        "unauthorized_client",
        "a request naming no client is course-cli, which is public: client_credentials is only for a client that can prove itself",
        "`grant`: `client.allows`",
    );
}

#[tokio::test]
async fn client_credentials_grants_only_the_clients_scopes() {
    let server = server().await;
    let authorization = basic("course-service", COURSE_SERVICE_SECRET);
    let reply = token_with_basic(
        &server,
        &authorization,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "users:read profile"),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "some of the asked scopes are the client's",
        "`client_credentials_grant`",
    );
    assert_eq!(
        reply.json()["scope"], "users:read",
        "{}",
        reply.explain(
            "scope \"users:read\": profile is not course-service's to have, so it is left out and the answer says what was granted (RFC 6749 §5.1)",
            "`client_credentials_grant`"
        )
    );
    assert_eq!(
        claims_of(&reply.access_token()).scope,
        "users:read",
        "the token's scope claim must be what was granted, \"users:read\".\n  Look at `client_credentials_grant` in {LOOK}."
    );
    let reply = token_with_basic(
        &server,
        &authorization,
        &[("grant_type", "client_credentials"), ("scope", "profile")],
    )
    .await;
    reply.assert_error(
        400,
        "invalid_scope",
        "none of the asked scopes is the client's: invalid_scope, not a token with no scope",
        "`client_credentials_grant`",
    );
}

#[tokio::test]
async fn a_client_token_on_a_user_route_is_insufficient_scope() {
    let server = server().await;
    let token = service_token(&server).await;
    let reply = server.get_with_token("/users/me", &token).await;
    reply.assert_error(
        403,
        "insufficient_scope",
        "a client's token is genuine but acts for no user: every user route refuses it, saying why (RFC 6750 §3.1), instead of calling it invalid",
        "the `Principal` extractor for `ClientsState`",
    );
}

#[tokio::test]
async fn a_client_named_like_a_user_never_acts_for_them() {
    let server = server_with(vec![service(
        "alice",
        "alice-the-service-0123456789abcdef",
        &["profile", "items:read"],
    )])
    .await;
    let token = client_token(&server, "alice", "alice-the-service-0123456789abcdef").await;
    let reply = server.get_with_token("/users/me", &token).await;
    assert_ne!(
        reply.status, 200,
        "{}",
        reply.explain(
            "never alice's profile: this token came from the client credentials grant of a client that happens to be named alice. Sign client tokens with `state.client_keys`, never with the user keys, so no user route can take one for a user's token whatever its sub",
            "`client_credentials_grant`"
        )
    );
    reply.assert_error(
        403,
        "insufficient_scope",
        "a client's token on a user route is 403 insufficient_scope",
        "the `Principal` extractor for `ClientsState`",
    );
}

#[tokio::test]
async fn users_lists_every_account_for_users_read() {
    let server = server().await;
    let token = service_token(&server).await;
    let reply = server.get_with_token("/users", &token).await;
    reply.assert_status(
        200,
        "a client token with users:read may list the accounts",
        "`list_users`",
    );
    let expected: Value = serde_json::json!([
        {"username": "alice", "disabled": false},
        {"username": "bob", "disabled": true},
        {"username": "carol", "disabled": false},
    ]);
    assert_eq!(
        reply.json(),
        expected,
        "{}",
        reply.explain(
            "every account's username and disabled flag, in the order of `state.usernames`, and nothing else: no hash, no email",
            "`list_users`"
        )
    );
}

#[tokio::test]
async fn users_refuses_a_token_without_users_read() {
    let server = server_with(vec![service(
        "reporter",
        "reporter-secret-0123456789abcdef",
        &["reports:read"],
    )])
    .await;
    let token = client_token(&server, "reporter", "reporter-secret-0123456789abcdef").await;
    let reply = server.get_with_token("/users", &token).await;
    reply.assert_error(
        403,
        "insufficient_scope",
        "a client token without users:read may not list the accounts",
        "`list_users`",
    );
    let alice = server.login("alice", "secret123").await.access_token();
    let reply = server.get_with_token("/users", &alice).await;
    reply.assert_error(
        403,
        "insufficient_scope",
        "a user's token is genuine but carries no users:read: 403, not 401",
        "the `ClientPrincipal` extractor",
    );
    let reply = server.get("/users", &[]).await;
    reply.assert_status(
        401,
        "no token: step 03's 401",
        "the `ClientPrincipal` extractor",
    );
}

#[tokio::test]
async fn a_revoked_client_token_is_refused() {
    let server = server().await;
    let token = service_token(&server).await;
    let reply = post_with_basic(
        &server,
        "/revoke",
        &basic("course-service", COURSE_SERVICE_SECRET),
        &[("token", &token)],
    )
    .await;
    reply.assert_status(200, "RFC 7009: /revoke answers 200", "`revoke` (given)");
    let reply = server.get_with_token("/users", &token).await;
    reply.assert_error(
        401,
        "invalid_token",
        "a revoked client token is refused until it expires: check `state.denied` for its jti",
        "the `ClientPrincipal` extractor",
    );
    let reply = server.get_with_token("/users/me", &token).await;
    reply.assert_error(
        401,
        "invalid_token",
        "on a user route too, a revoked client token is simply invalid: saying 403 would tell its holder that it was genuine",
        "the `Principal` extractor for `ClientsState` and `client_claims` (given)",
    );
}

#[tokio::test]
async fn a_users_tokens_carry_no_scope_their_client_may_not_have() {
    let narrow = Client {
        id: "narrow".into(),
        kind: ClientKind::Public,
        redirect_uris: RedirectUris::None,
        grants: vec![GrantType::Password],
        scopes: vec!["profile".into()],
    };
    let server = server_with(vec![narrow]).await;
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "password"),
                ("username", "alice"),
                ("password", "secret123"),
                ("scope", "profile items:read"),
                ("client_id", "narrow"),
            ]),
        )
        .await;
    reply.assert_status(200, "alice may log in through narrow", "`grant`");
    assert_eq!(
        reply.json()["scope"], "profile",
        "{}",
        reply.explain(
            "scope \"profile\": alice may have items:read, but the client narrow may not, and a token carries only what both allow",
            "`within_client`"
        )
    );
}

#[tokio::test]
async fn a_refresh_token_works_only_for_its_own_client() {
    let server = server().await;
    let login = server.login("alice", "secret123").await;
    login.assert_status(200, "alice logs in through course-cli", "`grant`");
    let refresh_token = login.json()["refresh_token"]
        .as_str()
        .expect("a refresh_token (step 10)")
        .to_owned();
    let reply = token_with_basic(
        &server,
        &basic("course-web", COURSE_WEB_SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    reply.assert_error(
        400,
        "invalid_grant",
        "this refresh token was issued to course-cli: course-web may not use it (RFC 6749 §6, §10.4), or a leaked token would work for any client with a secret",
        "`grant`: `state.families.client_of`",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ]),
        )
        .await;
    reply.assert_status(
        200,
        "the refused attempt must not spend the token: check the client before rotating, and its own client still refreshes",
        "`grant`",
    );
}

#[test]
fn no_secret_is_printed() {
    let registry = ClientRegistry::demo();
    let presented = Presented {
        id: "course-web".into(),
        secret: Some(COURSE_WEB_SECRET.into()),
        basic: true,
    };
    let client = registry
        .authenticate(Some(presented.clone()))
        .unwrap_or_else(|error| {
            panic!(
                "course-web with its own secret must authenticate; got {error:?}.\n  Look at `ClientRegistry::authenticate` in {LOOK}."
            )
        });
    let printed = format!("{registry:?} {client:?}");
    let digest = secret_sha256(COURSE_WEB_SECRET);
    let digest_start = format!("{}, {}, {}", digest[0], digest[1], digest[2]);
    assert!(
        !printed.contains(COURSE_WEB_SECRET) && !printed.contains(&digest_start),
        "`{{:?}}` of the registry must print no secret and no digest of one: logs end up everywhere.\n  It printed: {printed}\n  Look at the `Debug` of `ClientKind` in {LOOK}."
    );
    let printed = format!("{presented:?}");
    assert!(
        !printed.contains(COURSE_WEB_SECRET),
        "`{{:?}}` of a presented client must not print its secret.\n  It printed: {printed}\n  Look at the `Debug` of `Presented` in {LOOK}."
    );
}

#[tokio::test]
async fn the_document_and_docs_grow_with_this_step() {
    let server = server().await;
    let token = service_token(&server).await;
    let reply = server.get_with_token("/users", &token).await;
    reply.assert_status(200, "the route the document adds works", "`list_users`");
    let reply = server.get("/openapi.json", &[]).await;
    reply.assert_status(200, "step 15's document is still served", "`app` (given)");
    let document = reply.json();
    let token_form = &document["components"]["schemas"]["ClientTokenForm"]["properties"];
    assert!(
        document["paths"]["/users"]["get"].is_object() && token_form["client_id"].is_object(),
        "{}",
        reply.explain(
            "the document lists GET /users and the /token form with client_id and client_secret: it describes the server as it is",
            "`openapi_json` (given)"
        )
    );
    let reply = server.get("/docs", &[]).await;
    reply.assert_status(200, "Swagger UI is still served at /docs", "`app` (given)");
}

#[tokio::test]
async fn a_public_client_by_basic_with_an_empty_secret_is_that_client() {
    let server = server().await;
    let reply = token_with_basic(
        &server,
        &basic("course-cli", ""),
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "Basic `course-cli:` (an empty password, which OAuth client libraries such as requests-oauthlib send for a public client) carries no secret: an empty secret is no secret",
        "`presented_client`",
    );
}

/// A confidential client with the password and refresh grants, as a
/// server-side app of the tests' own would be registered.
fn confidential_app(id: &str, secret: &str) -> Client {
    Client {
        id: id.into(),
        kind: ClientKind::Confidential {
            secret_sha256: secret_sha256(secret),
        },
        redirect_uris: RedirectUris::None,
        grants: vec![GrantType::Password, GrantType::RefreshToken],
        scopes: vec!["profile".into()],
    }
}

fn refresh_token_of(reply: &Reply) -> String {
    reply.json()["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", reply.explain("a refresh_token", "`grant`")))
        .to_owned()
}

#[tokio::test]
async fn a_confidential_clients_refresh_token_needs_that_client() {
    const SECRET: &str = "backend-secret-0123456789abcdef";
    let server = server_with(vec![confidential_app("backend", SECRET)]).await;
    let login = token_with_basic(
        &server,
        &basic("backend", SECRET),
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
        ],
    )
    .await;
    login.assert_status(
        200,
        "backend, a confidential client with the password grant, logs alice in",
        "`grant`",
    );
    let refresh_token = refresh_token_of(&login);
    for (fields, why) in [
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
            ],
            "a refresh token issued to the confidential client backend, sent with no client at all: naming no client makes the caller course-cli, and RFC 6749 §10.4 exists so that a stolen token is useless without backend's secret",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.as_str()),
                ("client_id", "course-cli"),
            ],
            "the same token claimed by course-cli",
        ),
    ] {
        let reply = server.post_form("/token", &form(&fields)).await;
        reply.assert_error(400, "invalid_grant", why, "`grant`: compare `state.families.client_of(sid)` with the authenticated client, whichever it is");
    }
    let reply = token_with_basic(
        &server,
        &basic("backend", SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    reply.assert_status(200, "backend itself may refresh its token", "`grant`");
}

fn carols_code() -> String {
    let secret = totp_rs::Secret::try_from_base32("JBSWY3DPEHPK3PXP").expect("base32");
    totp_rs::Builder::new()
        .with_secret(secret)
        .build_noncompliant()
        .generate(common::now())
        .to_string()
}

#[tokio::test]
async fn the_mfa_grant_goes_through_the_client_too() {
    let server = server().await;
    let password = server.login("carol", "otp-demo-password-1").await;
    password.assert_error(
        403,
        "mfa_required",
        "carol's password alone gets an MFA token (step 13)",
        "`grant`",
    );
    let mfa_token = password.json()["mfa_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = carols_code();
    let as_service = token_with_basic(
        &server,
        &basic("course-service", COURSE_SERVICE_SECRET),
        &[
            ("grant_type", course::totp::MFA_GRANT_TYPE),
            ("mfa_token", &mfa_token),
            ("otp", &code),
        ],
    )
    .await;
    as_service.assert_error(
        400,
        "unauthorized_client",
        "the MFA grant finishes a password grant: a client without the password grant may not use it",
        "`grant`: `client.allows` before every grant",
    );
    let finished = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", course::totp::MFA_GRANT_TYPE),
                ("mfa_token", &mfa_token),
                ("otp", &code),
            ]),
        )
        .await;
    finished.assert_status(
        200,
        "carol's code finishes her login through course-cli",
        "`grant`",
    );
    let refresh_token = refresh_token_of(&finished);
    let reply = token_with_basic(
        &server,
        &basic("course-web", COURSE_WEB_SECRET),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
        ],
    )
    .await;
    reply.assert_error(
        400,
        "invalid_grant",
        "carol's family is course-cli's, not course-web's",
        "`grant`",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ]),
        )
        .await;
    reply.assert_status(
        200,
        "carol's refresh token works for course-cli: the MFA grant's tokens are a user's tokens like any other, issued by `user_tokens` with their family bound to the client",
        "`grant`: the MFA branch",
    );
}

#[tokio::test]
async fn user_routes_keep_step_12s_rules() {
    let server = server().await;
    let headers = [("content-type", common::FORM)];
    let reply = server
        .request(
            Method::POST,
            "/login",
            &headers,
            form(&[("username", "alice"), ("password", "secret123")]),
        )
        .await;
    reply.assert_status(
        204,
        "the cookie login of step 12 still works",
        "`router` (given)",
    );
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|line| line.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let reply = server
        .request(
            Method::GET,
            "/users/me",
            &[("cookie", cookie.as_str())],
            String::new(),
        )
        .await;
    reply.assert_status(
        200,
        "a user route of this app finds the principal as step 12 does, in a bearer token or in the session cookie: build on `principal_from_request`",
        "the `Principal` extractor for `ClientsState`",
    );
    let alice = server.login("alice", "secret123").await.access_token();
    let reply = server.get_with_token("/users/me", &alice).await;
    reply.assert_status(
        200,
        "alice's own token opens /users/me",
        "the `Principal` extractor for `ClientsState`",
    );
}

#[tokio::test]
async fn a_public_client_never_gets_client_credentials() {
    let public = Client {
        id: "public-svc".into(),
        kind: ClientKind::Public,
        redirect_uris: RedirectUris::None,
        grants: vec![GrantType::ClientCredentials],
        scopes: vec!["users:read".into()],
    };
    let server = server_with(vec![public]).await;
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "public-svc"),
            ]),
        )
        .await;
    reply.assert_error(
        400,
        "unauthorized_client",
        "RFC 6749 §4.4: client_credentials is for confidential clients only, whatever the registration says; a public client proves nothing, so its token would be anyone's",
        "`Client::allows` (given), called from `grant`",
    );
}

#[tokio::test]
async fn odd_client_credentials_are_refused_cleanly() {
    let server = server_with(vec![service(
        "a:b",
        "colon-secret-0123456789abcdef",
        &["users:read"],
    )])
    .await;
    let reply = token_with_basic(
        &server,
        &basic("a:b", "colon-secret-0123456789abcdef"),
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_status(
        200,
        "a client id holding a colon travels as `a%3Ab`: split at the colon first, then form-decode each half",
        "`presented_client`",
    );
    let reply = token_with_basic(
        &server,
        &basic("nobody", "x"),
        &[("grant_type", "client_credentials")],
    )
    .await;
    reply.assert_error(
        401,
        "invalid_client",
        "an unknown client by Basic",
        "`ClientRegistry::authenticate`",
    );
    reply.assert_header(
        "www-authenticate",
        r#"Basic realm="course""#,
        "an unknown client that tried Basic gets the Basic challenge too (RFC 6749 §5.2)",
        "`ClientRegistry::authenticate`: keep `presented.basic`",
    );
    for value in ["Basic", "Basic !!!", "basic Y291cnNlLXNlcnZpY2U="] {
        let reply = token_with_basic(&server, value, &[("grant_type", "client_credentials")]).await;
        reply.assert_error(
            401,
            "invalid_client",
            "an Authorization: Basic value that is not base64 of `id:secret` is a failed Basic attempt: 401 with the challenge, never a 500 and never ignored",
            "`presented_client`",
        );
    }
    let reply = token_with_basic(
        &server,
        "Basic",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "course-service"),
            ("client_secret", COURSE_SERVICE_SECRET),
        ],
    )
    .await;
    reply.assert_error(
        401,
        "invalid_client",
        "a Basic header that cannot be read is a failed Basic attempt even beside a form secret: never ignored",
        "`presented_client`",
    );
    let reply = token_with_basic(
        &server,
        "Basic Og==",
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "`Basic Og==` is an empty id and an empty secret: it names no client (Swagger UI's Authorize sends it when its client fields are left empty), so the caller is course-cli",
        "`presented_client`",
    );
    let reply = server.get_with_token("/users", "abc").await;
    reply.assert_error(
        401,
        "invalid_token",
        "a token that is nobody's is 401 invalid_token",
        "the `ClientPrincipal` extractor",
    );
}

#[tokio::test]
async fn client_credentials_grants_exactly_what_was_asked_for_its_lifetime() {
    let server = server_with(vec![service(
        "reports",
        "reports-secret-0123456789abcdef",
        &["users:read", "reports:read"],
    )])
    .await;
    let reply = token_with_basic(
        &server,
        &basic("reports", "reports-secret-0123456789abcdef"),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "users:read users:read"),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "reports may have users:read",
        "`client_credentials_grant`",
    );
    assert_eq!(
        reply.json()["scope"],
        "users:read",
        "{}",
        reply.explain(
            "exactly the asked scope, once: not every scope the client has, and no repeats",
            "`client_credentials_grant`"
        )
    );
    let claims = claims_of(&reply.access_token());
    let ttl = common::TEST_TTL.as_secs();
    assert!(
        claims.exp - claims.iat == ttl && reply.json()["expires_in"] == ttl,
        "a client token lives `state.auth.access_token_ttl` ({ttl} s), as a user's does, and expires_in says so; got exp - iat = {} and expires_in = {}.\n  Look at `client_credentials_grant` in {LOOK}.",
        claims.exp - claims.iat,
        reply.json()["expires_in"]
    );
    let narrow = server_with(vec![service(
        "readonly",
        "readonly-secret-0123456789abcdef",
        &["users:readonly"],
    )])
    .await;
    let token = client_token(&narrow, "readonly", "readonly-secret-0123456789abcdef").await;
    let reply = narrow.get_with_token("/users", &token).await;
    reply.assert_error(
        403,
        "insufficient_scope",
        "users:readonly is not users:read: compare whole scopes (`ClientClaims::has_scope`), never substrings",
        "`list_users`",
    );
}

#[tokio::test]
async fn revoke_authenticates_the_client_and_revokes_only_its_tokens() {
    let server = server().await;
    let login = server.login("alice", "secret123").await;
    let refresh_token = refresh_token_of(&login);
    let reply = post_with_basic(
        &server,
        "/revoke",
        &basic("course-web", "wrong"),
        &[("token", &refresh_token)],
    )
    .await;
    reply.assert_error(
        401,
        "invalid_client",
        "RFC 7009 §2.1: /revoke checks the client's credentials first",
        "`revoke` (given)",
    );
    let reply = post_with_basic(
        &server,
        "/revoke",
        &basic("course-web", COURSE_WEB_SECRET),
        &[("token", &refresh_token)],
    )
    .await;
    reply.assert_status(
        200,
        "RFC 7009 §2.2: 200 whatever the token was",
        "`revoke` (given)",
    );
    let reply = server
        .post_form(
            "/token",
            &form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
            ]),
        )
        .await;
    reply.assert_status(
        200,
        "course-web may not revoke course-cli's refresh token (RFC 7009 §2.1: only the client it was issued to), so it still works",
        "`revoke` (given) and `grant`",
    );
    let service = service_token(&server).await;
    let reply = server
        .post_form("/revoke", &form(&[("token", &service)]))
        .await;
    reply.assert_status(
        200,
        "course-cli's request to revoke course-service's token: 200, and nothing revoked",
        "`revoke` (given)",
    );
    let reply = server.get_with_token("/users", &service).await;
    reply.assert_status(
        200,
        "a client's token is revoked only by that client",
        "`revoke` (given)",
    );
}

#[test]
fn a_token_request_prints_no_secret() {
    let presented = Presented {
        id: "course-web".into(),
        secret: Some(COURSE_WEB_SECRET.into()),
        basic: false,
    };
    ClientRegistry::demo()
        .authenticate(Some(presented))
        .expect("course-web with its secret authenticates (`ClientRegistry::authenticate`)");
    let request = course::clients::ClientTokenRequest {
        client_secret: Some(COURSE_WEB_SECRET.into()),
        password: Some("secret123".into()),
        ..Default::default()
    };
    let printed = format!("{request:?}");
    assert!(
        !printed.contains(COURSE_WEB_SECRET) && !printed.contains("secret123"),
        "`{{:?}}` of a token request must print neither its client_secret nor its password: a debug log of a request is a log of its secrets.\n  It printed: {printed}\n  Look at the `Debug` of `ClientTokenRequest` in {LOOK}."
    );
}
