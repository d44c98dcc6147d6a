//! Serves the assembled app of step 07: the learner's own, or the reference
//! with `--features solutions`.
//!
//! ```text
//! cargo run --release --features solutions --bin server -- --addr 127.0.0.1:8000
//! ```
//!
//! Configuration:
//! - `--addr HOST:PORT` (default `127.0.0.1:8000`);
//! - `--token-minutes N`, the access-token lifetime (default 30);
//! - `JWT_SECRET`, the HS256 signing key, at least 32 bytes. Unset, the server
//!   makes a random key for this run only (tokens die with the process).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use axum::http::Request;
use course::catch_panic::catch_panics;
use course::fake_db::InMemoryUserStore;
use course::jwt::{JwtKeys, MIN_SECRET_BYTES};
use course::passwords::{DEFAULT_COST, PasswordHasher};
use course::token_route::AuthState;
use course::users_me::app;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const USAGE: &str = "usage: server [--addr HOST:PORT] [--token-minutes N]
  --addr           where to listen (default 127.0.0.1:8000)
  --token-minutes  access-token lifetime in minutes (default 30)
environment:
  JWT_SECRET       HS256 signing key, at least 32 bytes (default: random, this run only)";

struct Config {
    addr: SocketAddr,
    token_ttl: Duration,
}

fn parse_args() -> Result<Config, lexopt::Error> {
    use lexopt::prelude::*;
    let mut config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
        token_ttl: Duration::from_secs(30 * 60),
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("addr") => config.addr = parser.value()?.parse()?,
            Long("token-minutes") => {
                let minutes: u64 = parser.value()?.parse()?;
                if minutes == 0 {
                    return Err("--token-minutes must be at least 1".into());
                }
                config.token_ttl = Duration::from_secs(minutes * 60);
            }
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(config)
}

/// The key from `JWT_SECRET`, or a random one with a warning.
fn signing_keys() -> Result<JwtKeys, String> {
    match std::env::var("JWT_SECRET") {
        Ok(secret) => JwtKeys::from_secret(secret.as_bytes()).map_err(|e| {
            format!("JWT_SECRET is too short: {e}. Make one with: openssl rand -base64 48")
        }),
        Err(_) => {
            let mut secret = [0u8; MIN_SECRET_BYTES * 2];
            getrandom::fill(&mut secret).map_err(|e| format!("no random source for a key: {e}"))?;
            tracing::warn!(
                "JWT_SECRET is not set: using a random key, so tokens stop working when the server restarts"
            );
            JwtKeys::from_secret(&secret).map_err(|e| e.to_string())
        }
    }
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

#[tokio::main]
async fn main() -> ExitCode {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .init();
    let config = match parse_args() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("server: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let keys = signing_keys()?;
    let passwords = PasswordHasher::new(DEFAULT_COST).map_err(|e| e.to_string())?;
    let users = InMemoryUserStore::with_demo_users(|password| {
        passwords
            .hash(password)
            .expect("the demo passwords are under 72 bytes")
    });
    let state = AuthState::new(users, passwords, keys, config.token_ttl);
    // One line per request at INFO: method, path, status and latency. The
    // path only: a query string may hold what a client should never have
    // put there (a password, a token), and a log keeps it for years.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    let app = app(state).layer(catch_panics()).layer(trace);

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    // The bound address, which differs from --addr when its port is 0.
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!("listening on http://{addr}");
    tracing::info!(
        "try: curl -X POST http://{addr}/token -d grant_type=password -d username=alice -d password=secret123"
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}
