//! The server's flags and environment, checked: an unsafe configuration is
//! refused at startup with a sentence saying why, never run.

use std::net::SocketAddr;
use std::time::Duration;

use course::assemble::{FIRST_APP_STEP, LAST_STEP, Settings};
use course::jwt::{JwtKeys, MIN_SECRET_BYTES};
use course::login_throttle::{
    DEFAULT_CLIENT_BURST, DEFAULT_CLIENT_INTERVAL, DEFAULT_CLIENT_SUCCESS_BURST,
    DEFAULT_CLIENT_SUCCESS_INTERVAL, DEFAULT_USER_BURST, DEFAULT_USER_INTERVAL,
    DEFAULT_USER_SUCCESS_BURST, DEFAULT_USER_SUCCESS_INTERVAL,
};
use course::passwords::DEFAULT_COST;
use course::refresh::DEFAULT_REFRESH_TTL;

use crate::deadlines::Timeouts;
use crate::serve::{ConnectionLimits, default_max_connections};

/// The server's help, its step numbers from steps.toml.
pub fn usage() -> String {
    format!(
        "usage: server [OPTIONS]
  --addr HOST:PORT              where to listen (default 127.0.0.1:8000)
  --step N                      serve step N's app, {FIRST_APP_STEP} to {LAST_STEP} (default: the last step
                                `cargo course` saw pass; {LAST_STEP} with --features solutions)
  --token-minutes N             access-token lifetime, 1 to 1440 (default 30)
  --refresh-days N              refresh-token lifetime, 1 to 90 (default 14)
  --bcrypt-cost N               10 to 31 (default 12)
  --user-login-burst N          failed logins a username may have at once (default 5)
  --user-login-interval S       then one more every S seconds (default 60)
  --client-login-burst N        failed logins a client address may have at once (default 20)
  --client-login-interval S     then one more every S seconds (default 6)
  --user-success-burst N        successful logins a username may have at once (default 20)
  --user-success-interval S     then one more every S seconds (default 3)
  --client-success-burst N      successful logins from a client address at once (default 60)
  --client-success-interval S   then one more every S seconds (default 1)
  --hashing-threads N           threads that run bcrypt (default: one per core)
  --hashing-queue N             logins that may wait for one (default: 8 per core)
  --pool-share N                of those, how many one account or one address may hold
                                (default: 2 per hashing thread)
  --trusted-proxy CIDR          a proxy whose X-Forwarded-For names the client, for the
                                login limits (repeatable; default: none, the peer is the client)
  --header-timeout S            a request head must arrive within S seconds, and each
                                part of a body within S of the last (default 10)
  --idle-timeout S              a keep-alive connection at rest closes after S seconds
                                (default 60)
  --max-connections-per-address N
                                connections one client address may hold (default 64;
                                an IPv6 address by its /64; trusted proxies excepted)
  --max-connections N           connections in all (default: 3/4 of the open-file limit)
  --log requests|errors|off     the request log (default requests)
environment:
  JWT_SECRET        HS256 signing key, at least 32 bytes (default: random, this run only)
  COURSE_TEST_MODE  set to 1 to allow a bcrypt cost under 10: for tests, never a server"
    )
}

/// Which requests are logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLog {
    /// One line a request.
    Requests,
    /// Only answers of status 500 and over.
    Errors,
    Off,
}

pub struct Config {
    pub addr: SocketAddr,
    pub connections: ConnectionLimits,
    /// `None`: decide from the learner's progress.
    pub step: Option<usize>,
    pub settings: Settings,
    pub log: RequestLog,
    /// Whether JWT_SECRET was set (else the secret is random).
    pub secret_from_env: bool,
}

/// Why the server will not start: a flag it cannot read (exit 2, with the
/// usage) or a configuration it refuses (exit 1).
pub enum Refusal {
    Usage(String),
    Unsafe(String),
}

/// The configuration from the command line and the environment, or why
/// it is refused.
pub fn from_env() -> Result<Config, Refusal> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (secret, secret_from_env) = secret().map_err(Refusal::Unsafe)?;
    let mut config = Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 8000)),
        connections: ConnectionLimits {
            timeouts: Timeouts {
                header: Duration::from_secs(10),
                idle: Duration::from_secs(60),
            },
            per_address: 64,
            total: default_max_connections(),
            trusted_proxies: Vec::new(),
        },
        step: None,
        settings: Settings {
            secret,
            bcrypt_cost: DEFAULT_COST,
            access_token_ttl: Duration::from_secs(30 * 60),
            refresh_ttl: DEFAULT_REFRESH_TTL,
            user_login_burst: DEFAULT_USER_BURST,
            user_login_interval: DEFAULT_USER_INTERVAL,
            client_login_burst: DEFAULT_CLIENT_BURST,
            client_login_interval: DEFAULT_CLIENT_INTERVAL,
            user_success_burst: DEFAULT_USER_SUCCESS_BURST,
            user_success_interval: DEFAULT_USER_SUCCESS_INTERVAL,
            client_success_burst: DEFAULT_CLIENT_SUCCESS_BURST,
            client_success_interval: DEFAULT_CLIENT_SUCCESS_INTERVAL,
            pool_share: None,
            hashing_threads: cores,
            // Logins sent away at once come straight back: let a few wait.
            hashing_queue: 8 * cores,
            trusted_proxies: Vec::new(),
        },
        log: RequestLog::Requests,
        secret_from_env,
    };
    parse_flags(&mut config).map_err(|e| Refusal::Usage(e.to_string()))?;
    check(&config.settings).map_err(Refusal::Unsafe)?;
    check_connections(&config.connections).map_err(Refusal::Unsafe)?;
    config.connections.trusted_proxies = config.settings.trusted_proxies.clone();
    Ok(config)
}

fn parse_flags(config: &mut Config) -> Result<(), lexopt::Error> {
    use lexopt::prelude::*;
    let settings = &mut config.settings;
    let connections = &mut config.connections;
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("addr") => config.addr = parser.value()?.parse()?,
            Long("step") => {
                let step: usize = parser.value()?.parse()?;
                if !(FIRST_APP_STEP..=LAST_STEP).contains(&step) {
                    return Err(format!(
                        "--step {step}: steps {FIRST_APP_STEP} to {LAST_STEP} have an app to serve"
                    )
                    .into());
                }
                config.step = Some(step);
            }
            Long("token-minutes") => {
                settings.access_token_ttl =
                    Duration::from_secs(parser.value()?.parse::<u64>()? * 60);
            }
            Long("refresh-days") => {
                settings.refresh_ttl =
                    Duration::from_secs(parser.value()?.parse::<u64>()? * 24 * 60 * 60);
            }
            Long("bcrypt-cost") => settings.bcrypt_cost = parser.value()?.parse()?,
            Long("user-login-burst") => settings.user_login_burst = parser.value()?.parse()?,
            Long("user-login-interval") => {
                settings.user_login_interval = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("client-login-burst") => settings.client_login_burst = parser.value()?.parse()?,
            Long("client-login-interval") => {
                settings.client_login_interval = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("user-success-burst") => settings.user_success_burst = parser.value()?.parse()?,
            Long("user-success-interval") => {
                settings.user_success_interval = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("client-success-burst") => {
                settings.client_success_burst = parser.value()?.parse()?;
            }
            Long("client-success-interval") => {
                settings.client_success_interval = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("pool-share") => settings.pool_share = Some(parser.value()?.parse()?),
            Long("hashing-threads") => settings.hashing_threads = parser.value()?.parse()?,
            Long("hashing-queue") => settings.hashing_queue = parser.value()?.parse()?,
            Long("trusted-proxy") => settings.trusted_proxies.push(parser.value()?.parse()?),
            Long("header-timeout") => {
                connections.timeouts.header = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("idle-timeout") => {
                connections.timeouts.idle = Duration::from_secs(parser.value()?.parse()?);
            }
            Long("max-connections-per-address") => {
                connections.per_address = parser.value()?.parse()?;
            }
            Long("max-connections") => connections.total = parser.value()?.parse()?,
            Long("log") => {
                config.log = match parser.value()?.string()?.as_str() {
                    "requests" => RequestLog::Requests,
                    "errors" => RequestLog::Errors,
                    "off" => RequestLog::Off,
                    other => {
                        return Err(format!("--log {other}: use requests, errors or off").into());
                    }
                }
            }
            Short('h') | Long("help") => {
                println!("{}", usage());
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(())
}

/// Refuses what would make the server unsafe or useless.
fn check(settings: &Settings) -> Result<(), String> {
    let minutes = settings.access_token_ttl.as_secs() / 60;
    if !(1..=24 * 60).contains(&minutes) {
        return Err(format!(
            "--token-minutes {minutes}: an access token lives 1 minute to 24 hours; a longer one is a \
             password that cannot be changed, and revocation (step 11) keeps every revoked one in memory that long"
        ));
    }
    let days = settings.refresh_ttl.as_secs() / (24 * 60 * 60);
    if !(1..=90).contains(&days) {
        return Err(format!("--refresh-days {days}: 1 to 90"));
    }
    let test_mode = std::env::var("COURSE_TEST_MODE").is_ok_and(|v| v == "1");
    let lowest = if test_mode { 4 } else { 10 };
    if !(lowest..=31).contains(&settings.bcrypt_cost) {
        return Err(format!(
            "--bcrypt-cost {}: a server hashes at cost 10 or more (OWASP's minimum for bcrypt); lower costs \
             are for tests, with COURSE_TEST_MODE=1",
            settings.bcrypt_cost
        ));
    }
    if settings.hashing_threads == 0
        || settings.user_login_burst == 0
        || settings.client_login_burst == 0
        || settings.user_success_burst == 0
        || settings.client_success_burst == 0
    {
        return Err("--hashing-threads and the login bursts must be at least 1".to_owned());
    }
    Ok(())
}

/// Refuses limits that would let no one in, or never time out.
fn check_connections(limits: &ConnectionLimits) -> Result<(), String> {
    if limits.timeouts.header.is_zero() || limits.timeouts.idle.is_zero() {
        return Err(
            "--header-timeout and --idle-timeout are at least 1 second: a client needs some time"
                .to_owned(),
        );
    }
    if limits.per_address == 0 || limits.total == 0 {
        return Err(
            "--max-connections-per-address and --max-connections are at least 1".to_owned(),
        );
    }
    Ok(())
}

/// The secret from `JWT_SECRET`, or a random one; whether it came from the
/// environment.
fn secret() -> Result<(Vec<u8>, bool), String> {
    match std::env::var("JWT_SECRET") {
        // Step 04's own check decides what is too short.
        Ok(secret) => match JwtKeys::from_secret(secret.as_bytes()) {
            Ok(_) => Ok((secret.into_bytes(), true)),
            Err(too_short) => Err(format!(
                "JWT_SECRET is too short: {too_short}. Make one with: openssl rand -base64 48"
            )),
        },
        Err(_) => {
            let mut secret = vec![0u8; MIN_SECRET_BYTES * 2];
            getrandom::fill(&mut secret).map_err(|e| format!("no random source for a key: {e}"))?;
            Ok((secret, false))
        }
    }
}
