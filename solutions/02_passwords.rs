//! Step 02: hashing and checking passwords with bcrypt. (Reference solution.)
//!
//! See `exercises/02_passwords.rs` for the task.

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
        let dummy_hash =
            bcrypt::hash("not a real password", cost).map_err(|_| PasswordError::BadCost(cost))?;
        Ok(Self { cost, dummy_hash })
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
        if password.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong {
                bytes: password.len(),
            });
        }
        bcrypt::hash(password, self.cost).map_err(|_| PasswordError::BadCost(self.cost))
    }

    /// Whether `password` matches `hash`. Never true for a password over 72
    /// bytes, and false (not a panic) for a malformed hash, which is logged.
    pub fn verify(&self, password: &str, hash: &str) -> bool {
        // bcrypt would check only the first 72 bytes of a longer password.
        if password.len() > MAX_PASSWORD_BYTES {
            return false;
        }
        match bcrypt::verify(password, hash) {
            Ok(matches) => matches,
            Err(error) => {
                // A corrupt row locks its user out: an operator must see why.
                tracing::warn!(%error, "a stored password hash is malformed; the login fails");
                false
            }
        }
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
        match store.find_by_username(username) {
            Some(user) => {
                let password_ok = self.verify(password, &user.password_hash);
                // Checked after bcrypt, so a disabled account costs the same too.
                (password_ok && !user.disabled).then_some(user)
            }
            None => {
                // Burn the same time as a real check, then fail.
                let _ = self.verify(password, &self.dummy_hash);
                None
            }
        }
    }
}
