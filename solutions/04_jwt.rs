//! Step 04: signing and checking JWTs. (Reference solution.)
//!
//! See `exercises/04_jwt.rs` for the task.

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
        let now = jsonwebtoken::get_current_timestamp();
        Self {
            sub: sub.to_owned(),
            iat: now,
            exp: now + ttl.as_secs(),
            jti: random_id(),
            nbf: None,
        }
    }
}

/// 128 random bits as hex: unguessable and unique enough for a `jti`.
fn random_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system has no random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretTooShort {
                bytes: secret.len(),
            });
        }
        // `Validation::new` lists only our algorithm, so a token whose header
        // says HS384 or RS256 is refused before its signature is checked
        // (`none` is not even an algorithm jsonwebtoken can parse).
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        // Off by default in jsonwebtoken.
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    /// Signs `claims` with HS256. Generic so that a later step can sign
    /// claims of its own that include these.
    pub fn encode<C: Serialize>(&self, claims: &C) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(ALGORITHM), claims, &self.encoding)
    }

    /// Checks the signature, the algorithm, `exp` and `nbf` of `token`, and
    /// returns its claims.
    pub fn decode<C: DeserializeOwned>(
        &self,
        token: &str,
    ) -> Result<C, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<C>(token, &self.decoding, &self.validation).map(|data| data.claims)
    }
}

impl fmt::Debug for JwtKeys {
    // Never print the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtKeys { .. }")
    }
}
