//! Step 03: the bearer-token extractor. (Reference solution.)
//!
//! See `exercises/03_bearer.rs` for the task.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::oauth_error::{ErrorDescription, OAuthError};

/// The credential of an `Authorization: Bearer <token>` header, unchecked:
/// this extractor finds the token, it does not say whether it is any good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerToken(pub String);

/// Why a request has no usable bearer token (RFC 6750 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BearerRejection {
    /// No `Authorization` header, or one of another scheme (`Basic ...`):
    /// the client did not try to send a bearer token at all.
    Missing,
    /// A `Bearer` header whose credential is not one b64token, or several
    /// `Authorization` headers.
    Malformed(&'static str),
}

/// Parses one `Authorization` header value into its bearer token.
///
/// `Bearer` is matched case-insensitively (RFC 7235 §2.1); the credential
/// must be a single RFC 6750 b64token.
pub fn parse_bearer(header_value: &str) -> Result<&str, BearerRejection> {
    let (scheme, rest) = header_value.split_once(' ').unwrap_or((header_value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(BearerRejection::Missing);
    }
    // RFC 6750 §2.1: `Bearer` 1*SP b64token, so extra spaces before the
    // token are allowed but nothing may follow it.
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(BearerRejection::Malformed(
            "the Bearer scheme needs a token after it",
        ));
    }
    if !is_b64token(token) {
        return Err(BearerRejection::Malformed(
            "a bearer token is one word of letters, digits and -._~+/ with optional trailing =",
        ));
    }
    Ok(token)
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // `fold`, not `all`: with no early exit the compiler checks many bytes
    // at once. Every request's token passes here, a few hundred bytes.
    !body.is_empty() && body.bytes().fold(true, |ok, b| ok & is_b64token_byte(b))
}

fn is_b64token_byte(b: u8) -> bool {
    matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
        let Some(value) = headers.next() else {
            return Err(BearerRejection::Missing);
        };
        if headers.next().is_some() {
            return Err(BearerRejection::Malformed(
                "send one Authorization header, not several",
            ));
        }
        // A header that is not visible ASCII cannot hold a b64token.
        let value = value
            .to_str()
            .map_err(|_| BearerRejection::Malformed("the Authorization header is not ASCII"))?;
        parse_bearer(value).map(|token| BearerToken(token.to_owned()))
    }
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        let (mut response, challenge) = match self {
            // RFC 6750 §3.1: no error code when the client sent no
            // credentials, in the challenge or in the body.
            BearerRejection::Missing => (
                ErrorDescription::response(
                    StatusCode::UNAUTHORIZED,
                    "this route needs an access token: send `Authorization: Bearer <token>`",
                ),
                "Bearer",
            ),
            BearerRejection::Malformed(why) => (
                OAuthError::new("invalid_request", why).with_status(StatusCode::BAD_REQUEST),
                r#"Bearer error="invalid_request""#,
            ),
        };
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        response
    }
}
