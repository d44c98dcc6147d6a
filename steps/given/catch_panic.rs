//! A handler that panics answers 500 with a JSON body, never a dropped
//! connection. Given to the server and the test harness alike.
//!
//! While a step is unsolved its `todo!()` panics; the answer then names the
//! step and what to do, so `curl` and the tests show a sentence instead of a
//! reset connection. Any other panic says only that the server failed: a
//! panic message can hold internals a client must not see.
//!
//! Written here rather than taken from tower-http: its catcher boxes every
//! answer's body into a type of its own, which the server's log then boxes
//! back into axum's, two allocations on every request. This one keeps the
//! inner service's answer as it is.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::oauth_error::ErrorDescription;

/// The layer: `router.layer(catch_panics())`.
pub fn catch_panics() -> CatchPanicLayer {
    CatchPanicLayer
}

#[derive(Debug, Clone, Copy)]
pub struct CatchPanicLayer;

impl<S> Layer<S> for CatchPanicLayer {
    type Service = CatchPanic<S>;

    fn layer(&self, inner: S) -> CatchPanic<S> {
        CatchPanic { inner }
    }
}

/// `inner`, with its panics answered 500.
#[derive(Debug, Clone)]
pub struct CatchPanic<S> {
    inner: S,
}

impl<S> Service<Request> for CatchPanic<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Caught<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // A service may panic before it hands back its future, too.
        match catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(future) => Caught::Running { future },
            Err(panic) => Caught::Panicked {
                answer: Some(panic_response(panic)),
            },
        }
    }
}

pin_project! {
    /// The inner service's future, or the 500 of a panic in its `call`.
    #[project = CaughtProjection]
    pub enum Caught<F> {
        Running { #[pin] future: F },
        Panicked { answer: Option<Response> },
    }
}

impl<F, E> Future for Caught<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            CaughtProjection::Running { future } => {
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(poll) => poll,
                    Err(panic) => Poll::Ready(Ok(panic_response(panic))),
                }
            }
            CaughtProjection::Panicked { answer } => Poll::Ready(Ok(answer
                .take()
                .expect("a future is not polled once it is ready"))),
        }
    }
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
