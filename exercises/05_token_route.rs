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
//! and answer every failure yourself.
//!
//! ## The contract
//!
//! Request: `grant_type=password&username=...&password=...` (`scope` is
//! optional and ignored for now; unknown fields are ignored; a field sent
//! empty counts as missing).
//!
//! | case | status | body |
//! | --- | --- | --- |
//! | right credentials | 200 | `{"access_token": "<JWT>", "token_type": "bearer", "expires_in": <ttl seconds>}` |
//! | wrong password, unknown user, disabled user | 400 | `{"error": "invalid_grant", ...}`, the same for all three |
//! | missing, empty or repeated field | 400 | `{"error": "invalid_request", ...}` |
//! | not a form (JSON, no content type, ...) | 400 | `{"error": "invalid_request", ...}` |
//! | `grant_type` other than `password` | 400 | `{"error": "unsupported_grant_type", ...}` |
//! | body over `MAX_BODY_BYTES` | 413 | `{"error": "invalid_request", ...}` |
//!
//! Every answer carries `Cache-Control: no-store` and `Pragma: no-cache`.
//! Missing `grant_type` is checked first, then its value, then the other
//! fields. The access token's `sub` is the username; it lives
//! `access_token_ttl`.
//!
//! Why 400 and not 401 for a wrong password? RFC 6749 §5.2 says
//! `invalid_grant` is a 400: 401 means "authenticate the *client*", and
//! many tutorials get this wrong. Why one answer for three failures? So that
//! nobody can learn which usernames exist by trying them.
//!
//! ## Hints
//!
//! - bcrypt is slow on purpose: call `authenticate_user` inside
//!   `tokio::task::spawn_blocking` so that it does not stall the async
//!   workers. The closure must own what it uses: clone the state into it.
//! - A repeated field is a `FormRejection` too (serde's "duplicate field").
//! - `FormRejection::status()` tells you when the body was too large.
//!
//! Run the tests: `cargo test --test step05_token_route`

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use crate::fake_db::UserStore;
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
    /// Our fault, not the client's: nothing a request can cause.
    Internal,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        todo!(
            "step 05: answer each TokenError with its RFC 6749 status and an OAuthError body (see the table above)"
        )
    }
}

/// Turns axum's form rejections (415, 422, ...) into RFC 6749 errors.
fn form_error(rejection: FormRejection) -> TokenError {
    todo!(
        "step 05: 413 TooLarge when the rejection's status is 413, otherwise InvalidRequest saying why"
    )
}

/// A field's value, with an empty one counted as missing (RFC 6749 §3.1).
fn required(field: Option<String>, name: &str) -> Result<String, TokenError> {
    todo!("step 05: the field's value, or InvalidRequest when it is missing or empty")
}

/// `POST /token`: trades a username and password for an access token.
pub async fn token(
    State(state): State<AuthState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    todo!(
        "step 05: call issue_token, turn its result into a response, and add Cache-Control: no-store and Pragma: no-cache"
    )
}

async fn issue_token(
    state: AuthState,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<TokenResponse, TokenError> {
    todo!(
        "step 05: read the form, check grant_type, username and password, authenticate in spawn_blocking, and sign Claims for the user"
    )
}

/// `POST /token` on its own, with its body limit.
pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/token", post(token))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}
