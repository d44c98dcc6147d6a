//! Step 02: bcrypt hashing, verification and `authenticate_user`.
//! Function-level tests at the lowest bcrypt cost, set through `PasswordHasher::new`.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TestUser, quiet_panics, random_user};
use course::fake_db::{InMemoryUserStore, User};
use course::passwords::{MAX_PASSWORD_BYTES, PasswordError, PasswordHasher, TEST_COST};

const LOOK: &str = "exercises/02_passwords.rs";

fn hasher() -> PasswordHasher {
    quiet_panics();
    match PasswordHasher::new(TEST_COST) {
        Ok(hasher) => hasher,
        Err(e) => panic!(
            "PasswordHasher::new({TEST_COST}) must succeed (4 is bcrypt's lowest cost); got Err({e}).\n  look at: new in {LOOK}"
        ),
    }
}

/// A random user hashed by `hasher`, and a store holding the demo users and it.
fn store_with_someone(hasher: &PasswordHasher) -> (InMemoryUserStore, TestUser) {
    let someone = random_user(|p| hasher.hash(p).expect("a short password hashes"));
    let mut store = demo_store(hasher);
    store.insert(someone.user.clone());
    (store, someone)
}

fn demo_store(hasher: &PasswordHasher) -> InMemoryUserStore {
    InMemoryUserStore::with_demo_users(|p| hasher.hash(p).expect("demo passwords are short"))
}

/// bcrypt's format: `$2b$`, a two-digit cost, `$`, 53 characters of salt and hash.
fn cost_of(hash: &str) -> Option<u32> {
    let rest = hash
        .strip_prefix("$2b$")
        .or_else(|| hash.strip_prefix("$2y$"))?;
    (hash.len() == 60).then_some(())?;
    rest.get(..2)?.parse().ok()
}

#[test]
fn a_cost_outside_bcrypt_range_is_refused() {
    for cost in [0, 3, 32] {
        let result = PasswordHasher::new(cost).map(|_| ());
        assert_eq!(
            result,
            Err(PasswordError::BadCost(cost)),
            "PasswordHasher::new({cost}) must be Err(BadCost({cost})): bcrypt only takes 4..=31.\n  look at: new in {LOOK}"
        );
    }
}

#[test]
fn hash_is_bcrypt_at_the_configured_cost() {
    let hash = hasher().hash("secret123").expect("a short password hashes");
    assert_eq!(
        cost_of(&hash),
        Some(TEST_COST),
        "hash(\"secret123\") must be a 60-character bcrypt hash `$2b$04$...` at the hasher's cost; got {hash:?}.\n  look at: hash in {LOOK}"
    );
    assert!(
        !hash.contains("secret123"),
        "a hash must never contain the password; got {hash:?}"
    );
}

#[test]
fn hashing_twice_gives_two_salts() {
    let hasher = hasher();
    let (a, b) = (
        hasher.hash("secret123").unwrap(),
        hasher.hash("secret123").unwrap(),
    );
    assert_ne!(
        a, b,
        "hashing the same password twice must give two different hashes (bcrypt draws a new salt each time).\n  look at: hash in {LOOK}"
    );
}

#[test]
fn verify_accepts_the_password_and_nothing_else() {
    let hasher = hasher();
    let hash = hasher.hash("secret123").unwrap();
    assert!(
        hasher.verify("secret123", &hash),
        "verify(\"secret123\", hash of it) must be true.\n  look at: verify in {LOOK}"
    );
    for wrong in ["secret124", "Secret123", "secret12", "secret123 ", ""] {
        assert!(
            !hasher.verify(wrong, &hash),
            "verify({wrong:?}, hash of \"secret123\") must be false.\n  look at: verify in {LOOK}"
        );
    }
}

#[test]
fn verify_is_false_for_a_malformed_hash() {
    let hasher = hasher();
    for bad in [
        "",
        "secret123",
        "$2b$04$short",
        "$2b$99$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            hasher.verify("secret123", bad)
        }));
        assert!(
            matches!(verdict, Ok(false)),
            "verify(\"secret123\", {bad:?}) must be false, not true and not a panic (it {}): \
             a corrupt row in the database must not log anyone in or crash the server.\n  look at: verify in {LOOK}",
            if verdict.is_err() {
                "panicked"
            } else {
                "returned true"
            }
        );
    }
}

#[test]
fn a_password_over_72_bytes_is_refused_not_cut() {
    let hasher = hasher();
    let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
    assert_eq!(
        hasher.hash(&long),
        Err(PasswordError::TooLong {
            bytes: MAX_PASSWORD_BYTES + 1
        }),
        "hash of a 73-byte password must be Err(TooLong {{ bytes: 73 }}): bcrypt would silently ignore byte 73.\n  look at: hash in {LOOK}"
    );
    let exactly = "a".repeat(MAX_PASSWORD_BYTES);
    let hash = hasher
        .hash(&exactly)
        .expect("a 72-byte password is allowed");
    assert!(
        hasher.verify(&exactly, &hash),
        "a 72-byte password must verify against its own hash.\n  look at: verify in {LOOK}"
    );
    assert!(
        !hasher.verify(&long, &hash),
        "verify(72 a's + 1 more, hash of 72 a's) must be false: a password must never match by its first 72 bytes.\n  look at: verify in {LOOK}"
    );
}

#[test]
fn the_dummy_hash_is_a_real_hash_at_the_same_cost() {
    // Cost 5, not the tests' usual 4: a dummy hash made at bcrypt's lowest
    // cost whatever the hasher's must not pass by coincidence.
    quiet_panics();
    let hasher = PasswordHasher::new(TEST_COST + 1).expect("cost 5 is in range");
    assert_eq!(
        cost_of(hasher.dummy_hash()),
        Some(TEST_COST + 1),
        "a hasher at cost 5: the dummy hash must be a real bcrypt hash at the hasher's cost, so that checking an \
         unknown user costs exactly as much as checking a real one; got {:?}.\n  look at: new in {LOOK}",
        hasher.dummy_hash()
    );
}

#[test]
fn authenticate_user_returns_the_user_for_the_right_password() {
    let hasher = hasher();
    let (store, someone) = store_with_someone(&hasher);
    for (username, password) in [
        ("alice", "secret123"),
        (someone.user.username.as_str(), someone.password.as_str()),
    ] {
        let user = hasher.authenticate_user(&store, username, password);
        assert_eq!(
            user.as_ref().map(|u| u.username.as_str()),
            Some(username),
            "authenticate_user({username:?}, {password:?}) must return {username}'s record: the password \
             is right and the account enabled (the second user was invented by the test, so no list of \
             known passwords can pass); got {user:?}.\n  look at: authenticate_user in {LOOK}"
        );
    }
}

#[test]
fn authenticate_user_refuses_every_wrong_login_alike() {
    let hasher = hasher();
    let (store, someone) = store_with_someone(&hasher);
    let cases = [
        ("alice", "wrong password", "a wrong password"),
        (
            someone.user.username.as_str(),
            "secret123",
            "another user's password",
        ),
        ("mallory", "secret123", "an unknown user"),
        (
            "bob",
            "correct horse battery staple",
            "a disabled user with the right password",
        ),
        ("Alice", "secret123", "a username in the wrong case"),
        ("", "", "empty credentials"),
    ];
    for (username, password, what) in cases {
        let user = hasher.authenticate_user(&store, username, password);
        assert!(
            user.is_none(),
            "authenticate_user({username:?}, {password:?}) is {what} and must be None; got {user:?}.\n  look at: authenticate_user in {LOOK}"
        );
    }
}

#[test]
fn authenticate_user_never_matches_a_long_password_by_its_prefix() {
    let hasher = hasher();
    let password = "p".repeat(MAX_PASSWORD_BYTES);
    let mut store = InMemoryUserStore::new();
    store.insert(User {
        username: "dave".to_owned(),
        full_name: "Dave Example".to_owned(),
        email: "dave@example.test".to_owned(),
        disabled: false,
        password_hash: hasher.hash(&password).expect("72 bytes is allowed"),
    });
    let longer = format!("{password}-and-then-anything");
    let user = hasher.authenticate_user(&store, "dave", &longer);
    assert!(
        user.is_none(),
        "dave's password is 72 p's; logging in with 72 p's followed by more text must fail: bcrypt \
         reads only the first 72 bytes, so an attacker would need to guess only those; got {user:?}.\n  \
         look at: verify in {LOOK}"
    );
}

/// bcrypt at cost 8 takes tens of milliseconds a check: enough to tell one
/// check from none on a busy machine, cheap enough for a test. (Cost 6,
/// 4 ms a check, failed a correct solution under CI's parallel load.)
const TIMING_COST: u32 = 8;

/// Rounds of the timing test. Each round times every case once, so a burst
/// of load elsewhere on the machine slows all cases alike.
const TIMING_ROUNDS: usize = 5;

/// The fastest time of each login in `logins`, taken in turn over
/// [`TIMING_ROUNDS`] rounds: noise only ever adds time.
fn fastest_in_turn<const N: usize>(logins: [&dyn Fn(); N]) -> [Duration; N] {
    let mut fastest = [Duration::MAX; N];
    for _ in 0..TIMING_ROUNDS {
        for (login, best) in logins.iter().zip(&mut fastest) {
            let started = Instant::now();
            login();
            *best = (*best).min(started.elapsed());
        }
    }
    fastest
}

#[test]
fn every_failed_login_costs_the_same_bcrypt_work() {
    quiet_panics();
    let hasher = PasswordHasher::new(TIMING_COST).expect("cost 8 is in range");
    let mut store = InMemoryUserStore::new();
    let mut disabled = random_user(|p| hasher.hash(p).expect("hash"));
    disabled.user.disabled = true;
    let enabled = random_user(|p| hasher.hash(p).expect("hash"));
    store.insert(disabled.user.clone());
    store.insert(enabled.user.clone());

    let [wrong_password, unknown_user, disabled_user] = fastest_in_turn([
        &|| {
            hasher.authenticate_user(&store, &enabled.user.username, "wrong-password");
        },
        &|| {
            hasher.authenticate_user(&store, "nobody-by-this-name", "wrong-password");
        },
        &|| {
            hasher.authenticate_user(&store, &disabled.user.username, &disabled.password);
        },
    ]);
    let cases = [
        ("an unknown user", unknown_user),
        ("a disabled user with the right password", disabled_user),
    ];
    // A login that skips bcrypt takes microseconds, thousands of times less
    // than one check at cost 8; a quarter leaves room for a busy machine.
    for (what, took) in cases {
        assert!(
            took * 4 >= wrong_password,
            "a login for {what} took {took:?}, a wrong password {wrong_password:?} (fastest of \
             {TIMING_ROUNDS}, bcrypt cost {TIMING_COST}): every failed login must do the same bcrypt \
             work, or the clock tells an attacker which usernames exist and which accounts are \
             disabled. An unknown user is checked against the dummy hash; a disabled user is refused \
             after bcrypt, not before.\n  look at: authenticate_user in {LOOK}"
        );
    }
}

/// Everything a `tracing` subscriber writes, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_malformed_stored_hash_fails_the_login_and_is_logged() {
    let hasher = hasher();
    let mut corrupt = random_user(|_| "not-a-bcrypt-hash".to_owned());
    corrupt.user.password_hash = "$2b$04$this-is-not-a-real-hash".to_owned();
    let mut store = InMemoryUserStore::new();
    store.insert(corrupt.user.clone());
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let user = tracing::subscriber::with_default(subscriber, || {
        hasher.authenticate_user(&store, &corrupt.user.username, &corrupt.password)
    });
    assert!(
        user.is_none(),
        "a user whose stored hash is corrupt must not log in; got {user:?}.\n  look at: verify in {LOOK}"
    );
    let log = String::from_utf8_lossy(&log.0.lock().expect("not poisoned")).into_owned();
    assert!(
        log.contains("WARN") && log.to_lowercase().contains("malformed"),
        "a malformed stored hash must be logged with tracing::warn! and the word `malformed`: without a log \
         line, a corrupt row locks its user out and nobody can tell why. The log said: {log:?}\n  \
         look at: verify in {LOOK}"
    );
}
