//! Serves one step's app: the learner's own, or the reference with
//! `--features solutions`.
//!
//! ```text
//! cargo run --release -p course-server --features solutions -- --addr 127.0.0.1:8000
//! ```
//!
//! Flags are in `config.rs` (and `--help`). The signing key comes from
//! `JWT_SECRET`, at least 32 bytes; unset, the server makes a random key for
//! this run only (tokens die with the process).

#[cfg(test)]
mod catch_panic_tests;
mod config;
mod deadlines;
mod drain;
mod edge;
mod logging;
mod progress;
mod serve;

use std::process::ExitCode;

use course::assemble::{self, LAST_STEP};
use course::catch_panic::catch_panics;
use tower_layer::Layer;

use crate::config::{Config, Refusal, usage};

fn main() -> ExitCode {
    // Flushes the buffered log when main returns, however it returns.
    let _log = logging::init();
    let config = match config::from_env() {
        Ok(config) => config,
        Err(Refusal::Usage(why)) => {
            eprintln!("server: {why}\n{}", usage());
            return ExitCode::from(2);
        }
        Err(Refusal::Unsafe(why)) => {
            eprintln!("server: {why}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("server: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let (step, why) = match config.step {
        Some(step) => (step, "--step".to_owned()),
        None => progress::default_step(),
    };
    let (serves, next) = assemble::describe(step);
    let next = match next {
        Some(next) => format!("; step {} adds {next}", step + 1),
        None if step == LAST_STEP => "; this is the whole course".to_owned(),
        None => String::new(),
    };
    tracing::info!("serving step {step}'s app ({why}): {serves}{next}");
    if !config.secret_from_env {
        tracing::warn!(
            "JWT_SECRET is not set: using a random key, so tokens stop working when the server restarts"
        );
    }
    // The log and the panic catcher wrap the whole app once, outside the
    // router: `Router::layer` would wrap every route, a boxed service more
    // to clone on each request. A body the app leaves unread is read after
    // it (drain.rs), so the close that follows is not a reset.
    let app = assemble::app(step, &config.settings)?;
    let app = drain::DrainLayer.layer(edge::EdgeLayer.layer(app));
    let app = logging::request_log(config.log).layer(catch_panics().layer(app));

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    // The bound address, which differs from --addr when its port is 0.
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("listening on http://{addr}");
    tracing::info!(
        "try: curl -X POST http://{addr}/token -d grant_type=password -d username=alice -d password=secret123"
    );
    // Each connection with deadlines and caps; each request with the
    // client's address, for step 14's limits (serve.rs).
    serve::serve(listener, app, config.connections, shutdown_signal()).await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests can finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
