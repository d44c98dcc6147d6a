//! Step 05: the token endpoint, `POST /token`. (Reference solution.)
//!
//! See `exercises/05_token_route.rs` for the task.

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
        let (status, body) = match self {
            Self::InvalidRequest(why) => (
                StatusCode::BAD_REQUEST,
                OAuthError::new("invalid_request", why),
            ),
            Self::UnsupportedGrantType => (
                StatusCode::BAD_REQUEST,
                OAuthError::new(
                    "unsupported_grant_type",
                    "this server does not support that grant_type",
                ),
            ),
            Self::InvalidGrant => (
                StatusCode::BAD_REQUEST,
                OAuthError::new("invalid_grant", "the username or password is incorrect"),
            ),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                OAuthError::new(
                    "invalid_request",
                    format!("the body is over {MAX_BODY_BYTES} bytes"),
                ),
            ),
            // RFC 6749 §5.2 has no code for a server fault; `server_error`
            // is the one §4.1.2.1 registers for the authorization endpoint.
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                OAuthError::new("server_error", "the server could not issue a token"),
            ),
        };
        body.with_status(status)
    }
}

/// The form's fields, or the RFC 6749 error for a body that is not one.
/// Our own sentences, never axum's or serde's text: a client learns what to
/// fix, and nothing about the libraries behind the endpoint.
pub fn read_form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, TokenError> {
    let rejection = match form {
        Ok(Form(fields)) => return Ok(fields),
        Err(rejection) => rejection,
    };
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Err(TokenError::TooLarge);
    }
    let why = match rejection {
        FormRejection::InvalidFormContentType(_) => {
            "the body must be application/x-www-form-urlencoded"
        }
        // serde names a repeated field `duplicate field`: RFC 6749 §3.2
        // forbids sending a parameter twice.
        other if other.body_text().contains("duplicate field") => "a field is sent more than once",
        _ => "the body is not a valid form",
    };
    Err(TokenError::InvalidRequest(why.to_owned()))
}

/// A field's value, with an empty one counted as missing (RFC 6749 §3.2).
pub fn required(field: Option<String>, name: &str) -> Result<String, TokenError> {
    field
        .filter(|value| !value.is_empty())
        .ok_or_else(|| TokenError::InvalidRequest(format!("the `{name}` field is required")))
}

/// The enabled user whose password this is, or `InvalidGrant`.
pub async fn authenticate(
    state: &AuthState,
    username: String,
    password: String,
) -> Result<User, TokenError> {
    // bcrypt takes a quarter of a second of CPU: run it on the blocking pool
    // so the async worker threads keep serving other requests.
    let check = state.clone();
    tokio::task::spawn_blocking(move || {
        check
            .passwords
            .authenticate_user(check.users.as_ref(), &username, &password)
    })
    .await
    .map_err(|_| TokenError::Internal)?
    .ok_or(TokenError::InvalidGrant)
}

/// An access token for `user`, as the success body of RFC 6749 §5.1.
pub fn access_token_response(state: &AuthState, user: &User) -> Result<TokenResponse, TokenError> {
    let claims = Claims::new(&user.username, state.access_token_ttl);
    let access_token = state
        .keys
        .encode(&claims)
        .map_err(|_| TokenError::Internal)?;
    Ok(TokenResponse {
        access_token,
        token_type: "bearer",
        expires_in: state.access_token_ttl.as_secs(),
    })
}

/// `response` with the headers RFC 6749 §5.1 asks of every token response:
/// a token must never be kept by a cache.
pub fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// `POST /token`: trades a username and password for an access token.
pub async fn token(
    State(state): State<AuthState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    no_store(password_grant(&state, form).await.map(Json))
}

/// The password grant, checked in the contract's order: the form, then
/// `grant_type`, then the grant's own fields, then the credentials.
async fn password_grant(
    state: &AuthState,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<TokenResponse, TokenError> {
    let request = read_form(form)?;
    if required(request.grant_type, "grant_type")? != "password" {
        return Err(TokenError::UnsupportedGrantType);
    }
    let username = required(request.username, "username")?;
    let password = required(request.password, "password")?;
    let user = authenticate(state, username, password).await?;
    access_token_response(state, &user)
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
