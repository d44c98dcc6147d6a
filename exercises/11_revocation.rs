//! # Step 11: logout and token revocation
//!
//! ## What you build
//!
//! A JWT cannot be taken back: whoever holds it is believed until its `exp`.
//! That is its strength (no lookup per request) and, at logout, its
//! weakness. Two ways out, and this step uses both:
//!
//! - **Revoke the session.** Refresh tokens are stored (step 10), and every
//!   access token minted from a family carries its `sid`: revoking the
//!   family ends its refresh token and all its access tokens at once, and
//!   nothing is kept per token.
//! - **Deny the token.** An access token that belongs to no family (no
//!   `sid`: step 12's cookie login issues such tokens) goes on a
//!   *deny-list*: its `jti` (step 04), checked on every request. An entry is
//!   kept only until its token would have expired anyway (`exp` plus the
//!   leeway), then pruned, so the list stays as small as the number of such
//!   tokens revoked in the last 30 minutes.
//!
//! `POST /logout` ends the caller's session (or denies their session-less
//! token), and the family of a refresh token they send with it.
//! `POST /revoke` is RFC 7009's endpoint: a client hands back any token it
//! no longer needs. Revoking by session is also what keeps memory bounded:
//! if every revoked access token were denied one by one, any logged-in user
//! could grow the list without end (refresh, revoke, refresh, ...).
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /logout` with a valid bearer token | 204; the token is then 401 `invalid_token`: its session ended (with a `sid`), or its `jti` denied (without) |
//! | ... with a `sid` | that whole session ends: its refresh token and every access token minted from it |
//! | ... with the form field `refresh_token` | that family is revoked too, if it is the caller's own |
//! | `POST /logout` without a valid token | as every protected route: 401 |
//! | `POST /revoke`, form `token` (and optional `token_type_hint`) | 200 with an empty body, whatever the token was (RFC 7009 §2.2) |
//! | ... a refresh token | its family is revoked |
//! | ... one of our access tokens, still valid, with a `sid` | its session ends (RFC 7009 §2.1 allows it) |
//! | ... one of our access tokens, still valid, without | its `jti` is deny-listed |
//! | ... a token whose signature is not ours | nothing at all |
//! | `POST /revoke` without `token` (or not a form) | 400 `invalid_request` |
//!
//! The hint only says which kind of token to try first (RFC 7009 §2.1):
//! the server looks at every kind it supports whatever the hint says.
//! Logout touches only the caller's own sessions: another user's refresh
//! token sent to `/logout` is left alone, and other tokens of the same user
//! stay valid (log out on the laptop, stay logged in on the phone).
//!
//! From this step on, the protected routes refuse a revoked token. Step 09
//! made that a one-place change: this step's `Principal` extractor is step
//! 10's (the session alive) plus the deny-list check, and step 09's routes
//! run unchanged on it.
//!
//! ## What must hold
//!
//! - A logged-out or revoked access token is refused until it would have
//!   expired: by its session, or by its `jti`.
//! - Logout ends the caller's own session, and the refresh family they
//!   name if it is theirs; never another user's, never their other sessions.
//! - `/revoke` answers 200 with an empty body whatever it was given, and
//!   looks at every kind of token whatever the hint says.
//! - `/revoke` believes only an access token whose signature it verified: a
//!   forged one denies nobody and adds nothing.
//! - The deny-list is bounded: entries end at their token's `exp` plus the
//!   leeway and are pruned, and tokens with a session are never listed.
//!
//! ## Hints
//!
//! - `RevocationState` holds step 10's state as `previous` and derefs to it
//!   (given): `state.auth` and `state.refresh` are step 10's, and
//!   `earlier_states!` lets step 10's `/token` handler run in this router.
//! - `state.auth.keys.decode::<SessionClaims>(token)` tells an access token
//!   of ours (its signature checked) from anything else; revoke only those,
//!   with `revoke_access_token`.
//! - `refresh.peek(token, now)` says whose family a refresh token is.
//! - Prune in `deny` every `PRUNE_EVERY` additions: `HashMap::retain`.
//!
//! Run the tests: `cargo course test 11` (underneath: `cargo test --test step11_revocation`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;

use crate::bearer::BearerToken;
use crate::current_user::{CurrentUserRejection, decode_access_token};
use crate::jwt::LEEWAY_SECS;
use crate::refresh::{self, RefreshState, SessionClaims, now, principal_from_session_bearer};
use crate::scopes::{Principal, ScopesState, protected_routes};
use crate::token_route::{TokenError, body_limited, read_form, required};
use crate::users_me::with_json_fallbacks;

/// Prune the deny-list after this many additions: the cost of a prune is
/// spread over them.
pub const PRUNE_EVERY: usize = 64;

/// The `jti`s of access tokens revoked before their expiry. A JWT cannot be
/// taken back from its holder, so the server remembers which ones it no
/// longer honours, each only until the token would have expired anyway.
#[derive(Debug, Default)]
pub struct DenyList {
    inner: Mutex<Denied>,
}

#[derive(Debug, Default)]
struct Denied {
    /// jti to the second after which its token is refused anyway.
    until: HashMap<String, u64>,
    added_since_prune: usize,
}

impl DenyList {
    /// Refuses the token `jti` until `until`.
    pub fn deny(&self, jti: &str, until: u64, now: u64) {
        todo!(
            "step 11: remember jti until `until`; every PRUNE_EVERY additions, drop the entries whose `until` has passed"
        )
    }

    pub fn is_denied(&self, jti: &str) -> bool {
        todo!("step 11: whether jti is on the list")
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .expect("no panic while holding the lock")
            .until
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refuses the token whose claims these are, for as long as it would
    /// otherwise be accepted: its `exp`, plus the leeway of step 04.
    pub fn deny_token(&self, jti: &str, exp: u64) {
        self.deny(jti, exp + LEEWAY_SECS, now());
    }
}

/// What this step's routes share: step 10's state, and the deny-list beside
/// it (`state.refresh` reaches step 10's store through `Deref`).
#[derive(Clone)]
pub struct RevocationState {
    pub previous: RefreshState,
    pub denied: Arc<DenyList>,
}

impl RevocationState {
    pub fn new(previous: RefreshState, denied: DenyList) -> Self {
        Self {
            previous,
            denied: Arc::new(denied),
        }
    }
}

impl Deref for RevocationState {
    type Target = RefreshState;

    fn deref(&self) -> &RefreshState {
        &self.previous
    }
}

// Step 10's `/token` and step 09's item routes, in this step's app.
crate::earlier_states!(RevocationState => RefreshState, ScopesState);

/// `principal`, unless its token was revoked.
pub fn ensure_not_revoked(
    denied: &DenyList,
    principal: Principal,
) -> Result<Principal, CurrentUserRejection> {
    todo!("step 11: the principal, or InvalidToken when its jti is denied")
}

impl FromRequestParts<RevocationState> for Principal {
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &RevocationState,
    ) -> Result<Self, Self::Rejection> {
        todo!("step 11: step 10's principal_from_session_bearer, then ensure_not_revoked")
    }
}

/// The optional form of `POST /logout`.
#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    pub refresh_token: Option<String>,
}

/// The fields of an optional form: none when the request has no form body.
pub fn optional_form<T: Default>(form: Result<Form<T>, FormRejection>) -> Result<T, TokenError> {
    match form {
        Err(FormRejection::InvalidFormContentType(_)) => Ok(T::default()),
        other => read_form(other),
    }
}

/// Revokes one of our access tokens, its signature already verified. One
/// minted from a refresh family (with a `sid`) ends that whole session: the
/// family, its refresh token and every access token minted from it, with
/// nothing added to the deny-list. Any other token is deny-listed by its
/// `jti` until it expires.
pub fn revoke_access_token(state: &RevocationState, claims: &SessionClaims) {
    todo!(
        "step 11: with a sid, end that session (refresh.end_session); without, deny its jti until its exp (deny_token)"
    )
}

/// Logs out the access token `token`, already checked as `principal`'s,
/// and, when given, the family of their refresh token (never another
/// user's).
pub fn log_out(
    state: &RevocationState,
    principal: &Principal,
    token: &str,
    refresh_token: Option<&str>,
) {
    todo!(
        "step 11: decode the token's SessionClaims and revoke_access_token (deny the principal's jti if it no longer decodes); revoke the refresh token's family if it is the principal's own"
    )
}

/// `POST /logout`: 204, and the bearer token is dead.
pub async fn logout(
    State(state): State<RevocationState>,
    principal: Principal,
    BearerToken(token): BearerToken,
    form: Result<Form<LogoutForm>, FormRejection>,
) -> Response {
    match optional_form(form) {
        Ok(fields) => {
            log_out(&state, &principal, &token, fields.refresh_token.as_deref());
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// The form of RFC 7009 §2.1.
#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    pub token: Option<String>,
    pub token_type_hint: Option<String>,
}

/// Revokes `token`, a refresh token or one of our access tokens, whatever
/// it is. The hint only says which kind to try first (RFC 7009 §2.1). An
/// access token counts only once its signature is verified: a forged one
/// must neither deny someone else's token nor grow the deny-list.
pub fn revoke_token(state: &RevocationState, token: &str, hint: Option<&str>) {
    todo!(
        "step 11: try the hinted kind first, then the other: a refresh family to revoke, or one of our access tokens, its signature verified, for revoke_access_token"
    )
}

/// `POST /revoke` (RFC 7009): 200 with an empty body whatever the token
/// was (§2.2), so the endpoint tells nobody which tokens are valid.
pub async fn revoke(
    State(state): State<RevocationState>,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Response {
    todo!(
        "step 11: read_form; `token` is required; revoke it and answer 200 with an empty body whatever it was"
    )
}

/// `POST /token`, `POST /logout`, `POST /revoke` and the protected routes.
pub fn router(state: RevocationState) -> Router {
    Router::new()
        .route("/token", body_limited(post(refresh::token)))
        .route("/logout", body_limited(post(logout)))
        .route("/revoke", body_limited(post(revoke)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app.
pub fn app(state: RevocationState) -> Router {
    with_json_fallbacks(router(state))
}
