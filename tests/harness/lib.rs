//! The part of the hidden tests' harness that knows no step: serves a
//! router on a free loopback port, calls it, and turns a wrong answer into a
//! message that teaches. `tests/common/` re-exports it beside the helpers
//! that build on the steps' own types.

mod http;
mod panic;

pub use http::{ANSWER_WITHIN, FORM, Reply, TestServer, form, serve};
pub use panic::quiet_panics;

/// Given code, the same file the steps build: the test server answers a
/// panic as the real server does.
#[path = "../../steps/given/catch_panic.rs"]
mod catch_panic;
#[path = "../../steps/given/oauth_error.rs"]
#[allow(dead_code)]
mod oauth_error;
