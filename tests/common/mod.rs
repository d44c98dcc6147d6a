//! The hidden tests' harness: builds the app state the way the server does
//! (at a test-only bcrypt cost), serves a router on a free loopback port,
//! calls it, and turns a wrong answer into a message that teaches.
//!
//! You never need to read this folder to solve a step: every failure says
//! what was sent, what was expected, what came back and where to look.
#![allow(dead_code, unused_imports)]

mod http;
mod panic;
mod users;

use std::time::Duration;

use course::fake_db::InMemoryUserStore;
use course::jwt::JwtKeys;
use course::passwords::{PasswordHasher, TEST_COST};
use course::token_route::AuthState;

pub use http::{FORM, Reply, TestServer, form, serve};
pub use panic::quiet_panics;
pub use users::{TestUser, random_hex, random_user};

/// The signing secret of every test server: 40 bytes, above HS256's 32.
pub const TEST_SECRET: &[u8] = b"course-test-secret-0123456789abcdefghijk";

/// The access-token lifetime of every test server.
pub const TEST_TTL: Duration = Duration::from_secs(30 * 60);

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

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}
