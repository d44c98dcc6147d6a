//! # Step 12: cookie sessions with CSRF protection
//!
//! ## What you build
//!
//! A browser app has a problem with bearer tokens: to send one, its
//! JavaScript must hold it, and whatever script can read it, an XSS bug can
//! steal it. The usual answer keeps the token in a cookie the page's script
//! cannot read (`HttpOnly`), which the browser sends by itself.
//!
//! That creates the opposite problem: the browser sends our cookies along
//! with requests *another* site makes it send (a form posting to our
//! `/users/me/items`). That is cross-site request forgery (CSRF). Two
//! defences, both here:
//!
//! - `SameSite=Lax`: the browser leaves the cookie off cross-site POSTs.
//! - **Signed double submit**: at login the server also sets a CSRF value
//!   in a cookie the page *can* read; on every unsafe request the page
//!   copies it into an `X-CSRF-Token` header. Another site can make the
//!   browser send our cookies but cannot read them, so it cannot write the
//!   header. The value is an HMAC of the session's access token under a key
//!   of the server's (OWASP's "signed double-submit cookie"): random per
//!   login, as the token is, and bound to its session, so a value planted
//!   from elsewhere, or another session's, never matches.
//!
//! Both cookies are `__Host-` cookies: the browser accepts that name only
//! with `Secure`, `Path=/` and no `Domain`, so no subdomain can set or
//! overwrite them (which is what makes plain double submit safe: a sibling
//! subdomain that could plant its own CSRF cookie would defeat it).
//!
//! **Login needs CSRF protection too**, though nobody is logged in yet. A
//! page on another site can post a login form with the *attacker's*
//! username and password: the victim's browser then holds the attacker's
//! session, and whatever they type next (a card number, a search, a
//! document) lands in the attacker's account (OWASP calls it login CSRF).
//! There is no CSRF cookie to compare yet, so `/login` asks the browser
//! where the request comes from. Browsers send **Fetch Metadata**:
//! `Sec-Fetch-Site` is `same-origin` for our own pages, `none` when the
//! user typed the address, and `same-site` or `cross-site` for a page
//! elsewhere (same-site is refused too: a sibling subdomain may be someone
//! else's). Older browsers send only `Origin`, which must then be this
//! server's own (the scheme and the `Host` the request was sent to). A
//! request with neither header is not a browser's cross-site request (curl,
//! a native app): it passes.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /login`, form `username`, `password` (optional `scope`, as `/token`) | 204 with `Set-Cookie: __Host-access_token=<JWT>; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=<ttl>` and `Set-Cookie: __Host-csrf=<random>; Secure; SameSite=Lax; Path=/; Max-Age=<ttl>` |
//! | `POST /login` that fails | the same 400 as `/token` (`invalid_grant`, `invalid_request`, `invalid_scope`), no cookie |
//! | `POST /login` with `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is not this server's (`null` too) | 403 `{"error": "cross_site_request", ...}`, no cookie, the password never checked |
//! | a protected route with the access-token cookie, `GET` | as with a bearer token |
//! | ... `POST`, `PUT`, `PATCH`, `DELETE` without `X-CSRF-Token` equal to the `__Host-csrf` cookie | 403 `{"error": "csrf_token_invalid", ...}` |
//! | a request with `Authorization: Bearer ...` | the header wins over any cookie, and needs no CSRF token |
//! | `POST /logout` by cookie (with its CSRF header) | step 11's logout, plus both cookies cleared (`Max-Age=0`) |
//! | `POST /logout` by bearer token, cookies present | step 11's logout of the bearer token; the cookies, another session's, are left alone |
//!
//! Every rule of the earlier steps holds for a cookie's token too: it is
//! an access token (step 09's), checked for expiry, the user's state and
//! revocation exactly like a bearer token. A cookie login's token belongs
//! to no refresh family (no `sid`): its logout goes on step 11's deny-list.
//!
//! ## What must hold
//!
//! - The access-token cookie is `HttpOnly`, `Secure`, `SameSite=Lax`,
//!   `__Host-`; the CSRF cookie is readable by the page and nothing else
//!   differs.
//! - Every cookie-authenticated unsafe request (`POST`, `PUT`, `PATCH`,
//!   `DELETE`, any method but `GET`, `HEAD`, `OPTIONS`, `TRACE`) needs an
//!   `X-CSRF-Token` equal to a non-empty CSRF cookie, compared in constant
//!   time.
//! - The CSRF value is the session's own (an HMAC of its access token), new
//!   at every login, never derived from the user; another session's value
//!   never passes.
//! - A `__Host-` cookie sent twice is refused (one was planted); a pair
//!   with a bad byte costs only itself, never the whole `Cookie` header.
//! - A bearer token wins over a cookie and needs no CSRF token.
//! - A login a browser says comes from another site is refused.
//! - Logout by cookie clears both cookies and revokes the cookie's token;
//!   logout by bearer leaves a cookie session alone.
//!
//! ## Hints
//!
//! - A `Cookie` header is `name=value; name2=value2`; split its bytes on
//!   `;`, trim, `split_once('=')`, and skip a pair that is not ASCII. A
//!   request may carry several `Cookie` headers.
//! - `CsrfKey` holds an HMAC-SHA256 keyed for CSRF values, its key an
//!   HMAC-SHA256 of the server's secret and a label of this one purpose
//!   (`Hmac::<Sha256>::new_from_slice`, `update`, `finalize`); a secret
//!   under `MIN_SECRET_BYTES` is refused, as step 04 refuses it. For a
//!   value: clone the keyed HMAC, `update` with the token, `finalize`.
//! - Compare the CSRF values with `subtle::ConstantTimeEq`:
//!   `a.as_bytes().ct_eq(b.as_bytes()).into()`.
//! - `response.headers_mut().append(SET_COOKIE, ...)` adds a second
//!   `Set-Cookie`; `insert` would replace the first.
//! - `Origin` is `scheme://host[:port]`; compare what follows `http://` or
//!   `https://` with the `Host` header, ignoring ASCII case.
//!
//! Run the tests: `cargo course test 12` (underneath: `cargo test --test step12_cookies`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::bearer::{BearerRejection, BearerToken};
use crate::current_user::CurrentUserRejection;
use crate::fake_db::User;
use crate::jwt::{MIN_SECRET_BYTES, SecretTooShort};
use crate::oauth_error::OAuthError;
use crate::refresh::{
    self, GrantError, RefreshState, RefreshStore, principal_from_session_bearer,
    principal_in_session,
};
use crate::revocation::{
    self, DenyList, LogoutForm, RevocationState, ensure_not_revoked, log_out, optional_form,
};
use crate::scopes::{
    Principal, Scopes, ScopesState, password_login, protected_routes, scoped_access_token,
};
use crate::token_route::{AuthState, TokenError, TokenRequest, body_limited, no_store, read_form};
use crate::users_me::with_json_fallbacks;

/// The access token's cookie. `__Host-` makes the browser insist on
/// `Secure`, `Path=/` and no `Domain`: no subdomain can set or shadow it.
pub const ACCESS_COOKIE: &str = "__Host-access_token";

/// The CSRF token's cookie, readable by the page's own script.
pub const CSRF_COOKIE: &str = "__Host-csrf";

/// The header a page copies the CSRF cookie into on an unsafe request.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The two `Set-Cookie` values of a session. The access token is
/// `HttpOnly`: no script, so no XSS, can read it. The CSRF token is not: the
/// page's script must read it to send it back in a header.
pub fn session_cookies(access_token: &str, csrf_token: &str, max_age: u64) -> [String; 2] {
    todo!(
        "step 12: the two Set-Cookie values of the contract: the access token HttpOnly, the CSRF token readable"
    )
}

/// The two `Set-Cookie` values that make a browser forget the session.
pub fn cleared_cookies() -> [String; 2] {
    todo!("step 12: the same two cookies, empty, with Max-Age=0")
}

/// The value of the cookie `name` in the request's `Cookie` headers, read
/// pair by pair: a pair with a byte no cookie may hold is skipped, not the
/// whole header. A name sent twice is no answer at all: the browser keeps
/// one `__Host-` cookie of a name, so a second one was planted.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    todo!(
        "step 12: the value of cookie `name` in the Cookie headers, pair by pair (skip a pair that is not visible ASCII); None if the name is sent twice"
    )
}

/// The key CSRF values are signed with: derived from the server's secret
/// for this one purpose.
#[derive(Clone)]
pub struct CsrfKey(Hmac<Sha256>);

impl fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfKey { .. }")
    }
}

impl CsrfKey {
    pub fn derive(secret: &[u8]) -> Result<Self, SecretTooShort> {
        todo!(
            "step 12: refuse a secret under MIN_SECRET_BYTES (SecretTooShort); the key: an HMAC-SHA256 of the secret and a label of this purpose; keep an HMAC keyed with it"
        )
    }

    /// The CSRF value of the session whose access token is `access_token`:
    /// an HMAC of it, base64url. Random per login, as the token is, and
    /// bound to that session: a CSRF value of another session, or one
    /// planted with a cookie, never matches.
    pub fn value_for(&self, access_token: &str) -> String {
        todo!("step 12: the HMAC of access_token under this key, base64url without padding")
    }
}

/// Methods that change something (RFC 9110 §9.2.1 calls the others safe).
pub fn is_unsafe(method: &Method) -> bool {
    todo!("step 12: every method but GET, HEAD, OPTIONS and TRACE")
}

/// Whether the request's `X-CSRF-Token` header equals its CSRF cookie,
/// and both are the CSRF value of `access_token`'s session (a signed double
/// submit). A page on another site can make the browser send our cookies,
/// but cannot read them, so it cannot copy the value into the header.
pub fn csrf_ok(headers: &HeaderMap, key: &CsrfKey, access_token: &str) -> bool {
    todo!(
        "step 12: the X-CSRF-Token header equals the __Host-csrf cookie, and the cookie is key.value_for(access_token); compare in constant time"
    )
}

/// Why a request has no principal from this step on.
#[derive(Debug)]
pub enum SessionRejection {
    Token(CurrentUserRejection),
    /// A cookie-authenticated unsafe request without the right CSRF header.
    Csrf,
}

impl From<CurrentUserRejection> for SessionRejection {
    fn from(rejection: CurrentUserRejection) -> Self {
        Self::Token(rejection)
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Token(rejection) => rejection.into_response(),
            Self::Csrf => OAuthError::new(
                "csrf_token_invalid",
                "a request authenticated by cookie that changes something must send X-CSRF-Token equal to the __Host-csrf cookie",
            )
            .with_status(StatusCode::FORBIDDEN),
        }
    }
}

/// What this step's routes share: step 11's state and the CSRF key, under a
/// state type of its own so that its app can find the principal in a cookie.
#[derive(Clone)]
pub struct CookieState {
    pub previous: RevocationState,
    pub csrf: Arc<CsrfKey>,
}

impl CookieState {
    pub fn new(previous: RevocationState, csrf: CsrfKey) -> Self {
        Self {
            previous,
            csrf: Arc::new(csrf),
        }
    }
}

impl Deref for CookieState {
    type Target = RevocationState;

    fn deref(&self) -> &RevocationState {
        &self.previous
    }
}

// Steps 09 to 11's handlers, in this step's app.
crate::earlier_states!(CookieState => RevocationState, RefreshState, ScopesState);

/// The principal of a request: from its bearer token when it sends one
/// (the header wins), else from its access-token cookie, with the CSRF
/// check for an unsafe method. Either way step 11's checks hold: the
/// token's session alive, its `jti` not denied.
pub async fn principal_from_request(
    parts: &mut Parts,
    auth: &AuthState,
    refresh: &RefreshStore,
    denied: &DenyList,
    csrf: &CsrfKey,
) -> Result<Principal, SessionRejection> {
    todo!(
        "step 12: bearer (step 10's principal_from_session_bearer) when an Authorization header is sent; else the access cookie (principal_in_session), CSRF-checked for an unsafe method; never a revoked token"
    )
}

impl FromRequestParts<CookieState> for Principal {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &CookieState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_request(
            parts,
            &state.auth,
            &state.refresh,
            &state.denied,
            &state.csrf,
        )
        .await
    }
}

/// Whether a request comes from a page of another site, by what the
/// browser says of it: `Sec-Fetch-Site` (Fetch Metadata), else `Origin`.
/// A request with neither is not a browser's cross-site request (curl, a
/// native app): it passes.
pub fn from_another_site(headers: &HeaderMap) -> bool {
    todo!(
        "step 12: Sec-Fetch-Site other than same-origin or none; else an Origin that is not http(s):// plus this request's Host"
    )
}

/// 403 for a login a page of another site tried to make. Login needs CSRF
/// protection though nobody is logged in yet: a forged login signs the
/// victim in to the attacker's account, and whatever they type next (a
/// card number, a search) lands there (login CSRF).
pub fn refuse_cross_site() -> Response {
    OAuthError::new(
        "cross_site_request",
        "a login from a page of another site is refused: the browser said so in Sec-Fetch-Site or Origin",
    )
    .with_status(StatusCode::FORBIDDEN)
}

/// `response` with each of `cookies` as a `Set-Cookie` header.
pub fn with_cookies(mut response: Response, cookies: [String; 2]) -> Response {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// `POST /login`: a form like the password grant's; 204 with the session's
/// cookies, or the same error `/token` would give.
pub async fn login(
    State(state): State<CookieState>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    if from_another_site(&headers) {
        return refuse_cross_site();
    }
    no_store(start_session(&state, form).await)
}

async fn start_session(
    state: &CookieState,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<Response, GrantError> {
    todo!("step 12: read_form, password_login, then session_response")
}

/// 204 with a new session's cookies: an access token for `user` carrying
/// `scopes`, and its CSRF value.
pub fn session_response(
    auth: &AuthState,
    csrf: &CsrfKey,
    user: &User,
    scopes: &Scopes,
) -> Result<Response, TokenError> {
    todo!(
        "step 12: scoped_access_token, then 204 with session_cookies (its CSRF value, Max-Age = expires_in)"
    )
}

/// `POST /logout`: step 11's, and a session's cookies are cleared.
pub async fn logout(
    State(state): State<CookieState>,
    principal: Principal,
    bearer: Result<BearerToken, BearerRejection>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    todo!(
        "step 12: step 11's log_out of the token the principal came from (the bearer's, else the cookie's); clear the cookies only when it was the cookie's"
    )
}

/// Every route so far, with `/login` and the cookie-aware `/logout`.
pub fn router(state: CookieState) -> Router {
    Router::new()
        .route("/token", body_limited(post(refresh::token)))
        .route("/login", body_limited(post(login)))
        .route("/logout", body_limited(post(logout)))
        .route("/revoke", body_limited(post(revocation::revoke)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app.
pub fn app(state: CookieState) -> Router {
    with_json_fallbacks(router(state))
}
