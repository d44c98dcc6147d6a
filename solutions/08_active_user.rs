//! Step 08: refusing a disabled account's still-valid token. (Reference solution.)
//!
//! See `exercises/08_active_user.rs` for the task.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};

use crate::current_user::{CurrentUser, CurrentUserRejection};
use crate::fake_db::User;
use crate::token_route::{self, AuthState};
use crate::users_me::{UserProfile, with_json_fallbacks};

/// The user a valid access token speaks for, whose account is enabled.
/// From this step on, every protected route takes this, not `CurrentUser`.
#[derive(Debug, Clone)]
pub struct ActiveUser(pub User);

/// `user`, unless the account is disabled. A disabled account's token is as
/// untrustworthy as a deleted account's: 401 `invalid_token` (RFC 6750 §3.1,
/// "invalid for other reasons"), so the client logs in again and is refused.
pub fn ensure_active(user: User) -> Result<User, CurrentUserRejection> {
    if user.disabled {
        Err(CurrentUserRejection::InvalidToken(
            "the account is disabled",
        ))
    } else {
        Ok(user)
    }
}

impl<S> FromRequestParts<S> for ActiveUser
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        ensure_active(user).map(ActiveUser)
    }
}

/// `GET /users/me`, for enabled accounts only.
pub async fn users_me(ActiveUser(user): ActiveUser) -> Json<UserProfile> {
    Json(UserProfile::from(user))
}

/// `GET /users/me` on its own, guarded by `ActiveUser`.
pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/users/me", get(users_me))
        .with_state(state)
}

/// Step 07's app with this step's `/users/me` in place of step 07's.
pub fn app(state: AuthState) -> Router {
    with_json_fallbacks(token_route::router(state.clone()).merge(router(state)))
}
