//! # Step 02: hashing and checking passwords with bcrypt
//!
//! ## What you build
//!
//! A login checks a password against what the store keeps, and the store keeps
//! a bcrypt hash, never the password. bcrypt salts every hash (the same
//! password hashes differently twice) and is slow on purpose: its *cost* is
//! the log2 of its rounds, so an attacker with a stolen table pays that price
//! per guess. `PasswordHasher` wraps it at one cost: tests use the lowest
//! (`TEST_COST`), the server bcrypt's default.
//!
//! Two traps an interviewer will probe:
//!
//! 1. **Timing.** If an unknown username answers at once and a wrong password
//!    after 250 ms of bcrypt, the clock tells an attacker which usernames
//!    exist. `authenticate_user` must do the same bcrypt work for an unknown
//!    user: check the password against a real "dummy" hash and fail.
//! 2. **The 72-byte limit.** bcrypt reads the first 72 bytes of a password and
//!    ignores the rest, so two long passwords that share a prefix would match.
//!    Refuse a longer password instead.
//!
//! ## The contract
//!
//! - `PasswordHasher::new(cost)` refuses a cost outside 4..=31 with
//!   `PasswordError::BadCost`, and prepares a dummy hash at that cost.
//! - `hash` returns a bcrypt hash (`$2b$...`) of a password of at most 72
//!   bytes, a new salt each time; a longer one is `PasswordError::TooLong`.
//! - `verify` is true only for the right password; false (never a panic) for a
//!   wrong one, for a malformed hash, and for any password over 72 bytes. A
//!   malformed hash is also logged with `tracing::warn!`, saying `malformed`:
//!   a corrupt row locks its user out, and an operator must be able to see why.
//! - `authenticate_user` returns the user only for the right password of an
//!   existing, enabled user. Unknown user, wrong password and disabled user
//!   all give `None`, and all run bcrypt exactly once.
//!
//! ## Hints
//!
//! - `bcrypt::hash(password, cost)` salts for you; `bcrypt::verify` returns a
//!   `Result<bool, _>`: an `Err` (a malformed hash) is a failed check.
//! - `PasswordError::BadCost` is the right answer to any hashing error other
//!   than length: check the length yourself first.
//! - Check `disabled` *after* bcrypt, not before, or a disabled account
//!   answers faster than an enabled one.
//! - The tests time it: an unknown or disabled user must take about as long
//!   as a wrong password. They also log in as users they invent at run time,
//!   so nothing can be hard-coded.
//!
//! Run the tests: `cargo course test 2` (underneath: `cargo test --test step02_passwords`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::fmt;

use crate::fake_db::{User, UserStore};

/// bcrypt reads at most this many bytes of a password and silently ignores
/// the rest, so a longer password is refused rather than cut.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// The cost the server uses: 2^12 rounds, about a quarter of a second.
pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

/// The lowest cost bcrypt accepts: for tests only, never for a server.
pub const TEST_COST: u32 = 4;

/// Why a password could not be hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordError {
    /// Longer than [`MAX_PASSWORD_BYTES`]: bcrypt would ignore the rest.
    TooLong { bytes: usize },
    /// The cost is outside bcrypt's 4..=31.
    BadCost(u32),
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { bytes } => write!(
                f,
                "a password of {bytes} bytes is longer than bcrypt's {MAX_PASSWORD_BYTES}"
            ),
            Self::BadCost(cost) => write!(f, "bcrypt cost {cost} is outside 4..=31"),
        }
    }
}

impl std::error::Error for PasswordError {}

/// Hashes and checks passwords at one bcrypt cost.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A real hash of a throwaway password at `cost`, checked against when the
    /// user does not exist, so that an unknown user costs as much as a wrong
    /// password.
    dummy_hash: String,
}

impl PasswordHasher {
    /// A hasher at `cost` (4..=31; use [`DEFAULT_COST`] outside tests).
    pub fn new(cost: u32) -> Result<Self, PasswordError> {
        todo!(
            "step 02: hash a throwaway password at `cost` as the dummy hash; map a bcrypt error to PasswordError::BadCost"
        )
    }

    /// The bcrypt cost this hasher uses.
    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// The hash an unknown user's password is checked against.
    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    /// A salted bcrypt hash of `password`, which must be at most 72 bytes.
    pub fn hash(&self, password: &str) -> Result<String, PasswordError> {
        todo!(
            "step 02: refuse a password over MAX_PASSWORD_BYTES, else return bcrypt::hash(password, self.cost)"
        )
    }

    /// Whether `password` matches `hash`. Never true for a password over 72
    /// bytes, and false (not a panic) for a malformed hash, which is logged.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        todo!(
            "step 02: check `password` against `hash` with bcrypt; false over 72 bytes or on an error, and warn! on a malformed hash"
        )
    }

    /// The user whose password is `password`, if that user exists and is not
    /// disabled. Every failure does the same bcrypt work, so the time taken
    /// does not tell an attacker which usernames exist.
    pub fn authenticate_user(
        &self,
        store: &dyn UserStore,
        username: &str,
        password: &str,
    ) -> Option<User> {
        todo!(
            "step 02: find the user, run bcrypt once whether or not they exist, refuse disabled users after bcrypt"
        )
    }
}
