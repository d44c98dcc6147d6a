//! Step 14: login throttling. (Reference solution.)
//!
//! See `exercises/14_login_throttle.rs` for the task.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};

use crate::cookies::{
    self, CookieState, SessionRejection, principal_from_request, session_response,
};
use crate::fake_db::User;
use crate::oauth_error::{ErrorDescription, OAuthError};
use crate::refresh::{
    RefreshState, RefreshStore, RefreshTokenRequest, RefreshTokenResponse, issue_tokens,
    refresh_grant,
};
use crate::revocation::{self, DenyList, RevocationState};
use crate::scopes::{
    ItemStore, Principal, ScopeGrants, Scopes, grant, protected_routes, requested_scopes,
};
use crate::token_route::{AuthState, TokenError, body_limited, no_store, read_form, required};
use crate::totp::{
    Clock, MFA_GRANT_TYPE, MfaError, MfaKeys, MfaLoginForm, MfaTokenRequest, OtpGuard, TotpSecrets,
    TotpState, after_password, second_factor,
};
use crate::users_me::with_json_fallbacks;

type Job = Box<dyn FnOnce() + Send>;

/// The pool is full: every thread is hashing and the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// A few threads that do nothing but bcrypt, at the lowest scheduling
/// priority, behind a short queue. bcrypt is the one thing an attacker can
/// make the server do without an account; tokio's blocking pool would run
/// 512 of them at once and starve every other request.
pub struct HashingPool {
    jobs: SyncSender<Job>,
    threads: usize,
}

impl HashingPool {
    /// `threads` hashing threads (one per core is right) and room for
    /// `queue` more jobs waiting.
    pub fn new(threads: usize, queue: usize) -> Self {
        let (jobs, waiting) = std::sync::mpsc::sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for index in 0..threads {
            let waiting = Arc::clone(&waiting);
            std::thread::Builder::new()
                .name(format!("bcrypt-{index}"))
                .spawn(move || work(&waiting))
                .expect("the OS starts a thread");
        }
        Self { jobs, threads }
    }

    /// One thread per core, and eight waiting logins for each: at cost 12
    /// a login waits two seconds at most, and clients that log in together
    /// wait their turn instead of being sent away to retry at once.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self::new(cores, 8 * cores)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Queues `job` now, or `Busy` at once when the queue is full; the
    /// receiver gets its result.
    pub fn submit<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Busy> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(job());
        });
        match self.jobs.try_send(job) {
            Ok(()) => Ok(result),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }

    /// Runs `job` on the pool and waits for its result, or `Busy`.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.submit(job)?.await.map_err(|_| Busy)
    }
}

fn work(waiting: &Mutex<Receiver<Job>>) {
    lowest_priority();
    loop {
        // The lock is held only to take a job, never while running one.
        let job = match waiting.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return, // the pool is gone
        }
    }
}

/// Puts this thread under every other: Linux's `SCHED_IDLE` runs it only
/// when no normal thread wants the core, so the async workers always win.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` is a valid sched_param; pid 0 is this thread.
        let _ = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    }
}

/// A GCRA limiter keyed by string: `burst` events at once, then one every
/// `interval`. It counts failed logins, so a user who types their password
/// right is never slowed.
#[derive(Debug)]
pub struct Limiter {
    burst: u64,
    interval: u64,
    /// Key to its theoretical arrival time, in seconds.
    tat: Mutex<HashMap<String, u64>>,
}

impl Limiter {
    pub fn new(burst: u32, interval: Duration) -> Self {
        Self {
            burst: u64::from(burst.max(1)),
            interval: interval.as_secs().max(1),
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` if `key` may fail once more at `now`; else the seconds to wait.
    pub fn check(&self, key: &str, now: u64) -> Result<(), u64> {
        let tat = self.lock().get(key).copied().unwrap_or(now).max(now);
        let allowed_from = tat.saturating_sub((self.burst - 1) * self.interval);
        if allowed_from <= now {
            Ok(())
        } else {
            Err(allowed_from - now)
        }
    }

    /// Counts one failure of `key` at `now`.
    pub fn record(&self, key: &str, now: u64) {
        let mut tats = self.lock();
        let tat = tats.get(key).copied().unwrap_or(now).max(now);
        tats.insert(key.to_owned(), tat + self.interval);
        // A key whose time has passed is back to a full burst: forget it.
        if tats.len() > 1024 {
            tats.retain(|_, tat| *tat > now);
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.tat.lock().expect("no panic while holding the lock")
    }
}

/// Failed logins, limited per username and per client address.
pub struct LoginLimits {
    pub per_user: Limiter,
    pub per_client: Limiter,
    pub clock: Clock,
}

/// The server's defaults: 5 failures a username, then one a minute; 20 a
/// client address, then one every 6 seconds.
pub const DEFAULT_USER_BURST: u32 = 5;
pub const DEFAULT_USER_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_CLIENT_BURST: u32 = 20;
pub const DEFAULT_CLIENT_INTERVAL: Duration = Duration::from_secs(6);

impl LoginLimits {
    pub fn new(per_user: Limiter, per_client: Limiter, clock: Clock) -> Self {
        Self {
            per_user,
            per_client,
            clock,
        }
    }

    /// `Ok` if this username and this client may fail once more; else the
    /// seconds to wait, the same for a username that exists and one that
    /// does not.
    pub fn check(&self, username: &str, client: &str) -> Result<(), u64> {
        let now = (self.clock)();
        let user = self.per_user.check(username, now);
        let client = self.per_client.check(client, now);
        match (user, client) {
            (Ok(()), Ok(())) => Ok(()),
            (user, client) => Err(user.err().unwrap_or(0).max(client.err().unwrap_or(0))),
        }
    }

    pub fn record_failure(&self, username: &str, client: &str) {
        let now = (self.clock)();
        self.per_user.record(username, now);
        self.per_client.record(client, now);
    }
}

/// The client's address, as the server saw the connection; `unknown` when
/// the server was not started with connect info.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip: Option<IpAddr> = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddress(
            ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        ))
    }
}

/// What this step's routes share: step 13's, the hashing pool and the
/// login limits, behind one `Arc`. axum clones the state twice for every
/// request it routes: one count to bump, not thirteen.
#[derive(Clone)]
pub struct ThrottleState(Arc<ThrottleStores>);

/// What a `ThrottleState` holds; `state.auth` reaches it through `Deref`.
pub struct ThrottleStores {
    pub auth: AuthState,
    pub grants: Arc<ScopeGrants>,
    pub items: Arc<ItemStore>,
    pub refresh: Arc<RefreshStore>,
    pub denied: Arc<DenyList>,
    pub secrets: Arc<TotpSecrets>,
    pub mfa_keys: Arc<MfaKeys>,
    pub otp: Arc<OtpGuard>,
    pub clock: Clock,
    pub pool: Arc<HashingPool>,
    pub limits: Arc<LoginLimits>,
}

impl ThrottleState {
    pub fn new(totp: TotpState, pool: HashingPool, limits: LoginLimits) -> Self {
        Self(Arc::new(ThrottleStores {
            auth: totp.auth,
            grants: totp.grants,
            items: totp.items,
            refresh: totp.refresh,
            denied: totp.denied,
            secrets: totp.secrets,
            mfa_keys: totp.mfa_keys,
            otp: totp.otp,
            clock: totp.clock,
            pool: Arc::new(pool),
            limits: Arc::new(limits),
        }))
    }
}

impl Deref for ThrottleState {
    type Target = ThrottleStores;

    fn deref(&self) -> &ThrottleStores {
        &self.0
    }
}

// Step 09's item routes take the item store alone.
impl FromRef<ThrottleState> for Arc<ItemStore> {
    fn from_ref(state: &ThrottleState) -> Self {
        state.items.clone()
    }
}

impl FromRef<ThrottleState> for TotpState {
    fn from_ref(state: &ThrottleState) -> Self {
        TotpState {
            auth: state.auth.clone(),
            grants: state.grants.clone(),
            items: state.items.clone(),
            refresh: state.refresh.clone(),
            denied: state.denied.clone(),
            secrets: state.secrets.clone(),
            mfa_keys: state.mfa_keys.clone(),
            otp: state.otp.clone(),
            clock: state.clock.clone(),
        }
    }
}

impl FromRef<ThrottleState> for CookieState {
    fn from_ref(state: &ThrottleState) -> Self {
        CookieState::from_ref(&TotpState::from_ref(state))
    }
}

impl FromRef<ThrottleState> for RevocationState {
    fn from_ref(state: &ThrottleState) -> Self {
        RevocationState::from_ref(&TotpState::from_ref(state))
    }
}

impl FromRef<ThrottleState> for RefreshState {
    fn from_ref(state: &ThrottleState) -> Self {
        RefreshState::from_ref(&TotpState::from_ref(state))
    }
}

impl FromRequestParts<ThrottleState> for Principal {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ThrottleState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_request(parts, &state.auth, &state.denied).await
    }
}

/// Why a login fails from this step on.
#[derive(Debug)]
pub enum ThrottleError {
    Mfa(MfaError),
    /// Too many failed logins for this username or this client: 429.
    TooManyFailures {
        retry_after: u64,
    },
    /// Every hashing thread is busy and the queue is full: 503.
    Busy,
}

impl<E: Into<MfaError>> From<E> for ThrottleError {
    fn from(error: E) -> Self {
        Self::Mfa(error.into())
    }
}

impl IntoResponse for ThrottleError {
    fn into_response(self) -> Response {
        let (mut response, retry_after) = match self {
            Self::Mfa(error) => return error.into_response(),
            // Not an OAuth error: HTTP's own throttling status.
            Self::TooManyFailures { retry_after } => (
                ErrorDescription::response(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many failed logins for this account or from this address; wait and try again",
                ),
                retry_after.max(1),
            ),
            Self::Busy => (
                OAuthError::new(
                    "temporarily_unavailable",
                    "the server is busy checking passwords; try again in a second",
                )
                .with_status(StatusCode::SERVICE_UNAVAILABLE),
                1,
            ),
        };
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        response
    }
}

/// The user whose password this is, checked on the hashing pool.
pub async fn authenticate_on_pool(
    state: &ThrottleState,
    username: String,
    password: String,
) -> Result<User, ThrottleError> {
    let auth = state.auth.clone();
    let checked = state
        .pool
        .run(move || {
            auth.passwords
                .authenticate_user(auth.users.as_ref(), &username, &password)
        })
        .await
        .map_err(|Busy| ThrottleError::Busy)?;
    checked.ok_or_else(|| TokenError::InvalidGrant.into())
}

/// The password check of `/token` and `/login` from this step on: the
/// limits before bcrypt, bcrypt on the pool, a failure counted after.
pub async fn throttled_login(
    state: &ThrottleState,
    client: &str,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
) -> Result<(User, Scopes), ThrottleError> {
    let username = required(username, "username")?;
    let password = required(password, "password")?;
    let requested = requested_scopes(scope)?;
    state
        .limits
        .check(&username, client)
        .map_err(|retry_after| ThrottleError::TooManyFailures { retry_after })?;
    let user = match authenticate_on_pool(state, username.clone(), password).await {
        Ok(user) => user,
        Err(ThrottleError::Mfa(MfaError::Grant(error))) => {
            state.limits.record_failure(&username, client);
            return Err(error.into());
        }
        Err(other) => return Err(other),
    };
    let granted = grant(&state.grants, &user.username, &requested)?;
    let totp = TotpState::from_ref(state);
    Ok(after_password(&totp, user, granted)?)
}

/// `POST /token`, throttled.
pub async fn token(
    State(state): State<ThrottleState>,
    ClientAddress(client): ClientAddress,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Response {
    no_store(grant_tokens(&state, &client, form).await.map(Json))
}

async fn grant_tokens(
    state: &ThrottleState,
    client: &str,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Result<RefreshTokenResponse, ThrottleError> {
    let request = read_form(form)?;
    let refresh = RefreshState::from_ref(state);
    let (user, scopes) = match required(request.grant_type.clone(), "grant_type")?.as_str() {
        "password" => {
            throttled_login(
                state,
                client,
                request.username,
                request.password,
                request.scope,
            )
            .await?
        }
        MFA_GRANT_TYPE => {
            let totp = TotpState::from_ref(state);
            second_factor(&totp, request.mfa_token, request.otp)?
        }
        "refresh_token" => {
            let refresh_request = RefreshTokenRequest {
                grant_type: request.grant_type,
                scope: request.scope,
                refresh_token: request.refresh_token,
                ..RefreshTokenRequest::default()
            };
            return Ok(refresh_grant(&refresh, refresh_request)?);
        }
        _ => return Err(TokenError::UnsupportedGrantType.into()),
    };
    Ok(issue_tokens(&refresh, &user, &scopes)?)
}

/// `POST /login`, throttled.
pub async fn login(
    State(state): State<ThrottleState>,
    ClientAddress(client): ClientAddress,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Response {
    no_store(start_session(&state, &client, form).await)
}

async fn start_session(
    state: &ThrottleState,
    client: &str,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Result<Response, ThrottleError> {
    let fields = read_form(form)?;
    let (user, scopes) = if fields.mfa_token.is_some() {
        second_factor(&TotpState::from_ref(state), fields.mfa_token, fields.otp)?
    } else {
        throttled_login(
            state,
            client,
            fields.username,
            fields.password,
            fields.scope,
        )
        .await?
    };
    Ok(session_response(&state.auth, &user, &scopes)?)
}

/// Every route so far, with the throttled `/token` and `/login`.
pub fn router(state: ThrottleState) -> Router {
    Router::new()
        .route("/token", body_limited(post(token)))
        .route("/login", body_limited(post(login)))
        .route("/logout", body_limited(post(cookies::logout)))
        .route("/revoke", body_limited(post(revocation::revoke)))
        .merge(protected_routes())
        .with_state(state)
}

/// This step's whole app. Serve it with
/// `into_make_service_with_connect_info::<SocketAddr>()` so the limits see
/// each client's address.
pub fn app(state: ThrottleState) -> Router {
    with_json_fallbacks(router(state))
}
