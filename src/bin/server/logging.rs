//! The server's log: one line a request (method, path, status, latency),
//! only errors, or nothing.

use std::io::IsTerminal;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::config::RequestLog;

/// Logs to stderr, coloured only on a terminal and never under NO_COLOR.
pub fn init() {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
}

/// `app` with the request log `log` asks for.
pub fn with_request_log(app: Router, log: RequestLog) -> Router {
    if log == RequestLog::Off {
        return app;
    }
    // The path only: a query string may hold what a client should never
    // have put there (a password, a token), and a log keeps it for years.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<Body>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(move |response: &Response<Body>, latency: Duration, _span: &Span| {
            let status = response.status();
            if log == RequestLog::Requests || status.is_server_error() {
                tracing::info!(status = status.as_u16(), latency_us = latency.as_micros() as u64, "answered");
            }
        });
    app.layer(trace)
}
