//! The app state the way the server builds it, at a test-only bcrypt cost:
//! the harness for step 05 on, which included it as
//! `#[path = "common/state.rs"] mod state;` (it needs `AuthState`, so the
//! earlier steps' tests, built without step 05, leave it out).
#![allow(dead_code)]

use std::time::Duration;

use course::fake_db::InMemoryUserStore;
use course::jwt::JwtKeys;
use course::passwords::{PasswordHasher, TEST_COST};
use course::token_route::AuthState;

use super::common::{TEST_SECRET, TEST_TTL, TestUser, quiet_panics, random_user};

pub fn test_keys() -> JwtKeys {
    quiet_panics();
    JwtKeys::from_secret(TEST_SECRET).expect("a 40-byte secret must be accepted (step 04)")
}

pub fn test_hasher() -> PasswordHasher {
    quiet_panics();
    PasswordHasher::new(TEST_COST).expect("bcrypt cost 4 must be accepted (step 02)")
}

/// The demo users and `extra`, hashed at the test cost, with the test keys.
pub fn state_with(extra: &[&TestUser]) -> AuthState {
    let hasher = test_hasher();
    let mut users = InMemoryUserStore::with_demo_users(|password| {
        hasher
            .hash(password)
            .expect("demo passwords are short enough to hash (step 02)")
    });
    for extra in extra {
        users.insert(extra.user.clone());
    }
    AuthState::new(users, hasher, test_keys(), TEST_TTL)
}

/// The demo users, hashed at the test cost, with the test keys.
pub fn test_state() -> AuthState {
    state_with(&[])
}

/// A valid access token for `username`, signed with the test keys, living
/// ten minutes: what `POST /token` would have issued.
pub fn token_for(username: &str) -> String {
    test_keys()
        .encode(&course::jwt::Claims::new(
            username,
            Duration::from_secs(600),
        ))
        .expect("the test keys sign (step 04)")
}

/// A random user hashed at the test cost.
pub fn someone() -> TestUser {
    let hasher = test_hasher();
    random_user(|password| {
        hasher
            .hash(password)
            .expect("a short password hashes (step 02)")
    })
}
