//! A handler that panics answers 500 with a JSON body, never a dropped
//! connection. Given to the server and the test harness alike.
//!
//! While a step is unsolved its `todo!()` panics; the answer then names the
//! step and what to do, so `curl` and the tests show a sentence instead of a
//! reset connection. Any other panic says only that the server failed: a
//! panic message can hold internals a client must not see.

use std::any::Any;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;

use crate::oauth_error::ErrorDescription;

/// The layer: `router.layer(catch_panics())`.
pub fn catch_panics() -> CatchPanicLayer<fn(Box<dyn Any + Send>) -> Response> {
    CatchPanicLayer::custom(panic_response as fn(Box<dyn Any + Send>) -> Response)
}

fn panic_response(panic: Box<dyn Any + Send>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("");
    let description = match message.strip_prefix("not yet implemented: ") {
        Some(todo) => format!("unfinished: {todo}"),
        None => "the server failed while answering; see its log".to_owned(),
    };
    ErrorDescription::response(StatusCode::INTERNAL_SERVER_ERROR, description).into_response()
}
