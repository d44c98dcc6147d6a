//! # Step 09: scopes
//!
//! ## What you build
//!
//! So far a token opens every protected route. Scopes narrow that: a token
//! carries the permissions it was granted at login (`profile`, `items:read`,
//! `items:write`), and each route names the one it needs. A client asks only
//! for what it needs (a read-only dashboard asks for `items:read`), so a
//! stolen token can do less.
//!
//! Three parts:
//!
//! 1. **At login**, `POST /token` reads the optional `scope` field (space
//!    separated, RFC 6749 §3.3). A name the server does not define is
//!    `invalid_scope`; none asked for means `profile`. The user gets the
//!    intersection of what they asked for and what they are allowed
//!    (`ScopeGrants`); if that is empty, `invalid_scope` again. The token
//!    response always says which scopes were granted, and the access token
//!    carries them in a `scope` claim (space separated, as RFC 9068 §2.2.3).
//! 2. **On every request**, `Principal` is the caller: the token decoded
//!    (step 06), its user loaded (06) and enabled (08), its `scope` claim
//!    read. A token without a `scope` claim has no scopes.
//! 3. **Per route**, `RequireScope<S>` is an extractor parameterised by a
//!    type that names a scope: `RequireScope<scope::ItemsWrite>`. The type
//!    parameter is how a handler's signature says what it needs. Missing the
//!    scope is 403 with `WWW-Authenticate: Bearer error="insufficient_scope",
//!    scope="items:write"` (RFC 6750 §3.1): the token is fine, it just does
//!    not allow this.
//!
//! ## The contract
//!
//! Allowed scopes: alice all three, bob `profile items:read`, carol `profile`.
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /token` without `scope` | 200, `"scope": "profile"` |
//! | `POST /token`, `scope=items:read items:write`, as bob | 200, `"scope": "items:read"` |
//! | `POST /token`, `scope=admin` (or any name not defined) | 400 `invalid_scope` |
//! | `POST /token`, `scope=items:write`, as carol | 400 `invalid_scope` (nothing allowed) |
//! | `POST /token`, wrong password and a scope the user lacks | 400 `invalid_grant`: credentials first |
//! | `GET /users/me` | needs `profile`: the profile |
//! | `GET /users/me/items` | needs `items:read`: `[{"id": 1, "name": "..."}]` (alice has two, others none) |
//! | `POST /users/me/items`, JSON `{"name": "..."}` | needs `items:write`: 201 with the new item; a body over 16 KiB: 413, as `/token` |
//! | ... with a name of 0 or over 100 characters, or a body that is not that JSON | 400 `invalid_request` |
//! | a valid token without the route's scope | 403 `insufficient_scope`, challenge naming the scope |
//! | no token, a bad token, a disabled account | 401 or 400, as in steps 03, 06 and 08 |
//!
//! Scope names are checked before bcrypt runs (they do not depend on who
//! logs in); what the user may have, after (it does). Everything else about
//! `/token` is step 05's contract.
//!
//! An interview question hides here: where should scopes live? In the token
//! (this step), every request is checked without a database lookup, but a
//! grant taken away today still works until the token expires. Looked up on
//! every request, a change takes effect at once, at the cost of a lookup.
//! Short-lived access tokens are the usual compromise.
//!
//! ## What must hold
//!
//! - A token carries what was asked *and* allowed, never more; a scope the
//!   server does not define is `invalid_scope`, never dropped in silence.
//! - What a user may have is told only after their password is right.
//! - A token without a `scope` claim has no scopes; a route without its
//!   scope answers 403 `insufficient_scope` naming it.
//! - Each user sees and adds only their own items, at most
//!   `MAX_ITEMS_PER_USER` of them, names of 1 to 100 characters, bodies of
//!   at most 16 KiB.
//!
//! ## Hints
//!
//! - `Scopes` is a set: `intersection`, `is_empty` and `Display` are given.
//! - `principal_from_token` is steps 06 and 08 with another claims type:
//!   `decode_access_token::<ScopedClaims>`, `load_user`, `ensure_active`.
//! - In `RequireScope`, `Principal::from_request_parts(parts, state)` works
//!   for any state that says how to find the principal; turn its rejection
//!   into a `Response` with `IntoResponse::into_response`.
//! - A header value with quotes: `HeaderValue::from_str(&format!(...))`.
//! - The tests log in as users they invent, with grants they invent.
//!
//! Run the tests: `cargo course test 9` (underneath: `cargo test --test step09_scopes`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};

use crate::active_user::ensure_active;
use crate::bearer::BearerToken;
use crate::current_user::{CurrentUserRejection, decode_access_token, load_user};
use crate::fake_db::User;
use crate::jwt::Claims;
use crate::oauth_error::OAuthError;
use crate::token_route::{
    AuthState, TokenError, TokenRequest, TokenResponse, authenticate, body_limited, no_store,
    read_form, required,
};
use crate::users_me::{UserProfile, with_json_fallbacks};

/// The scopes this server defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Profile,
    ItemsRead,
    ItemsWrite,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Profile, Scope::ItemsRead, Scope::ItemsWrite];

    /// The scope's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Profile => "profile",
            Scope::ItemsRead => "items:read",
            Scope::ItemsWrite => "items:write",
        }
    }

    /// The scope called exactly `name` (scope names are case-sensitive).
    pub fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.as_str() == name)
    }
}

/// A set of scopes, written space-separated (RFC 6749 §3.3). A bit per
/// scope: checked on every request, so it costs no allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub fn of(scopes: &[Scope]) -> Self {
        scopes.iter().copied().collect()
    }

    /// The scopes a request names; an unknown name is refused with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        todo!(
            "step 09: split on spaces, skip empty names, Scope::from_name each; an unknown name is Err(name)"
        )
    }

    /// The scopes a token's `scope` claim names. A token without the claim
    /// has none; a name this server does not define grants nothing.
    pub fn from_claim(claim: Option<&str>) -> Self {
        todo!("step 09: the known scopes the claim names, none without a claim")
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0 & bit(scope) != 0
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn is_subset(&self, other: &Scopes) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn intersection(&self, other: &Scopes) -> Scopes {
        Self(self.0 & other.0)
    }

    /// The scopes in the set, in `Scope::ALL`'s order.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        Scope::ALL.into_iter().filter(|scope| self.contains(*scope))
    }
}

fn bit(scope: Scope) -> u8 {
    1 << scope as u8
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(scopes: I) -> Self {
        Self(scopes.into_iter().fold(0, |set, scope| set | bit(scope)))
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Scope::as_str).collect();
        f.write_str(&names.join(" "))
    }
}

/// Which scopes each user may be granted.
#[derive(Debug, Clone, Default)]
pub struct ScopeGrants {
    allowed: HashMap<String, Scopes>,
}

impl ScopeGrants {
    /// The demo users' grants: alice all three, bob `profile items:read`,
    /// carol `profile`.
    pub fn demo() -> Self {
        let mut grants = Self::default();
        grants.allow("alice", Scopes::of(&Scope::ALL));
        grants.allow("bob", Scopes::of(&[Scope::Profile, Scope::ItemsRead]));
        grants.allow("carol", Scopes::of(&[Scope::Profile]));
        grants
    }

    /// Lets `username` be granted `scopes`, replacing what it had.
    pub fn allow(&mut self, username: &str, scopes: Scopes) {
        self.allowed.insert(username.to_owned(), scopes);
    }

    /// What `username` may be granted: nothing for a user not listed.
    pub fn allowed(&self, username: &str) -> Scopes {
        self.allowed.get(username).cloned().unwrap_or_default()
    }
}

/// One of a user's items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: u64,
    pub name: String,
}

/// At most this many items a user: a demo store must not grow without end.
pub const MAX_ITEMS_PER_USER: usize = 100;

/// Every user's items, in memory.
#[derive(Debug, Default)]
pub struct ItemStore {
    inner: Mutex<Items>,
}

#[derive(Debug, Default)]
struct Items {
    last_id: u64,
    by_user: HashMap<String, Vec<Item>>,
}

impl ItemStore {
    /// alice's two demo items; nobody else has any.
    pub fn demo() -> Self {
        let store = Self::default();
        for name in ["Notebook", "Fountain pen"] {
            let _ = store.add("alice", name);
        }
        store
    }

    /// `username`'s items, oldest first.
    pub fn list(&self, username: &str) -> Vec<Item> {
        let items = self.inner.lock().expect("no panic while holding the lock");
        items.by_user.get(username).cloned().unwrap_or_default()
    }

    /// Adds an item for `username`, or `None` when they have the most
    /// allowed.
    pub fn add(&self, username: &str, name: &str) -> Option<Item> {
        let mut items = self.inner.lock().expect("no panic while holding the lock");
        if items.by_user.get(username).map_or(0, Vec::len) >= MAX_ITEMS_PER_USER {
            return None;
        }
        items.last_id += 1;
        let item = Item {
            id: items.last_id,
            name: name.to_owned(),
        };
        items
            .by_user
            .entry(username.to_owned())
            .or_default()
            .push(item.clone());
        Some(item)
    }
}

/// An access token's claims from this step on: step 04's, plus `scope`,
/// space-separated as in RFC 9068 §2.2.3. The one place a later claim goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FlatClaims")]
pub struct ScopedClaims {
    #[serde(flatten)]
    pub claims: Claims,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// The same claims read flat, as the token carries them: a `flatten` read
/// first buffers every field in a map of its own, on every request.
#[derive(Deserialize)]
struct FlatClaims {
    sub: String,
    exp: u64,
    iat: u64,
    jti: String,
    #[serde(default)]
    nbf: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

impl From<FlatClaims> for ScopedClaims {
    fn from(flat: FlatClaims) -> Self {
        Self {
            claims: Claims {
                sub: flat.sub,
                exp: flat.exp,
                iat: flat.iat,
                jti: flat.jti,
                nbf: flat.nbf,
            },
            scope: flat.scope,
        }
    }
}

/// What this step's routes share.
#[derive(Clone, FromRef)]
pub struct ScopesState {
    pub auth: AuthState,
    pub grants: Arc<ScopeGrants>,
    pub items: Arc<ItemStore>,
}

impl ScopesState {
    pub fn new(auth: AuthState, grants: ScopeGrants, items: ItemStore) -> Self {
        Self {
            auth,
            grants: Arc::new(grants),
            items: Arc::new(items),
        }
    }
}

/// `State<Earlier>` for a later step's app, for each earlier state named:
/// `earlier_states!(CookieState => RevocationState, ScopesState)`.
///
/// A step's state holds the one before it as `previous` and derefs to it,
/// adding its own stores beside it instead of restating them, so an earlier
/// state is a clone away: `RevocationState::clone(&state)` derefs down the
/// chain. axum's `FromRef` cannot follow that chain by itself (a blanket
/// impl would overlap its own `impl<T: Clone> FromRef<T> for T`), so a step
/// names the earlier states whose handlers its app mounts, in one line.
#[macro_export]
macro_rules! earlier_states {
    ($later:ty => $($earlier:ty),+ $(,)?) => {
        $(
            impl ::axum::extract::FromRef<$later> for $earlier {
                fn from_ref(state: &$later) -> Self {
                    <$earlier as ::std::clone::Clone>::clone(state)
                }
            }
        )+
    };
}

/// Who is calling a protected route, once their credential is checked:
/// an enabled user, the scopes their token carries, and its claims.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub scopes: Scopes,
    pub claims: Claims,
}

/// The principal an access token names: decoded and checked (06), its user
/// loaded (06) and enabled (08), its `scope` claim read.
pub fn principal_from_token(
    auth: &AuthState,
    token: &str,
) -> Result<Principal, CurrentUserRejection> {
    todo!(
        "step 09: decode ScopedClaims, load_user the sub, ensure_active, and read the scope claim"
    )
}

/// The principal of a request's bearer token.
pub async fn principal_from_bearer(
    parts: &mut Parts,
    auth: &AuthState,
) -> Result<Principal, CurrentUserRejection> {
    let BearerToken(token) = BearerToken::from_request_parts(parts, &())
        .await
        .map_err(CurrentUserRejection::Bearer)?;
    principal_from_token(auth, &token)
}

// This step's app finds the principal in a bearer token. A later step with
// a state of its own says how its app finds it (a deny-list, a cookie).
impl FromRequestParts<ScopesState> for Principal {
    type Rejection = CurrentUserRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ScopesState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_bearer(parts, &state.auth).await
    }
}

/// A type that names one scope, for `RequireScope<S>`.
pub trait ScopeName {
    const SCOPE: Scope;
}

/// The types that name this server's scopes: `RequireScope<scope::ItemsRead>`.
pub mod scope {
    use super::{Scope, ScopeName};

    pub struct Profile;
    pub struct ItemsRead;
    pub struct ItemsWrite;

    impl ScopeName for Profile {
        const SCOPE: Scope = Scope::Profile;
    }
    impl ScopeName for ItemsRead {
        const SCOPE: Scope = Scope::ItemsRead;
    }
    impl ScopeName for ItemsWrite {
        const SCOPE: Scope = Scope::ItemsWrite;
    }
}

/// The principal of a request whose token carries the scope `S` names. A
/// handler that takes it runs only for such a request.
pub struct RequireScope<S>(pub Principal, pub PhantomData<S>);

impl<St, S> FromRequestParts<St> for RequireScope<S>
where
    St: Send + Sync,
    S: ScopeName,
    Principal: FromRequestParts<St>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        todo!(
            "step 09: extract the Principal (its rejection as a Response), then require S::SCOPE or answer insufficient_scope"
        )
    }
}

/// 403 with the challenge of RFC 6750 §3.1: the token is fine, but does not
/// carry `scope`; the client must ask for it at login.
pub fn insufficient_scope(scope: Scope) -> Response {
    todo!(
        "step 09: 403 insufficient_scope with WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"<name>\""
    )
}

/// The ways a token request fails from this step on.
#[derive(Debug)]
pub enum ScopeTokenError {
    Token(TokenError),
    /// A scope the server does not define, or none the user may have.
    InvalidScope(String),
}

impl From<TokenError> for ScopeTokenError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

impl IntoResponse for ScopeTokenError {
    fn into_response(self) -> Response {
        match self {
            Self::Token(error) => error.into_response(),
            Self::InvalidScope(why) => {
                OAuthError::new("invalid_scope", why).with_status(StatusCode::BAD_REQUEST)
            }
        }
    }
}

/// The scopes a token request asks for: `profile` when it names none, and
/// only scopes this server defines.
pub fn requested_scopes(scope: Option<String>) -> Result<Scopes, ScopeTokenError> {
    todo!(
        "step 09: profile when none (or empty); InvalidScope for a name the server does not define"
    )
}

/// What `username` is granted of `requested`: the intersection with what
/// they are allowed, which must not be empty.
pub fn grant(
    grants: &ScopeGrants,
    username: &str,
    requested: &Scopes,
) -> Result<Scopes, ScopeTokenError> {
    todo!("step 09: requested ∩ allowed; InvalidScope when that is empty")
}

/// RFC 6749 §5.1's success body with the granted `scope`, which the server
/// always returns since it may differ from the request.
#[derive(Debug, Serialize)]
pub struct ScopedTokenResponse {
    #[serde(flatten)]
    pub token: TokenResponse,
    pub scope: String,
}

/// An access token for `user` carrying `scopes`: from this step on, the one
/// place an access token is made.
pub fn scoped_access_token(
    auth: &AuthState,
    user: &User,
    scopes: &Scopes,
) -> Result<ScopedTokenResponse, TokenError> {
    todo!("step 09: sign ScopedClaims (Claims::new plus scope) and answer with the granted scope")
}

/// `POST /token` with scopes.
pub async fn token(
    State(state): State<ScopesState>,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    no_store(password_grant(&state, form).await.map(Json))
}

async fn password_grant(
    state: &ScopesState,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Result<ScopedTokenResponse, ScopeTokenError> {
    todo!(
        "step 09: read_form, check grant_type is password, then password_login and scoped_access_token"
    )
}

/// The password grant's checks after `grant_type`: the fields, the scope's
/// names (before bcrypt: they do not depend on who logs in), the
/// credentials, then what this user may have (after: it does).
pub async fn password_login(
    auth: &AuthState,
    grants: &ScopeGrants,
    request: TokenRequest,
) -> Result<(User, Scopes), ScopeTokenError> {
    todo!("step 09: username and password, requested_scopes before authenticate, then grant")
}

/// `GET /users/me`: needs `profile`.
pub async fn users_me(
    RequireScope(principal, _): RequireScope<scope::Profile>,
) -> Json<UserProfile> {
    todo!("step 09: the principal's profile")
}

/// `GET /users/me/items`: needs `items:read`.
pub async fn list_items(
    RequireScope(principal, _): RequireScope<scope::ItemsRead>,
    State(state): State<ScopesState>,
) -> Json<Vec<Item>> {
    todo!("step 09: the principal's items")
}

/// The body of `POST /users/me/items`.
#[derive(Debug, Deserialize)]
pub struct NewItem {
    pub name: String,
}

/// The longest item name, in characters.
pub const MAX_ITEM_NAME_CHARS: usize = 100;

/// `POST /users/me/items`: needs `items:write`; 201 with the new item.
pub async fn add_item(
    RequireScope(principal, _): RequireScope<scope::ItemsWrite>,
    State(state): State<ScopesState>,
    body: Result<Json<NewItem>, JsonRejection>,
) -> Response {
    todo!(
        "step 09: 413 (TokenError::TooLarge) for a body over the limit, 400 invalid_request for another bad body or a name outside 1..=100 characters, else 201 with the new item"
    )
}

/// The protected routes, for any app whose state says how to find the
/// principal: this step's, and every later step's.
pub fn protected_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Principal: FromRequestParts<S>,
    ScopesState: FromRef<S>,
{
    Router::new().route("/users/me", get(users_me)).route(
        "/users/me/items",
        body_limited(get(list_items).post(add_item)),
    )
}

/// `POST /token` with scopes, and the protected routes.
pub fn router(state: ScopesState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app.
pub fn app(state: ScopesState) -> Router {
    with_json_fallbacks(router(state))
}
