//! # Step 06: from bearer token to stored user
//!
//! ## What you build
//!
//! Step 03 found the token; step 04 can check one. `CurrentUser` puts them
//! together: an extractor that takes the bearer token, decodes and checks it,
//! and loads the user it names. Any handler that takes `CurrentUser` is
//! protected; it cannot run without a valid token. In FastAPI this is the
//! `get_current_user` dependency; in axum it is an extractor that itself uses
//! another extractor.
//!
//! The extractor needs the keys and the store, so it reads them from the
//! router's state. It asks for `AuthState: FromRef<S>` rather than for
//! `AuthState` itself, so that a later step with a bigger state still gets it.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | no token, another scheme, malformed header | step 03's 401 or 400, unchanged |
//! | bad signature, another key, `alg` other than HS256 (`none`, HS384, RS256), no `exp`, expired, `nbf` in the future, garbage | 401, `WWW-Authenticate: Bearer error="invalid_token"` |
//! | a valid token for a user the store does not have | 401, as above |
//! | a valid token for a known user | `CurrentUser(user)` |
//!
//! The 401 has the JSON body `{"error": "invalid_token", "error_description": ...}`.
//! The description may say that the token expired (the client then knows to
//! log in again); it never says more than that about why a token failed, and
//! never carries the JWT library's own error text: a forger must not learn
//! which check stopped them.
//!
//! Two small functions do the work, so that later steps can reuse them with
//! claims of their own: `decode_access_token` (a token to its claims, or the
//! 401) and `load_user` (a `sub` to the stored user, or the 401).
//!
//! ## Hints
//!
//! - Inside `from_request_parts`, call `BearerToken::from_request_parts(parts, state)`
//!   and map its rejection with `CurrentUserRejection::Bearer`.
//! - `AuthState::from_ref(state)` gives you the keys and the store.
//! - The tests sign tokens for users they invent at run time: the user comes
//!   from the store, by the token's `sub`, never from a list of your own.
//! - `jsonwebtoken::errors::Error::kind()` tells an expired token from the rest.
//!
//! Run the tests: `cargo course test 6` (underneath: `cargo test --test step06_current_user`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jsonwebtoken::errors::ErrorKind;
use serde::de::DeserializeOwned;

use crate::bearer::{BearerRejection, BearerToken};
use crate::fake_db::User;
use crate::jwt::{Claims, JwtKeys};
use crate::oauth_error::OAuthError;
use crate::token_route::AuthState;

/// The user a valid access token speaks for. A handler that takes this
/// argument only runs for a request with such a token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// Why a request has no current user.
#[derive(Debug)]
pub enum CurrentUserRejection {
    /// No usable bearer token: step 03's answer stands.
    Bearer(BearerRejection),
    /// A token we cannot trust, or one for a user we do not know. The
    /// sentence is ours: never the JWT library's error text.
    InvalidToken(&'static str),
}

impl IntoResponse for CurrentUserRejection {
    fn into_response(self) -> Response {
        todo!(
            "step 06: pass a Bearer rejection through; answer InvalidToken with 401, WWW-Authenticate: Bearer error=\"invalid_token\" and an OAuthError body"
        )
    }
}

/// The claims of an access token we signed and that is still valid.
/// Generic, so that a later step can read claims of its own.
pub fn decode_access_token<C: DeserializeOwned>(
    keys: &JwtKeys,
    token: &str,
) -> Result<C, CurrentUserRejection> {
    todo!(
        "step 06: keys.decode the token; an error becomes InvalidToken with your own sentence (expired, or not valid)"
    )
}

/// The stored user a token's `sub` names. A well-signed token for a user
/// who is gone is no better than a forged one.
pub fn load_user(auth: &AuthState, username: &str) -> Result<User, CurrentUserRejection> {
    todo!("step 06: the stored user called `username`, or InvalidToken")
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        todo!(
            "step 06: extract the BearerToken, decode_access_token it into Claims, and load_user the `sub`"
        )
    }
}
