//! # Step 04: signing and checking JWTs
//!
//! ## What you build
//!
//! An access token here is a JWT: three base64url parts, `header.claims.signature`.
//! The server signs the claims with a secret key (HS256, an HMAC with
//! SHA-256); on every later request it checks the signature and the claims,
//! and if both hold it trusts what the claims say without a database lookup.
//! `JwtKeys` holds the key and the rules; `Claims` is what a token says.
//!
//! Most JWT vulnerabilities come from a decoder that believes the token's own
//! header. RFC 8725 (JWT best practices) says: accept exactly the algorithms
//! you use. A token whose header says `"alg": "none"`, or `RS256` when you
//! sign with HS256, must be refused before anything else. An interviewer will
//! ask why; the answer is in the quiz.
//!
//! ## The contract
//!
//! - `JwtKeys::from_secret` refuses a secret under 32 bytes (RFC 7518 §3.2)
//!   with `SecretTooShort`.
//! - `Claims::new(sub, ttl)` sets `iat` to now, `exp` to now + ttl, and a
//!   fresh random `jti` (two calls never share one); `nbf` stays `None`.
//! - `encode` signs with HS256. `decode` returns the claims only if the
//!   signature is ours, the header says HS256, `exp` is present and not past
//!   (give or take `LEEWAY_SECS`, 30 seconds of clock skew), and `nbf`, when
//!   present, is not in the future. Anything else is an `Err`, never a panic.
//! - `exp` is required by the `Validation` itself, not only by the shape of
//!   `Claims`: a later step decodes claims types of its own, and a token
//!   without `exp` must fail for every one of them. (RFC 7519 makes `exp`
//!   optional; RFC 9068 §2.2 requires it of access tokens, and RFC 8725 asks
//!   you to validate what you rely on.)
//! - A `jti` is unique and unpredictable: 128 random bits, never a counter or
//!   a timestamp (RFC 7519 §4.1.7 asks for uniqueness; revocation in step 11
//!   relies on it).
//!
//! ## Hints
//!
//! - `jsonwebtoken::Validation::new(ALGORITHM)` accepts only that algorithm and
//!   requires `exp`. Read its fields: `leeway`, `validate_nbf` (off by
//!   default!), `set_required_spec_claims`.
//! - `jsonwebtoken::get_current_timestamp()` is now, in Unix seconds.
//! - `getrandom::fill` fills a byte array with random bytes; hex them for `jti`.
//!
//! Run the tests: `cargo course test 4` (underneath: `cargo test --test step04_jwt`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

use std::fmt;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The one algorithm this server signs with and accepts.
pub const ALGORITHM: Algorithm = Algorithm::HS256;

/// RFC 7518 §3.2: an HS256 key must be at least as long as its hash, 256 bits.
pub const MIN_SECRET_BYTES: usize = 32;

/// Clock skew forgiven on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the username the token speaks for.
    pub sub: String,
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
    /// A unique id for this token, so that it can be revoked later.
    pub jti: String,
    /// Not before: the token is refused until then, if it is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
}

impl Claims {
    /// Claims for `sub`, issued now, expiring after `ttl`, with a fresh `jti`.
    pub fn new(sub: &str, ttl: Duration) -> Self {
        todo!("step 04: claims for `sub` with iat = now, exp = now + ttl, and a random jti")
    }
}

/// 128 random bits as hex: unguessable and unique enough for a `jti`.
fn random_id() -> String {
    todo!("step 04: 16 random bytes from getrandom::fill, as hex")
}

/// Refused: a signing secret shorter than [`MIN_SECRET_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretTooShort {
    pub bytes: usize,
}

impl fmt::Display for SecretTooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the JWT secret has {} bytes; HS256 needs at least {MIN_SECRET_BYTES}",
            self.bytes
        )
    }
}

impl std::error::Error for SecretTooShort {}

/// The keys and rules for signing and checking tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys from a shared secret of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn from_secret(secret: &[u8]) -> Result<Self, SecretTooShort> {
        todo!(
            "step 04: refuse a secret under MIN_SECRET_BYTES, then build the keys and an HS256-only Validation that checks exp and nbf"
        )
    }

    /// Signs `claims` with HS256. Generic so that a later step can sign
    /// claims of its own that include these.
    pub fn encode<C: Serialize>(&self, claims: &C) -> Result<String, jsonwebtoken::errors::Error> {
        todo!("step 04: sign `claims` with an HS256 header and self.encoding")
    }

    /// Checks the signature, the algorithm, `exp` and `nbf` of `token`, and
    /// returns its claims.
    pub fn decode<C: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<C, jsonwebtoken::errors::Error> {
        todo!(
            "step 04: jsonwebtoken::decode with self.decoding and self.validation, and return the claims"
        )
    }
}

impl fmt::Debug for JwtKeys {
    // Never print the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKeys { .. }")
    }
}
