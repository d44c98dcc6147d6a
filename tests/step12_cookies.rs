//! Step 12: cookie sessions, `POST /login`, CSRF double submit and
//! cookie-aware logout, over HTTP.

mod common;
#[path = "common/state.rs"]
mod state;

use axum::Router;
use axum::routing::put;
use common::{FORM, Reply, TEST_TTL, TestServer, TestUser, form, serve};
use course::cookies::{CookieState, CsrfKey, app};
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, Principal, Scope, ScopeGrants, ScopedClaims, Scopes, ScopesState};
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
    let state = CookieState::new(
        revocation,
        CsrfKey::derive(common::TEST_SECRET).expect("a long secret"),
    );
    // A route for every unsafe method, as a later route would add one: the
    // CSRF check is the principal's, whatever the method.
    let unsafe_methods = Router::new()
        .route(
            "/test/unsafe",
            put(whoami).patch(whoami).delete(whoami).post(whoami),
        )
        .with_state(state.clone());
    serve(app(state).merge(unsafe_methods)).await
}

async fn whoami(principal: Principal) -> String {
    principal.user.username
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

#[tokio::test]
async fn every_unsafe_method_by_cookie_needs_the_csrf_header() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "profile").await);
    for method in [Method::PUT, Method::PATCH, Method::DELETE] {
        let reply = with_session(
            &server,
            method.clone(),
            "/test/unsafe",
            &session,
            None,
            String::new(),
        )
        .await;
        reply.assert_error(
            403,
            "csrf_token_invalid",
            &format!(
                "a cookie-authenticated {method} (on a test route whose handler takes Principal) without X-CSRF-Token: \
                 every method that can change something needs it (PUT, PATCH and DELETE as well as POST; RFC 9110 \
                 §9.2.1 calls only GET, HEAD, OPTIONS and TRACE safe), or the next route anyone adds is open to CSRF"
            ),
            "is_unsafe and principal_from_request in exercises/12_cookies.rs",
        );
        let reply = with_session(
            &server,
            method.clone(),
            "/test/unsafe",
            &session,
            Some(&session.csrf),
            String::new(),
        )
        .await;
        reply.assert_status(
            200,
            &format!("a cookie-authenticated {method} with the CSRF header"),
            LOOK,
        );
    }
}

#[tokio::test]
async fn each_login_gets_a_csrf_value_of_its_own() {
    let server = server(&[]).await;
    let first = session_of(&login(&server, "alice", "secret123", "profile").await);
    let second = session_of(&login(&server, "alice", "secret123", "profile").await);
    let bob = session_of(&login(&server, "carol", "otp-demo-password-1", "profile").await);
    let values = [&first.csrf, &second.csrf, &bob.csrf];
    assert!(
        first.csrf != second.csrf && first.csrf != bob.csrf && values.iter().all(|v| v.len() >= 32),
        "two logins of alice and one of carol set __Host-csrf to {values:?}: the CSRF value is random per \
         login (32 random bytes, base64url: 43 characters), never derived from the user. A value anyone \
         can compute (a hash of the username) is no secret, and the double submit then protects nothing.\n  \
         look at: new_csrf_token in {LOOK}"
    );
}

/// `POST /login` as a browser sends it: with `headers` for what the browser
/// says of the page that sent it.
async fn login_from_page(server: &TestServer, headers: &[(&str, &str)]) -> Reply {
    let body = form(&[("username", "alice"), ("password", "secret123")]);
    let mut all = vec![("content-type", FORM)];
    all.extend_from_slice(headers);
    server.request(Method::POST, "/login", &all, body).await
}

#[tokio::test]
async fn a_login_from_another_site_is_refused() {
    let server = server(&[]).await;
    let own = server.base().to_owned();
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![("sec-fetch-site", "cross-site"), ("origin", own.as_str())],
        vec![
            ("sec-fetch-site", "same-origin"),
            ("origin", "https://evil.example"),
        ],
    ] {
        let reply = login_from_page(&server, &headers).await;
        assert!(
            reply.status == 403 && set_cookies(&reply).is_empty() && reply.json()["error"].is_string(),
            "{}",
            reply.explain(
                "403 with a JSON error and no cookie: the browser says the page that sent this login is on another \
                 site (Sec-Fetch-Site cross-site or same-site, or an Origin that is not this server's). Login needs \
                 CSRF protection though nobody is logged in yet: a forged login signs the victim in to the \
                 attacker's account, and what they type next lands there (OWASP, login CSRF)",
                "from_another_site and login in exercises/12_cookies.rs"
            )
        );
    }
    for headers in [
        vec![],
        vec![("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
        vec![("sec-fetch-site", "none")],
        vec![("origin", own.as_str())],
    ] {
        let reply = login_from_page(&server, &headers).await;
        reply.assert_status(
            204,
            "a login with no Fetch Metadata and no Origin (curl, a native app), or from this server's own page: \
             only a browser's request from another site is refused",
            "from_another_site in exercises/12_cookies.rs",
        );
    }
}

#[tokio::test]
async fn a_bearer_logout_leaves_the_browsers_cookie_session_alone() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "profile").await);
    let other = session_of(&login(&server, "alice", "secret123", "profile").await);
    let bearer = format!("Bearer {}", other.access);
    let cookie = session.cookie_header();
    let reply = server
        .request(
            Method::POST,
            "/logout",
            &[("authorization", &bearer), ("cookie", &cookie)],
            String::new(),
        )
        .await;
    reply.assert_status(
        204,
        "a logout by bearer token, from a browser that also holds a cookie session",
        LOOK,
    );
    assert!(
        set_cookies(&reply).is_empty(),
        "{}",
        reply.explain(
            "no Set-Cookie: the bearer token logged out, and the cookie session it did not touch keeps its cookies \
             (clearing them would leave its token alive, but the browser without it)",
            "logout in exercises/12_cookies.rs"
        )
    );
    let me = with_session(
        &server,
        Method::GET,
        "/users/me",
        &session,
        None,
        String::new(),
    )
    .await;
    me.assert_status(
        200,
        "the cookie session, after another token logged out by bearer",
        LOOK,
    );
}

#[tokio::test]
async fn a_logged_out_cookie_token_is_dead_as_a_bearer_token_too() {
    let user = someone();
    let server = server(&[&user]).await;
    let session = session_of(&login(&server, &user.user.username, &user.password, "profile").await);
    with_session(
        &server,
        Method::POST,
        "/logout",
        &session,
        Some(&session.csrf),
        String::new(),
    )
    .await
    .assert_status(204, "logout by cookie with the CSRF header", LOOK);
    let reply = server.get_with_token("/users/me", &session.access).await;
    reply.assert_error(
        401,
        "invalid_token",
        "the cookie's access token, logged out, sent again as a bearer token: a cookie login's token belongs to no \
         session, so it is revoked by its jti, and the deny-list is checked whichever way the token comes, or a \
         copy of the cookie keeps working in an Authorization header",
        "principal_from_request in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn an_origin_that_merely_starts_like_ours_is_another_site() {
    let server = server(&[]).await;
    let host = server.base().trim_start_matches("http://").to_owned();
    for origin in [
        format!("http://{host}.evil.example"),
        format!("http://{host}0"),
        format!("https://evil.example/{host}"),
    ] {
        let reply = login_from_page(&server, &[("origin", origin.as_str())]).await;
        assert!(
            reply.status == 403,
            "{}",
            reply.explain(
                &format!(
                    "403: Origin {origin} is not this server's ({host}), however it starts: compare the whole \
                     authority with the Host header, never a prefix, or evil.example registers a name that begins \
                     with yours (login CSRF)"
                ),
                "from_another_site in exercises/12_cookies.rs"
            )
        );
    }
}

#[test]
fn a_method_nobody_listed_is_unsafe() {
    for name in ["PURGE", "PROPPATCH", "LINK"] {
        let method = Method::from_bytes(name.as_bytes()).expect("a method token");
        assert!(
            course::cookies::is_unsafe(&method),
            "is_unsafe({name}) must be true: RFC 9110 §9.2.1 names the safe methods (GET, HEAD, OPTIONS, TRACE) and \
             every other method, one nobody thought of included, may change something and needs the CSRF header. \
             List the safe ones, never the unsafe ones.\n  look at: is_unsafe in {LOOK}"
        );
    }
}

#[tokio::test]
async fn a_csrf_value_is_bound_to_its_session() {
    let server = server(&[]).await;
    let first = session_of(&login(&server, "alice", "secret123", "items:write").await);
    let second = session_of(&login(&server, "alice", "secret123", "items:write").await);
    // The first session's token with the second one's CSRF value, in both
    // the cookie and the header: equal, but not this session's.
    let tossed = Session {
        access: first.access.clone(),
        csrf: second.csrf.clone(),
    };
    let body = json!({"name": "Tossed"}).to_string();
    let reply = with_session(
        &server,
        Method::POST,
        "/users/me/items",
        &tossed,
        Some(&second.csrf),
        body,
    )
    .await;
    reply.assert_error(
        403,
        "csrf_token_invalid",
        "one session's access cookie with another session's CSRF value in both the cookie and the header: the two \
         agree, but the value is not this session's. A signed double submit (the CSRF value an HMAC of the \
         session's token) is bound to its session, so a value planted from elsewhere never matches",
        "csrf_ok and CsrfKey::value_for in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn a_cookie_sent_twice_is_refused() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "items:write").await);
    let twice = format!(
        "__Host-access_token={}; __Host-csrf={}; __Host-csrf={}",
        session.access, session.csrf, session.csrf
    );
    let reply = server
        .request(
            Method::POST,
            "/users/me/items",
            &[
                ("cookie", twice.as_str()),
                ("content-type", "application/json"),
                ("x-csrf-token", session.csrf.as_str()),
            ],
            json!({"name": "Twice"}).to_string(),
        )
        .await;
    reply.assert_error(
        403,
        "csrf_token_invalid",
        "a request carrying __Host-csrf twice: a browser keeps one __Host- cookie of a name, so the second was \
         planted; whichever comes first, the request is refused (the first never simply wins)",
        "cookie in exercises/12_cookies.rs",
    );
}

#[tokio::test]
async fn a_bad_byte_costs_only_its_own_cookie() {
    let server = server(&[]).await;
    let session = session_of(&login(&server, "alice", "secret123", "profile").await);
    let header = format!("theme=café; __Host-access_token={}", session.access);
    let reply = server
        .request(
            Method::GET,
            "/users/me",
            &[("cookie", header.as_str())],
            String::new(),
        )
        .await;
    reply.assert_status(
        200,
        "a Cookie header whose first pair holds a byte no cookie may (the é of café), then the session's cookie: \
         read pair by pair, the bad pair is skipped and the session works; read as one string, the whole header \
         is lost to one byte",
        "cookie in exercises/12_cookies.rs",
    );
}

#[test]
fn the_csrf_key_needs_a_secret_as_long_as_the_access_key_does() {
    let short = [7u8; course::jwt::MIN_SECRET_BYTES - 1];
    let enough = [7u8; course::jwt::MIN_SECRET_BYTES];
    assert!(
        CsrfKey::derive(&short).is_err() && CsrfKey::derive(&enough).is_ok(),
        "CsrfKey::derive with a {}-byte secret must be refused and with a {}-byte one accepted: the CSRF values \
         are HMACs under a key derived from the server's secret, which needs 256 bits like step 04's (RFC 7518 \
         §3.2).\n  look at: CsrfKey::derive in {LOOK}",
        course::jwt::MIN_SECRET_BYTES - 1,
        course::jwt::MIN_SECRET_BYTES
    );
}
