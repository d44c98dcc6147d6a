//! Step 07: `GET /users/me` and the assembled app. (Reference solution.)
//!
//! See `exercises/07_users_me.rs` for the task.

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::current_user::CurrentUser;
use crate::fake_db::User;
use crate::oauth_error::ErrorDescription;
use crate::token_route::{self, AuthState};

/// What a client may see of a user: everything but the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserProfile {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub disabled: bool,
}

impl From<User> for UserProfile {
    fn from(user: User) -> Self {
        // Listing the fields one by one means a new secret field on `User`
        // never leaks by accident.
        Self {
            username: user.username,
            email: user.email,
            full_name: user.full_name,
            disabled: user.disabled,
        }
    }
}

/// `GET /users/me`: the profile of the token's user.
pub async fn users_me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {
    Json(UserProfile::from(user))
}

/// `GET /users/me` on its own.
pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/users/me", get(users_me))
        .with_state(state)
}

/// The whole app: `POST /token` and `GET /users/me`, with JSON answers for
/// unknown paths and wrong methods too.
pub fn app(state: AuthState) -> Router {
    with_json_fallbacks(token_route::router(state.clone()).merge(router(state)))
}

/// `router` with JSON answers for an unknown path (404) and for a wrong
/// method on any of its routes (405). Call it last: the 405 answer applies
/// to the routes registered so far. Every later step's app ends with it.
pub fn with_json_fallbacks(router: Router) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// Not an OAuth error, so no `error` code: only a sentence.
async fn not_found() -> Response {
    ErrorDescription::response(
        StatusCode::NOT_FOUND,
        "no route here; try POST /token or GET /users/me",
    )
}

/// axum keeps the `Allow` header it computed for the route.
async fn method_not_allowed() -> Response {
    ErrorDescription::response(
        StatusCode::METHOD_NOT_ALLOWED,
        "this route does not answer that method; the Allow header lists the ones it does",
    )
}
