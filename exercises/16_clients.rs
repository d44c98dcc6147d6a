//! # Step 16: clients that authenticate, and client_credentials
//!
//! ## What you build
//!
//! Until now the server has known users and nothing else: whatever sent
//! the request was trusted as the user's own program. Real authorization
//! servers know their **clients** too (RFC 6749 §2): the programs that ask
//! for tokens, each registered with what it may do. A client is one of two
//! kinds. A **public** client runs where its user can read it (a CLI, a
//! single-page app, a phone app): it cannot keep a secret, so it has none,
//! and the server knows it by its `client_id` alone. A **confidential**
//! client runs on a server of its own and keeps a secret, which it proves
//! at `/token`, one of two ways (RFC 6749 §2.3.1):
//!
//! - `client_secret_basic`: `Authorization: Basic base64(id ":" secret)`,
//!   where the id and the secret are each **form-urlencoded first** (a
//!   secret holding `:` sends `%3A`; `+` means a space);
//! - `client_secret_post`: `client_id` and `client_secret` in the form.
//!
//! Never both in one request (§2.3: one method per request).
//!
//! This step adds three things on top of step 14:
//!
//! 1. **Client authentication at `/token`**, before anything else: who is
//!    asking decides what may be asked. A request that names no client is
//!    the first-party public client `course-cli`, so step 05's password
//!    grant, with no `client_id`, keeps working exactly as before.
//! 2. **Registered grants and scopes.** A client may use only the grants it
//!    is registered for (anything else is 400 `unauthorized_client`) and
//!    gets no scope it is not registered for, for a user or for itself. A
//!    refresh token works only for the client it was issued to (RFC 6749
//!    §6, §10.4): a stolen one is useless to another client.
//! 3. **The client credentials grant** (RFC 6749 §4.4): a service asks for
//!    a token for *itself*, acting for no user (`sub` and `client_id` are
//!    the client's), and gets no refresh token (§4.4.3: it can always ask
//!    again). With it, `GET /users` (scope `users:read`) lists the
//!    accounts.
//!
//! **A client's token is never a user's.** If `course-service` were named
//! `alice`, a token whose `sub` is `alice` must still not read alice's
//! profile. Client tokens are signed with a key of their own, derived from
//! the server's secret for that one purpose (RFC 8725 §3.12, as step 13's
//! MFA tokens are): every user route refuses them by their signature
//! before it reads any claim, and says why (403 `insufficient_scope`: the
//! token is genuine, but acts for no user).
//!
//! **Secrets.** The server stores a secret's SHA-256, never the secret, and
//! compares digests in constant time (`subtle`). One fast hash is right for
//! a client secret and wrong for a password: a secret is 256 random bits,
//! with no list of likely values to try, while a password is chosen by a
//! person and guessable, which is why it gets bcrypt's slowness.
//!
//! The clients (`ClientRegistry::demo`, given):
//!
//! | client_id | type | secret | grants | scopes |
//! | --- | --- | --- | --- | --- |
//! | `course-cli` | public | none | `authorization_code`, `refresh_token`, `password` | every user scope, `openid`, `email` |
//! | `course-web` | confidential | `course-web-secret-0123456789abcdef` | `authorization_code`, `refresh_token` | every user scope, `openid`, `email` |
//! | `course-service` | confidential | `course-service-secret-0123456789ab` | `client_credentials` | `users:read` |
//!
//! (`authorization_code` is registered now and served from step 17 on.)
//!
//! ## The contract
//!
//! | request to `/token` | answer |
//! | --- | --- |
//! | Basic and `client_secret` in the form at once | 400 `invalid_request` |
//! | an unknown client, a confidential one with a wrong or no secret, a public one with a secret | 401 `invalid_client`; `WWW-Authenticate: Basic realm="course"` when Basic was tried |
//! | a grant the (authenticated) client is not registered for | 400 `unauthorized_client` |
//! | `grant_type=client_credentials` by `course-service` | 200 `{access_token, token_type, expires_in, scope}`, no `refresh_token` |
//! | scopes none of which the client may have | 400 `invalid_scope` |
//! | a refresh token from another client | 400 `invalid_grant` |
//!
//! | other request | answer |
//! | --- | --- |
//! | `GET /users` with a client token carrying `users:read` | 200 `[{"username": "alice", "disabled": false}, ...]` |
//! | `GET /users` with a user's token, or a client token without `users:read` | 403 `insufficient_scope` |
//! | `/users/me` (any user route) with a client token | 403 `insufficient_scope` |
//! | `POST /revoke` with a client token, by that client | 200; the token is refused from then on |
//!
//! ## What must hold
//!
//! - A request that names no client is `course-cli`: the password grant
//!   without `client_id` works as in step 05.
//! - A confidential client is accepted only with its own secret, by Basic
//!   or by the form; a wrong or missing secret, an unknown client, or a
//!   secret sent by a public client is 401 `invalid_client`, with the Basic
//!   challenge when Basic was tried.
//! - Basic credentials are form-decoded after base64: `%3A` is a colon in
//!   the secret, `+` a space. An empty secret is no secret: Basic
//!   `course-cli:`, as OAuth libraries send it, is the public client, and
//!   Basic with an empty id and secret (Swagger UI's) names no client. A
//!   Basic value that cannot be read is 401, never ignored, even beside a
//!   form secret: decode Basic first, then look at the form. A form
//!   `client_id` other than Basic's is 400 `invalid_request`.
//! - Basic and `client_secret` in the form at once is 400
//!   `invalid_request`, even when both are right.
//! - The client is authenticated before its grant is looked at: a wrong
//!   secret is 401 whatever the grant, so nobody learns which grants a
//!   client has without its secret.
//! - A grant the client is not registered for is 400
//!   `unauthorized_client`, and so is `client_credentials` for a public
//!   client whatever its registration (`Client::allows`, given), and the
//!   MFA grant for a client without the password grant.
//! - `client_credentials` gives a token for the client itself (`sub` and
//!   `client_id` its id), with only scopes the client may have (the others
//!   dropped, each scope once, in the order asked; all of the client's when
//!   it asks for none; 400 `invalid_scope` when none is left) and no refresh
//!   token. `authorization_code` is `unsupported_grant_type` until step 17.
//! - A client's token never acts for a user: on every user route it is 403
//!   `insufficient_scope`, even when a user has the client's name.
//! - `GET /users` needs `users:read`: a client token without it, or a
//!   live user's token (step 10's `principal_in_session`, then step 11's
//!   `ensure_not_revoked`), is 403 (`insufficient_client_scope`); a revoked
//!   client token, or anything else, is 401 `invalid_token`. It lists each
//!   name in `state.usernames` as `state.auth.users` finds it.
//! - A user's tokens carry no scope their client may not have.
//! - A refresh token works only for the client it was issued to, whichever
//!   client presents it (the first-party one too), and a refused attempt
//!   does not spend it; a family with no client recorded is refused (fail
//!   closed). The MFA grant's tokens are bound like the others.
//! - User routes keep step 12's rules (bearer or session cookie); a
//!   revoked client token there is 401, as anywhere.
//! - No secret is ever returned or printed (`Debug` shows none).
//! - `/revoke` (given) authenticates the client as `/token` does and
//!   revokes only that client's tokens (RFC 7009 §2.1).
//!
//! ## Hints
//!
//! - `&state` passes as it is where a function takes `&ThrottleState` or
//!   `&RefreshState` (step 14's `throttled_login`, step 10's
//!   `refresh_grant`): deref coercion follows `previous` down the chain.
//! - The errors of earlier steps convert into `ClientGrantError` with `?`
//!   (each error type wraps the one before it).
//! - `presented_client`: look for `Authorization: Basic ...` first; decode
//!   it with `STANDARD`, split at the first `:`, and `form_decode` each
//!   half. Then the form's `client_id` / `client_secret`.
//! - `authenticate`: match on the client's kind and whether a secret came;
//!   compare `secret_sha256(sent)` to the stored digest with `ct_eq`.
//! - `grant`: read the form, `presented_client`, `authenticate`, then
//!   `GrantType::parse` and `client.allows`, then the grant. Step 14's
//!   `throttled_login` and `throttled_second_factor` still check the user;
//!   `user_tokens` (given) issues and binds. For a refresh token,
//!   `state.refresh.peek` gives its family's `sid` and
//!   `state.families.client_of(sid)` its client.
//! - The user-route `Principal`: step 12's `principal_from_request`, and
//!   when it refuses, `client_claims` says whether the token was a client's.
//!
//! Run the tests: `cargo course test 16` (underneath: `cargo test --test step16_clients`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::openapi::security::{
    ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes as ScopeList, SecurityScheme,
};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::bearer::BearerToken;
use crate::cookies::{self, CookieState, principal_from_request};
use crate::fake_db::{DEMO_USERS, User};
use crate::jwt::{Claims, JwtKeys, MIN_SECRET_BYTES, SecretTooShort};
use crate::login_throttle::{
    self, ClientAddress, ThrottleError, ThrottleState, throttled_login, throttled_second_factor,
};
use crate::oauth_error::OAuthError;
use crate::openapi;
use crate::refresh::{
    GrantError, RefreshTokenRequest, SessionClaims, issue_tokens, now, principal_in_session,
    refresh_grant,
};
use crate::revocation::{self, RevocationState, ensure_not_revoked};
use crate::scopes::{Principal, Scope, Scopes, ScopesState, protected_routes};
use crate::token_route::{TokenError, TokenResponse, body_limited, no_store, read_form, required};
use crate::totp::MFA_GRANT_TYPE;
use crate::users_me::with_json_fallbacks;

/// The scope a service asks for to list the accounts (`GET /users`).
pub const USERS_READ: &str = "users:read";

/// The client a token request that names none is: the first-party public
/// client, so that step 05's password grant, with no `client_id`, keeps
/// working.
pub const FIRST_PARTY_CLIENT: &str = "course-cli";

/// The demo confidential clients' secrets (README). A real one is 32
/// random bytes, shown once when the client is registered.
pub const COURSE_WEB_SECRET: &str = "course-web-secret-0123456789abcdef";
pub const COURSE_SERVICE_SECRET: &str = "course-service-secret-0123456789ab";

/// The grants of RFC 6749 a client may be registered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    /// The password grant, and step 13's MFA grant that finishes one.
    Password,
    ClientCredentials,
}

impl GrantType {
    /// The grant a `grant_type` names; None for one this server does not know.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "authorization_code" => Some(Self::AuthorizationCode),
            "refresh_token" => Some(Self::RefreshToken),
            "password" | MFA_GRANT_TYPE => Some(Self::Password),
            "client_credentials" => Some(Self::ClientCredentials),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
            Self::Password => "password",
            Self::ClientCredentials => "client_credentials",
        }
    }
}

/// How a client proves who it is (RFC 6749 §2.1).
#[derive(Clone, PartialEq, Eq)]
pub enum ClientKind {
    /// Runs where its user can read it (a CLI, a browser app, a phone):
    /// it cannot keep a secret, so it has none.
    Public,
    /// Runs on a server and keeps a secret, stored here as its SHA-256.
    Confidential { secret_sha256: [u8; 32] },
}

impl fmt::Debug for ClientKind {
    // Never print a secret, not even its digest.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Public => f.write_str("Public"),
            Self::Confidential { .. } => f.write_str("Confidential { .. }"),
        }
    }
}

/// Where the authorization endpoint (step 17) may send a client's user back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectUris {
    /// A client that never sends a user anywhere (a service).
    None,
    /// These URIs, compared exactly.
    Exact(Vec<String>),
    /// `http://127.0.0.1:{any port}{path}`: a native app listening on a
    /// port of the moment (RFC 8252 §7.3).
    Loopback { path: String },
}

/// A registered client.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub kind: ClientKind,
    pub redirect_uris: RedirectUris,
    pub grants: Vec<GrantType>,
    /// Every scope the client may be granted, for a user or for itself.
    pub scopes: Vec<String>,
}

impl Client {
    /// Whether the client may use `grant`: registered for it, and, for
    /// client_credentials, confidential (RFC 6749 §4.4: a public client
    /// has nothing to prove itself with, so a token for "itself" would be
    /// a token for anyone who knows its id).
    pub fn allows(&self, grant: GrantType) -> bool {
        let confidential = matches!(self.kind, ClientKind::Confidential { .. });
        self.grants.contains(&grant) && (grant != GrantType::ClientCredentials || confidential)
    }

    pub fn may_have(&self, scope: &str) -> bool {
        self.scopes.iter().any(|allowed| allowed == scope)
    }
}

/// A secret's SHA-256. A client secret is 256 random bits: no list of
/// likely secrets exists to try, so one fast hash is enough to keep the
/// stored value useless to a thief. A password is chosen by a person and
/// guessable, which is why it gets bcrypt's deliberate slowness instead.
pub fn secret_sha256(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// The clients this server knows.
#[derive(Debug, Default)]
pub struct ClientRegistry {
    clients: HashMap<String, Client>,
}

impl ClientRegistry {
    pub fn new(clients: impl IntoIterator<Item = Client>) -> Self {
        Self {
            clients: clients
                .into_iter()
                .map(|client| (client.id.clone(), client))
                .collect(),
        }
    }

    /// `course-cli`, `course-web` and `course-service` (README).
    pub fn demo() -> Self {
        let mut user_scopes: Vec<String> = Scope::ALL.iter().map(|s| s.as_str().into()).collect();
        user_scopes.extend(["openid".into(), "email".into()]);
        Self::new([
            Client {
                id: FIRST_PARTY_CLIENT.into(),
                kind: ClientKind::Public,
                redirect_uris: RedirectUris::Loopback {
                    path: "/callback".into(),
                },
                grants: vec![
                    GrantType::AuthorizationCode,
                    GrantType::RefreshToken,
                    GrantType::Password,
                ],
                scopes: user_scopes.clone(),
            },
            Client {
                id: "course-web".into(),
                kind: ClientKind::Confidential {
                    secret_sha256: secret_sha256(COURSE_WEB_SECRET),
                },
                redirect_uris: RedirectUris::Exact(vec!["http://localhost:8081/callback".into()]),
                grants: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
                scopes: user_scopes,
            },
            Client {
                id: "course-service".into(),
                kind: ClientKind::Confidential {
                    secret_sha256: secret_sha256(COURSE_SERVICE_SECRET),
                },
                redirect_uris: RedirectUris::None,
                grants: vec![GrantType::ClientCredentials],
                scopes: vec![USERS_READ.into()],
            },
        ])
    }

    pub fn get(&self, id: &str) -> Option<&Client> {
        self.clients.get(id)
    }

    /// The client `presented` names, if it proves it is that client: the
    /// first-party client when it names none; an unknown client, a
    /// confidential one without its secret or with a wrong one, or a
    /// public one that sends a secret are all `InvalidClient`.
    pub fn authenticate(&self, presented: Option<Presented>) -> Result<&Client, ClientError> {
        todo!(
            "step 16: the first-party client for none; unknown, public with a secret, confidential without its own secret: InvalidClient"
        )
    }
}

/// Who a token request says its client is.
#[derive(Clone, PartialEq, Eq)]
pub struct Presented {
    pub id: String,
    pub secret: Option<String>,
    /// Sent by HTTP Basic: a refusal carries the Basic challenge.
    pub basic: bool,
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presented")
            .field("id", &self.id)
            .field("secret", &self.secret.as_ref().map(|_| ".."))
            .field("basic", &self.basic)
            .finish()
    }
}

/// Why a client is refused at `/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// 400 `invalid_request`: two ways of authenticating at once, a secret
    /// without a `client_id`, or a form `client_id` other than Basic's.
    InvalidRequest(&'static str),
    /// 401 `invalid_client`; `basic` when the client tried HTTP Basic, whose
    /// challenge the answer then carries (RFC 6749 §5.2).
    InvalidClient { basic: bool },
    /// 400 `unauthorized_client`: a grant the client is not registered for.
    UnauthorizedClient(GrantType),
}

/// The realm of the Basic challenge.
pub const BASIC_CHALLENGE: &str = r#"Basic realm="course""#;

impl IntoResponse for ClientError {
    fn into_response(self) -> Response {
        match self {
            Self::InvalidRequest(why) => {
                OAuthError::new("invalid_request", why).with_status(StatusCode::BAD_REQUEST)
            }
            Self::InvalidClient { basic } => {
                let mut response = OAuthError::new(
                    "invalid_client",
                    "client authentication failed: an unknown client, a wrong or missing secret, or a secret from a public client",
                )
                .with_status(StatusCode::UNAUTHORIZED);
                if basic {
                    response
                        .headers_mut()
                        .insert(WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
                }
                response
            }
            Self::UnauthorizedClient(grant) => OAuthError::new(
                "unauthorized_client",
                format!("this client may not use the {} grant", grant.as_str()),
            )
            .with_status(StatusCode::BAD_REQUEST),
        }
    }
}

/// One `application/x-www-form-urlencoded` value decoded: `+` is a space,
/// `%XX` a byte. None when the bytes are not UTF-8.
pub fn form_decode(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' if tail.len() >= 2 => {
                let hex = std::str::from_utf8(&tail[..2]).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &tail[2..];
                continue;
            }
            b'%' => return None,
            _ => bytes.push(byte),
        }
        rest = tail;
    }
    String::from_utf8(bytes).ok()
}

/// The client a token request presents (RFC 6749 §2.3.1): by HTTP Basic
/// (`client_secret_basic`: base64 of the form-encoded id, a colon and the
/// form-encoded secret), or by `client_id` and `client_secret` in the form
/// (`client_secret_post`), never both; None when it names no client.
pub fn presented_client(
    headers: &HeaderMap,
    form_id: Option<String>,
    form_secret: Option<String>,
) -> Result<Option<Presented>, ClientError> {
    todo!(
        "step 16: Basic (base64, then form-decoded id and secret) or client_id/client_secret in the form, never both"
    )
}

/// The keys of the tokens the client credentials grant issues: derived
/// from the server's secret for that one purpose (RFC 8725 §3.12, as step
/// 13's MFA keys), so that a token acting for a client fails every user
/// route's check by its signature alone, whatever its `sub` says.
pub fn client_token_keys(secret: &[u8]) -> Result<JwtKeys, SecretTooShort> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(SecretTooShort {
            bytes: secret.len(),
        });
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"course: the key of client access tokens");
    JwtKeys::from_secret(&mac.finalize().into_bytes())
}

/// The claims of a token that acts for a client itself, for no user
/// (RFC 9068 §2.2: `sub` is then the client's id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientClaims {
    pub sub: String,
    pub client_id: String,
    pub scope: String,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
}

impl ClientClaims {
    pub fn new(client: &Client, scope: String, claims: Claims) -> Self {
        Self {
            sub: client.id.clone(),
            client_id: client.id.clone(),
            scope,
            exp: claims.exp,
            iat: claims.iat,
            jti: claims.jti,
        }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scope.split(' ').any(|granted| granted == scope)
    }
}

/// The success body of the client credentials grant: no refresh token
/// (RFC 6749 §4.4.3): the client can always ask again with its secret.
/// No `Debug`: it would print the token.
#[derive(Serialize)]
pub struct ClientTokenResponse {
    #[serde(flatten)]
    pub token: TokenResponse,
    pub scope: String,
}

/// Which client each refresh family was issued to (RFC 6749 §6 and
/// §10.4): a refresh token works only for its own client. An entry lives
/// as long as its family; `bind` forgets the ended ones now and then.
#[derive(Debug, Default)]
pub struct FamilyClients {
    inner: Mutex<FamilyClientsInner>,
}

#[derive(Debug, Default)]
struct FamilyClientsInner {
    /// sid → (client id, username).
    by_sid: HashMap<String, (String, String)>,
    bound_since_prune: usize,
}

/// Bindings made between two prunes of the ended families.
pub const PRUNE_FAMILIES_EVERY: usize = 1024;

impl FamilyClients {
    /// Remembers that family `sid` of `username` is `client`'s; forgets
    /// every family `is_live` says has ended, once every
    /// [`PRUNE_FAMILIES_EVERY`] bindings.
    pub fn bind(
        &self,
        sid: &str,
        client: &str,
        username: &str,
        is_live: impl Fn(&str, &str) -> bool,
    ) {
        let mut inner = self.inner.lock().expect("no panic while holding the lock");
        inner
            .by_sid
            .insert(sid.to_owned(), (client.to_owned(), username.to_owned()));
        inner.bound_since_prune += 1;
        if inner.bound_since_prune >= PRUNE_FAMILIES_EVERY {
            inner.bound_since_prune = 0;
            inner
                .by_sid
                .retain(|sid, (_, username)| is_live(sid, username));
        }
    }

    /// The client family `sid` was issued to.
    pub fn client_of(&self, sid: &str) -> Option<String> {
        let inner = self.inner.lock().expect("no panic while holding the lock");
        inner.by_sid.get(sid).map(|(client, _)| client.clone())
    }

    pub fn len(&self) -> usize {
        let inner = self.inner.lock().expect("no panic while holding the lock");
        inner.by_sid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What this step's routes share: step 14's state, and the clients beside
/// it.
#[derive(Clone)]
pub struct ClientsState {
    pub previous: ThrottleState,
    pub clients: Arc<ClientRegistry>,
    pub client_keys: Arc<JwtKeys>,
    pub families: Arc<FamilyClients>,
    /// The accounts `GET /users` lists.
    pub usernames: Arc<[String]>,
}

impl ClientsState {
    pub fn new(
        previous: ThrottleState,
        clients: ClientRegistry,
        client_keys: JwtKeys,
        usernames: impl IntoIterator<Item = String>,
    ) -> Self {
        Self {
            previous,
            clients: Arc::new(clients),
            client_keys: Arc::new(client_keys),
            families: Arc::new(FamilyClients::default()),
            usernames: usernames.into_iter().collect(),
        }
    }
}

/// The demo users' names, for `usernames`.
pub fn demo_usernames() -> impl Iterator<Item = String> {
    DEMO_USERS.iter().map(|user| user.username.to_owned())
}

impl Deref for ClientsState {
    type Target = ThrottleState;

    fn deref(&self) -> &ThrottleState {
        &self.previous
    }
}

// Steps 09 to 14's handlers, in this step's app.
crate::earlier_states!(ClientsState => ThrottleState, CookieState, RevocationState, ScopesState);

/// The form of `POST /token` from this step on: every grant's fields, and
/// the client's (`client_secret_post`). Its `Debug` prints no secret.
#[derive(Default, Deserialize)]
pub struct ClientTokenRequest {
    pub grant_type: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
    pub mfa_token: Option<String>,
    pub otp: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl fmt::Debug for ClientTokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTokenRequest")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("scope", &self.scope)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Why a token request fails from this step on.
#[derive(Debug)]
pub enum ClientGrantError {
    Client(ClientError),
    Throttle(ThrottleError),
    /// 400 `invalid_scope`: none of the scopes asked for is the client's.
    InvalidScope,
}

impl From<ClientError> for ClientGrantError {
    fn from(error: ClientError) -> Self {
        Self::Client(error)
    }
}

impl<E: Into<ThrottleError>> From<E> for ClientGrantError {
    fn from(error: E) -> Self {
        Self::Throttle(error.into())
    }
}

impl IntoResponse for ClientGrantError {
    fn into_response(self) -> Response {
        match self {
            Self::Client(error) => error.into_response(),
            Self::Throttle(error) => error.into_response(),
            Self::InvalidScope => OAuthError::new(
                "invalid_scope",
                "this client may have none of the scopes asked for",
            )
            .with_status(StatusCode::BAD_REQUEST),
        }
    }
}

/// A refresh token presented by a client it was not issued to.
fn another_clients_token() -> ClientGrantError {
    ClientGrantError::Throttle(ThrottleError::from(GrantError::Refused(
        "the refresh token was issued to another client",
    )))
}

/// RFC 6749 §4.4: a token for the client itself, with the scopes asked for
/// that it may have (all of them when it asks for none), and no refresh
/// token.
pub fn client_credentials_grant(
    state: &ClientsState,
    client: &Client,
    scope: Option<String>,
) -> Result<ClientTokenResponse, ClientGrantError> {
    todo!(
        "step 16: a token for the client itself, signed with client_keys: the asked scopes it may have, no refresh token"
    )
}

/// The scopes of `scopes` that `client` may have.
pub fn within_client(client: &Client, scopes: &Scopes) -> Scopes {
    todo!("step 16: the scopes the client may have")
}

/// A user's tokens for `client`, its refresh family bound to the client.
fn user_tokens(
    state: &ClientsState,
    client: &Client,
    user: &User,
    scopes: &Scopes,
) -> Result<Response, ClientGrantError> {
    let scopes = within_client(client, scopes);
    if scopes.is_empty() {
        return Err(ClientGrantError::InvalidScope);
    }
    let tokens = issue_tokens(state, user, &scopes)?;
    if let Ok(session) = state.refresh.peek(&tokens.refresh_token, now()) {
        state
            .families
            .bind(&session.sid, &client.id, &user.username, |sid, username| {
                state.refresh.is_live(sid, username, now())
            });
    }
    Ok(Json(tokens).into_response())
}

/// `POST /token`: the client first, then the grant it asks for.
pub async fn token(
    State(state): State<ClientsState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Result<Form<ClientTokenRequest>, FormRejection>,
) -> Response {
    match grant(&state, address, &headers, form).await {
        Ok(response) => no_store(response),
        Err(error) => no_store(error),
    }
}

async fn grant(
    state: &ClientsState,
    address: std::net::IpAddr,
    headers: &HeaderMap,
    form: Result<Form<ClientTokenRequest>, FormRejection>,
) -> Result<Response, ClientGrantError> {
    todo!(
        "step 16: the client first (presented_client, authenticate), then the grant it may use; a refresh token only for its own client"
    )
}

/// The answer to a client's token on a route for users: the token is
/// genuine, but acts for no user (RFC 6750 §3.1).
pub fn client_token_on_user_route() -> Response {
    let mut response = OAuthError::new(
        "insufficient_scope",
        "this token acts for a client, not a user: a user route needs a user's token",
    )
    .with_status(StatusCode::FORBIDDEN);
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer error="insufficient_scope""#),
    );
    response
}

/// The claims of the request's bearer token, if it is a client's genuine
/// token, not revoked.
pub fn client_claims(headers: &HeaderMap, state: &ClientsState) -> Option<ClientClaims> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims = state
        .client_keys
        .decode::<ClientClaims>(token.trim())
        .ok()?;
    (!state.denied.is_denied(&claims.jti)).then_some(claims)
}

// A user route: step 12's rules, and a client's token refused as one that
// acts for no user (it fails step 12's check by its key; this says why).
impl FromRequestParts<ClientsState> for Principal {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ClientsState,
    ) -> Result<Self, Self::Rejection> {
        todo!(
            "step 16: step 12's principal_from_request; when it refuses a client's token, client_token_on_user_route"
        )
    }
}

/// The caller of a route for clients: a client's token, checked, and not
/// revoked.
#[derive(Debug, Clone)]
pub struct ClientPrincipal {
    pub claims: ClientClaims,
}

impl FromRequestParts<ClientsState> for ClientPrincipal {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ClientsState,
    ) -> Result<Self, Self::Rejection> {
        todo!(
            "step 16: the bearer token decoded with client_keys and not denied; a user's token is 403, anything else 401"
        )
    }
}

/// 403 for a route that needs a client scope the token does not carry.
pub fn insufficient_client_scope(scope: &str) -> Response {
    let mut response = OAuthError::new(
        "insufficient_scope",
        format!("this route needs the `{scope}` scope"),
    )
    .with_status(StatusCode::FORBIDDEN);
    let challenge = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(WWW_AUTHENTICATE, value);
    }
    response
}

/// One account, as `GET /users` lists it: never a hash, an email or a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserSummary {
    pub username: String,
    pub disabled: bool,
}

/// `GET /users`: needs `users:read`.
pub async fn list_users(
    ClientPrincipal { claims }: ClientPrincipal,
    State(state): State<ClientsState>,
) -> Response {
    todo!("step 16: users:read, then every account's name and disabled flag")
}

/// The form of `POST /revoke` from this step on (RFC 7009 §2.1): the
/// token, and the client's credentials when it sends them in the form.
#[derive(Default, Deserialize)]
pub struct ClientRevokeForm {
    pub token: Option<String>,
    pub token_type_hint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// The refresh family `token` belongs to: a refresh token's, or an access
/// token's `sid`.
fn family_of(state: &ClientsState, token: &str) -> Option<String> {
    if let Ok(session) = state.refresh.peek(token, now()) {
        return Some(session.sid);
    }
    let claims: SessionClaims = state.auth.keys.decode(token).ok()?;
    claims.sid
}

/// `POST /revoke` from this step on (RFC 7009 §2.1): the client first, as
/// at `/token` (a wrong secret is 401 `invalid_client`; none is
/// `course-cli`), then the token, revoked only if it was issued to that
/// client. Another client's token is left alone with the same 200 as an
/// unknown one, so the endpoint tells nobody whose a token is. A client's
/// own client token is deny-listed until it expires; a user's token, from a
/// family of this client or from no family, is step 11's to revoke.
pub async fn revoke(
    State(state): State<ClientsState>,
    headers: HeaderMap,
    form: Result<Form<ClientRevokeForm>, FormRejection>,
) -> Response {
    let fields = match read_form(form) {
        Ok(fields) => fields,
        Err(error) => return error.into_response(),
    };
    let client = match presented_client(&headers, fields.client_id, fields.client_secret)
        .and_then(|presented| state.clients.authenticate(presented))
    {
        Ok(client) => client,
        Err(error) => return error.into_response(),
    };
    if let Some(token) = &fields.token {
        if let Ok(claims) = state.client_keys.decode::<ClientClaims>(token) {
            if claims.client_id == client.id {
                state.denied.deny_token(&claims.jti, claims.exp);
            }
            return StatusCode::OK.into_response();
        }
        if let Some(sid) = family_of(&state, token)
            && state.families.client_of(&sid).as_deref() != Some(client.id.as_str())
        {
            return StatusCode::OK.into_response();
        }
    }
    let step_11 = revocation::RevokeForm {
        token: fields.token,
        token_type_hint: fields.token_type_hint,
    };
    revocation::revoke(State(RevocationState::clone(&state)), Ok(Form(step_11))).await
}

// The OpenAPI document of step 15, with this step's routes: read by the
// OpenAPI macros, not called.

/// The form of `POST /token` from step 16 on.
#[allow(dead_code)]
#[derive(ToSchema)]
struct ClientTokenForm {
    /// `password`, `refresh_token`, `client_credentials` or
    /// `urn:course:params:oauth:grant-type:mfa-otp`.
    grant_type: String,
    /// Password grant.
    username: Option<String>,
    /// Password grant.
    password: Option<String>,
    /// Space-separated; within the client's registered scopes.
    scope: Option<String>,
    /// Refresh grant: only the client it was issued to may use it.
    refresh_token: Option<String>,
    /// MFA grant.
    mfa_token: Option<String>,
    /// MFA grant.
    otp: Option<String>,
    /// `client_secret_post`, or a public client's id. None: `course-cli`.
    client_id: Option<String>,
    /// `client_secret_post`; never with HTTP Basic.
    client_secret: Option<String>,
}

/// A token response: `refresh_token` for a user's grants only.
#[allow(dead_code)]
#[derive(ToSchema)]
struct ClientTokenBody {
    access_token: String,
    /// Always `bearer`.
    token_type: String,
    expires_in: u64,
    scope: String,
    /// Absent from a client_credentials answer (RFC 6749 §4.4.3).
    refresh_token: Option<String>,
}

/// Every error (as step 15's).
#[allow(dead_code)]
#[derive(ToSchema)]
struct ErrorBody {
    error: Option<String>,
    error_description: String,
}

/// Every grant; the client authenticates by HTTP Basic
/// (`client_secret_basic`) or in the form (`client_secret_post`).
#[allow(dead_code)]
#[utoipa::path(post, path = "/token", tag = "tokens",
    request_body(content = ClientTokenForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Tokens; `Cache-Control: no-store`", body = ClientTokenBody),
        (status = 400, description = "`invalid_request`, `invalid_grant`, `invalid_scope`, `unauthorized_client` or `unsupported_grant_type`", body = ErrorBody),
        (status = 401, description = "`invalid_client`; `WWW-Authenticate: Basic realm=\"course\"` when Basic was tried", body = ErrorBody),
        (status = 403, description = "`mfa_required`", body = ErrorBody),
        (status = 413, description = "A body over 16 KiB", body = ErrorBody),
        (status = 429, description = "Too many failed logins; see `Retry-After`", body = ErrorBody),
        (status = 503, description = "`temporarily_unavailable`; see `Retry-After`", body = ErrorBody),
    ),
    security((), ("client_secret_basic" = [])))]
fn token_doc() {}

/// Every account's username and whether it is disabled. Needs a client
/// token with `users:read`.
#[allow(dead_code)]
#[utoipa::path(get, path = "/users", tag = "users",
    responses(
        (status = 200, description = "The accounts", body = Vec<UserSummary>),
        (status = 401, description = "No token, or `invalid_token`", body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: a user's token, or no `users:read`", body = ErrorBody),
    ),
    security(("client_credentials" = ["users:read"])))]
fn list_users_doc() {}

#[derive(OpenApi)]
#[openapi(
    paths(token_doc, list_users_doc),
    modifiers(&ClientSchemes),
    tags((name = "clients", description = "RFC 6749 §2.3 and §4.4"))
)]
struct ClientsDoc;

/// How a client authenticates, and the client credentials flow.
struct ClientSchemes;

impl Modify for ClientSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "client_secret_basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new(
                    "/token",
                    ScopeList::from_iter([(USERS_READ, "list the accounts")]),
                ),
            )])),
        );
    }
}

/// Step 15's document with this step's `/token` in place of its own, and
/// `/users`, as JSON, made once.
pub fn openapi_json() -> &'static str {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = openapi::ApiDoc::openapi();
        document.paths.paths.remove("/token");
        document.merge(ClientsDoc::openapi());
        document.to_pretty_json().expect("the document serialises")
    })
}

/// `GET /openapi.json`.
async fn document() -> Response {
    ([(CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}

/// Every route so far, with this step's `/token`, `/revoke` and `/users`.
pub fn router(state: ClientsState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .route("/login", body_limited(post(login_throttle::login)))
        .route("/logout", body_limited(post(cookies::logout)))
        .route("/revoke", body_limited(post(revoke)))
        .route("/users", get(list_users))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app, with step 15's `/docs` and the document grown by
/// this step's routes. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()`, as step 14's.
pub fn app(state: ClientsState) -> Router {
    let router = router(state)
        .route("/openapi.json", get(document))
        .merge(openapi::docs());
    with_json_fallbacks(router)
}
