//! # Step 03: the bearer-token extractor
//!
//! ## What you build
//!
//! After login, a client proves who it is by sending its access token on
//! every request: `Authorization: Bearer <token>` (RFC 6750). In axum, code
//! that pulls something out of a request before the handler runs is an
//! *extractor*: a type that implements `FromRequestParts`. A handler that
//! takes a `BearerToken` argument never runs without one; when the header is
//! missing or wrong, the extractor's *rejection* becomes the response.
//!
//! This extractor only finds the token. It does not decode or check it: that
//! is step 06's job. Interviewers ask exactly this: "does the bearer scheme
//! validate the token?" (No: it reads a header.)
//!
//! Why write it by hand when `axum-extra` has `TypedHeader<Authorization<Bearer>>`?
//! Because its rejections do not answer as RFC 6750 says, and the status
//! codes and `WWW-Authenticate` challenges below are the lesson.
//!
//! ## The contract
//!
//! | request | result |
//! | --- | --- |
//! | `Authorization: Bearer abc.def-ghi` | `BearerToken("abc.def-ghi")` |
//! | `bearer ...`, `BEARER ...` | the scheme is case-insensitive: accepted |
//! | `Bearer   abc` (several spaces before the token) | accepted: `1*SP` in RFC 6750 §2.1 |
//! | no `Authorization` header | 401, `WWW-Authenticate: Bearer` |
//! | another scheme, `Basic dXNlcjpwYXNz` | 401, `WWW-Authenticate: Bearer` |
//! | `Bearer` with no token, or two words | 400, `WWW-Authenticate: Bearer error="invalid_request"` |
//! | a token with characters outside b64token | 400, as above |
//! | two `Authorization` headers | 400, as above |
//!
//! A b64token is one or more of `A-Z a-z 0-9 - . _ ~ + /`, then any number of
//! `=`. Nothing may follow the token, and the token itself is not checked
//! here. Every rejection has a JSON body:
//!
//! - the 400 is an OAuth error, `{"error": "invalid_request",
//!   "error_description": ...}` (`OAuthError`);
//! - the 401 for *missing* credentials carries no error code at all, neither
//!   in its challenge nor in its body: `{"error_description": ...}`
//!   (`ErrorDescription`). RFC 6750 §3.1 asks for no error information when
//!   the client has not tried to authenticate: it simply does not know yet
//!   that this route needs a token.
//!
//! ## Hints
//!
//! - `header_value.split_once(' ')` splits the scheme from the rest;
//!   `str::eq_ignore_ascii_case` compares the scheme.
//! - `parts.headers.get_all(AUTHORIZATION)` sees every copy of the header.
//! - `HeaderValue::to_str` fails on bytes that are not visible ASCII: that is a
//!   malformed header, not a server error.
//!
//! Run the tests: `cargo course test 3` (underneath: `cargo test --test step03_bearer`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

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
    todo!(
        "step 03: split off the scheme, match `bearer` case-insensitively (else Missing), then require one b64token (else Malformed)"
    )
}

/// `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`
fn is_b64token(token: &str) -> bool {
    todo!(
        "step 03: letters, digits and -._~+/ then optional trailing = signs, at least one character before them"
    )
}

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = BearerRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        todo!(
            "step 03: read every Authorization header (exactly one allowed), as ASCII, and parse_bearer it"
        )
    }
}

impl IntoResponse for BearerRejection {
    fn into_response(self) -> Response {
        todo!(
            "step 03: Missing is 401 with `WWW-Authenticate: Bearer` and an ErrorDescription body; Malformed is 400 invalid_request with an error= challenge"
        )
    }
}
