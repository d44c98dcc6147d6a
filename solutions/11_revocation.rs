//! Step 11: logout and token revocation. (Reference solution.)
//!
//! See `exercises/11_revocation.rs` for the task.

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
        let mut denied = self.inner.lock().expect("no panic while holding the lock");
        denied.until.insert(jti.to_owned(), until);
        denied.added_since_prune += 1;
        if denied.added_since_prune >= PRUNE_EVERY {
            // An entry past its token's expiry protects nothing.
            denied.until.retain(|_, until| *until >= now);
            denied.added_since_prune = 0;
        }
    }

    pub fn is_denied(&self, jti: &str) -> bool {
        let denied = self.inner.lock().expect("no panic while holding the lock");
        denied.until.contains_key(jti)
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
    if denied.is_denied(&principal.claims.jti) {
        Err(CurrentUserRejection::InvalidToken(
            "the access token has been revoked",
        ))
    } else {
        Ok(principal)
    }
}

impl FromRequestParts<RevocationState> for Principal {
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &RevocationState,
    ) -> Result<Self, Self::Rejection> {
        let principal = principal_from_session_bearer(parts, &state.auth, &state.refresh).await?;
        ensure_not_revoked(&state.denied, principal)
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
    match &claims.sid {
        Some(sid) => state.refresh.end_session(sid),
        None => state.denied.deny_token(&claims.jti, claims.exp),
    }
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
    match decode_access_token::<SessionClaims>(&state.auth.keys, token) {
        Ok(claims) => revoke_access_token(state, &claims),
        // Checked a moment ago; expired since: deny it all the same.
        Err(_) => state
            .denied
            .deny_token(&principal.claims.jti, principal.claims.exp),
    }
    if let Some(token) = refresh_token
        && let Ok(session) = state.refresh.peek(token, now())
        && session.username == principal.user.username
    {
        state.refresh.revoke(token);
    }
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
    let as_refresh = || state.refresh.revoke(token).is_some();
    let as_access = || match state.auth.keys.decode::<SessionClaims>(token) {
        Ok(claims) => {
            revoke_access_token(state, &claims);
            true
        }
        Err(_) => false,
    };
    let order: [&dyn Fn() -> bool; 2] = if hint == Some("access_token") {
        [&as_access, &as_refresh]
    } else {
        [&as_refresh, &as_access]
    };
    // The first kind that knows the token revokes it.
    let _ = order.iter().any(|revoke_as| revoke_as());
}

/// `POST /revoke` (RFC 7009): 200 with an empty body whatever the token
/// was (§2.2), so the endpoint tells nobody which tokens are valid.
pub async fn revoke(
    State(state): State<RevocationState>,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Response {
    let fields = match read_form(form) {
        Ok(fields) => fields,
        Err(error) => return error.into_response(),
    };
    match required(fields.token, "token") {
        Ok(token) => {
            revoke_token(&state, &token, fields.token_type_hint.as_deref());
            StatusCode::OK.into_response()
        }
        Err(error) => error.into_response(),
    }
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
