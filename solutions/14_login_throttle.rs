//! Step 14: login throttling. (Reference solution.)
//!
//! See `exercises/14_login_throttle.rs` for the task.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::Deref;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use ipnet::IpNet;

use crate::cookies::{
    self, CookieState, SessionRejection, from_another_site, principal_from_request,
    refuse_cross_site, session_response,
};
use crate::fake_db::User;
use crate::oauth_error::{ErrorDescription, OAuthError};
use crate::refresh::{RefreshTokenRequest, RefreshTokenResponse, issue_tokens, refresh_grant};
use crate::revocation::{self, RevocationState};
use crate::scopes::{Principal, Scopes, ScopesState, grant, protected_routes, requested_scopes};
use crate::token_route::{TokenError, body_limited, no_store, read_form, required};
use crate::totp::{
    Clock, MFA_GRANT_TYPE, MfaError, MfaLoginForm, MfaTokenRequest, TotpState, after_password,
    check_code, second_factor_fields,
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

/// How many keys a limiter keeps at most. A spray from many addresses
/// fills it, and then the keys recorded first are forgotten first: their
/// budgets come back early, which is bounded memory's price (failing
/// closed instead would lock everybody out).
pub const LIMITER_CAPACITY: usize = 100_000;

/// A GCRA limiter: per key, `burst` events at once, then one more every
/// `interval`. It counts failed logins, so a user who types their password
/// right is never slowed.
///
/// A key is kept as a 64-bit keyed hash, whatever it hashes (a 16 KB
/// username costs what a short one does), and forgotten once its time has
/// passed, checked a few entries at a time: memory and time per call stay
/// bounded under a spray of new keys.
pub struct Limiter {
    burst: u64,
    interval: u64,
    capacity: usize,
    hasher: RandomState,
    inner: Mutex<Tats>,
}

#[derive(Default)]
struct Tats {
    /// Key to its theoretical arrival time, in seconds.
    tat: HashMap<u64, u64>,
    /// (the TAT it was given, key), in the order they were given: the
    /// order in which keys can be forgotten.
    queue: VecDeque<(u64, u64)>,
}

impl Tats {
    /// Forgets the keys whose time has passed (back to a full burst, the
    /// same as never seen), from the front of the queue.
    fn prune(&mut self, now: u64) {
        while let Some(&(given, key)) = self.queue.front() {
            if given > now {
                break;
            }
            self.queue.pop_front();
            if self.tat.get(&key).is_some_and(|tat| *tat <= now) {
                self.tat.remove(&key);
            }
        }
    }

    /// Queues `key`'s new TAT. A queue grown to twice the capacity (keys
    /// given back at once leave their entries behind) keeps only each
    /// key's entries still due: amortised, each entry is looked at twice.
    fn queue(&mut self, given: u64, key: u64, capacity: usize) {
        self.queue.push_back((given, key));
        if self.queue.len() > 2 * capacity {
            let tats = &self.tat;
            self.queue
                .retain(|(given, key)| tats.get(key).is_some_and(|tat| given >= tat));
        }
    }

    /// Makes room for one more key by forgetting the oldest.
    fn evict_for_one_more(&mut self, capacity: usize) {
        while self.tat.len() >= capacity {
            match self.queue.pop_front() {
                Some((_, key)) => {
                    self.tat.remove(&key);
                }
                None => {
                    self.tat.clear();
                }
            }
        }
    }
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("burst", &self.burst)
            .field("interval", &self.interval)
            .field("keys", &self.len())
            .finish()
    }
}

impl Limiter {
    pub fn new(burst: u32, interval: Duration) -> Self {
        Self::with_capacity(burst, interval, LIMITER_CAPACITY)
    }

    /// A limiter that keeps at most `capacity` keys.
    pub fn with_capacity(burst: u32, interval: Duration, capacity: usize) -> Self {
        Self {
            burst: u64::from(burst.max(1)),
            interval: interval.as_secs().max(1),
            capacity: capacity.max(1),
            hasher: RandomState::new(),
            inner: Mutex::new(Tats::default()),
        }
    }

    /// Another limiter with this one's burst, interval and capacity.
    pub fn same_budget(&self) -> Self {
        Self {
            burst: self.burst,
            interval: self.interval,
            capacity: self.capacity,
            hasher: RandomState::new(),
            inner: Mutex::new(Tats::default()),
        }
    }

    fn key(&self, key: impl Hash) -> u64 {
        self.hasher.hash_one(key)
    }

    /// Counts one event of `key` at `now` if it is allowed; else the
    /// seconds to wait. Checked and counted under one lock: concurrent
    /// requests cannot all pass the check before any of them is counted.
    pub fn acquire(&self, key: impl Hash, now: u64) -> Result<(), u64> {
        let key = self.key(key);
        let mut tats = self.lock();
        tats.prune(now);
        let tat = tats.tat.get(&key).copied().unwrap_or(now).max(now);
        let allowed_from = tat.saturating_sub((self.burst - 1) * self.interval);
        if allowed_from > now {
            return Err(allowed_from - now);
        }
        if !tats.tat.contains_key(&key) {
            tats.evict_for_one_more(self.capacity);
        }
        let next = tat + self.interval;
        tats.tat.insert(key, next);
        tats.queue(next, key, self.capacity);
        Ok(())
    }

    /// `Ok` if `key` may have one more event at `now`, counting nothing;
    /// else the seconds to wait.
    pub fn check(&self, key: impl Hash, now: u64) -> Result<(), u64> {
        let key = self.key(key);
        let tats = self.lock();
        let tat = tats.tat.get(&key).copied().unwrap_or(now).max(now);
        let allowed_from = tat.saturating_sub((self.burst - 1) * self.interval);
        if allowed_from > now {
            Err(allowed_from - now)
        } else {
            Ok(())
        }
    }

    /// Gives back one event of `key` acquired before `now`: an attempt
    /// that turned out not to be a failure.
    pub fn release(&self, key: impl Hash, now: u64) {
        let key = self.key(key);
        let mut tats = self.lock();
        let Some(tat) = tats.tat.get_mut(&key) else {
            return;
        };
        *tat = tat.saturating_sub(self.interval).max(now);
        // Back to a full burst: forget the key, so that attempts given back
        // (a busy pool's, a right password's) never fill the limiter.
        if *tat <= now {
            tats.tat.remove(&key);
        }
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.lock().tat.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tats> {
        self.inner.lock().expect("no panic while holding the lock")
    }
}

/// How many addresses a user is remembered to have logged in from.
pub const KNOWN_ADDRESSES_PER_USER: usize = 8;

/// Failed logins, limited three ways, so that guessing is slow and the
/// limits cannot be turned against the user they protect:
///
/// - per client address, whatever the username (password spraying);
/// - per username and address: what a user's own device may fail;
/// - per username, from the addresses it has never logged in from
///   (guessing from everywhere). A user's own addresses, where they logged
///   in before, do not count here and are not stopped by it: failures from
///   anywhere else can lock out strangers, never the user at home.
///
/// OWASP's authentication cheat sheet warns that a plain per-account
/// lockout is a denial of service anyone can aim; this is its "device"
/// idea, with the address as the device.
pub struct LoginLimits {
    pub per_user: Limiter,
    pub per_user_address: Limiter,
    pub per_client: Limiter,
    /// Successful password checks of a username, and from an address: a
    /// login costs a bcrypt however it ends, and one account (or one
    /// address) must not take the pool from everyone else.
    pub user_logins: Limiter,
    pub client_logins: Limiter,
    /// Jobs one account or one address may hold in the hashing pool; by
    /// default, two a thread.
    pub pool_share: Option<usize>,
    /// Each user's addresses of past successful logins, newest first.
    known: Mutex<HashMap<String, VecDeque<IpAddr>>>,
    trusted_proxies: Vec<IpNet>,
    pub clock: Clock,
}

/// The server's defaults: 5 failures a username, then one a minute; 20 a
/// client address, then one every 6 seconds.
pub const DEFAULT_USER_BURST: u32 = 5;
pub const DEFAULT_USER_INTERVAL: Duration = Duration::from_secs(60);
pub const DEFAULT_CLIENT_BURST: u32 = 20;
pub const DEFAULT_CLIENT_INTERVAL: Duration = Duration::from_secs(6);

/// The server's defaults for successful logins: 20 a username, then one
/// every 3 seconds; 60 a client address, then one a second.
pub const DEFAULT_USER_SUCCESS_BURST: u32 = 20;
pub const DEFAULT_USER_SUCCESS_INTERVAL: Duration = Duration::from_secs(3);
pub const DEFAULT_CLIENT_SUCCESS_BURST: u32 = 60;
pub const DEFAULT_CLIENT_SUCCESS_INTERVAL: Duration = Duration::from_secs(1);

/// A login attempt, counted as a failure until it is known not to be one.
#[derive(Debug)]
pub struct Attempt {
    username: String,
    client: IpAddr,
    /// Whether `client` is one of the user's own addresses.
    familiar: bool,
}

impl LoginLimits {
    /// `per_user` is the budget of a username, from its own addresses and
    /// from all the others together; `per_client` an address's.
    pub fn new(per_user: Limiter, per_client: Limiter, clock: Clock) -> Self {
        Self {
            per_user_address: per_user.same_budget(),
            per_user,
            per_client,
            user_logins: Limiter::new(DEFAULT_USER_SUCCESS_BURST, DEFAULT_USER_SUCCESS_INTERVAL),
            client_logins: Limiter::new(
                DEFAULT_CLIENT_SUCCESS_BURST,
                DEFAULT_CLIENT_SUCCESS_INTERVAL,
            ),
            pool_share: None,
            known: Mutex::new(HashMap::new()),
            trusted_proxies: Vec::new(),
            clock,
        }
    }

    /// These limits with other budgets for successful logins.
    pub fn with_success_limits(mut self, per_user: Limiter, per_client: Limiter) -> Self {
        self.user_logins = per_user;
        self.client_logins = per_client;
        self
    }

    /// These limits with another share of the hashing pool.
    pub fn with_pool_share(mut self, share: usize) -> Self {
        self.pool_share = Some(share);
        self
    }

    /// These limits, reading a client's address from `X-Forwarded-For`
    /// when the connection comes from one of `proxies`.
    pub fn trusting(mut self, proxies: Vec<IpNet>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    pub fn trusted_proxies(&self) -> &[IpNet] {
        &self.trusted_proxies
    }

    fn is_familiar(&self, username: &str, client: IpAddr) -> bool {
        let known = self.known.lock().expect("no panic while holding the lock");
        known
            .get(username)
            .is_some_and(|addresses| addresses.contains(&client))
    }

    /// Counts a login attempt of `username` from `client` as a failure
    /// before anything is checked, or the seconds to wait: decided before
    /// bcrypt runs, the same for a username that exists and one that does
    /// not.
    pub fn begin(&self, username: &str, client: IpAddr) -> Result<Attempt, u64> {
        let now = (self.clock)();
        self.user_logins.check(username, now)?;
        self.client_logins.check(client, now)?;
        let familiar = self.is_familiar(username, client);
        self.per_client.acquire(client, now)?;
        if let Err(wait) = self.per_user_address.acquire((username, client), now) {
            self.per_client.release(client, now);
            return Err(wait);
        }
        if !familiar && let Err(wait) = self.per_user.acquire(username, now) {
            self.per_client.release(client, now);
            self.per_user_address.release((username, client), now);
            return Err(wait);
        }
        Ok(Attempt {
            username: username.to_owned(),
            client,
            familiar,
        })
    }

    /// The attempt was no failure (a right password, a busy pool): it
    /// does not count.
    pub fn refund(&self, attempt: &Attempt) {
        let now = (self.clock)();
        self.per_client.release(attempt.client, now);
        self.per_user_address
            .release((attempt.username.as_str(), attempt.client), now);
        if !attempt.familiar {
            self.per_user.release(attempt.username.as_str(), now);
        }
    }

    /// The password was right: not a failure, but a login, counted against
    /// the budgets of successful logins.
    pub fn password_right(&self, attempt: &Attempt) {
        self.refund(attempt);
        let now = (self.clock)();
        let _ = self.user_logins.acquire(attempt.username.as_str(), now);
        let _ = self.client_logins.acquire(attempt.client, now);
    }

    /// The attempt logged the user in: a login, and its address is now one
    /// of the user's own. Its address's other failures stay.
    pub fn succeeded(&self, attempt: &Attempt) {
        self.password_right(attempt);
        let mut known = self.known.lock().expect("no panic while holding the lock");
        let addresses = known.entry(attempt.username.clone()).or_default();
        addresses.retain(|address| *address != attempt.client);
        addresses.push_front(attempt.client);
        addresses.truncate(KNOWN_ADDRESSES_PER_USER);
    }
}

/// The address a client's failures count against: an IPv4 address, or an
/// IPv6 address's /64, since one host is given a whole /64 and could
/// otherwise take a fresh budget from each of its 2^64 addresses.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

/// The client's IP: the connection's peer, unless the peer is one of our
/// trusted proxies; then the last address in `X-Forwarded-For` that is not
/// a trusted proxy. Anyone can write `X-Forwarded-For`: from a peer we do
/// not trust it is ignored, or every guess would name a new address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Some proxies write the port too: `203.0.113.5:4711`, `[2001:db8::1]:443`.
        let ip = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()));
        match ip {
            Ok(ip) if is_trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            // A hop our proxies did not write: trust no further.
            Err(_) => return client,
        }
    }
    client
}

/// The client address a request's failed logins count against, by
/// `client_ip` and `client_key`; `0.0.0.0` for all when the server was not
/// started with connect info.
pub struct ClientAddress(pub IpAddr);

// Any app whose state reaches this step's: a later step's `/token` and
// `/login` count failures by the same address.
impl<S> FromRequestParts<S> for ClientAddress
where
    S: Send + Sync,
    ThrottleState: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = ThrottleState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
                addr.ip()
            });
        let ip = client_ip(peer, &parts.headers, state.limits.trusted_proxies());
        Ok(ClientAddress(client_key(ip)))
    }
}

/// How much of the hashing pool one account, or one client address, may
/// hold at once, waiting or hashing: two jobs a thread. A flood of one
/// account's logins (its right password, which no failure limit stops)
/// then fills its own share and is refused 503, while everyone else's
/// logins still find room in the queue.
pub struct PoolShares {
    share: usize,
    hasher: RandomState,
    held: Mutex<HashMap<u64, usize>>,
}

impl PoolShares {
    /// Shares of `share` jobs; by default, two a thread of `pool`.
    pub fn new(pool: &HashingPool, share: Option<usize>) -> Self {
        Self {
            share: share.unwrap_or(2 * pool.threads()).max(1),
            hasher: RandomState::new(),
            held: Mutex::new(HashMap::new()),
        }
    }

    /// A share of the pool for a login of `username` from `client`, or
    /// `Busy` when either already holds its share; given back when dropped.
    pub fn take(self: &Arc<Self>, username: &str, client: IpAddr) -> Result<ShareHeld, Busy> {
        let keys = [
            self.hasher.hash_one(("user", username)),
            self.hasher.hash_one(("client", client)),
        ];
        let mut held = self.held.lock().expect("no panic while holding the lock");
        if keys
            .iter()
            .any(|key| held.get(key).is_some_and(|count| *count >= self.share))
        {
            return Err(Busy);
        }
        for key in keys {
            *held.entry(key).or_insert(0) += 1;
        }
        Ok(ShareHeld {
            shares: Arc::clone(self),
            keys,
        })
    }
}

/// A login's share of the pool, until it is dropped: moved into the job,
/// so that it is given back when the hash ends, not when the client hangs
/// up.
pub struct ShareHeld {
    shares: Arc<PoolShares>,
    keys: [u64; 2],
}

impl Drop for ShareHeld {
    fn drop(&mut self) {
        let mut held = self
            .shares
            .held
            .lock()
            .expect("no panic while holding the lock");
        for key in self.keys {
            if let Some(count) = held.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    held.remove(&key);
                }
            }
        }
    }
}

/// What this step's routes share: step 13's, the hashing pool and the
/// login limits, behind one `Arc`. axum clones the state twice for every
/// request it routes: one count to bump, not thirteen.
#[derive(Clone)]
pub struct ThrottleState(Arc<ThrottleStores>);

/// What a `ThrottleState` holds: step 13's state, and the hashing pool and
/// the login limits beside it. `state.auth` reaches the earlier stores
/// through `Deref`, down the chain of states.
pub struct ThrottleStores {
    pub previous: TotpState,
    pub pool: Arc<HashingPool>,
    pub shares: Arc<PoolShares>,
    pub limits: Arc<LoginLimits>,
}

impl ThrottleState {
    pub fn new(previous: TotpState, pool: HashingPool, limits: LoginLimits) -> Self {
        Self(Arc::new(ThrottleStores {
            previous,
            shares: Arc::new(PoolShares::new(&pool, limits.pool_share)),
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

impl Deref for ThrottleStores {
    type Target = TotpState;

    fn deref(&self) -> &TotpState {
        &self.previous
    }
}

// Steps 09, 11 and 12's handlers, in this step's app.
crate::earlier_states!(ThrottleState => CookieState, RevocationState, ScopesState);

impl FromRequestParts<ThrottleState> for Principal {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ThrottleState,
    ) -> Result<Self, Self::Rejection> {
        principal_from_request(
            parts,
            &state.auth,
            &state.refresh,
            &state.denied,
            &state.csrf,
        )
        .await
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
    client: IpAddr,
    username: String,
    password: String,
) -> Result<User, ThrottleError> {
    let share = state
        .shares
        .take(&username, client)
        .map_err(|Busy| ThrottleError::Busy)?;
    let auth = state.auth.clone();
    let checked = state
        .pool
        .run(move || {
            let _share = share;
            auth.passwords
                .authenticate_user(auth.users.as_ref(), &username, &password)
        })
        .await
        .map_err(|Busy| ThrottleError::Busy)?;
    checked.ok_or_else(|| TokenError::InvalidGrant.into())
}

fn too_many(retry_after: u64) -> ThrottleError {
    ThrottleError::TooManyFailures { retry_after }
}

/// The password check of `/token` and `/login` from this step on: the
/// attempt counted before bcrypt, bcrypt on the pool, and the count given
/// back unless the password was wrong.
pub async fn throttled_login(
    state: &ThrottleState,
    client: IpAddr,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
) -> Result<(User, Scopes), ThrottleError> {
    let username = required(username, "username")?;
    let password = required(password, "password")?;
    let requested = requested_scopes(scope)?;
    let attempt = state.limits.begin(&username, client).map_err(too_many)?;
    let user = match authenticate_on_pool(state, client, username, password).await {
        Ok(user) => user,
        Err(ThrottleError::Busy) => {
            state.limits.refund(&attempt);
            return Err(ThrottleError::Busy);
        }
        // A wrong password: the attempt stays counted.
        Err(error) => return Err(error),
    };
    // The password was right: whatever comes next, this was no failure.
    // Only a whole login makes the address one of the user's own; a
    // password that still needs its second factor does not.
    let login = grant(&state.grants, &user.username, &requested)
        .map_err(MfaError::from)
        .and_then(|granted| after_password(state, user, granted));
    match login {
        Ok(login) => {
            state.limits.succeeded(&attempt);
            Ok(login)
        }
        Err(error) => {
            state.limits.password_right(&attempt);
            Err(error.into())
        }
    }
}

/// The second factor of `/token` and `/login` from this step on: a code
/// is a guess like a password, so it counts against the same limits, for
/// the MFA token's user and this client, decided before the code is
/// checked. Step 13's five tries per MFA token stay; these are what stop a
/// guesser who gets a new MFA token whenever the old one is spent.
pub fn throttled_second_factor(
    state: &ThrottleState,
    client: IpAddr,
    mfa_token: Option<String>,
    otp: Option<String>,
) -> Result<(User, Scopes), ThrottleError> {
    let (mfa, otp) = second_factor_fields(state, mfa_token, otp)?;
    let attempt = state
        .limits
        .begin(&mfa.claims.sub, client)
        .map_err(too_many)?;
    // A refused code stays counted.
    let login = check_code(state, &mfa, &otp)?;
    state.limits.succeeded(&attempt);
    Ok(login)
}

/// `POST /token`, throttled.
pub async fn token(
    State(state): State<ThrottleState>,
    ClientAddress(client): ClientAddress,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Response {
    no_store(grant_tokens(&state, client, form).await.map(Json))
}

async fn grant_tokens(
    state: &ThrottleState,
    client: IpAddr,
    form: Result<Form<MfaTokenRequest>, FormRejection>,
) -> Result<RefreshTokenResponse, ThrottleError> {
    let request = read_form(form)?;
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
        MFA_GRANT_TYPE => throttled_second_factor(state, client, request.mfa_token, request.otp)?,
        "refresh_token" => {
            let refresh_request = RefreshTokenRequest {
                grant_type: request.grant_type,
                scope: request.scope,
                refresh_token: request.refresh_token,
                ..RefreshTokenRequest::default()
            };
            return Ok(refresh_grant(state, refresh_request)?);
        }
        _ => return Err(TokenError::UnsupportedGrantType.into()),
    };
    Ok(issue_tokens(state, &user, &scopes)?)
}

/// `POST /login`, throttled.
pub async fn login(
    State(state): State<ThrottleState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Response {
    if from_another_site(&headers) {
        return refuse_cross_site();
    }
    no_store(start_session(&state, client, form).await)
}

async fn start_session(
    state: &ThrottleState,
    client: IpAddr,
    form: Result<Form<MfaLoginForm>, FormRejection>,
) -> Result<Response, ThrottleError> {
    let fields = read_form(form)?;
    let (user, scopes) = if fields.mfa_token.is_some() {
        throttled_second_factor(state, client, fields.mfa_token, fields.otp)?
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
    Ok(session_response(&state.auth, &state.csrf, &user, &scopes)?)
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
