//! # Step 10: refresh tokens, rotated, with reuse detection
//!
//! ## What you build
//!
//! Access tokens are short-lived on purpose (30 minutes here): a stolen one
//! is soon useless, and a grant taken away soon takes effect. A *refresh
//! token* lets the client get a new access token without asking the user
//! for their password again (RFC 6749 §1.5, §6).
//!
//! A refresh token lives much longer, so it is guarded much harder:
//!
//! - **Opaque and stored.** 256 random bits, base64url. The server keeps
//!   only its SHA-256, never the token: a leaked table or memory dump holds
//!   nothing usable. Unlike a JWT, it can be revoked by deleting a row.
//! - **Rotated.** Every refresh trades the token in for a new one. The old
//!   one is dead.
//! - **Reuse detection** (RFC 9700 §4.14.2). The tokens descended from one
//!   login form a *family*. If a token that was already traded in comes
//!   back, two parties hold copies, and the server cannot tell the user from
//!   the thief: it revokes the whole family, the current token too, and both
//!   must log in again.
//! - **An absolute lifetime.** A family dies 14 days after its login however
//!   often it is rotated (`--refresh-days` on the server).
//! - **Bounded memory.** Expired families are pruned, so a server that logs
//!   users in all day does not grow without end.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | the password grant | step 09's response plus `"refresh_token": "<43 characters>"`, a new family |
//! | `grant_type=refresh_token&refresh_token=...` | 200: a new access token and a new refresh token; the old one is dead |
//! | ... with `scope`, a subset of the login's scopes | the access token carries that subset; the family keeps its scopes (RFC 6749 §6) |
//! | ... with a scope the login was not granted, or an unknown one | 400 `invalid_scope`, and the refresh token still works |
//! | a refresh token already rotated | 400 `invalid_grant`, and its whole family is revoked |
//! | an unknown, expired or garbage refresh token | 400 `invalid_grant` |
//! | a refresh token whose user is now disabled or gone | 400 `invalid_grant`, and the family is revoked |
//! | no `refresh_token` field | 400 `invalid_request` |
//!
//! Every answer carries `Cache-Control: no-store`, as in step 05. A refresh
//! checks everything (the family, the user, the scopes) with `peek` before
//! it `rotate`s, so a refused request never uses up the client's token.
//!
//! ## Hints
//!
//! - `sha2::Sha256::digest(token.as_bytes())` hashes; `.into()` makes it a
//!   `[u8; 32]`. `base64::engine::general_purpose::URL_SAFE_NO_PAD.encode`.
//! - Every family lives equally long, so expiry order is issue order: a
//!   `VecDeque<(expires_at, family_id)>` pruned from the front is enough.
//! - Time is a parameter (`now: u64`), so the tests can issue a family
//!   "15 days ago" without waiting.
//! - `RefreshStore`'s `Debug` (given) shows what it keeps, the hashes as
//!   hex: the tests read it to check that no token is kept.
//!
//! Run the tests: `cargo course test 10` (underneath: `cargo test --test step10_refresh`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::active_user::ensure_active;
use crate::current_user::{CurrentUserRejection, load_user};
use crate::fake_db::User;
use crate::scopes::{
    ItemStore, Principal, ScopeGrants, ScopeTokenError, ScopedTokenResponse, Scopes, ScopesState,
    password_login, principal_from_bearer, protected_routes, scoped_access_token,
};
use crate::token_route::{
    AuthState, TokenError, TokenRequest, body_limited, no_store, read_form, required,
};
use crate::users_me::with_json_fallbacks;

/// How long a family of refresh tokens lives, from its login, however
/// often it is rotated: after this the user logs in again.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// How many rotated tokens a family remembers, to recognise their reuse.
pub const REMEMBERED_PER_FAMILY: usize = 32;

/// The SHA-256 of a refresh token: all the server keeps of it.
type TokenHash = [u8; 32];

fn hash(token: &str) -> TokenHash {
    todo!("step 10: the SHA-256 of the token's bytes")
}

/// 256 random bits, base64url: opaque, unguessable, and meaningless to the
/// client, which only ever sends it back.
fn new_refresh_token() -> String {
    todo!("step 10: 32 random bytes from getrandom::fill, base64url without padding")
}

/// The refresh tokens descended from one login.
struct Family {
    username: String,
    scopes: Scopes,
    expires_at: u64,
    current: TokenHash,
    /// Tokens already traded in, newest last.
    rotated: VecDeque<TokenHash>,
}

#[derive(Default)]
struct Families {
    last_id: u64,
    by_id: HashMap<u64, Family>,
    /// Every remembered hash, current or rotated, to its family.
    by_hash: HashMap<TokenHash, u64>,
    /// Families by expiry, oldest first (all live equally long).
    expiry: VecDeque<(u64, u64)>,
}

impl Families {
    fn remove(&mut self, id: u64) {
        if let Some(family) = self.by_id.remove(&id) {
            self.by_hash.remove(&family.current);
            for old in family.rotated {
                self.by_hash.remove(&old);
            }
        }
    }

    /// Drops every family expired at `now`: memory stays bounded however
    /// many logins come and go.
    fn prune(&mut self, now: u64) {
        todo!("step 10: pop every family expired at `now` off the front of `expiry`, and remove it")
    }
}

/// Why a refresh token was refused. All three are `invalid_grant` on the
/// wire: a client needs no more than "log in again".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFailure {
    /// Never issued, or forgotten: expired, revoked or pruned.
    Unknown,
    /// Its family outlived its lifetime.
    Expired,
    /// Already traded in: someone else holds a copy, so the whole family
    /// is revoked (RFC 9700 §4.14.2).
    Reused,
}

/// Every live family of refresh tokens, by the hashes of their tokens.
pub struct RefreshStore {
    ttl: Duration,
    families: Mutex<Families>,
}

impl fmt::Debug for RefreshStore {
    // What the store keeps, which is never a token: the hashes, as hex (the
    // first few; nobody reads a hundred thousand).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let families = self.lock();
        let hashes: Vec<String> = families
            .by_hash
            .keys()
            .take(16)
            .map(|hash| hash.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        f.debug_struct("RefreshStore")
            .field("families", &families.by_id.len())
            .field("hashes", &hashes)
            .finish()
    }
}

impl RefreshStore {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            families: Mutex::new(Families::default()),
        }
    }

    /// How many families are alive.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Families> {
        self.families
            .lock()
            .expect("no panic while holding the lock")
    }

    /// A new family for a login at `now`, and its first refresh token.
    pub fn issue(&self, username: &str, scopes: &Scopes, now: u64) -> String {
        todo!(
            "step 10: prune, then a new family with this token's hash as its current one, queued by expiry; return the token"
        )
    }

    /// The family `token` is the current token of: its id, after the
    /// checks every use makes. A token already traded in revokes the whole
    /// family: one of its two holders is not the user.
    fn current_family(
        families: &mut Families,
        presented: &TokenHash,
        now: u64,
    ) -> Result<u64, RefreshFailure> {
        todo!(
            "step 10: prune; the token's family, unless expired (remove it: Expired) or the token was already rotated (remove the family: Reused)"
        )
    }

    /// Who `token`'s family belongs to and its scopes, without using the
    /// token up: what a refresh checks before it rotates.
    pub fn peek(&self, token: &str, now: u64) -> Result<(String, Scopes), RefreshFailure> {
        let mut families = self.lock();
        let id = Self::current_family(&mut families, &hash(token), now)?;
        let family = &families.by_id[&id];
        Ok((family.username.clone(), family.scopes))
    }

    /// Trades `token` for the next one of its family.
    pub fn rotate(&self, token: &str, now: u64) -> Result<String, RefreshFailure> {
        todo!(
            "step 10: check the family, then make a new token current and remember the old hash (at most REMEMBERED_PER_FAMILY)"
        )
    }

    /// Revokes the family `token` belongs to, if any; the username it
    /// belonged to.
    pub fn revoke(&self, token: &str) -> Option<String> {
        let mut families = self.lock();
        let id = *families.by_hash.get(&hash(token))?;
        let username = families.by_id.get(&id).map(|f| f.username.clone());
        families.remove(id);
        username
    }
}

/// What this step's routes share: step 09's, and the refresh tokens.
#[derive(Clone, FromRef)]
pub struct RefreshState {
    pub auth: AuthState,
    pub grants: Arc<ScopeGrants>,
    pub items: Arc<ItemStore>,
    pub refresh: Arc<RefreshStore>,
}

impl RefreshState {
    pub fn new(scopes: ScopesState, refresh: RefreshStore) -> Self {
        Self {
            auth: scopes.auth,
            grants: scopes.grants,
            items: scopes.items,
            refresh: Arc::new(refresh),
        }
    }
}

impl FromRequestParts<RefreshState> for Principal {
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &RefreshState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_bearer(parts, &state.auth).await
    }
}

/// The token endpoint's form from this step on.
#[derive(Debug, Default, Deserialize)]
pub struct RefreshTokenRequest {
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
}

/// A token response with a refresh token beside the access token.
#[derive(Debug, Serialize)]
pub struct RefreshTokenResponse {
    #[serde(flatten)]
    pub access: ScopedTokenResponse,
    pub refresh_token: String,
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// `POST /token`: the password grant and the refresh-token grant.
pub async fn token(
    State(state): State<RefreshState>,
    form: Result<Form<RefreshTokenRequest>, FormRejection>,
) -> Response {
    no_store(grant(&state, form).await.map(Json))
}

async fn grant(
    state: &RefreshState,
    form: Result<Form<RefreshTokenRequest>, FormRejection>,
) -> Result<RefreshTokenResponse, ScopeTokenError> {
    let request = read_form(form)?;
    match required(request.grant_type.clone(), "grant_type")?.as_str() {
        "password" => password_grant(state, request).await,
        "refresh_token" => refresh_grant(state, request),
        _ => Err(TokenError::UnsupportedGrantType.into()),
    }
}

async fn password_grant(
    state: &RefreshState,
    request: RefreshTokenRequest,
) -> Result<RefreshTokenResponse, ScopeTokenError> {
    todo!("step 10: step 09's password_login, then issue_tokens")
}

/// A login's tokens: an access token and the first refresh token of a new
/// family.
pub fn issue_tokens(
    state: &RefreshState,
    user: &User,
    scopes: &Scopes,
) -> Result<RefreshTokenResponse, TokenError> {
    todo!("step 10: step 09's scoped_access_token beside the first refresh token of a new family")
}

/// RFC 6749 §6: a refresh token for a new access token, and a new refresh
/// token in its place.
pub fn refresh_grant(
    state: &RefreshState,
    request: RefreshTokenRequest,
) -> Result<RefreshTokenResponse, ScopeTokenError> {
    todo!(
        "step 10: refresh_token required; peek; the user must still be active (else revoke: invalid_grant); narrow and intersect the scopes; then rotate"
    )
}

/// The scopes a refresh asks for: all of the family's when it names none,
/// else a subset of them (RFC 6749 §6), never more.
pub fn narrowed_scopes(
    asked: Option<String>,
    original: &Scopes,
) -> Result<Scopes, ScopeTokenError> {
    todo!(
        "step 10: the original scopes when none are asked; else known scopes that are a subset of the original, or InvalidScope"
    )
}

/// `POST /token` with both grants, and step 09's protected routes.
pub fn router(state: RefreshState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app.
pub fn app(state: RefreshState) -> Router {
    with_json_fallbacks(router(state))
}
