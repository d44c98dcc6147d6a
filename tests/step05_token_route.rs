//! Step 05: `POST /token`, over HTTP, against `token_route::router`.

mod common;
#[path = "common/state.rs"]
mod state;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use common::{FORM, Reply, TEST_TTL, TestServer, TestUser, form, random_user, serve};
use course::fake_db::{InMemoryUserStore, User, UserStore};
use course::jwt::Claims;
use course::passwords::PasswordHasher;
use course::token_route::{AuthState, MAX_BODY_BYTES, router};
use state::{state_with, test_hasher, test_keys, test_state};
use tokio::sync::Notify;

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

fn someone() -> TestUser {
    let hasher = test_hasher();
    random_user(|p| hasher.hash(p).expect("a short password hashes"))
}

#[track_caller]
fn assert_no_store(reply: &Reply) {
    reply.assert_header(
        "cache-control",
        "no-store",
        "RFC 6749 §5.1: a token response must never be kept by a cache, errors included",
        LOOK,
    );
    reply.assert_header(
        "pragma",
        "no-cache",
        "RFC 6749 §5.1 asks for it too, for HTTP/1.0 caches",
        LOOK,
    );
}

/// Library error text a description must never carry: it tells a client
/// nothing it can act on and an attacker which libraries run the endpoint.
const LIBRARY_TEXT: [&str; 7] = [
    "Failed to deserialize",
    "Failed to buffer",
    "Expected request with",
    "duplicate field `",
    "missing field `",
    "invalid type",
    "Error(",
];

#[track_caller]
fn assert_own_description(reply: &Reply, what: &str) {
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if let Some(text) = LIBRARY_TEXT.iter().find(|t| description.contains(**t)) {
        panic!(
            "{}",
            reply.explain(
                &format!(
                    "for {what}, an error_description in the server's own words; this one carries library \
                     text ({text:?}), which tells a client nothing it can act on and an attacker which \
                     libraries run the endpoint"
                ),
                "read_form in exercises/05_token_route.rs"
            )
        );
    }
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
    insta::assert_json_snapshot!(
        "token_response",
        reply.json_redacting("access_token", "[jwt]")
    );
    assert_no_store(&reply);
}

#[tokio::test]
async fn any_user_logs_in_with_their_own_password_and_gets_their_own_token() {
    // Users invented now: hard-coded credentials cannot pass.
    let (first, second) = (someone(), someone());
    let server = serve(router(state_with(&[&first, &second]))).await;
    for someone in [&first, &second] {
        let name = &someone.user.username;
        let reply = server.login(name, &someone.password).await;
        let token = reply.access_token();
        let claims = match test_keys().decode::<Claims>(&token) {
            Ok(claims) => claims,
            Err(e) => panic!(
                "{}",
                reply.explain(
                    &format!("an access_token our keys can decode (decode said: {e})"),
                    "access_token_response in exercises/05_token_route.rs"
                )
            ),
        };
        assert_eq!(
            &claims.sub, name,
            "{name} logged in with their password, so the token's `sub` must be {name}: the token \
             speaks for the user who logged in.\n  look at: access_token_response in {LOOK}"
        );
        assert_eq!(
            claims.exp - claims.iat,
            TEST_TTL.as_secs(),
            "the token must live access_token_ttl ({} s), and expires_in says the same.\n  \
             look at: access_token_response in {LOOK}",
            TEST_TTL.as_secs()
        );
        let wrong = server
            .login(name, &format!("{}-not", someone.password))
            .await;
        wrong.assert_error(
            400,
            "invalid_grant",
            &format!("{name} with someone else's password is a wrong password (RFC 6749 §5.2)"),
            LOOK,
        );
    }
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
    let mut replies = Vec::new();
    for (username, password, what) in cases {
        let reply = login(&password_grant(username, password)).await;
        reply.assert_error(
            400,
            "invalid_grant",
            &format!(
                "{what} is invalid_grant (RFC 6749 §5.2), a 400, not a 401 (401 is about authenticating the \
                 client); one answer for all three, or an attacker learns which usernames exist"
            ),
            LOOK,
        );
        assert_no_store(&reply);
        replies.push((what, reply));
    }
    let first = &replies[0].1;
    let headers = |reply: &Reply| -> Vec<(String, String)> {
        let mut headers: Vec<_> = reply
            .headers
            .iter()
            .filter(|(name, _)| *name != "date")
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("?").to_owned()))
            .collect();
        headers.sort();
        headers
    };
    for (what, reply) in &replies[1..] {
        assert!(
            reply.body == first.body && headers(reply) == headers(first),
            "the answer to {what} must be byte for byte the answer to a wrong password, headers included \
             (but Date), or an attacker learns which usernames exist and which accounts are disabled.\n  \
             wrong password: {} {:?} {}\n  {what}: {} {:?} {}\n  look at: TokenError::InvalidGrant in {LOOK}",
            first.status,
            headers(first),
            first.body,
            reply.status,
            headers(reply),
            reply.body
        );
    }
    insta::assert_json_snapshot!(
        "invalid_grant",
        first.json_redacting("error_description", "[text]")
    );
}

#[tokio::test]
async fn a_long_password_never_matches_by_its_first_72_bytes() {
    let hasher = test_hasher();
    let password = "p".repeat(72);
    let mut store = InMemoryUserStore::new();
    store.insert(User {
        username: "dave".into(),
        full_name: "Dave Example".into(),
        email: "dave@example.test".into(),
        disabled: false,
        password_hash: hasher.hash(&password).expect("72 bytes hash"),
    });
    let state = AuthState::new(store, hasher, test_keys(), TEST_TTL);
    let server = serve(router(state)).await;
    let longer = format!("{password}EXTRA");
    let reply = server
        .post_form("/token", &form(&password_grant("dave", &longer)))
        .await;
    reply.assert_error(
        400,
        "invalid_grant",
        "dave's password is 72 p's; 72 p's plus more must not log in (bcrypt reads only 72 bytes)",
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
            &format!("{what}: RFC 6749 §3.2 says a parameter sent empty counts as missing"),
            LOOK,
        );
        assert_no_store(&reply);
    }
}

#[tokio::test]
async fn the_checks_run_in_the_contract_order() {
    // grant_type first: which fields a request needs depends on its grant.
    let reply = login(&[("grant_type", "client_credentials")]).await;
    reply.assert_error(
        400,
        "unsupported_grant_type",
        "grant_type is checked before the fields of the password grant: another grant type with no \
         username is unsupported_grant_type, not invalid_request",
        LOOK,
    );
    let reply = login(&[("username", "alice")]).await;
    reply.assert_error(
        400,
        "invalid_request",
        "a missing grant_type is the first thing reported",
        LOOK,
    );
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        description.contains("grant_type"),
        "{}",
        reply.explain(
            "an error_description naming grant_type: it is checked before username and password",
            LOOK
        )
    );
    // The fields before the credentials: no bcrypt for a request that is
    // malformed anyway, and no hint about the user in its answer.
    let reply = login(&[("grant_type", "password"), ("username", "mallory")]).await;
    reply.assert_error(
        400,
        "invalid_request",
        "a request with no password is invalid_request whoever the user is: the fields are checked \
         before the credentials",
        LOOK,
    );
}

#[tokio::test]
async fn a_repeated_field_is_invalid_request() {
    let body = "grant_type=password&username=alice&username=bob&password=secret123";
    let reply = server().await.post_form("/token", body).await;
    reply.assert_error(
        400,
        "invalid_request",
        "RFC 6749 §3.2: parameters must not be included more than once",
        LOOK,
    );
    assert_own_description(&reply, "a repeated field");
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
            &format!("grant_type={grant} is not one this server supports (grant types are case-sensitive)"),
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
    assert_own_description(&reply, "a JSON body");
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
        assert_own_description(&reply, "a body that is not a form");
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
    assert_own_description(&reply, "a body over the limit");
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
        if reply.json()["error"] == "invalid_request" {
            assert_own_description(&reply, "odd input");
        }
    }
}

/// A store that says when a login has looked its user up: the moment
/// bcrypt is about to start.
struct SignallingStore {
    inner: InMemoryUserStore,
    looked_up: Arc<Notify>,
}

impl UserStore for SignallingStore {
    fn find_by_username(&self, username: &str) -> Option<User> {
        self.looked_up.notify_one();
        self.inner.find_by_username(username)
    }
}

/// bcrypt at cost 11 takes about a tenth of a second: a request to another
/// route takes a millisecond, unless bcrypt holds the only worker thread.
const SLOW_COST: u32 = 11;

// `#[tokio::test]` runs on one thread: if bcrypt runs there, nothing else
// can until it is done, exactly what a busy server's workers would suffer.
#[tokio::test]
async fn bcrypt_runs_off_the_async_worker_threads() {
    let hasher = PasswordHasher::new(SLOW_COST).expect("cost 11 is in range");
    let slow = random_user(|p| hasher.hash(p).expect("hash"));
    let mut inner = InMemoryUserStore::new();
    inner.insert(slow.user.clone());
    let looked_up = Arc::new(Notify::new());
    let store = SignallingStore {
        inner,
        looked_up: Arc::clone(&looked_up),
    };
    let state = AuthState::new(store, hasher, test_keys(), TEST_TTL);
    let app = router(state).merge(Router::new().route("/ping", get(|| async { "pong" })));
    let server = Arc::new(serve(app).await);

    let mut login = {
        let server = Arc::clone(&server);
        let body = form(&password_grant(&slow.user.username, &slow.password));
        tokio::spawn(async move { server.post_form("/token", &body).await })
    };
    // Wait until the login has looked its user up, unless it ends first
    // (without ever reaching the store).
    tokio::select! {
        () = looked_up.notified() => {}
        finished = &mut login => {
            let reply = finished.expect("the login task finished");
            reply.assert_status(200, "the slow user's right password logs in", LOOK);
            panic!("{}", reply.explain("a login that looks its user up in the store", LOOK));
        }
    }
    let ping = server.get("/ping", &[]).await;
    let login_done_first = login.is_finished();
    let login = login.await.expect("the login task finished");
    login.assert_status(200, "the slow user's right password logs in", LOOK);
    ping.assert_status(200, "GET /ping answers", LOOK);
    assert!(
        !login_done_first,
        "{}",
        ping.explain(
            &format!(
                "GET /ping answered while a login's bcrypt check (cost {SLOW_COST}) was still running; it was \
                 answered only after the login finished. On this one-thread runtime that means bcrypt ran on \
                 the async worker: on a real server every request on that worker waits a quarter of a second \
                 per login. Run authenticate_user inside tokio::task::spawn_blocking"
            ),
            "authenticate in exercises/05_token_route.rs"
        )
    );
}
