//! The error body of RFC 6749 §5.2 and RFC 6750 §3, given to every step.
//!
//! Every error this course's server answers is JSON of one shape,
//! `{"error": "<code>", "error_description": "<sentence>"}`, so that a client
//! can branch on `error` and show `error_description` to a developer. Steps
//! add their own status codes and headers around it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An OAuth2 error: a registered code and a sentence for developers.
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
            error_description: description.into(),
        }
    }

    /// The error as a response with `status` and a JSON body.
    pub fn with_status(self, status: StatusCode) -> Response {
        (status, Json(self)).into_response()
    }
}
