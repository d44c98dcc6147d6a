//! Step 12: cookie sessions with CSRF protection. (Reference solution.)
//!
//! See `exercises/12_cookies.rs` for the task.

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
    [
        format!(
            "{ACCESS_COOKIE}={access_token}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={max_age}"
        ),
        format!("{CSRF_COOKIE}={csrf_token}; Secure; SameSite=Lax; Path=/; Max-Age={max_age}"),
    ]
}

/// The two `Set-Cookie` values that make a browser forget the session.
pub fn cleared_cookies() -> [String; 2] {
    [
        format!("{ACCESS_COOKIE}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0"),
        format!("{CSRF_COOKIE}=; Secure; SameSite=Lax; Path=/; Max-Age=0"),
    ]
}

/// The value of the cookie `name` in the request's `Cookie` headers, read
/// pair by pair: a pair with a byte no cookie may hold is skipped, not the
/// whole header. A name sent twice is no answer at all: the browser keeps
/// one `__Host-` cookie of a name, so a second one was planted.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = None;
    let pairs = headers
        .get_all(COOKIE)
        .iter()
        .flat_map(|line| line.as_bytes().split(|&b| b == b';'));
    for pair in pairs {
        let Ok(pair) = std::str::from_utf8(pair.trim_ascii()) else {
            continue;
        };
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        if key != name || !value.bytes().all(|b| b.is_ascii_graphic()) {
            continue;
        }
        if found.is_some() {
            return None;
        }
        found = Some(value);
    }
    found
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
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretTooShort {
                bytes: secret.len(),
            });
        }
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"course: the key of CSRF values");
        let key = mac.finalize().into_bytes();
        Ok(Self(
            Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length"),
        ))
    }

    /// The CSRF value of the session whose access token is `access_token`:
    /// an HMAC of it, base64url. Random per login, as the token is, and
    /// bound to that session: a CSRF value of another session, or one
    /// planted with a cookie, never matches.
    pub fn value_for(&self, access_token: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(access_token.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Methods that change something (RFC 9110 §9.2.1 calls the others safe).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the request's `X-CSRF-Token` header equals its CSRF cookie,
/// and both are the CSRF value of `access_token`'s session (a signed double
/// submit). A page on another site can make the browser send our cookies,
/// but cannot read them, so it cannot copy the value into the header.
pub fn csrf_ok(headers: &HeaderMap, key: &CsrfKey, access_token: &str) -> bool {
    let header = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (header, cookie(headers, CSRF_COOKIE)) {
        // An empty value is no session's: the signature refuses it.
        (Some(header), Some(cookie)) => {
            let expected = key.value_for(access_token);
            // Constant time: the comparison must not leak how much matched.
            let equal: bool = header.as_bytes().ct_eq(cookie.as_bytes()).into();
            let signed: bool = cookie.as_bytes().ct_eq(expected.as_bytes()).into();
            equal && signed
        }
        _ => false,
    }
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
    if parts.headers.contains_key(AUTHORIZATION) {
        let principal = principal_from_session_bearer(parts, auth, refresh).await?;
        return Ok(ensure_not_revoked(denied, principal)?);
    }
    let Some(token) = cookie(&parts.headers, ACCESS_COOKIE) else {
        // Neither: step 03's bare 401.
        let principal = principal_from_session_bearer(parts, auth, refresh).await?;
        return Ok(principal);
    };
    if is_unsafe(&parts.method) && !csrf_ok(&parts.headers, csrf, token) {
        return Err(SessionRejection::Csrf);
    }
    let principal = principal_in_session(auth, refresh, token)?;
    Ok(ensure_not_revoked(denied, principal)?)
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
    let header = |name| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    // `same-site` is refused too: a sibling subdomain may be someone else's.
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    match header(ORIGIN.as_str()) {
        None => false,
        // `Origin: null` (a sandboxed frame, a redirect across sites) is
        // nobody we know.
        Some(origin) => {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let host = header(HOST.as_str());
            !matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
        }
    }
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
    let request = read_form(form)?;
    let (user, scopes) = password_login(&state.auth, &state.grants, request).await?;
    Ok(session_response(&state.auth, &state.csrf, &user, &scopes)?)
}

/// 204 with a new session's cookies: an access token for `user` carrying
/// `scopes`, and its CSRF value.
pub fn session_response(
    auth: &AuthState,
    csrf: &CsrfKey,
    user: &User,
    scopes: &Scopes,
) -> Result<Response, TokenError> {
    let token = scoped_access_token(auth, user, scopes)?;
    let cookies = session_cookies(
        &token.token.access_token,
        &csrf.value_for(&token.token.access_token),
        token.token.expires_in,
    );
    Ok(with_cookies(
        StatusCode::NO_CONTENT.into_response(),
        cookies,
    ))
}

/// `POST /logout`: step 11's, and a session's cookies are cleared.
pub async fn logout(
    State(state): State<CookieState>,
    principal: Principal,
    bearer: Result<BearerToken, BearerRejection>,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    let fields = match optional_form(form) {
        Ok(fields) => fields,
        Err(error) => return error.into_response(),
    };
    // The token the principal came from: the bearer token when there is
    // one (the header wins), else the cookie's.
    let from_cookie = cookie(&headers, ACCESS_COOKIE);
    let token = match &bearer {
        Ok(BearerToken(token)) => Some(token.as_str()),
        Err(_) => from_cookie,
    };
    let revocation = RevocationState::from_ref(&state);
    if let Some(token) = token {
        log_out(
            &revocation,
            &principal,
            token,
            fields.refresh_token.as_deref(),
        );
    }
    let response = StatusCode::NO_CONTENT.into_response();
    // Only the session logged out loses its cookies: a bearer logout from
    // a browser that also holds a cookie session leaves that one alone.
    if bearer.is_err() && from_cookie.is_some() {
        with_cookies(response, cleared_cookies())
    } else {
        response
    }
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
