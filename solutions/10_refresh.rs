//! Step 10: refresh tokens, rotated, with reuse detection. (Reference solution.)
//!
//! See `exercises/10_refresh.rs` for the task.

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
    Sha256::digest(token.as_bytes()).into()
}

/// 256 random bits, base64url: opaque, unguessable, and meaningless to the
/// client, which only ever sends it back.
fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system has no random source");
    URL_SAFE_NO_PAD.encode(bytes)
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
        while let Some(&(expires_at, id)) = self.expiry.front() {
            if expires_at > now {
                break;
            }
            self.expiry.pop_front();
            self.remove(id);
        }
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
        let token = new_refresh_token();
        let mut families = self.lock();
        families.prune(now);
        families.last_id += 1;
        let id = families.last_id;
        let expires_at = now + self.ttl.as_secs();
        families.by_id.insert(
            id,
            Family {
                username: username.to_owned(),
                scopes: *scopes,
                expires_at,
                current: hash(&token),
                rotated: VecDeque::new(),
            },
        );
        families.by_hash.insert(hash(&token), id);
        families.expiry.push_back((expires_at, id));
        token
    }

    /// The family `token` is the current token of: its id, after the
    /// checks every use makes. A token already traded in revokes the whole
    /// family: one of its two holders is not the user.
    fn current_family(
        families: &mut Families,
        presented: &TokenHash,
        now: u64,
    ) -> Result<u64, RefreshFailure> {
        families.prune(now);
        let id = *families
            .by_hash
            .get(presented)
            .ok_or(RefreshFailure::Unknown)?;
        let family = families.by_id.get(&id).ok_or(RefreshFailure::Unknown)?;
        if family.expires_at <= now {
            families.remove(id);
            return Err(RefreshFailure::Expired);
        }
        if family.current != *presented {
            families.remove(id);
            return Err(RefreshFailure::Reused);
        }
        Ok(id)
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
        let presented = hash(token);
        let mut families = self.lock();
        let id = Self::current_family(&mut families, &presented, now)?;
        let next = new_refresh_token();
        let next_hash = hash(&next);
        let family = families.by_id.get_mut(&id).ok_or(RefreshFailure::Unknown)?;
        family.rotated.push_back(presented);
        family.current = next_hash;
        let forgotten = (family.rotated.len() > REMEMBERED_PER_FAMILY)
            .then(|| family.rotated.pop_front())
            .flatten();
        if let Some(old) = forgotten {
            families.by_hash.remove(&old);
        }
        families.by_hash.insert(next_hash, id);
        Ok(next)
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
    let login = TokenRequest {
        grant_type: request.grant_type,
        username: request.username,
        password: request.password,
        scope: request.scope,
    };
    let (user, scopes) = password_login(&state.auth, &state.grants, login).await?;
    Ok(issue_tokens(state, &user, &scopes)?)
}

/// A login's tokens: an access token and the first refresh token of a new
/// family.
pub fn issue_tokens(
    state: &RefreshState,
    user: &User,
    scopes: &Scopes,
) -> Result<RefreshTokenResponse, TokenError> {
    let access = scoped_access_token(&state.auth, user, scopes)?;
    let refresh_token = state.refresh.issue(&user.username, scopes, now());
    Ok(RefreshTokenResponse {
        access,
        refresh_token,
    })
}

/// RFC 6749 §6: a refresh token for a new access token, and a new refresh
/// token in its place.
pub fn refresh_grant(
    state: &RefreshState,
    request: RefreshTokenRequest,
) -> Result<RefreshTokenResponse, ScopeTokenError> {
    let presented = required(request.refresh_token, "refresh_token")?;
    let invalid_grant = |_| ScopeTokenError::Token(TokenError::InvalidGrant);
    let (username, original) = state
        .refresh
        .peek(&presented, now())
        .map_err(invalid_grant)?;
    // A user disabled or deleted since the login gets no new token, and
    // their family dies with this request.
    let user: User = match load_user(&state.auth, &username).and_then(ensure_active) {
        Ok(user) => user,
        Err(_) => {
            state.refresh.revoke(&presented);
            return Err(TokenError::InvalidGrant.into());
        }
    };
    // Checked before the rotation, so a refused request leaves the client
    // its refresh token.
    let scopes = narrowed_scopes(request.scope, &original)?
        .intersection(&state.grants.allowed(&user.username));
    if scopes.is_empty() {
        return Err(ScopeTokenError::InvalidScope(
            "this account may no longer have any of this token's scopes".to_owned(),
        ));
    }
    let refresh_token = state
        .refresh
        .rotate(&presented, now())
        .map_err(invalid_grant)?;
    Ok(RefreshTokenResponse {
        access: scoped_access_token(&state.auth, &user, &scopes)?,
        refresh_token,
    })
}

/// The scopes a refresh asks for: all of the family's when it names none,
/// else a subset of them (RFC 6749 §6), never more.
pub fn narrowed_scopes(
    asked: Option<String>,
    original: &Scopes,
) -> Result<Scopes, ScopeTokenError> {
    let Some(text) = asked.filter(|text| !text.trim_matches(' ').is_empty()) else {
        return Ok(*original);
    };
    let asked = Scopes::parse(&text).map_err(|unknown| {
        ScopeTokenError::InvalidScope(format!("this server defines no scope `{unknown}`"))
    })?;
    if asked.is_subset(original) {
        Ok(asked)
    } else {
        Err(ScopeTokenError::InvalidScope(
            "a refresh may narrow the scopes of the login, never widen them".to_owned(),
        ))
    }
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
