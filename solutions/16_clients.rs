//! Step 16: clients that authenticate, and the client credentials grant. (Reference solution.)
//!
//! See `exercises/16_clients.rs` for the task.

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
        let Some(presented) = presented else {
            return self
                .get(FIRST_PARTY_CLIENT)
                .ok_or(ClientError::InvalidClient { basic: false });
        };
        let refused = ClientError::InvalidClient {
            basic: presented.basic,
        };
        let client = self.get(&presented.id).ok_or(refused.clone())?;
        match (&client.kind, &presented.secret) {
            (ClientKind::Public, None) => Ok(client),
            (
                ClientKind::Confidential {
                    secret_sha256: stored,
                },
                Some(secret),
            ) => {
                let sent = secret_sha256(secret);
                if bool::from(sent.ct_eq(stored)) {
                    Ok(client)
                } else {
                    Err(refused)
                }
            }
            // A public client has no secret to send, and a confidential
            // one must send its own.
            _ => Err(refused),
        }
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
    // The scheme is the header's first word, in any case: a Basic value
    // that cannot be read is a Basic attempt that failed, never no attempt.
    let basic = headers.get(AUTHORIZATION).and_then(|value| {
        let value = value.as_bytes();
        let end = value
            .iter()
            .position(|byte| byte.is_ascii_whitespace())
            .unwrap_or(value.len());
        value[..end]
            .eq_ignore_ascii_case(b"basic")
            .then(|| value[end..].trim_ascii())
    });
    if let Some(encoded) = basic {
        let malformed = ClientError::InvalidClient { basic: true };
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(malformed.clone())?;
        let (id, secret) = decoded.split_once(':').ok_or(malformed.clone())?;
        let id = form_decode(id).ok_or(malformed.clone())?;
        let secret = form_decode(secret).ok_or(malformed)?;
        // `Basic Og==` (an empty id and secret) names no client: Swagger UI
        // sends it when its client fields are left empty.
        if id.is_empty() && secret.is_empty() {
            return from_the_form(form_id, form_secret);
        }
        if form_secret.is_some() {
            return Err(ClientError::InvalidRequest(
                "a client authenticates one way: HTTP Basic or client_secret in the form, never both",
            ));
        }
        if form_id.is_some_and(|form_id| form_id != id) {
            return Err(ClientError::InvalidRequest(
                "the client_id in the form is not the one in the Authorization header",
            ));
        }
        return Ok(Some(Presented {
            id,
            secret: Some(secret).filter(|secret| !secret.is_empty()),
            basic: true,
        }));
    }
    from_the_form(form_id, form_secret)
}

/// `client_secret_post`, or a public client's `client_id` alone.
fn from_the_form(
    form_id: Option<String>,
    form_secret: Option<String>,
) -> Result<Option<Presented>, ClientError> {
    match (form_id, form_secret.filter(|secret| !secret.is_empty())) {
        (Some(id), secret) => Ok(Some(Presented {
            id,
            secret,
            basic: false,
        })),
        (None, Some(_)) => Err(ClientError::InvalidRequest(
            "a client_secret needs the client_id it belongs to",
        )),
        (None, None) => Ok(None),
    }
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
    let asked = scope.as_deref().unwrap_or("").split(' ');
    let mut granted: Vec<&str> = Vec::new();
    for scope in asked.filter(|scope| !scope.is_empty()) {
        if client.may_have(scope) && !granted.contains(&scope) {
            granted.push(scope);
        }
    }
    // Asking for none (no `scope`, or an empty one) is asking for all.
    if scope.as_deref().is_none_or(|asked| asked.trim().is_empty()) {
        granted = client.scopes.iter().map(String::as_str).collect();
    }
    if granted.is_empty() {
        return Err(ClientGrantError::InvalidScope);
    }
    let scope = granted.join(" ");
    let ttl = state.auth.access_token_ttl;
    let claims = ClientClaims::new(client, scope.clone(), Claims::new(&client.id, ttl));
    let access_token = state
        .client_keys
        .encode(&claims)
        .map_err(|_| TokenError::Internal)?;
    Ok(ClientTokenResponse {
        token: TokenResponse {
            access_token,
            token_type: "bearer",
            expires_in: ttl.as_secs(),
        },
        scope,
    })
}

/// The scopes of `scopes` that `client` may have.
pub fn within_client(client: &Client, scopes: &Scopes) -> Scopes {
    let allowed: Vec<Scope> = scopes
        .iter()
        .filter(|scope| client.may_have(scope.as_str()))
        .collect();
    Scopes::of(&allowed)
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
    let request = read_form(form)?;
    let presented = presented_client(headers, request.client_id, request.client_secret)?;
    let client = state.clients.authenticate(presented)?;
    let grant_type = required(request.grant_type, "grant_type")?;
    let kind = GrantType::parse(&grant_type).ok_or(TokenError::UnsupportedGrantType)?;
    if !client.allows(kind) {
        return Err(ClientError::UnauthorizedClient(kind).into());
    }
    match kind {
        GrantType::ClientCredentials => {
            let tokens = client_credentials_grant(state, client, request.scope)?;
            Ok(Json(tokens).into_response())
        }
        GrantType::Password if grant_type == MFA_GRANT_TYPE => {
            let (user, scopes) =
                throttled_second_factor(state, address, request.mfa_token, request.otp)?;
            user_tokens(state, client, &user, &scopes)
        }
        GrantType::Password => {
            let (user, scopes) = throttled_login(
                state,
                address,
                request.username,
                request.password,
                request.scope,
            )
            .await?;
            user_tokens(state, client, &user, &scopes)
        }
        GrantType::RefreshToken => {
            let refresh_token = required(request.refresh_token, "refresh_token")?;
            if let Ok(session) = state.refresh.peek(&refresh_token, now())
                && state.families.client_of(&session.sid).as_deref() != Some(client.id.as_str())
            {
                return Err(another_clients_token());
            }
            let refreshed = refresh_grant(
                state,
                RefreshTokenRequest {
                    grant_type: Some(grant_type),
                    scope: request.scope,
                    refresh_token: Some(refresh_token),
                    ..RefreshTokenRequest::default()
                },
            )?;
            Ok(Json(refreshed).into_response())
        }
        // Registered for some clients, served from step 17 on.
        GrantType::AuthorizationCode => Err(TokenError::UnsupportedGrantType.into()),
    }
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
        match principal_from_request(
            parts,
            &state.auth,
            &state.refresh,
            &state.denied,
            &state.csrf,
        )
        .await
        {
            Ok(principal) => Ok(principal),
            Err(_) if client_claims(&parts.headers, state).is_some() => {
                Err(client_token_on_user_route())
            }
            Err(rejection) => Err(rejection.into_response()),
        }
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
        let BearerToken(token) = BearerToken::from_request_parts(parts, &())
            .await
            .map_err(IntoResponse::into_response)?;
        let invalid = |why: &'static str| {
            crate::current_user::CurrentUserRejection::InvalidToken(why).into_response()
        };
        match state.client_keys.decode::<ClientClaims>(&token) {
            Ok(claims) if state.denied.is_denied(&claims.jti) => {
                Err(invalid("the access token has been revoked"))
            }
            Ok(claims) => Ok(ClientPrincipal { claims }),
            // A user's token, alive and not revoked: fine, but not for
            // this route.
            Err(_)
                if principal_in_session(&state.auth, &state.refresh, &token)
                    .and_then(|principal| ensure_not_revoked(&state.denied, principal))
                    .is_ok() =>
            {
                Err(insufficient_client_scope(USERS_READ))
            }
            Err(_) => Err(invalid("the access token is invalid or has expired")),
        }
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
    if !claims.has_scope(USERS_READ) {
        return insufficient_client_scope(USERS_READ);
    }
    let users: Vec<UserSummary> = state
        .usernames
        .iter()
        .filter_map(|name| state.auth.users.find_by_username(name))
        .map(|user| UserSummary {
            username: user.username,
            disabled: user.disabled,
        })
        .collect();
    Json(users).into_response()
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
