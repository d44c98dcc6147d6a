//! Step 06: from bearer token to stored user. (Reference solution.)
//!
//! See `exercises/06_current_user.rs` for the task.

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
        match self {
            Self::Bearer(rejection) => rejection.into_response(),
            Self::InvalidToken(why) => {
                let mut response =
                    OAuthError::new("invalid_token", why).with_status(StatusCode::UNAUTHORIZED);
                response.headers_mut().insert(
                    WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"Bearer error="invalid_token""#),
                );
                response
            }
        }
    }
}

/// The claims of an access token we signed and that is still valid.
/// Generic, so that a later step can read claims of its own.
pub fn decode_access_token<C: DeserializeOwned>(
    keys: &JwtKeys,
    token: &str,
) -> Result<C, CurrentUserRejection> {
    keys.decode(token).map_err(|error| {
        CurrentUserRejection::InvalidToken(match error.kind() {
            ErrorKind::ExpiredSignature => "the access token has expired",
            _ => "the access token is not valid",
        })
    })
}

/// The stored user a token's `sub` names. A well-signed token for a user
/// who is gone is no better than a forged one.
pub fn load_user(auth: &AuthState, username: &str) -> Result<User, CurrentUserRejection> {
    auth.users
        .find_by_username(username)
        .ok_or(CurrentUserRejection::InvalidToken(
            "the access token is not valid",
        ))
}

impl<S> FromRequestParts<S> for CurrentUser
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let BearerToken(token) = BearerToken::from_request_parts(parts, state)
            .await
            .map_err(CurrentUserRejection::Bearer)?;
        let auth = AuthState::from_ref(state);
        let claims: Claims = decode_access_token(&auth.keys, &token)?;
        load_user(&auth, &claims.sub).map(CurrentUser)
    }
}
