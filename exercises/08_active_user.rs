//! # Step 08: refusing a disabled account's still-valid token
//!
//! ## What you build
//!
//! Bob's account is disabled, so `POST /token` refuses him (step 02 checks
//! `disabled`). But what about a token he was given *before* an
//! administrator disabled him? It is well signed and not expired, and step
//! 06's `CurrentUser` happily hands his record to `GET /users/me`. An access
//! token is a promise made at login; this step checks, on every request,
//! that the promise still holds.
//!
//! `ActiveUser` is an extractor over `CurrentUser`: it takes the current
//! user and refuses the request when the account is disabled. From this step
//! on, every protected route takes `ActiveUser`.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | a valid token for an enabled user | `ActiveUser(user)` |
//! | a valid token for a disabled user | 401, `WWW-Authenticate: Bearer error="invalid_token"`, `{"error": "invalid_token", "error_description": ...}` saying the account is disabled |
//! | anything `CurrentUser` refuses | its answer, unchanged |
//!
//! `app(state)` is step 07's app with this step's `GET /users/me`.
//!
//! Why 401 `invalid_token`? RFC 6750 §3.1 defines it for a token that is
//! "expired, revoked, malformed, or invalid for other reasons": a disabled
//! account's token is invalid for another reason, exactly like a token for a
//! deleted account (step 06 already answers that one with 401). The client's
//! right move is the same: drop the token and log in again, where `/token`
//! refuses it with `invalid_grant`. The alternatives you will meet:
//!
//! - FastAPI's tutorial answers 400 "Inactive user". But 400 says the
//!   *request* is malformed; the client can fix nothing in it.
//! - A 403 `insufficient_scope` or plain 403 says "you are who you say, but
//!   may not do this": it invites the client to keep its token and try
//!   another route. Some APIs choose 403 deliberately to tell a disabled
//!   account from a bad token (for a support page, say); that leaks account
//!   state to whoever holds the token, which is a trade-off to make knowingly.
//!
//! ## What must hold
//!
//! - A disabled account's token, however valid, opens no protected route:
//!   401 `invalid_token`, whatever the account's name.
//! - The account's state is read on every request, from the store: a token
//!   issued before the account was disabled is refused too.
//! - Everything `CurrentUser` refused stays refused, with its own answer.
//!
//! ## Hints
//!
//! - Call `CurrentUser::from_request_parts(parts, state)` first; its
//!   rejection is already the right answer for every other case.
//! - `CurrentUserRejection::InvalidToken("...")` already answers 401 with the
//!   right challenge: you only choose the sentence.
//! - The tests mint valid tokens for disabled users invented at run time:
//!   checking the name `bob` is not enough.
//!
//! Run the tests: `cargo course test 8` (underneath: `cargo test --test step08_active_user`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

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
    todo!(
        "step 08: the user if enabled; a disabled one is InvalidToken saying the account is disabled"
    )
}

impl<S> FromRequestParts<S> for ActiveUser
where
    AuthState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        todo!("step 08: extract CurrentUser, then ensure_active its user")
    }
}

/// `GET /users/me`, for enabled accounts only.
pub async fn users_me(ActiveUser(user): ActiveUser) -> Json<UserProfile> {
    todo!("step 08: the profile of the active user, as JSON")
}

/// `GET /users/me` on its own, guarded by `ActiveUser`.
pub fn router(state: AuthState) -> Router {
    todo!("step 08: GET /users/me routed to this step's users_me, with `state`")
}

/// Step 07's app with this step's `/users/me` in place of step 07's.
pub fn app(state: AuthState) -> Router {
    todo!("step 08: step 05's router merged with this step's, then with_json_fallbacks")
}
