//! Step 02: bcrypt hashing, verification and `authenticate_user`.
//! Function-level tests at the lowest bcrypt cost, set through `PasswordHasher::new`.

use course::fake_db::{InMemoryUserStore, User};
use course::passwords::{MAX_PASSWORD_BYTES, PasswordError, PasswordHasher, TEST_COST};

const LOOK: &str = "exercises/02_passwords.rs";

fn hasher() -> PasswordHasher {
    PasswordHasher::new(TEST_COST).unwrap_or_else(|e| {
        panic!("PasswordHasher::new({TEST_COST}) must succeed (4 is bcrypt's lowest cost); got Err({e}).\n  look at: new in {LOOK}")
    })
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
        assert!(
            !hasher.verify("secret123", bad),
            "verify(\"secret123\", {bad:?}) must be false, not true and not a panic: \
             a corrupt row in the database must not log anyone in or crash the server.\n  look at: verify in {LOOK}"
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
    let hasher = hasher();
    assert_eq!(
        cost_of(hasher.dummy_hash()),
        Some(TEST_COST),
        "the dummy hash must be a real bcrypt hash at the hasher's cost, so that checking an unknown user \
         costs exactly as much as checking a real one; got {:?}.\n  look at: new in {LOOK}",
        hasher.dummy_hash()
    );
}

#[test]
fn authenticate_user_returns_the_user_for_the_right_password() {
    let hasher = hasher();
    let store = demo_store(&hasher);
    let user = hasher.authenticate_user(&store, "alice", "secret123");
    assert_eq!(
        user.as_ref().map(|u| u.username.as_str()),
        Some("alice"),
        "authenticate_user(\"alice\", \"secret123\") must return alice; got {user:?}.\n  look at: authenticate_user in {LOOK}"
    );
}

#[test]
fn authenticate_user_refuses_every_wrong_login_alike() {
    let hasher = hasher();
    let store = demo_store(&hasher);
    let cases = [
        ("alice", "wrong password", "a wrong password"),
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
        username: "carol".to_owned(),
        full_name: "Carol Example".to_owned(),
        email: "carol@example.com".to_owned(),
        disabled: false,
        password_hash: hasher.hash(&password).expect("72 bytes is allowed"),
    });
    let longer = format!("{password}-and-then-anything");
    let user = hasher.authenticate_user(&store, "carol", &longer);
    assert!(
        user.is_none(),
        "carol's password is 72 p's; logging in with 72 p's followed by more text must fail, \
         or an attacker needs to guess only the first 72 bytes; got {user:?}.\n  look at: verify in {LOOK}"
    );
}
