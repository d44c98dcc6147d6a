//! The hidden tests' harness: serves a router on a free loopback port,
//! calls it, and turns a wrong answer into a message that teaches.
//!
//! Every step's tests include this module (`mod common;`). The part that
//! knows no step is the crate in `tests/harness/`, built once and re-exported
//! here; the app-state helpers, which need step 05, are in `state.rs`,
//! included from step 05 on.
//!
//! You never need to read this folder to solve a step: every failure says
//! what was sent, what was expected, what came back and where to look.
#![allow(dead_code, unused_imports)]

mod users;

use std::time::Duration;

pub use harness::{FORM, Reply, TestServer, form, quiet_panics, serve};
pub use users::{TestUser, random_hex, random_user};

/// The signing secret of every test server: 40 bytes, above HS256's 32.
pub const TEST_SECRET: &[u8] = b"course-test-secret-0123456789abcdefghijk";

/// The access-token lifetime of every test server.
pub const TEST_TTL: Duration = Duration::from_secs(30 * 60);

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}
