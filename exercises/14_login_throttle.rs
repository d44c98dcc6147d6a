//! # Step 14: login throttling
//!
//! ## What you build
//!
//! bcrypt is the most expensive thing this server does, on purpose, and the
//! one thing anyone can make it do without an account: send a login. Two
//! kinds of attack follow, and this step answers both.
//!
//! **Flooding.** A few hundred logins a second would keep every core busy
//! with bcrypt. Step 05 ran bcrypt on tokio's blocking pool, which grows to
//! 512 threads: the flood would get them all, and `/users/me` would wait
//! behind it. Here bcrypt gets a pool of its own: one thread per core, at
//! the lowest scheduling priority (Linux's `SCHED_IDLE`: it runs only when
//! nothing else wants the core), behind a short queue. When the queue is
//! full the answer is 503 `temporarily_unavailable` at once, with
//! `Retry-After`: refusing early is cheaper than hashing late.
//!
//! **Guessing.** Online password guessing (one account, many passwords)
//! and password spraying (many accounts, one common password, from one
//! address) are limited by counting *failed* logins with a GCRA (the
//! "generic cell rate algorithm": a burst, then one more every interval).
//! Past the limit: 429 with `Retry-After`, decided *before* bcrypt runs,
//! the same answer for a username that exists and one that does not. A
//! right password never counts as a failure. Three budgets:
//!
//! - **per client address**, whatever the username: spraying;
//! - **per username and address**: what one device may get wrong;
//! - **per username, from addresses it never logged in from**: guessing
//!   from everywhere. An address where the user logged in before does not
//!   spend this budget and is not stopped by it.
//!
//! Why three? A plain per-account limit is a lever: anyone can fail
//! alice's login a few times a minute and keep her out, her right password
//! included (OWASP's authentication cheat sheet). Here failures from
//! strangers' addresses lock out strangers; alice, from an address she
//! logged in from, keeps her own budget.
//!
//! A wrong second-factor code (step 13) is a failed login too, counted for
//! the MFA token's user: five tries per MFA token stop nobody who has the
//! password, since a new MFA token costs one request. RFC 4226 §7.3, which
//! TOTP builds on (RFC 6238 §3), asks for throttling "across login
//! sessions" for this reason.
//!
//! An attempt is counted *before* it is checked (a reservation, given back
//! when the password was right): counted after bcrypt, twenty guesses sent
//! at once would all pass the check before the first was counted.
//!
//! **Capacity.** No failure limit stops a flood of a *right* password, and
//! each one costs a bcrypt. So successful logins have budgets too (per
//! username and per address, checked before bcrypt, counted after), and one
//! account or one address may hold at most its share of the hashing pool
//! (`PoolShares`: two jobs a thread, waiting or hashing); past it, 503 at
//! once, and everyone else's logins still find room.
//!
//! **Who is the client?** The connection's address, with two corrections.
//! An IPv6 host is given a whole /64, so an IPv6 client is counted by its
//! first 64 bits, or it takes a fresh budget from each of 2^64 addresses.
//! Behind a reverse proxy every client has the proxy's address; the server
//! then trusts `X-Forwarded-For`, but only from the proxies it is told to
//! trust (`--trusted-proxy 10.0.0.0/8`), and only the last address in it
//! that is not one of them: anyone can write that header, and the left end
//! of it is whatever the client wrote.
//!
//! **Bounded.** Each limiter keeps a fixed-size hash of its key (a 16 KB
//! username costs what a short one does), forgets keys whose time has
//! passed a few at a time (never a scan of the whole map per failure), and
//! keeps at most `LIMITER_CAPACITY` keys, forgetting its oldest first when
//! a spray from many addresses fills it.
//!
//! ## The contract
//!
//! | request | answer |
//! | --- | --- |
//! | a login while the hashing pool's queue is full | 503 `{"error": "temporarily_unavailable", ...}`, `Retry-After: 1` |
//! | a login for a username with `burst` recent failures from addresses it never logged in from, from another such address | 429 `{"error_description": ...}` (not an OAuth error), `Retry-After: <seconds>`, and bcrypt does not run |
//! | ... from an address where it logged in before | allowed, within that address's own budget for the username |
//! | a login from a client address with `burst` recent failures | the same 429 |
//! | a wrong code in the MFA grant or `POST /login` | counted like a wrong password, for the MFA token's user |
//! | after the interval | one more try is allowed |
//! | successful logins | never counted as failures, and never wipe earlier failures |
//! | a login of a username, or from an address, past its budget of successful logins | 429 with `Retry-After`, decided before bcrypt |
//! | a login of an account, or from an address, that holds its share of the hashing pool | 503 `temporarily_unavailable` at once |
//!
//! Both `POST /token` (the password grant) and `POST /login` are
//! throttled: every door that checks a password. Everything else is step
//! 13's app. The server's defaults (flags, see the README): 5 failures a
//! username then one a minute; 20 an address then one every 6 seconds;
//! 20 successful logins a username then one every 3 seconds, 60 an
//! address then one a second.
//! Serve the app with `into_make_service_with_connect_info::<SocketAddr>()`
//! so it sees each client's address.
//!
//! ## Hints
//!
//! - `std::sync::mpsc::sync_channel(queue)` is a bounded queue;
//!   `try_send` fails at once when it is full. Share the receiver between
//!   the threads in an `Arc<Mutex<_>>`, locked only to take a job.
//! - `tokio::sync::oneshot` carries a job's result back to the handler.
//! - GCRA keeps one number per key, its "theoretical arrival time" (TAT): a
//!   failure moves it `interval` later (from now, if it is in the past); one
//!   more is allowed while `TAT - (burst - 1) * interval <= now`.
//! - `libc::sched_setscheduler(0, libc::SCHED_IDLE, &param)` lowers the
//!   calling thread.
//! - `Ipv6Addr::to_ipv4_mapped` finds an IPv4 client a dual-stack socket
//!   reports as `::ffff:a.b.c.d`; `u128::from(v6)` masks a /64.
//! - `ipnet::IpNet::contains` says whether a proxy is trusted.
//!
//! ## What must hold
//!
//! - Every door that checks a password or a code (`/token`'s password and
//!   MFA grants, `/login`'s two requests) is throttled, before the check.
//! - A refused login never runs bcrypt, and the answer is the same for a
//!   username that exists and one that does not.
//! - No burst can be overrun, not even by guesses sent at once.
//! - Failures from elsewhere never stop a user at an address where they
//!   logged in before; guessing from new addresses stays throttled.
//! - A success gives back its own attempt and nothing more.
//! - The client is the peer, by its /64 for IPv6; `X-Forwarded-For` counts
//!   only from a trusted proxy, read from the right.
//! - Memory is bounded: fixed-size keys, expired keys forgotten, a capacity.
//! - bcrypt runs on a bounded pool at the lowest priority; a full pool is
//!   503 at once, and no account or address holds more than its share.
//! - Successful logins are limited too, per username and per address.
//!
//! Run the tests: `cargo course test 14` (underneath: `cargo test --test step14_login_throttle`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

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
        todo!("step 14: a sync_channel of `queue` jobs and `threads` named threads running `work`")
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
        todo!(
            "step 14: send the job (which sends its result on a oneshot) with try_send; Busy when the queue is full"
        )
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
    todo!(
        "step 14: lower this thread's priority, then take jobs one at a time and run them until the pool is gone"
    )
}

/// Puts this thread under every other: Linux's `SCHED_IDLE` runs it only
/// when no normal thread wants the core, so the async workers always win.
fn lowest_priority() {
    todo!("step 14: on Linux, sched_setscheduler(0, SCHED_IDLE, ..)")
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
        todo!(
            "step 14: pop the queue's front while its TAT has passed; forget its key if the key's own TAT has passed too"
        )
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
        todo!(
            "step 14: prune; GCRA: refused while TAT - (burst - 1) * interval > now (the seconds to wait); else make room for a new key (evict_for_one_more), TAT = max(TAT, now) + interval, queued (Tats::queue)"
        )
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
        todo!(
            "step 14: move the key's TAT back one interval, never before now; forget the key once its TAT is not after now"
        )
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
        todo!(
            "step 14: the budgets of successful logins first (check, count nothing); is the client familiar? Acquire the client's, the user-and-client's and (if not familiar) the user's budget; release what was taken when one refuses"
        )
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
        todo!(
            "step 14: refund, then count one successful login for the username and the address (user_logins, client_logins)"
        )
    }

    /// The attempt logged the user in: a login, and its address is now one
    /// of the user's own. Its address's other failures stay.
    pub fn succeeded(&self, attempt: &Attempt) {
        todo!(
            "step 14: password_right, then remember the client among the user's last KNOWN_ADDRESSES_PER_USER addresses"
        )
    }
}

/// The address a client's failures count against: an IPv4 address, or an
/// IPv6 address's /64, since one host is given a whole /64 and could
/// otherwise take a fresh budget from each of its 2^64 addresses.
pub fn client_key(ip: IpAddr) -> IpAddr {
    todo!("step 14: IPv4 as is; IPv4-mapped IPv6 as its IPv4; other IPv6 by its /64")
}

/// The client's IP: the connection's peer, unless the peer is one of our
/// trusted proxies; then the last address in `X-Forwarded-For` that is not
/// a trusted proxy. Anyone can write `X-Forwarded-For`: from a peer we do
/// not trust it is ignored, or every guess would name a new address.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    todo!(
        "step 14: the peer, unless it is a trusted proxy; then every X-Forwarded-For line, from the right, past every trusted proxy, to the first address that is not one (an address may carry a port); stop at anything else"
    )
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
    todo!(
        "step 14: take the login's share of the pool (state.shares.take) and move it into the job, so it is given back when the hash ends; authenticate_user on the pool: Busy is ThrottleError::Busy, None is invalid_grant"
    )
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
    todo!(
        "step 14: the fields and scope names; begin the attempt (429) before bcrypt on the pool; a busy pool refunds; a right password is password_right (succeeded, if it logs in), then grant and after_password"
    )
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
    todo!(
        "step 14: step 13's second_factor_fields; begin an attempt for the MFA token's user; check_code; succeeded only if the code was right"
    )
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
