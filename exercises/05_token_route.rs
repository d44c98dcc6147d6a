//! # Step 05: the token endpoint, `POST /token`
//!
//! ## What you build
//!
//! The heart of the password flow (RFC 6749 §4.3): the client posts a
//! username and password as a *form*, and the server answers with an access
//! token. Everything from the steps before meets here: the store (01), bcrypt
//! (02) and JWTs (04).
//!
//! The token endpoint takes `application/x-www-form-urlencoded`, not JSON,
//! because RFC 6749 says so and every OAuth2 client library sends it that way.
//! axum's `Form<T>` reads it, but its own rejections (415, 422, plain text)
//! are not what RFC 6749 asks for: you take `Result<Form<T>, FormRejection>`
//! and answer every failure yourself, in your own words.
//!
//! A word on this grant before you build it: RFC 9700 (OAuth 2.0 Security
//! Best Current Practice, §2.4) says the password grant MUST NOT be used, and
//! the OAuth 2.1 draft drops it. It hands the user's password to the client
//! and cannot do two-factor or single sign-on. New systems use the
//! authorization code grant with PKCE (for apps with a user), the device
//! grant (RFC 8628, for TVs and CLIs) or client credentials (for services).
//! This course still teaches it because it is the smallest complete OAuth2
//! flow, because first-party and legacy systems run it, and because
//! interviewers ask about it; everything around it (bcrypt, JWT validation,
//! RFC 6749 errors, the bearer extractor) carries over to the other grants.
//!
//! ## The contract
//!
//! Request: `grant_type=password&username=...&password=...` (`scope` is
//! optional and ignored for now; unknown fields are ignored; a field sent
//! empty counts as missing, RFC 6749 §3.2).
//!
//! | case | status | body |
//! | --- | --- | --- |
//! | right credentials | 200 | `{"access_token": "<JWT>", "token_type": "bearer", "expires_in": <ttl seconds>}` |
//! | wrong password, unknown user, disabled user | 400 | `{"error": "invalid_grant", ...}`, the same status, headers and body for all three |
//! | missing, empty or repeated field | 400 | `{"error": "invalid_request", ...}` |
//! | not a form (JSON, no content type, ...) | 400 | `{"error": "invalid_request", ...}` |
//! | `grant_type` other than `password` | 400 | `{"error": "unsupported_grant_type", ...}` |
//! | body over `MAX_BODY_BYTES` | 413 | `{"error": "invalid_request", ...}` |
//! | our own fault (`TokenError::Internal`: the bcrypt task died, a token could not be signed) | 500 | `{"error": "server_error", ...}` |
//!
//! Every answer carries `Cache-Control: no-store` and `Pragma: no-cache`.
//! The checks run in this order: the form itself, a missing `grant_type`,
//! its value, the other fields, and only then the credentials. (Which fields
//! a request needs depends on its grant; and a malformed request never costs
//! a bcrypt check.) The access token's `sub` is the username; it lives
//! `access_token_ttl`. Error descriptions are your own sentences, never
//! axum's or serde's error text.
//!
//! Why 400 and not 401 for a wrong password? RFC 6749 §5.2 says
//! `invalid_grant` is a 400: 401 means "authenticate the *client*", and
//! many tutorials get this wrong. Why one answer for three failures? So that
//! nobody can learn which usernames exist by trying them.
//!
//! Later steps reuse the pieces you write here (`read_form`, `required`,
//! `authenticate`, `access_token_response`, `no_store`), so each does one
//! thing.
//!
//! ## Hints
//!
//! - bcrypt is slow on purpose: call `authenticate_user` inside
//!   `tokio::task::spawn_blocking` so that it does not stall the async
//!   workers. The closure must own what it uses: clone the state into it.
//!   (The tests check this: another request must be answered while a login
//!   is checking its password.)
//! - A repeated field is a `FormRejection` too (serde's "duplicate field").
//! - `FormRejection::status()` tells you when the body was too large.
//!
//! Run the tests: `cargo course test 5` (underneath: `cargo test --test step05_token_route`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use crate::fake_db::{User, UserStore};
use crate::jwt::{Claims, JwtKeys};
use crate::oauth_error::OAuthError;
use crate::passwords::PasswordHasher;

/// The largest `/token` body accepted; a login form is a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What the auth routes share: the user store, the password hasher, the
/// signing keys and the access-token lifetime. Cheap to clone; a later step
/// keeps its own state beside this one and reaches it through `FromRef`.
#[derive(Clone)]
pub struct AuthState {
    pub users: Arc<dyn UserStore>,
    pub passwords: Arc<PasswordHasher>,
    pub keys: Arc<JwtKeys>,
    pub access_token_ttl: Duration,
}

impl AuthState {
    pub fn new(
        users: impl UserStore + 'static,
        passwords: PasswordHasher,
        keys: JwtKeys,
        access_token_ttl: Duration,
    ) -> Self {
        Self {
            users: Arc::new(users),
            passwords: Arc::new(passwords),
            keys: Arc::new(keys),
            access_token_ttl,
        }
    }
}

/// The form of RFC 6749 §4.3.2. Every field is optional here so that a
/// missing one is *our* `invalid_request`, not a deserialisation error.
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
}

/// The success body of RFC 6749 §5.1.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// The ways a token request fails (RFC 6749 §5.2).
#[derive(Debug)]
pub enum TokenError {
    /// A field is missing, empty or repeated, or the body is not a form.
    InvalidRequest(String),
    /// `grant_type` is not one this server knows.
    UnsupportedGrantType,
    /// Wrong password, unknown user or disabled user: deliberately one answer.
    InvalidGrant,
    /// The body is over [`MAX_BODY_BYTES`].
    TooLarge,
    /// Our fault, not the client's: a bcrypt task that died, a token that
    /// could not be signed. Nothing a request can cause.
    Internal,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        todo!(
            "step 05: answer each TokenError with its RFC 6749 status and an OAuthError body (see the table above)"
        )
    }
}

/// The form's fields, or the RFC 6749 error for a body that is not one.
/// Our own sentences, never axum's or serde's text: a client learns what to
/// fix, and nothing about the libraries behind the endpoint.
pub fn read_form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, TokenError> {
    todo!(
        "step 05: the fields, or TooLarge for a 413 rejection, or InvalidRequest in your own words"
    )
}

/// A field's value, with an empty one counted as missing (RFC 6749 §3.2).
pub fn required(field: Option<String>, name: &str) -> Result<String, TokenError> {
    todo!(
        "step 05: the field's value, or InvalidRequest naming the field when it is missing or empty"
    )
}

/// The enabled user whose password this is, or `InvalidGrant`.
pub async fn authenticate(
    state: &AuthState,
    username: String,
    password: String,
) -> Result<User, TokenError> {
    todo!("step 05: authenticate_user inside tokio::task::spawn_blocking; None is InvalidGrant")
}

/// An access token for `user`, as the success body of RFC 6749 §5.1.
pub fn access_token_response(state: &AuthState, user: &User) -> Result<TokenResponse, TokenError> {
    todo!(
        "step 05: sign Claims::new for the user with the state's keys and ttl; token_type is \"bearer\""
    )
}

/// `response` with the headers RFC 6749 §5.1 asks of every token response:
/// a token must never be kept by a cache.
pub fn no_store(response: impl IntoResponse) -> Response {
    todo!("step 05: the response with Cache-Control: no-store and Pragma: no-cache")
}

/// `POST /token`: trades a username and password for an access token.
pub async fn token(
    State(state): State<AuthState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    todo!("step 05: run the password grant and answer its result, through no_store")
}

/// The password grant, checked in the contract's order: the form, then
/// `grant_type`, then the grant's own fields, then the credentials.
async fn password_grant(
    state: &AuthState,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<TokenResponse, TokenError> {
    todo!(
        "step 05: read_form, then grant_type (missing, then its value), then username and password, then authenticate and access_token_response"
    )
}

/// `POST /token` on its own, with its body limit.
pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .with_state(state)
}

/// `route` with its body limited to [`MAX_BODY_BYTES`]. It goes on each
/// route that reads a body, not around the whole router: `Router::layer`
/// wraps every route, `GET /users/me` too, in one more boxed service that
/// is cloned, with the state, on every request.
pub fn body_limited<S>(route: MethodRouter<S>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
