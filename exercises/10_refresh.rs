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
//!   login form a *family*: the login's *session*. If a token that was
//!   already traded in comes back, two parties hold copies, and the server
//!   cannot tell the user from the thief: it revokes the whole family, the
//!   current token too, and both must log in again.
//! - **Access tokens die with their session.** Every access token minted
//!   from a family carries the family's id in a `sid` claim, and every
//!   protected route checks that the family is still alive. Revoking a
//!   family (a reuse, a disabled account, later a logout) ends the access
//!   tokens it minted at once, not 30 minutes later (RFC 7009 §2.1).
//! - **An absolute lifetime.** A family dies 14 days after its login however
//!   often it is rotated (`--refresh-days` on the server).
//! - **Bounded memory.** Expired families are pruned, and a user has at
//!   most `MAX_FAMILIES_PER_USER` (10) live ones: a login past that ends
//!   their oldest session, so one account cannot fill the server.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | the password grant | step 09's response plus `"refresh_token": "<43 characters>"`, a new family; the access token carries its `sid` |
//! | `grant_type=refresh_token&refresh_token=...` | 200: a new access token (same `sid`) and a new refresh token; the old one is dead |
//! | ... with `scope`, a subset of the login's scopes | the access token carries that subset; the family keeps its scopes (RFC 6749 §6) |
//! | ... with a scope the login was not granted, or an unknown one | 400 `invalid_scope`, and the refresh token still works |
//! | a refresh token already rotated | 400 `invalid_grant` ("already used"), and its whole family is revoked |
//! | an unknown or garbage refresh token | 400 `invalid_grant` ("unknown") |
//! | a refresh token whose family outlived its 14 days | 400 `invalid_grant` ("outlived its lifetime") |
//! | a refresh token whose user is now disabled or gone | 400 `invalid_grant`, and the family is revoked for good |
//! | no `refresh_token` field | 400 `invalid_request` |
//! | a protected route with an access token whose family was revoked | 401 `invalid_token` |
//!
//! Every answer carries `Cache-Control: no-store`, as in step 05. Each
//! `invalid_grant` says what was wrong (`RefreshFailure::description`): the
//! developer reading the client's log learns why, and nothing about a
//! password is ever said.
//!
//! **The scopes of a refresh.** What the login was granted (the family's
//! scopes), narrowed to what the request asks for (`narrowed_scopes`),
//! intersected with what the account may have *today*
//! (`ScopeGrants::allowed`): a permission taken away since the login is not
//! handed out again for fourteen days. If nothing is left, `invalid_scope`.
//!
//! **Check, then rotate.** A refresh checks everything (the family, the
//! user, the scopes) with `peek` before it `rotate`s, so a refused request
//! never uses up the client's token. `rotate` checks the family again under
//! its lock: of two refreshes of one token, only one can win.
//!
//! **Two refreshes at once.** This course detects reuse strictly: a token
//! is traded in once, and a second use, even a second after the first, is
//! a reuse that revokes the family. Some servers allow a grace window of a
//! few seconds in which the old token still works (it helps two browser
//! tabs that refresh together); it is also a window for a thief. A client
//! refreshes one request at a time, and shares the result (a lock across
//! tabs, for a browser).
//!
//! **When can `Expired` happen, with pruning?** Families live equally long,
//! so the expiry queue is in issue order, and `prune` stops at the first
//! family still alive. A family issued with an earlier clock reading (the
//! system clock stepped back, or a test that issues "15 days ago") can sit
//! behind a live one, unpruned: `current_family` still finds it, and must
//! refuse it as expired.
//!
//! ## What must hold
//!
//! - A refresh token is 256 random bits; only its SHA-256 is kept.
//! - Each refresh token is traded in once; a rotated one that comes back
//!   revokes its whole family, the current token too.
//! - Revoking a family by any of its tokens (an already-rotated one too)
//!   ends it; an access token minted from a family is refused once the
//!   family is gone.
//! - A refresh hands out no scope the login was not granted, and none the
//!   account may no longer have.
//! - A refused refresh leaves the client its token.
//! - A refresh for a disabled account is refused and ends the family for
//!   good.
//! - Every login is a family of its own, with an id nobody can guess or
//!   count; one user's token never yields another's.
//! - Memory is bounded: expired families are pruned, a family remembers at
//!   most `REMEMBERED_PER_FAMILY` rotated tokens, a user has at most
//!   `MAX_FAMILIES_PER_USER` families.
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
//! - `SessionClaims` is step 09's claims flat, with `sid`: decode it with
//!   step 06's `decode_access_token`, mint it as step 09's
//!   `scoped_access_token` does.
//!
//! Run the tests: `cargo course test 10` (underneath: `cargo test --test step10_refresh`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::active_user::ensure_active;
use crate::bearer::BearerToken;
use crate::current_user::{CurrentUserRejection, decode_access_token, load_user};
use crate::fake_db::User;
use crate::jwt::Claims;
use crate::oauth_error::OAuthError;
use crate::scopes::{
    Principal, ScopeTokenError, ScopedTokenResponse, Scopes, ScopesState, password_login,
    protected_routes,
};
use crate::token_route::{
    AuthState, TokenError, TokenRequest, TokenResponse, body_limited, no_store, read_form, required,
};
use crate::users_me::with_json_fallbacks;

/// How long a family of refresh tokens lives, from its login, however
/// often it is rotated: after this the user logs in again.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// How many rotated tokens a family remembers, to recognise their reuse.
pub const REMEMBERED_PER_FAMILY: usize = 32;

/// How many live families (sessions) one user may have: a new login past
/// this ends the user's oldest session, so no account can fill memory.
pub const MAX_FAMILIES_PER_USER: usize = 10;

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

/// 64 random bits: a family's id. Random, not counted, so that an id says
/// nothing about how many logins came before it, and a server restarted
/// with the same signing key never gives an old session's id to a new one.
fn new_family_id() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system has no random source");
    u64::from_le_bytes(bytes)
}

/// A family's id as access tokens carry it, in their `sid` claim.
fn sid_of(id: u64) -> String {
    format!("{id:016x}")
}

/// The family id a `sid` claim names, if it is one.
fn id_of(sid: &str) -> Option<u64> {
    u64::from_str_radix(sid, 16).ok()
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
    by_id: HashMap<u64, Family>,
    /// Every remembered hash, current or rotated, to its family.
    by_hash: HashMap<TokenHash, u64>,
    /// Each user's live families, oldest first.
    by_user: HashMap<String, VecDeque<u64>>,
    /// Families by expiry, oldest first (all live equally long).
    expiry: VecDeque<(u64, u64)>,
}

impl Families {
    fn remove(&mut self, id: u64) {
        let Some(family) = self.by_id.remove(&id) else {
            return;
        };
        self.by_hash.remove(&family.current);
        for old in &family.rotated {
            self.by_hash.remove(old);
        }
        if let Some(ids) = self.by_user.get_mut(&family.username) {
            ids.retain(|other| *other != id);
            if ids.is_empty() {
                self.by_user.remove(&family.username);
            }
        }
    }

    /// Forgets the queue entries of families already gone (revoked, or
    /// ended by a newer login), once they are most of the queue: a user who
    /// logs in all day must not grow it for the fourteen days until they
    /// expire. Amortised, each entry is looked at once or twice.
    fn compact_expiry(&mut self) {
        if self.expiry.len() > 2 * self.by_id.len() + 64 {
            let live = &self.by_id;
            self.expiry.retain(|(_, id)| live.contains_key(id));
        }
    }

    /// Drops every family expired at `now`: memory stays bounded however
    /// many logins come and go.
    fn prune(&mut self, now: u64) {
        todo!("step 10: pop every family expired at `now` off the front of `expiry`, and remove it")
    }
}

/// Why a refresh token was refused. All three are `invalid_grant` on the
/// wire, each with a sentence of its own: a client needs no more than "log
/// in again", the developer reading its logs needs to know why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFailure {
    /// Never issued, or forgotten: revoked, pruned, or its session ended.
    Unknown,
    /// Its family outlived its lifetime.
    Expired,
    /// Already traded in: someone else holds a copy, so the whole family
    /// is revoked (RFC 9700 §4.14.2).
    Reused,
}

impl RefreshFailure {
    /// What `invalid_grant`'s `error_description` says.
    pub fn description(self) -> &'static str {
        match self {
            Self::Unknown => {
                "the refresh token is unknown: never issued, or its session was revoked or has ended; log in again"
            }
            Self::Expired => "the refresh token's session has outlived its lifetime; log in again",
            Self::Reused => {
                "the refresh token was already used once, so a copy of it is in someone else's hands: its whole session is revoked; log in again"
            }
        }
    }
}

/// A new family's first refresh token, and the family's id for the `sid`
/// claim of the access tokens minted from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub token: String,
    pub sid: String,
}

/// What a live refresh token stands for: the login it descends from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    /// The scopes granted at the login.
    pub scopes: Scopes,
    pub sid: String,
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

    /// How many entries the expiry queue holds: the tests check that it
    /// stays near the number of live families.
    pub fn queued(&self) -> usize {
        self.lock().expiry.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Families> {
        self.families
            .lock()
            .expect("no panic while holding the lock")
    }

    /// A new family for a login at `now`: its first refresh token and its id.
    /// The user's oldest family ends if they now have more than
    /// `MAX_FAMILIES_PER_USER`.
    pub fn issue(&self, username: &str, scopes: &Scopes, now: u64) -> Issued {
        todo!(
            "step 10: prune; a new family under a fresh random id (new_family_id, never one in use) with this token's hash as its current one, queued by expiry and listed under its user; end the user's oldest family past MAX_FAMILIES_PER_USER; compact_expiry; return the token and sid_of(id)"
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

    /// The session `token` belongs to, without using the token up: what a
    /// refresh checks before it rotates.
    pub fn peek(&self, token: &str, now: u64) -> Result<Session, RefreshFailure> {
        let mut families = self.lock();
        let id = Self::current_family(&mut families, &hash(token), now)?;
        let family = &families.by_id[&id];
        Ok(Session {
            username: family.username.clone(),
            scopes: family.scopes,
            sid: sid_of(id),
        })
    }

    /// Trades `token` for the next one of its family.
    pub fn rotate(&self, token: &str, now: u64) -> Result<String, RefreshFailure> {
        todo!(
            "step 10: check the family, then make a new token current and remember the old hash (at most REMEMBERED_PER_FAMILY)"
        )
    }

    /// Revokes the family `token` belongs to, if any, whichever of its
    /// tokens it is (a rotated one too); the username it belonged to.
    pub fn revoke(&self, token: &str) -> Option<String> {
        let mut families = self.lock();
        let id = *families.by_hash.get(&hash(token))?;
        let username = families.by_id.get(&id).map(|f| f.username.clone());
        families.remove(id);
        username
    }

    /// Revokes the family `sid` names, if it is alive.
    pub fn end_session(&self, sid: &str) {
        if let Some(id) = id_of(sid) {
            self.lock().remove(id);
        }
    }

    /// Whether the family `sid` names is alive at `now` and belongs to
    /// `username`: the check every access token minted from a family passes
    /// on every request.
    pub fn is_live(&self, sid: &str, username: &str, now: u64) -> bool {
        todo!(
            "step 10: whether id_of(sid) names a family in by_id whose expires_at is after now and whose user is `username`"
        )
    }
}

/// An access token's claims from this step on: step 09's, and `sid`, the
/// id of the refresh family (the session) it was minted from, so that
/// revoking the family revokes it too. A token with no `sid` (a cookie
/// session's, from step 12) belongs to no family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub sub: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl SessionClaims {
    /// Claims for `user`, carrying `scopes`, minted from the family `sid`.
    pub fn new(claims: Claims, scopes: &Scopes, sid: &str) -> Self {
        Self {
            sub: claims.sub,
            exp: claims.exp,
            iat: claims.iat,
            jti: claims.jti,
            nbf: claims.nbf,
            scope: Some(scopes.to_string()),
            sid: Some(sid.to_owned()),
        }
    }

    /// Step 04's claims among them.
    pub fn claims(&self) -> Claims {
        Claims {
            sub: self.sub.clone(),
            exp: self.exp,
            iat: self.iat,
            jti: self.jti.clone(),
            nbf: self.nbf,
        }
    }
}

/// An access token for `user` carrying `scopes`, minted from the family
/// `sid`: from this step on, the one place a token endpoint makes one.
pub fn session_access_token(
    auth: &AuthState,
    user: &User,
    scopes: &Scopes,
    sid: &str,
) -> Result<ScopedTokenResponse, TokenError> {
    let claims = SessionClaims::new(
        Claims::new(&user.username, auth.access_token_ttl),
        scopes,
        sid,
    );
    let access_token = auth
        .keys
        .encode(&claims)
        .map_err(|_| TokenError::Internal)?;
    Ok(ScopedTokenResponse {
        token: TokenResponse {
            access_token,
            token_type: "bearer",
            expires_in: auth.access_token_ttl.as_secs(),
        },
        scope: scopes.to_string(),
    })
}

/// The principal an access token names, as step 09 finds it, and only
/// while the session it was minted from is alive.
pub fn principal_in_session(
    auth: &AuthState,
    refresh: &RefreshStore,
    token: &str,
) -> Result<Principal, CurrentUserRejection> {
    todo!(
        "step 10: decode SessionClaims; a sid whose family is not live is InvalidToken; then step 09's checks (load_user, ensure_active) and the Principal, its scopes from the claim"
    )
}

/// The principal of a request's bearer token, while its session is alive.
pub async fn principal_from_session_bearer(
    parts: &mut Parts,
    auth: &AuthState,
    refresh: &RefreshStore,
) -> Result<Principal, CurrentUserRejection> {
    let BearerToken(token) = BearerToken::from_request_parts(parts, &())
        .await
        .map_err(CurrentUserRejection::Bearer)?;
    principal_in_session(auth, refresh, &token)
}

/// What this step's routes share: step 09's state, and the refresh tokens
/// beside it. `state.auth` reaches step 09's stores through `Deref`, and
/// `State<ScopesState>` extracts step 09's state from this one.
#[derive(Clone)]
pub struct RefreshState {
    pub previous: ScopesState,
    pub refresh: Arc<RefreshStore>,
}

impl RefreshState {
    pub fn new(previous: ScopesState, refresh: RefreshStore) -> Self {
        Self {
            previous,
            refresh: Arc::new(refresh),
        }
    }
}

impl Deref for RefreshState {
    type Target = ScopesState;

    fn deref(&self) -> &ScopesState {
        &self.previous
    }
}

crate::earlier_states!(RefreshState => ScopesState);

impl FromRequestParts<RefreshState> for Principal {
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &RefreshState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_session_bearer(parts, &state.auth, &state.refresh).await
    }
}

/// Why a token request fails from this step on: what step 09 refuses, or a
/// grant refused with a sentence saying what was wrong with it.
#[derive(Debug)]
pub enum GrantError {
    Scope(ScopeTokenError),
    /// 400 `invalid_grant`, and why: a refresh token unknown, expired or
    /// reused (a code wrong or spent, from step 13). Never used to tell a
    /// wrong username from a wrong password: that stays step 05's one answer.
    Refused(&'static str),
}

impl<E: Into<ScopeTokenError>> From<E> for GrantError {
    fn from(error: E) -> Self {
        Self::Scope(error.into())
    }
}

impl IntoResponse for GrantError {
    fn into_response(self) -> Response {
        match self {
            Self::Scope(error) => error.into_response(),
            Self::Refused(why) => {
                OAuthError::new("invalid_grant", why).with_status(StatusCode::BAD_REQUEST)
            }
        }
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
) -> Result<RefreshTokenResponse, GrantError> {
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
) -> Result<RefreshTokenResponse, GrantError> {
    todo!("step 10: step 09's password_login, then issue_tokens")
}

/// A login's tokens: the first refresh token of a new family, and an
/// access token minted from it.
pub fn issue_tokens(
    state: &RefreshState,
    user: &User,
    scopes: &Scopes,
) -> Result<RefreshTokenResponse, TokenError> {
    todo!(
        "step 10: a new family in the store, then session_access_token with its sid beside its refresh token"
    )
}

/// RFC 6749 §6: a refresh token for a new access token, and a new refresh
/// token in its place.
pub fn refresh_grant(
    state: &RefreshState,
    request: RefreshTokenRequest,
) -> Result<RefreshTokenResponse, GrantError> {
    todo!(
        "step 10: refresh_token required; peek (a refusal says why: RefreshFailure::description); the user must still be active (else revoke the family: Refused); narrow, then intersect with what the account may have today; then rotate; an access token with the family's sid"
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
