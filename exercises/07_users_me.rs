//! # Step 07: `GET /users/me` and the assembled app
//!
//! ## What you build
//!
//! The payoff: a protected route. `GET /users/me` answers with the profile of
//! whoever the access token belongs to, and `app` puts every route together
//! into the router that the server (`server/`) serves. Once this step passes,
//! run your own server and try it with curl (see the README).
//!
//! The profile is a type of its own, `UserProfile`, not `User`: `User` holds
//! the password hash, and a hash must never leave the server. Converting
//! field by field means that a secret added to `User` later cannot leak by
//! accident. Interviewers ask "what does your `/me` endpoint return?" for this
//! reason.
//!
//! ## The contract
//!
//! - `GET /users/me` with a valid token: 200,
//!   `{"username", "email", "full_name", "disabled"}` and nothing else.
//! - Without a valid token: whatever `CurrentUser` rejects with (step 06).
//! - `app(state)`: `POST /token` (step 05's router) and `GET /users/me`
//!   together, through `with_json_fallbacks`, which every later step's app
//!   reuses. Every other answer is JSON too, but not an OAuth error, so it
//!   carries only a sentence, `{"error_description": ...}` (`ErrorDescription`):
//!   - an unknown path: 404;
//!   - a known path with another method (`GET /token`): 405, keeping the
//!     `Allow` header axum computes (RFC 9110 §15.5.6).
//!
//! ## Hints
//!
//! - A handler that takes `CurrentUser(user): CurrentUser` is protected; return
//!   `Json(UserProfile::from(user))`.
//! - `Router::merge` joins two routers; `Router::fallback` answers what no
//!   route matched; `Router::method_not_allowed_fallback` answers a wrong
//!   method on every route registered before it.
//! - The tests log in as users they invent at run time and read their
//!   profiles: the profile comes from the token's user, never a constant.
//!
//! Run the tests: `cargo course test 7` (underneath: `cargo test --test step07_users_me`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

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
        todo!("step 07: copy username, email, full_name and disabled (never the hash)")
    }
}

/// `GET /users/me`: the profile of the token's user.
pub async fn users_me(CurrentUser(user): CurrentUser) -> Json<UserProfile> {
    todo!("step 07: answer with the current user's profile as JSON")
}

/// `GET /users/me` on its own.
pub fn router(state: AuthState) -> Router {
    todo!("step 07: a Router with GET /users/me routed to users_me, with `state`")
}

/// The whole app: `POST /token` and `GET /users/me`, with JSON answers for
/// unknown paths and wrong methods too.
pub fn app(state: AuthState) -> Router {
    todo!("step 07: merge token_route::router and this step's router, then with_json_fallbacks")
}

/// `router` with JSON answers for an unknown path (404) and for a wrong
/// method on any of its routes (405). Call it last: the 405 answer applies
/// to the routes registered so far. Every later step's app ends with it.
pub fn with_json_fallbacks(router: Router) -> Router {
    todo!("step 07: the not_found fallback, then the method_not_allowed fallback")
}

/// Not an OAuth error, so no `error` code: only a sentence.
async fn not_found() -> Response {
    todo!("step 07: 404 with an ErrorDescription body (no OAuth error code)")
}

/// axum keeps the `Allow` header it computed for the route.
async fn method_not_allowed() -> Response {
    todo!("step 07: 405 with an ErrorDescription body; axum adds the Allow header")
}
