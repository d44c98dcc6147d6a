//! Step 14: the hashing pool, failed-login limits, 429 and 503, over HTTP
//! and directly. The limits' clock is injected.

mod common;
#[path = "common/state.rs"]
mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::extract::connect_info::ConnectInfo;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use common::{
    FORM, Reply, TEST_SECRET, TEST_TTL, TestServer, TestUser, form, now, random_user, serve,
};
use course::cookies::{CookieState, CsrfKey};
use course::fake_db::{InMemoryUserStore, User, UserStore};
use course::login_throttle::{
    Busy, HashingPool, Limiter, LoginLimits, ThrottleState, app, client_ip, client_key,
};
use course::passwords::PasswordHasher;
use course::refresh::{DEFAULT_REFRESH_TTL, RefreshState, RefreshStore};
use course::revocation::{DenyList, RevocationState};
use course::scopes::{ItemStore, Scope, ScopeGrants, Scopes, ScopesState};
use course::token_route::{AuthState, MAX_BODY_BYTES};
use course::totp::{MFA_GRANT_TYPE, MfaKeys, TotpSecrets, TotpState};
use state::{someone, test_hasher, test_keys};
use totp_rs::{Builder, Secret};

const LOOK: &str = "exercises/14_login_throttle.rs";

/// A store that counts lookups: a login that never looks its user up never
/// ran bcrypt.
struct CountingStore {
    inner: InMemoryUserStore,
    lookups: Arc<AtomicUsize>,
}

impl UserStore for CountingStore {
    fn find_by_username(&self, username: &str) -> Option<User> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.find_by_username(username)
    }
}

struct Setup {
    server: TestServer,
    lookups: Arc<AtomicUsize>,
    clock: Arc<AtomicU64>,
    state: ThrottleState,
}

struct Limits {
    user_burst: u32,
    client_burst: u32,
    pool: (usize, usize),
    /// CIDR blocks of trusted proxies.
    trusted: &'static [&'static str],
    /// Successful logins a username and an address may have at once (then
    /// one a minute).
    successes: (u32, u32),
}

const LIMITS: Limits = Limits {
    user_burst: 3,
    client_burst: 8,
    pool: (2, 2),
    trusted: &[],
    successes: (100, 100),
};

/// Takes the client address from an `X-Test-Client` header, so that one
/// test can play several clients. Each request comes from a port of its
/// own, as each connection of a real client does.
async fn client_from_header(mut request: Request, next: Next) -> Response {
    let ip = request
        .headers()
        .get("x-test-client")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or([127, 0, 0, 1].into());
    let port = random_port();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, port)));
    next.run(request).await
}

fn random_port() -> u16 {
    let mut bytes = [0u8; 2];
    getrandom::fill(&mut bytes).expect("random");
    1024 + u16::from_le_bytes(bytes) % 60000
}

async fn setup(extra: &[&TestUser], hasher: PasswordHasher, limits: Limits) -> Setup {
    // The demo users at the test cost, whatever `hasher`'s: only the
    // test's own users need a slow hash.
    let quick = test_hasher();
    let mut inner = InMemoryUserStore::with_demo_users(|p| quick.hash(p).expect("hash"));
    let mut grants = ScopeGrants::demo();
    for user in extra {
        inner.insert(user.user.clone());
        grants.allow(&user.user.username, Scopes::of(&[Scope::Profile]));
    }
    let lookups = Arc::new(AtomicUsize::new(0));
    let users = CountingStore {
        inner,
        lookups: Arc::clone(&lookups),
    };
    let auth = AuthState::new(users, hasher, test_keys(), TEST_TTL);
    let scopes = ScopesState::new(auth, grants, ItemStore::demo());
    let refresh = RefreshState::new(scopes, RefreshStore::new(DEFAULT_REFRESH_TTL));
    let cookies = CookieState::new(
        RevocationState::new(refresh, DenyList::default()),
        CsrfKey::derive(TEST_SECRET).expect("a long secret"),
    );
    let clock = Arc::new(AtomicU64::new(now()));
    let read = Arc::clone(&clock);
    let clock_fn: course::totp::Clock = Arc::new(move || read.load(Ordering::SeqCst));
    let totp = TotpState::new(
        cookies,
        TotpSecrets::demo(),
        MfaKeys::derive(TEST_SECRET).expect("keys"),
        clock_fn.clone(),
    );
    let trusted = limits
        .trusted
        .iter()
        .map(|net| net.parse().expect("a CIDR block"))
        .collect();
    let login_limits = LoginLimits::new(
        Limiter::new(limits.user_burst, Duration::from_secs(60)),
        Limiter::new(limits.client_burst, Duration::from_secs(60)),
        clock_fn,
    )
    .trusting(trusted)
    .with_success_limits(
        Limiter::new(limits.successes.0, Duration::from_secs(60)),
        Limiter::new(limits.successes.1, Duration::from_secs(60)),
    );
    let pool = HashingPool::new(limits.pool.0, limits.pool.1);
    let state = ThrottleState::new(totp, pool, login_limits);
    let app = app(state.clone())
        .merge(Router::new().route("/ping", get(|| async { "pong" })))
        .layer(middleware::from_fn(client_from_header));
    Setup {
        server: serve(app).await,
        lookups,
        clock,
        state,
    }
}

async fn login_from(server: &TestServer, client: &str, username: &str, password: &str) -> Reply {
    let body = form(&[
        ("grant_type", "password"),
        ("username", username),
        ("password", password),
    ]);
    server
        .request(
            reqwest::Method::POST,
            "/token",
            &[("content-type", common::FORM), ("x-test-client", client)],
            body,
        )
        .await
}

#[track_caller]
fn assert_throttled(reply: &Reply, why: &str) {
    reply.assert_no_error_code(
        429,
        &format!("{why}: 429 Too Many Requests, a JSON body"),
        "throttled_login and LoginLimits in exercises/14_login_throttle.rs",
    );
    let retry = reply
        .header("retry-after")
        .and_then(|v| v.parse::<u64>().ok());
    assert!(
        retry.is_some_and(|s| s >= 1),
        "{}",
        reply.explain(
            "a Retry-After header with the seconds to wait (RFC 9110 §10.2.3): a client that respects it stops \
             hammering; one that does not stays refused",
            "ThrottleError in exercises/14_login_throttle.rs"
        )
    );
}

#[tokio::test]
async fn a_username_is_throttled_after_its_failures_before_bcrypt_runs() {
    let user = someone();
    let Setup {
        server, lookups, ..
    } = setup(&[&user], test_hasher(), LIMITS).await;
    let name = user.user.username.as_str();
    for attempt in 1..=3 {
        let reply = login_from(&server, "10.0.0.1", name, "wrong").await;
        reply.assert_error(
            400,
            "invalid_grant",
            &format!("wrong password number {attempt}"),
            LOOK,
        );
    }
    let before = lookups.load(Ordering::SeqCst);
    let reply = login_from(&server, "10.0.0.2", name, &user.password).await;
    assert_throttled(
        &reply,
        "a fourth login for a username with three failures, even with the right password and from another address",
    );
    assert!(
        lookups.load(Ordering::SeqCst) == before,
        "{}",
        reply.explain(
            "the 429 decided before the user is looked up and bcrypt runs: refusing after the expensive check \
             saves nothing",
            "throttled_login in exercises/14_login_throttle.rs"
        )
    );
}

#[tokio::test]
async fn unknown_usernames_are_throttled_the_same_way() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    let name = format!("nobody-{}", common::random_hex(4));
    for _ in 1..=3 {
        login_from(&server, "10.0.0.1", &name, "wrong")
            .await
            .assert_error(400, "invalid_grant", "an unknown user", LOOK);
    }
    assert_throttled(
        &login_from(&server, "10.0.0.3", &name, "wrong").await,
        "an unknown username after three failures: the same answer as an existing one, or the 429 tells an \
         attacker which usernames exist",
    );
}

#[tokio::test]
async fn a_client_address_is_throttled_across_usernames() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    for attempt in 0..8 {
        let name = format!("spray-{attempt}-{}", common::random_hex(3));
        login_from(&server, "10.9.9.9", &name, "wrong")
            .await
            .assert_error(400, "invalid_grant", "a failed login", LOOK);
    }
    assert_throttled(
        &login_from(&server, "10.9.9.9", "alice", "secret123").await,
        "a ninth login from an address with eight failures on eight usernames: password spraying is \
         limited per client address",
    );
    login_from(&server, "10.1.1.1", "alice", "secret123")
        .await
        .assert_status(
            200,
            "the same login from another address is not throttled",
            "LoginLimits in exercises/14_login_throttle.rs",
        );
}

#[tokio::test]
async fn the_limit_lifts_with_time() {
    let user = someone();
    let Setup { server, clock, .. } = setup(&[&user], test_hasher(), LIMITS).await;
    let name = user.user.username.as_str();
    for _ in 1..=3 {
        login_from(&server, "10.0.0.1", name, "wrong").await;
    }
    assert_throttled(
        &login_from(&server, "10.0.0.1", name, &user.password).await,
        "three failures",
    );
    clock.fetch_add(60, Ordering::SeqCst);
    login_from(&server, "10.0.0.1", name, &user.password).await.assert_status(
        200,
        "a minute later (the injected clock), one more try is allowed: a limit, not a lock-out for good",
        "Limiter in exercises/14_login_throttle.rs",
    );
}

#[tokio::test]
async fn successful_logins_are_never_throttled() {
    let user = someone();
    let Setup { server, .. } = setup(&[&user], test_hasher(), LIMITS).await;
    for attempt in 1..=10 {
        login_from(&server, "10.0.0.1", &user.user.username, &user.password)
            .await
            .assert_status(
                200,
                &format!("successful login number {attempt}: only failures count against a user"),
                "throttled_login in exercises/14_login_throttle.rs",
            );
    }
}

/// bcrypt at cost 11: about a tenth of a second a check.
fn slow_hasher() -> PasswordHasher {
    PasswordHasher::new(11).expect("cost 11")
}

#[tokio::test]
async fn a_full_pool_answers_503_and_protected_routes_stay_fast() {
    let hasher = slow_hasher();
    // Six users, each logging in once: no one holds more than their share
    // of the pool, and the pool is still full.
    let users: Vec<TestUser> = (0..6)
        .map(|_| random_user(|p| hasher.hash(p).expect("hash")))
        .collect();
    let limits = Limits {
        user_burst: 100,
        client_burst: 100,
        pool: (1, 1),
        trusted: &[],
        successes: (100, 100),
    };
    let Setup { server, .. } = setup(&users.iter().collect::<Vec<_>>(), hasher, limits).await;
    let server = Arc::new(server);
    let logins: Vec<_> = (0..6)
        .map(|i| {
            let server = Arc::clone(&server);
            let user = &users[i];
            let (name, password) = (user.user.username.clone(), user.password.clone());
            tokio::spawn(async move {
                login_from(&server, &format!("10.0.1.{i}"), &name, &password).await
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(30)).await;
    let ping = server.get("/ping", &[]).await;
    ping.assert_status(
        200,
        "another route answers while the hashing pool is full",
        LOOK,
    );
    let mut statuses = Vec::new();
    for login in logins {
        let reply = login.await.expect("the login task finished");
        if reply.status == 503 {
            reply.assert_error(
                503,
                "temporarily_unavailable",
                "a full hashing pool: 503 temporarily_unavailable",
                "HashingPool::run and ThrottleError in exercises/14_login_throttle.rs",
            );
            assert!(
                reply.header("retry-after").is_some(),
                "{}",
                reply.explain(
                    "a 503 with Retry-After",
                    "ThrottleError in exercises/14_login_throttle.rs"
                )
            );
        }
        statuses.push(reply.status);
    }
    let busy = statuses.iter().filter(|s| **s == 503).count();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        busy >= 1 && ok >= 1 && busy + ok == statuses.len(),
        "six simultaneous logins at bcrypt cost 11 against a pool of one thread and a queue of one must give \
         some 200s and some 503s (a bounded pool refuses at once rather than queueing without end); got {statuses:?}.\n  \
         look at: HashingPool in {LOOK}"
    );
}

#[test]
fn the_pool_never_hashes_on_more_threads_than_it_has() {
    let pool = HashingPool::new(2, 16);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let results = runtime.block_on(async {
        let jobs = (0..12).map(|_| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            pool.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(15));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        let mut results = Vec::new();
        for job in jobs.collect::<Vec<_>>() {
            results.push(job.await);
        }
        results
    });
    assert!(
        most.load(Ordering::SeqCst) <= 2 && results.iter().all(Result::is_ok),
        "twelve jobs on a pool of 2 threads with a queue of 16: at most 2 may run at once and all must finish; \
         {} ran at once, results {results:?}.\n  look at: HashingPool in {LOOK}",
        most.load(Ordering::SeqCst)
    );
}

#[test]
fn a_full_queue_refuses_at_once() {
    let full = HashingPool::new(1, 1);
    let (started, has_started) = std::sync::mpsc::channel::<()>();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let first = full.submit(move || {
        let _ = started.send(());
        let _ = gate.recv();
    });
    has_started
        .recv_timeout(Duration::from_secs(5))
        .expect("the pool's thread starts the first job");
    let second = full.submit(|| ());
    let third = full.submit(|| ());
    let _ = release.send(());
    assert!(
        first.is_ok() && second.is_ok() && matches!(third, Err(Busy)),
        "a pool of 1 thread and a queue of 1: the first job runs, the second waits, the third is refused at once \
         with Busy (no waiting without end); got {:?}, {:?}, {:?}.\n  look at: HashingPool::submit in {LOOK}",
        first.is_ok(),
        second.is_ok(),
        third.is_ok()
    );
}

#[cfg(target_os = "linux")]
#[test]
fn the_pool_threads_run_at_the_lowest_priority() {
    let pool = HashingPool::new(1, 1);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    // SAFETY: sched_getscheduler reads this thread's policy.
    let policy = runtime.block_on(pool.run(|| unsafe { libc::sched_getscheduler(0) }));
    assert!(
        policy == Ok(libc::SCHED_IDLE),
        "a hashing thread's scheduling policy must be SCHED_IDLE ({}); it is {policy:?}. Then the async workers \
         always get the core first, and a login flood never slows the protected routes.\n  look at: \
         lowest_priority in {LOOK}",
        libc::SCHED_IDLE
    );
}

#[tokio::test]
async fn the_cookie_login_is_throttled_too() {
    let user = someone();
    let Setup { server, .. } = setup(&[&user], test_hasher(), LIMITS).await;
    let name = user.user.username.as_str();
    for _ in 1..=3 {
        server
            .post_form(
                "/login",
                &form(&[("username", name), ("password", "wrong")]),
            )
            .await
            .assert_error(400, "invalid_grant", "a failed cookie login", LOOK);
    }
    let reply = server
        .post_form(
            "/login",
            &form(&[("username", name), ("password", &user.password)]),
        )
        .await;
    assert_throttled(
        &reply,
        "POST /login after three failures: every door that checks a password is throttled, or an attacker uses the other",
    );
}

#[tokio::test]
async fn two_factor_users_still_need_their_code() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    let reply = login_from(&server, "10.0.0.1", "carol", "otp-demo-password-1").await;
    reply.assert_error(
        403,
        "mfa_required",
        "carol's password through the throttled /token: step 13's second factor still applies",
        "throttled_login in exercises/14_login_throttle.rs",
    );
}

#[test]
fn pruning_the_limiter_keeps_every_key_still_limited() {
    let limiter = Limiter::new(2, Duration::from_secs(60));
    let now = now();
    for i in 0..2000 {
        let _ = limiter.acquire(format!("long-ago-{i}"), now - 1000);
    }
    // The victim's failures: one long enough ago that its own time has
    // passed, two since, the last just now.
    for at in [now - 70, now - 20, now] {
        let _ = limiter.acquire("victim", at);
    }
    for i in 0..2000 {
        let _ = limiter.acquire(format!("flood-{i}"), now);
    }
    assert!(
        limiter.acquire("victim", now).is_err(),
        "a key with three failures (burst two, one a minute), the first 70 seconds ago, was allowed again after \
         2000 other keys failed once: pruning must drop only the keys whose time has passed (an old failure's \
         time passing is not enough while newer ones stand), or an attacker resets anyone's limit by \
         failing with many usernames.\n  look at: Tats::prune in {LOOK}"
    );
    assert!(
        limiter.len() <= 2001 && !limiter.is_empty(),
        "after 2000 keys whose failures are 1000 seconds old and 2001 recent ones, the limiter \
         keeps {} keys: a key whose time has passed is back to a full burst, so forget it, or \
         the map grows with every username ever tried.\n  look at: Tats::prune in {LOOK}",
        limiter.len()
    );
}

#[test]
fn a_spray_of_new_keys_keeps_the_limiter_bounded() {
    let limiter = Limiter::with_capacity(3, Duration::from_secs(60), 1000);
    let now = now();
    for i in 0..20_000 {
        let _ = limiter.acquire(format!("spray-{i}"), now);
    }
    assert!(
        limiter.len() <= 1000,
        "20,000 failed logins, each for a new username, all within the minute: the limiter keeps {} keys, \
         over its capacity of 1000. Memory must stay bounded however many addresses an attacker sprays \
         from: past its capacity a limiter forgets its oldest keys first, a few at a time (never a scan \
         of the whole map on each failure).\n  look at: Limiter::acquire and Tats::evict_for_one_more in {LOOK}",
        limiter.len()
    );
    for _ in 0..3 {
        let _ = limiter.acquire("latest", now);
    }
    assert!(
        limiter.acquire("latest", now).is_err(),
        "the key recorded last, three failures with a burst of three, must still be limited after the spray: \
         a full limiter forgets its oldest keys, not the newest.\n  look at: Limiter::acquire in {LOOK}"
    );
}

/// A token request from one test client.
async fn token(server: &TestServer, fields: &[(&str, &str)]) -> Reply {
    server
        .request(
            reqwest::Method::POST,
            "/token",
            &[
                ("content-type", common::FORM),
                ("x-test-client", "10.0.0.9"),
            ],
            form(fields),
        )
        .await
}

#[tokio::test]
async fn the_other_grants_still_work_through_the_throttled_token_route() {
    let Setup { server, clock, .. } = setup(&[], test_hasher(), LIMITS).await;
    let where_ = "grant_tokens in exercises/14_login_throttle.rs";
    let login = token(
        &server,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
            ("scope", "profile items:read"),
        ],
    )
    .await;
    login.assert_status(
        200,
        "alice's password grant through step 14's /token",
        where_,
    );
    let refresh_token = login.json()["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let reply = token(
        &server,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh_token),
            ("scope", "profile"),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "step 10's refresh grant through step 14's /token: throttling the password grant must keep the others",
        where_,
    );
    assert!(
        reply.json()["scope"] == "profile",
        "{}",
        reply.explain(
            "scope \"profile\": the refresh asked for less than the login granted, and gets less \
             (RFC 6749 §6); pass the request's fields on to step 10's refresh_grant",
            where_
        )
    );
    let first = login_from(&server, "10.0.0.9", "carol", "otp-demo-password-1").await;
    first.assert_error(
        403,
        "mfa_required",
        "carol's password through step 14's /token: step 13's second factor still applies",
        where_,
    );
    let mfa_token = first.json()["mfa_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let secret = Secret::try_from_base32("JBSWY3DPEHPK3PXP").expect("base32");
    let otp = Builder::new()
        .with_secret(secret)
        .build_noncompliant()
        .generate(clock.load(Ordering::SeqCst))
        .to_string();
    let reply = token(
        &server,
        &[
            ("grant_type", MFA_GRANT_TYPE),
            ("mfa_token", &mfa_token),
            ("otp", &otp),
        ],
    )
    .await;
    reply.assert_status(
        200,
        "carol's MFA token and her current code through step 14's /token: step 13's second grant still finishes her login",
        where_,
    );
}

#[tokio::test]
async fn retry_after_is_the_wait_until_the_next_try() {
    let user = someone();
    let Setup { server, .. } = setup(&[&user], test_hasher(), LIMITS).await;
    let name = user.user.username.as_str();
    for _ in 1..=3 {
        login_from(&server, "10.0.0.1", name, "wrong").await;
    }
    let reply = login_from(&server, "10.0.0.1", name, &user.password).await;
    assert_throttled(&reply, "three failures");
    let retry = reply.header("retry-after").unwrap_or("none").to_owned();
    assert!(
        retry == "60",
        "{}",
        reply.explain(
            &format!(
                "`Retry-After: 60`, not {retry}: three failures at one instant with a burst of three and one \
                 more a minute means the next try is allowed in exactly 60 seconds (GCRA: the key's time \
                 minus (burst - 1) intervals, minus now)"
            ),
            "Limiter::check in exercises/14_login_throttle.rs"
        )
    );
}

#[tokio::test]
async fn every_form_route_keeps_the_body_limit() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    // A login that would succeed, but for its padding.
    let padding = "x".repeat(MAX_BODY_BYTES);
    let body = format!(
        "{}&token=x&padding={padding}",
        form(&[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
        ])
    );
    for path in ["/token", "/login", "/revoke"] {
        let reply = server.post(path, Some(FORM), body.clone()).await;
        reply.assert_error(
            413,
            "invalid_request",
            &format!(
                "POST {path} with a body over 16 KiB is refused before it is read: every route \
                 that reads a form goes through body_limited, or axum lets it buffer 2 MB"
            ),
            "router in exercises/14_login_throttle.rs",
        );
    }
}

#[tokio::test]
async fn the_item_routes_keep_step_09s_store() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    let where_ = "the FromRef impls under ThrottleState in exercises/14_login_throttle.rs";
    let login = token(
        &server,
        &[
            ("grant_type", "password"),
            ("username", "alice"),
            ("password", "secret123"),
            ("scope", "items:read items:write"),
        ],
    )
    .await;
    login.assert_status(200, "alice's login for her items", where_);
    let bearer = format!(
        "Bearer {}",
        login.json()["access_token"].as_str().unwrap_or_default()
    );
    let name = format!("Item {}", common::random_hex(4));
    let added = server
        .request(
            reqwest::Method::POST,
            "/users/me/items",
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            format!(r#"{{"name": "{name}"}}"#),
        )
        .await;
    added.assert_status(201, "alice adds an item through step 14's app", where_);
    let listed = server.get("/users/me/items", &[&bearer]).await;
    assert!(
        listed.status == 200
            && listed.body.contains("Notebook")
            && listed.body.contains(&name),
        "{}",
        listed.explain(
            &format!(
                "alice's demo items (Notebook, Fountain pen) and the {name:?} just added: the item routes \
                 read the app's one item store, not a new one for each request"
            ),
            where_
        )
    );
}

/// carol's current code by the test's clock.
fn carols_code(clock: &AtomicU64) -> String {
    let secret = Secret::try_from_base32("JBSWY3DPEHPK3PXP").expect("base32");
    Builder::new()
        .with_secret(secret)
        .build_noncompliant()
        .generate(clock.load(Ordering::SeqCst))
        .to_string()
}

/// A code that is not `right`.
fn wrong_code(right: &str) -> &'static str {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
}

/// carol's password from `client`: the MFA token of the 403.
async fn carols_mfa_token(server: &TestServer, client: &str) -> Reply {
    login_from(server, client, "carol", "otp-demo-password-1").await
}

async fn second_factor_from(
    server: &TestServer,
    client: &str,
    mfa_token: &str,
    otp: &str,
) -> Reply {
    let body = form(&[
        ("grant_type", MFA_GRANT_TYPE),
        ("mfa_token", mfa_token),
        ("otp", otp),
    ]);
    server
        .request(
            reqwest::Method::POST,
            "/token",
            &[("content-type", common::FORM), ("x-test-client", client)],
            body,
        )
        .await
}

#[tokio::test]
async fn wrong_codes_count_as_failed_logins() {
    let Setup { server, clock, .. } = setup(&[], test_hasher(), LIMITS).await;
    // carol logs in from home first: her address becomes one of her own.
    let mfa = mfa_token_again(&server).await;
    second_factor_from(&server, "10.0.0.8", &mfa, &carols_code(&clock))
        .await
        .assert_status(200, "carol's whole login from home", LOOK);
    clock.fetch_add(30, Ordering::SeqCst);
    let right = carols_code(&clock);
    let mut refused = None;
    // A guesser with carol's password: a fresh MFA token whenever one is
    // spent, one wrong code each, from one address.
    for attempt in 1..=6 {
        let first = carols_mfa_token(&server, "10.0.0.7").await;
        if first.status == 429 {
            refused = Some(first);
            break;
        }
        let mfa = first.json()["mfa_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reply = second_factor_from(&server, "10.0.0.7", &mfa, wrong_code(&right)).await;
        if reply.status == 429 {
            refused = Some(reply);
            break;
        }
        reply.assert_error(
            400,
            "invalid_grant",
            &format!("wrong code number {attempt}, each with a fresh MFA token"),
            LOOK,
        );
    }
    match refused {
        Some(reply) => assert_throttled(
            &reply,
            "carol's password and a wrong code, again and again with a fresh MFA token each time (burst 3)",
        ),
        None => panic!(
            "six wrong codes for carol from one address, each with a fresh MFA token (the password again), were \
             all answered 400: a wrong code is a failed login like a wrong password, counted against the MFA \
             token's user and the client's address and decided before the code is checked (RFC 4226 §7.3, for TOTP too). \
             Five tries per MFA token alone stop nobody who has the password: a 6-digit code falls in hours.\n  \
             look at: throttled_second_factor in {LOOK}"
        ),
    }
    let mfa = mfa_token_again(&server).await;
    let reply = second_factor_from(&server, "10.0.0.8", &mfa, &right).await;
    reply.assert_status(
        200,
        "carol's password and right code from home, where she logged in before, while the guesser is \
         throttled: a limit on the guesser, not on carol",
        "throttled_second_factor in exercises/14_login_throttle.rs",
    );
}

/// A fresh MFA token for carol from her home address.
async fn mfa_token_again(server: &TestServer) -> String {
    let reply = carols_mfa_token(server, "10.0.0.8").await;
    reply.assert_error(403, "mfa_required", "carol's password", LOOK);
    reply.json()["mfa_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_cookie_logins_second_factor_is_throttled_too() {
    let Setup { server, clock, .. } = setup(&[], test_hasher(), LIMITS).await;
    let right = carols_code(&clock);
    let post = |fields: Vec<(&'static str, String)>| {
        let body = form(
            &fields
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        );
        let server = &server;
        async move {
            server
                .request(
                    reqwest::Method::POST,
                    "/login",
                    &[
                        ("content-type", common::FORM),
                        ("x-test-client", "10.0.0.7"),
                    ],
                    body,
                )
                .await
        }
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let first = post(vec![
            ("username", "carol".to_owned()),
            ("password", "otp-demo-password-1".to_owned()),
        ])
        .await;
        statuses.push(first.status);
        let Some(mfa) = first.json()["mfa_token"].as_str().map(str::to_owned) else {
            break;
        };
        let reply = post(vec![
            ("mfa_token", mfa),
            ("otp", wrong_code(&right).to_owned()),
        ])
        .await;
        statuses.push(reply.status);
        if reply.status == 429 {
            break;
        }
    }
    assert!(
        statuses.contains(&429),
        "POST /login with carol's password then a wrong code, six times over, answered {statuses:?} and never \
         429: the cookie login's second factor counts wrong codes against the limits as /token's does, or a \
         guesser uses that door.\n  look at: start_session and throttled_second_factor in {LOOK}"
    );
}

#[tokio::test]
async fn lockout_cannot_be_aimed_at_a_user() {
    let user = someone();
    let limits = Limits {
        user_burst: 5,
        client_burst: 20,
        pool: (2, 8),
        trusted: &[],
        successes: (100, 100),
    };
    let Setup { server, .. } = setup(&[&user], test_hasher(), limits).await;
    let name = user.user.username.as_str();
    login_from(&server, "192.0.2.10", name, &user.password)
        .await
        .assert_status(200, "the user logs in from home", LOOK);
    // Someone else fails the user's password from forty addresses.
    for i in 0..40 {
        let _ = login_from(&server, &format!("198.51.100.{i}"), name, "guess").await;
    }
    login_from(&server, "192.0.2.10", name, &user.password)
        .await
        .assert_status(
            200,
            "the user's right password from home, where they logged in before, after forty failures for their \
             username from forty other addresses: failures from elsewhere must not lock the user out (OWASP: a \
             plain per-account lockout is a denial of service anyone can aim). Failures from addresses the user \
             never logged in from share one budget, which the user's own addresses neither spend nor need",
            "LoginLimits::begin and LoginLimits::succeeded in exercises/14_login_throttle.rs",
        );
    assert_throttled(
        &login_from(&server, "203.0.113.99", name, &user.password).await,
        "the right password from yet another new address, after forty failures from new addresses: guessing \
         from addresses the user never used stays throttled, even if the guess is right",
    );
}

#[tokio::test]
async fn a_success_does_not_wipe_the_addresss_failures() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    // Seven failures from one address, each on a username of its own.
    for attempt in 0..7 {
        let name = format!("spray-{attempt}-{}", common::random_hex(3));
        login_from(&server, "10.7.7.7", &name, "wrong")
            .await
            .assert_error(400, "invalid_grant", "a failed login", LOOK);
    }
    login_from(&server, "10.7.7.7", "alice", "secret123")
        .await
        .assert_status(
            200,
            "alice's right password from the sprayer's address",
            LOOK,
        );
    login_from(&server, "10.7.7.7", "spray-last", "wrong")
        .await
        .assert_error(400, "invalid_grant", "an eighth failure (burst 8)", LOOK);
    assert_throttled(
        &login_from(&server, "10.7.7.7", "spray-more", "wrong").await,
        "a ninth failure from an address with eight, one successful login in between: a success gives back \
         its own attempt, and never wipes the address's failures, or a sprayer who knows one password resets \
         their budget whenever they like",
    );
}

#[tokio::test]
async fn ipv6_clients_are_counted_by_their_64() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    for i in 1..=8 {
        let name = format!("spray-{i}-{}", common::random_hex(3));
        login_from(&server, &format!("2001:db8:1:2::{i:x}"), &name, "wrong")
            .await
            .assert_error(400, "invalid_grant", "a failed login", LOOK);
    }
    assert_throttled(
        &login_from(&server, "2001:db8:1:2:ffff::99", "alice", "secret123").await,
        "a login from 2001:db8:1:2:ffff::99 after eight failures from eight other addresses of the same /64: \
         one host gets a whole /64, so the client limit keys IPv6 by its first 64 bits, or each guess takes a \
         fresh budget from a new address",
    );
    login_from(&server, "2001:db8:1:3::1", "alice", "secret123")
        .await
        .assert_status(
            200,
            "the same login from another /64",
            "client_key in exercises/14_login_throttle.rs",
        );
    assert_eq!(
        client_key("::ffff:192.0.2.7".parse().expect("an address")),
        "192.0.2.7".parse::<std::net::IpAddr>().expect("an address"),
        "an IPv4 address written as IPv6 (::ffff:192.0.2.7, as a dual-stack socket reports it) is that IPv4 \
         address: keyed by all 32 bits, not grouped into a /64 with every other IPv4 client.\n  look at: \
         client_key in {LOOK}"
    );
}

#[test]
fn a_forwarded_for_header_counts_only_from_a_trusted_proxy() {
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("a CIDR block")];
    let ip = |text: &str| text.parse::<std::net::IpAddr>().expect("an address");
    let headers = |value: &str| {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().expect("a header value"));
        headers
    };
    let cases = [
        (
            "198.51.100.1",
            "203.0.113.5",
            "198.51.100.1",
            "from a peer that is not a trusted proxy, X-Forwarded-For is ignored: anyone can write it, and a \
             guesser would name a new address with every request",
        ),
        (
            "10.0.0.1",
            "203.0.113.5",
            "203.0.113.5",
            "from a trusted proxy, the address it says it forwarded for",
        ),
        (
            "10.0.0.1",
            "6.6.6.6, 203.0.113.5",
            "203.0.113.5",
            "the last address that is not a trusted proxy: the client wrote the ones before it, so the \
             leftmost is whatever an attacker likes",
        ),
        (
            "10.0.0.1",
            "6.6.6.6, 203.0.113.5, 10.0.0.2",
            "203.0.113.5",
            "walking left past every trusted proxy (10.0.0.2 is one) to the first address that is not",
        ),
    ];
    for (peer, forwarded, expected, why) in cases {
        let got = client_ip(ip(peer), &headers(forwarded), &trusted);
        assert!(
            got == ip(expected),
            "client_ip(peer {peer}, X-Forwarded-For: {forwarded}, trusted proxies 10.0.0.0/8) gave {got}, not \
             {expected}: {why}.\n  look at: client_ip in {LOOK}"
        );
    }
}

#[tokio::test]
async fn a_trusted_proxy_names_the_client() {
    let limits = Limits {
        trusted: &["10.0.0.0/8"],
        ..LIMITS
    };
    let Setup { server, .. } = setup(&[], test_hasher(), limits).await;
    let via_proxy = |client: &'static str, username: String| {
        let server = &server;
        async move {
            let body = form(&[
                ("grant_type", "password"),
                ("username", &username),
                ("password", "wrong"),
            ]);
            server
                .request(
                    reqwest::Method::POST,
                    "/token",
                    &[
                        ("content-type", common::FORM),
                        ("x-test-client", "10.0.0.1"),
                        ("x-forwarded-for", client),
                    ],
                    body,
                )
                .await
        }
    };
    for i in 0..8 {
        via_proxy(
            "203.0.113.5",
            format!("spray-{i}-{}", common::random_hex(3)),
        )
        .await;
    }
    let other = via_proxy("203.0.113.6", "someone-else".to_owned()).await;
    other.assert_error(
        400,
        "invalid_grant",
        "a failed login from another client behind the same trusted proxy, after the first client's eight: \
         behind a proxy every client shares the proxy's address, so the limits must count the address the \
         proxy forwarded for (--trusted-proxy), or one sprayer locks out everyone behind it",
        "ClientAddress and client_ip in exercises/14_login_throttle.rs",
    );
    assert_throttled(
        &via_proxy("203.0.113.5", "one-more".to_owned()).await,
        "a ninth failure from the client that already has eight, through the trusted proxy",
    );
}

#[tokio::test]
async fn concurrent_failures_cannot_overrun_the_burst() {
    let hasher = PasswordHasher::new(10).expect("cost 10");
    let user = random_user(|p| hasher.hash(p).expect("hash"));
    let limits = Limits {
        user_burst: 3,
        client_burst: 100,
        pool: (2, 64),
        trusted: &[],
        successes: (100, 100),
    };
    let Setup { server, .. } = setup(&[&user], hasher, limits).await;
    let server = Arc::new(server);
    let guesses: Vec<_> = (0..12)
        .map(|i| {
            let server = Arc::clone(&server);
            let name = user.user.username.clone();
            tokio::spawn(async move {
                login_from(
                    &server,
                    &format!("10.0.2.{i}"),
                    &name,
                    &format!("guess-{i}"),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for guess in guesses {
        statuses.push(guess.await.expect("the login task finished").status);
    }
    let checked = statuses.iter().filter(|s| **s == 400).count();
    assert!(
        checked <= 3,
        "twelve wrong passwords for one username sent at once (burst 3, each from a new address) got {checked} \
         answers of 400, each a bcrypt check: {statuses:?}. At most 3 may be checked: count an attempt as a \
         failure before bcrypt runs (reserve it; give it back if the password was right), or concurrent \
         guesses all pass the check before any is counted and the burst means nothing.\n  look at: \
         LoginLimits::begin and Limiter::acquire in {LOOK}"
    );
}

#[tokio::test]
async fn the_throttled_login_refuses_another_site_too() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    let reply = server
        .request(
            reqwest::Method::POST,
            "/login",
            &[
                ("content-type", common::FORM),
                ("origin", "https://evil.example"),
            ],
            form(&[("username", "alice"), ("password", "secret123")]),
        )
        .await;
    assert!(
        reply.status == 403 && reply.headers.get("set-cookie").is_none(),
        "{}",
        reply.explain(
            "403 and no cookie: a login from another site's page (Origin https://evil.example) is refused by this \
             step's /login as by step 12's (login CSRF)",
            "login in exercises/14_login_throttle.rs"
        )
    );
}

#[test]
fn attempts_given_back_never_push_a_limit_out_of_memory() {
    let now = now();
    let limits = LoginLimits::new(
        Limiter::with_capacity(1, Duration::from_secs(60), 50),
        Limiter::with_capacity(1000, Duration::from_secs(1), 50),
        Arc::new(move || now),
    );
    let victim = "victim";
    let _failed = limits.begin(victim, "192.0.2.1".parse().expect("an address"));
    assert!(
        limits
            .begin(victim, "192.0.2.2".parse().expect("an address"))
            .is_err(),
        "a username with one failure (burst one) is refused from another new address.\n  look at: \
         LoginLimits::begin in {LOOK}"
    );
    // Sixty attempts with new usernames, each given back (a busy pool's 503,
    // say, which costs the attacker nothing).
    let sprayer = "198.51.100.7".parse().expect("an address");
    for i in 0..60 {
        if let Ok(attempt) = limits.begin(&format!("new-{i}"), sprayer) {
            limits.refund(&attempt);
        }
    }
    assert!(
        limits
            .begin(victim, "192.0.2.3".parse().expect("an address"))
            .is_err(),
        "the victim's username was allowed again after 60 attempts with new usernames were begun and given back, \
         in limiters of capacity 50: an attempt given back must leave nothing behind (release forgets a key back \
         to a full burst), or a client that keeps the pool busy gets 503s for free, fills the limiter with new \
         keys, and pushes anyone's count out of memory.\n  look at: Limiter::release in {LOOK}"
    );
}

#[test]
fn every_forwarded_for_line_counts_and_a_port_is_no_address() {
    let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("a CIDR block")];
    let ip = |text: &str| text.parse::<std::net::IpAddr>().expect("an address");
    let mut two_lines = axum::http::HeaderMap::new();
    two_lines.append(
        "x-forwarded-for",
        "6.6.6.6".parse().expect("a header value"),
    );
    two_lines.append(
        "x-forwarded-for",
        "203.0.113.5".parse().expect("a header value"),
    );
    let got = client_ip(ip("10.0.0.1"), &two_lines, &trusted);
    assert!(
        got == ip("203.0.113.5"),
        "X-Forwarded-For in two lines, `6.6.6.6` (the client's own) then `203.0.113.5` (the proxy's, as HAProxy \
         adds a line of its own), from the trusted proxy 10.0.0.1: client_ip gave {got}, not 203.0.113.5. The \
         lines are one list, in order (RFC 9110 §5.3): read them all, from the right.\n  look at: client_ip in \
         {LOOK}"
    );
    for (forwarded, expected, why) in [
        (
            "203.0.113.5:4711",
            "203.0.113.5",
            "a proxy that writes the client's port too names the address before it",
        ),
        (
            "[2001:db8::1]:443",
            "2001:db8::1",
            "an IPv6 address with a port is written in brackets",
        ),
        (
            "6.6.6.6, garbage, 10.0.0.2",
            "10.0.0.2",
            "a hop that is no address was not written by our proxies: trust nothing left of it, never skip it",
        ),
    ] {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            forwarded.parse().expect("a header value"),
        );
        let got = client_ip(ip("10.0.0.1"), &headers, &trusted);
        assert!(
            got == ip(expected),
            "client_ip(peer 10.0.0.1, X-Forwarded-For: {forwarded}, trusted 10.0.0.0/8) gave {got}, not \
             {expected}: {why}.\n  look at: client_ip in {LOOK}"
        );
    }
}

#[tokio::test]
async fn a_right_password_without_its_code_makes_no_address_familiar() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    // carol's password, right, from a new address: 403 mfa_required.
    login_from(&server, "192.0.2.44", "carol", "otp-demo-password-1")
        .await
        .assert_error(403, "mfa_required", "carol's password alone", LOOK);
    // Someone fails carol's password from elsewhere until her budget is gone.
    for i in 0..6 {
        let _ = login_from(&server, &format!("198.51.100.{}", 50 + i), "carol", "guess").await;
    }
    assert_throttled(
        &login_from(&server, "192.0.2.44", "carol", "otp-demo-password-1").await,
        "carol's password again from the address where she only ever passed the password step, after her \
         budget for new addresses was spent: a right password that still needs its code does not make an \
         address one of hers, or an attacker with her password guesses codes from each new address unthrottled",
    );
}

#[tokio::test]
async fn a_users_own_addresses_are_the_last_few() {
    let user = someone();
    let Setup { server, .. } = setup(&[&user], test_hasher(), LIMITS).await;
    let name = user.user.username.as_str();
    let homes: Vec<String> = (1..=course::login_throttle::KNOWN_ADDRESSES_PER_USER + 1)
        .map(|i| format!("192.0.2.{i}"))
        .collect();
    for home in &homes {
        login_from(&server, home, name, &user.password)
            .await
            .assert_status(200, "the user logs in", LOOK);
    }
    for i in 0..6 {
        let _ = login_from(&server, &format!("198.51.100.{}", 80 + i), name, "guess").await;
    }
    assert_throttled(
        &login_from(&server, &homes[0], name, &user.password).await,
        "the user's right password from the first of their addresses, after logging in from \
         KNOWN_ADDRESSES_PER_USER newer ones and a spent budget for new addresses: a user's own addresses are \
         the last KNOWN_ADDRESSES_PER_USER they logged in from, no more, or one account grows the list without end",
    );
    for home in &homes[1..] {
        login_from(&server, home, name, &user.password)
            .await
            .assert_status(
                200,
                &format!(
                    "the user's right password from {home}, one of the last KNOWN_ADDRESSES_PER_USER they logged in \
                     from: every one of them stays theirs, not only the newest"
                ),
                "LoginLimits::succeeded in exercises/14_login_throttle.rs",
            );
    }
}

#[tokio::test]
async fn a_busy_pools_503_is_not_a_failure() {
    let hasher = slow_hasher();
    let user = random_user(|p| hasher.hash(p).expect("hash"));
    // A budget above the pool's room (one thread, a queue of one), so the
    // six logins reach the pool and some are turned away busy: with a budget
    // of two, the limit answers them first and no 503 ever happens.
    let limits = Limits {
        user_burst: 10,
        client_burst: 100,
        pool: (1, 1),
        trusted: &[],
        successes: (100, 100),
    };
    let Setup { server, .. } = setup(&[&user], hasher, limits).await;
    let server = Arc::new(server);
    let name = user.user.username.clone();
    let logins: Vec<_> = (0..6)
        .map(|i| {
            let server = Arc::clone(&server);
            let (name, password) = (name.clone(), user.password.clone());
            tokio::spawn(async move {
                login_from(&server, &format!("10.0.3.{i}"), &name, &password).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for login in logins {
        statuses.push(login.await.expect("the login task finished").status);
    }
    // Nine failures from new addresses: with a budget of ten, one more try
    // is left, unless the 503s were counted.
    for i in 0..9 {
        let _ = login_from(&server, &format!("198.51.100.{}", 120 + i), &name, "guess").await;
    }
    let reply = login_from(&server, "10.0.3.99", &name, &user.password).await;
    assert!(
        reply.status == 200,
        "{}",
        reply.explain(
            &format!(
                "200: six logins with the right password at once, against a pool of one thread and a queue of one, \
                 answered {statuses:?}, then nine failures from new addresses (a budget of ten): this is the \
                 tenth try. A 503 means the password was never checked, so its attempt is given back; counted as \
                 a failure, anyone who keeps the pool busy locks users out"
            ),
            "throttled_login in exercises/14_login_throttle.rs"
        )
    );
}

#[tokio::test]
async fn one_accounts_flood_leaves_room_for_everyone_else() {
    let flooded = someone();
    let other = someone();
    let limits = Limits {
        pool: (2, 6),
        ..LIMITS
    };
    let Setup { server, state, .. } = setup(&[&flooded, &other], test_hasher(), limits).await;
    let name = flooded.user.username.as_str();
    // The flooded account's logins hold its whole share of the pool (two
    // jobs a thread), each from an address of its own.
    let holding: Vec<_> = (0..4)
        .map(|i| {
            state
                .shares
                .take(name, format!("10.0.4.{i}").parse().expect("an address"))
        })
        .collect();
    assert!(
        holding.iter().all(Result::is_ok),
        "a pool of two threads gives one account a share of four jobs.\n  look at: PoolShares in {LOOK}"
    );
    let reply = login_from(&server, "10.0.4.9", name, &flooded.password).await;
    reply.assert_error(
        503,
        "temporarily_unavailable",
        "one more login of an account that holds its whole share of the hashing pool: refused at once. One \
         account, or one address, holds at most its share (two jobs a thread), so a flood of its right password \
         (which no failure limit stops) leaves the rest of the pool to everyone else",
        "authenticate_on_pool (PoolShares::take) in exercises/14_login_throttle.rs",
    );
    login_from(&server, "10.0.5.1", &other.user.username, &other.password)
        .await
        .assert_status(
            200,
            "another user's login while the first account holds its share",
            "authenticate_on_pool in exercises/14_login_throttle.rs",
        );
    drop(holding);
}

#[tokio::test]
async fn successful_logins_are_limited_too() {
    let user = someone();
    let limits = Limits {
        successes: (3, 5),
        ..LIMITS
    };
    let Setup {
        server, lookups, ..
    } = setup(&[&user], test_hasher(), limits).await;
    let name = user.user.username.as_str();
    for i in 0..3 {
        login_from(
            &server,
            &format!("192.0.2.{}", 60 + i),
            name,
            &user.password,
        )
        .await
        .assert_status(
            200,
            &format!("successful login number {} of 3", i + 1),
            LOOK,
        );
    }
    let before = lookups.load(Ordering::SeqCst);
    let reply = login_from(&server, "192.0.2.70", name, &user.password).await;
    assert_throttled(
        &reply,
        "a fourth successful login of one username within the minute (a budget of 3 for successes): a login \
         costs a bcrypt however it ends, so successes have budgets of their own",
    );
    assert!(
        reply.header("retry-after") == Some("60"),
        "{}",
        reply.explain(
            "Retry-After: 60: three successes at one instant, a burst of three and one more a minute",
            "Limiter::check in exercises/14_login_throttle.rs"
        )
    );
    assert!(
        lookups.load(Ordering::SeqCst) == before,
        "{}",
        reply.explain(
            "the 429 decided before bcrypt runs, like every other",
            "LoginLimits::begin in exercises/14_login_throttle.rs"
        )
    );
    let Setup { server, .. } = setup(&[], test_hasher(), limits_with_successes(100, 2)).await;
    for name in ["alice", "carol"] {
        let password = if name == "alice" {
            "secret123"
        } else {
            "otp-demo-password-1"
        };
        let _ = login_from(&server, "203.0.113.30", name, password).await;
    }
    assert_throttled(
        &login_from(&server, "203.0.113.30", "alice", "secret123").await,
        "a third right password from one address within the minute (a budget of 2 for an address's successes)",
    );
}

fn limits_with_successes(user: u32, client: u32) -> Limits {
    Limits {
        successes: (user, client),
        ..LIMITS
    }
}

#[tokio::test]
async fn a_forwarded_for_header_from_anyone_is_ignored() {
    let Setup { server, .. } = setup(&[], test_hasher(), LIMITS).await;
    let spoofing = |username: String, forwarded: String| {
        let server = &server;
        async move {
            let body = form(&[
                ("grant_type", "password"),
                ("username", &username),
                ("password", "wrong"),
            ]);
            server
                .request(
                    reqwest::Method::POST,
                    "/token",
                    &[
                        ("content-type", common::FORM),
                        ("x-test-client", "10.8.8.8"),
                        ("x-forwarded-for", forwarded.as_str()),
                    ],
                    body,
                )
                .await
        }
    };
    for i in 0..8 {
        spoofing(
            format!("spray-{i}-{}", common::random_hex(3)),
            format!("203.0.113.{i}"),
        )
        .await;
    }
    assert_throttled(
        &spoofing("one-more".to_owned(), "203.0.113.99".to_owned()).await,
        "a ninth failure from 10.8.8.8, each naming a new address in X-Forwarded-For, on a server that trusts no \
         proxy: the header is ignored, or every guess names a new address and no client limit ever applies",
    );
}
