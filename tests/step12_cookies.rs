//! Step 12: cookie sessions, `POST /login`, CSRF double submit and
//! cookie-aware logout, over HTTP.

mod common;
#[path = "common/state.rs"]
mod state;

use common::{FORM, Reply, TEST_TTL, TestServer, TestUser, form, serve};
use course::cookies::{CookieState, app};
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState};
use reqwest::Method;
use serde_json::json;
use state::{someone, state_with, test_keys};

const LOOK: &str = "exercises/12_cookies.rs";

async fn server(extra: &[&TestUser]) -> TestServer {
    let mut grants = ScopeGrants::demo();
    for user in extra {
        grants.allow(&user.user.username, Scopes::of(&Scope::ALL));
    }
    let scopes = ScopesState::new(state_with(extra), grants, ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let revocation = RevocationState::new(refresh, DenyList::default());
    serve(app(CookieState::new(revocation))).await
}

/// One `Set-Cookie` line, read: name, value and attributes.
#[derive(Debug)]
struct SetCookie {
    name: String,
    value: String,
    attributes: Vec<String>,
}

impl SetCookie {
    fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }
}

fn set_cookies(reply: &Reply) -> Vec<SetCookie> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|line| {
            let mut parts = line.split(';').map(str::trim);
            let (name, value) = parts
                .next()
                .and_then(|p| p.split_once('='))
                .unwrap_or(("", ""));
            SetCookie {
                name: name.to_owned(),
                value: value.to_owned(),
                attributes: parts.map(str::to_owned).collect(),
            }
        })
        .collect()
}

#[track_caller]
fn cookie_named<'a>(
    reply: &Reply,
    cookies: &'a [SetCookie],
    name: &str,
    why: &str,
    look: &str,
) -> &'a SetCookie {
    match cookies.iter().find(|c| c.name == name) {
        Some(cookie) => cookie,
        None => panic!(
            "{}",
            reply.explain(
                &format!("a Set-Cookie header for `{name}` ({why}); got {cookies:?}"),
                look
            )
        ),
    }
}

const SET: &str = "the session's cookie, set at login";
const SET_LOOK: &str = "session_cookies and start_session in exercises/12_cookies.rs";

/// A browser's session: its two cookies.
struct Session {
    access: String,
    csrf: String,
}

impl Session {
    fn cookie_header(&self) -> String {
        format!(
            "theme=dark; __Host-access_token={}; __Host-csrf={}",
            self.access, self.csrf
        )
    }
}

async fn login(server: &TestServer, username: &str, password: &str, scope: &str) -> Reply {
    let body = form(&[
        ("username", username),
        ("password", password),
        ("scope", scope),
    ]);
    server.post_form("/login", &body).await
}

#[track_caller]
fn session_of(reply: &Reply) -> Session {
    reply.assert_status(
        204,
        "the right password starts a session: 204 and its cookies",
        LOOK,
    );
    let cookies = set_cookies(reply);
    Session {
        access: cookie_named(reply, &cookies, "__Host-access_token", SET, SET_LOOK)
            .value
            .clone(),
        csrf: cookie_named(reply, &cookies, "__Host-csrf", SET, SET_LOOK)
            .value
            .clone(),
    }
}

async fn with_session(
    server: &TestServer,
    method: Method,
    path: &str,
    session: &Session,
    csrf: Option<&str>,
    body: String,
) -> Reply {
    let cookie = session.cookie_header();
    let mut headers = vec![
        ("cookie", cookie.as_str()),
        ("content-type", "application/json"),
    ];
    if let Some(csrf) = csrf {
        headers.push(("x-csrf-token", csrf));
    }
    server.request(method, path, &headers, body).await
}

#[tokio::test]
async fn login_sets_two_host_cookies_with_the_right_attributes() {
    let user = someone();
    let server = server(&[&user]).await;
    let reply = login(&server, &user.user.username, &user.password, "profile").await;
    let session = session_of(&reply);
    reply.assert_header(
        "cache-control",
        "no-store",
        "a response carrying a token is never cached",
        LOOK,
    );
    let cookies = set_cookies(&reply);
    let max_age = format!("Max-Age={}", TEST_TTL.as_secs());
    let access = cookie_named(&reply, &cookies, "__Host-access_token", SET, SET_LOOK);
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Lax",
        "Path=/",
        max_age.as_str(),
    ] {
        assert!(
            access.has(attribute),
            "{}",
            reply.explain(
                &format!(
                    "the access-token cookie with `{attribute}`: HttpOnly keeps it from every script (an XSS \
                     cannot read it), Secure and Path=/ are what the __Host- prefix demands, SameSite=Lax keeps \
                     it off cross-site POSTs, Max-Age matches the token's life; it has {:?}",
                    access.attributes
                ),
                "session_cookies in exercises/12_cookies.rs"
            )
        );
    }
    let csrf = cookie_named(&reply, &cookies, "__Host-csrf", SET, SET_LOOK);
    for attribute in ["Secure", "SameSite=Lax", "Path=/", max_age.as_str()] {
        assert!(
            csrf.has(attribute),
            "{}",
            reply.explain(
                &format!(
                    "the CSRF cookie with `{attribute}`; it has {:?}",
                    csrf.attributes
                ),
                "session_cookies in exercises/12_cookies.rs"
            )
        );
    }
    assert!(
        !csrf.has("HttpOnly") && session.csrf.len() >= 32,
        "{}",
        reply.explain(
            "a CSRF cookie WITHOUT HttpOnly (the page's script must read it to copy it into a header) holding a \
             random value of at least 32 characters",
            "session_cookies and new_csrf_token in exercises/12_cookies.rs"
        )
    );
    let claims = test_keys().decode::<ScopedClaims>(&session.access);
    assert!(
        claims.as_ref().is_ok_and(|c| c.claims.sub == user.user.username),
        "{}",
        reply.explain(
            &format!("an access-token cookie holding an access token for the user; it decoded to {claims:?}"),
            "start_session in exercises/12_cookies.rs"
        )
    );
    assert!(
        domain_free(&cookies),
        "{}",
        reply.explain(
            "no Domain attribute: a __Host- cookie must not have one",
            LOOK
        )
    );
}

fn domain_free(cookies: &[SetCookie]) -> bool {
    cookies.iter().all(|c| {
        !c.attributes
            .iter()
            .any(|a| a.to_lowercase().starts_with("domain"))
    })
}

#[tokio::test]
async fn a_failed_login_is_tokens_error_and_sets_no_cookie() {
    let server = server(&[]).await;
    for (username, password, code) in [
        ("alice", "wrong", "invalid_grant"),
        ("nobody", "wrong", "invalid_grant"),
        ("bob", "correct horse battery staple", "invalid_grant"),
        ("alice", "", "invalid_request"),
    ] {
        let reply = login(&server, username, password, "profile").await;
        reply.assert_error(
            400,
            code,
            "POST /login fails exactly like POST /token does",
            "start_session in exercises/12_cookies.rs",
        );
        assert!(
            set_cookies(&reply).is_empty(),
            "{}",
            reply.explain(
                "no Set-Cookie on a failed login",
                "start_session in exercises/12_cookies.rs"
            )
        );
    }
}

#[tokio::test]
async fn a_cookie_opens_the_protected_routes() {
    let user = someone();
    let server = server(&[&user]).await;
    let session = session_of(&login(&server, &user.user.username, &user.password, "profile").await);
    let reply = with_session(
        &server,
        Method::GET,
        "/users/me",
        &session,
        None,
        String::new(),
    )
    .await;
    reply.assert_status(
        200,
        "GET /users/me with the session cookie and no Authorization header: a safe method needs no CSRF token",
        "principal_from_request in exercises/12_cookies.rs",
    );
    assert!(
        reply.json()["username"] == user.user.username.as_str(),
        "{}",
        reply.explain("the session's own user", LOOK)
    );
}

#[tokio::test]
async fn a_cookie_post_needs_the_csrf_header() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "items:write").await);
    let body = json!({"name": "Stapler"}).to_string();
    for (csrf, what) in [
        (None, "no X-CSRF-Token header"),
        (
            Some("forged-value"),
            "an X-CSRF-Token that is not the cookie's value",
        ),
        (Some(""), "an empty X-CSRF-Token"),
    ] {
        let reply = with_session(
            &server,
            Method::POST,
            "/users/me/items",
            &session,
            csrf,
            body.clone(),
        )
        .await;
        reply.assert_error(
            403,
            "csrf_token_invalid",
            &format!(
                "{what} on a cookie-authenticated POST: another site can make the browser send our cookies, but \
                 cannot read them to copy the CSRF value into a header"
            ),
            "principal_from_request and csrf_ok in exercises/12_cookies.rs",
        );
    }
    // Equal, but empty: a cookie can be planted empty (from a sibling
    // subdomain, say), and an empty value proves nothing.
    let planted = Session {
        access: session.access.clone(),
        csrf: String::new(),
    };
    let reply = with_session(
        &server,
        Method::POST,
        "/users/me/items",
        &planted,
        Some(""),
        body.clone(),
    )
    .await;
    reply.assert_error(
        403,
        "csrf_token_invalid",
        "an empty __Host-csrf cookie and an empty X-CSRF-Token on a cookie-authenticated POST: the two are \
         equal, but an empty value is no secret, and an attacker who can plant a cookie can plant an empty one",
        "csrf_ok in exercises/12_cookies.rs",
    );
    let reply = with_session(
        &server,
        Method::POST,
        "/users/me/items",
        &session,
        Some(&session.csrf),
        body,
    )
    .await;
    reply.assert_status(
        201,
        "a cookie-authenticated POST with X-CSRF-Token equal to the __Host-csrf cookie",
        "csrf_ok in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn a_bearer_request_needs_no_csrf_and_wins_over_the_cookie() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "items:write").await);
    let bearer = format!("Bearer {}", session.access);
    let body = json!({"name": "Lamp"}).to_string();
    let reply = server
        .request(
            Method::POST,
            "/users/me/items",
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            body.clone(),
        )
        .await;
    reply.assert_status(
        201,
        "a bearer-authenticated POST needs no CSRF token: a browser never adds an Authorization header on its own",
        "principal_from_request in exercises/12_cookies.rs",
    );
    let cookie = session.cookie_header();
    let reply = server
        .request(
            Method::GET,
            "/users/me",
            &[("authorization", "Bearer not-a-jwt"), ("cookie", &cookie)],
            String::new(),
        )
        .await;
    reply.assert_error(
        401,
        "invalid_token",
        "when both are sent, the Authorization header wins: a bad bearer token is refused even with a good cookie",
        "principal_from_request in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn logout_by_cookie_clears_both_cookies_and_kills_the_token() {
    let user = someone();
    let server = server(&[&user]).await;
    let session = session_of(&login(&server, &user.user.username, &user.password, "profile").await);
    let reply = with_session(
        &server,
        Method::POST,
        "/logout",
        &session,
        None,
        String::new(),
    )
    .await;
    reply.assert_error(
        403,
        "csrf_token_invalid",
        "POST /logout by cookie is an unsafe request too: without the CSRF header, another site could log users out",
        "principal_from_request in exercises/12_cookies.rs",
    );
    let reply = with_session(
        &server,
        Method::POST,
        "/logout",
        &session,
        Some(&session.csrf),
        String::new(),
    )
    .await;
    reply.assert_status(
        204,
        "logout by cookie with the CSRF header",
        "logout in exercises/12_cookies.rs",
    );
    let cookies = set_cookies(&reply);
    for name in ["__Host-access_token", "__Host-csrf"] {
        let cleared = cookie_named(
            &reply,
            &cookies,
            name,
            "cleared: an empty value with Max-Age=0, so the browser forgets the session",
            "logout and cleared_cookies in exercises/12_cookies.rs",
        );
        assert!(
            cleared.value.is_empty() && cleared.has("Max-Age=0") && cleared.has("Path=/") && cleared.has("Secure"),
            "{}",
            reply.explain(
                &format!(
                    "`{name}` cleared: an empty value with Max-Age=0, and the same Path and Secure as when it was set \
                     (else the browser treats it as another cookie); got {cleared:?}"
                ),
                "cleared_cookies in exercises/12_cookies.rs"
            )
        );
    }
    let reply = with_session(
        &server,
        Method::GET,
        "/users/me",
        &session,
        None,
        String::new(),
    )
    .await;
    reply.assert_error(
        401,
        "invalid_token",
        "the logged-out cookie's token is deny-listed (step 11): a copy of the cookie kept elsewhere is dead too",
        "logout in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn odd_cookies_never_give_a_server_error() {
    let server = server(&[]).await;
    for cookie in [
        "__Host-access_token=",
        "__Host-access_token=not-a-jwt",
        "garbage",
        ";;;=;=",
        "__Host-csrf=x; __Host-csrf=y",
    ] {
        let reply = server
            .request(
                Method::GET,
                "/users/me",
                &[("cookie", cookie)],
                String::new(),
            )
            .await;
        assert!(
            reply.status == 401,
            "{}",
            reply.explain(
                "401: a cookie that is no session is the client's problem, never a 500",
                LOOK
            )
        );
    }
    let reply = server
        .request(
            Method::POST,
            "/login",
            &[("content-type", FORM)],
            "username=alice".to_owned(),
        )
        .await;
    reply.assert_error(
        400,
        "invalid_request",
        "a login form without a password",
        LOOK,
    );
}
