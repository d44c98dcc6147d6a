//! The error bodies every step answers with, given to every step.
//!
//! An OAuth error (RFC 6749 §5.2, RFC 6750 §3.1) is JSON of one shape,
//! `{"error": "<code>", "error_description": "<sentence>"}`, so that a client
//! can branch on `error` and show `error_description` to a developer.
//!
//! An answer that is not an OAuth error carries no code at all, only
//! `{"error_description": "<sentence>"}`: a request that sent no credentials
//! (RFC 6750 §3.1: "SHOULD NOT include an error code or other error
//! information"), an unknown path, a wrong method, a server fault. A client
//! never mistakes one of those for a registered code.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An OAuth error: a registered code and a sentence for developers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthError {
    /// A code from RFC 6749 §5.2 or RFC 6750 §3.1, such as `invalid_grant`.
    pub error: &'static str,
    /// For a developer reading logs, never for branching on.
    pub error_description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: printable(description.into()),
        }
    }

    /// The error as a response with `status` and a JSON body.
    pub fn with_status(self, status: StatusCode) -> Response {
        (status, Json(self)).into_response()
    }
}

/// `description` in the characters RFC 6749 §5.2 allows in an
/// `error_description` (printable ASCII but `"` and `\`), each other one
/// a `?`. A description may quote what the client sent (an unknown scope's
/// name): the client must get back no control character, no byte it could
/// take for markup or a log line of its own.
pub fn printable(description: String) -> String {
    let allowed = |c: char| matches!(c, ' '..='~') && c != '"' && c != '\\';
    if description.chars().all(allowed) {
        return description;
    }
    description
        .chars()
        .map(|c| if allowed(c) { c } else { '?' })
        .collect()
}

/// An answer that is not an OAuth error: a sentence and no code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDescription {
    pub error_description: String,
}

impl ErrorDescription {
    /// `description` as a response with `status` and a JSON body.
    pub fn response(status: StatusCode, description: impl Into<String>) -> Response {
        let body = Self {
            error_description: printable(description.into()),
        };
        (status, Json(body)).into_response()
    }
}
