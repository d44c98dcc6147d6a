//! Given, not an exercise: each step's app with the demo users and stores,
//! built in one place for the server.
//!
//! Step N's app is built from step N-1's state plus the stores step N adds,
//! so `--step 9` runs the learner's steps 1..9 and never touches a later
//! step's code (a `todo!()` there cannot stop it).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use ipnet::IpNet;

use crate::cookies::{self, CookieState, CsrfKey};
use crate::fake_db::InMemoryUserStore;
use crate::jwt::JwtKeys;
use crate::login_throttle::{self, HashingPool, Limiter, LoginLimits, ThrottleState};
use crate::passwords::PasswordHasher;
use crate::refresh::{self, RefreshState, RefreshStore};
use crate::revocation::{self, DenyList, RevocationState};
use crate::scopes::{self, ItemStore, ScopeGrants, ScopesState};
use crate::token_route::AuthState;
use crate::totp::{self, MfaKeys, TotpSecrets, TotpState, system_clock};
use crate::{active_user, openapi, users_me};

/// The first step with a whole app, and the last step (steps.toml).
pub use course_steps::{FIRST_APP_STEP, LAST_STEP};

/// What the server is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The HS256 secret, at least 32 bytes.
    pub secret: Vec<u8>,
    pub bcrypt_cost: u32,
    pub access_token_ttl: Duration,
    pub refresh_ttl: Duration,
    pub user_login_burst: u32,
    pub user_login_interval: Duration,
    pub client_login_burst: u32,
    pub client_login_interval: Duration,
    pub user_success_burst: u32,
    pub user_success_interval: Duration,
    pub client_success_burst: u32,
    pub client_success_interval: Duration,
    /// Jobs one account or address may hold in the hashing pool (None: two
    /// a thread).
    pub pool_share: Option<usize>,
    pub hashing_threads: usize,
    pub hashing_queue: usize,
    /// Proxies whose `X-Forwarded-For` names the client (step 14).
    pub trusted_proxies: Vec<IpNet>,
}

/// What each step's app serves, and what the next step adds (steps.toml).
pub fn describe(step: usize) -> (&'static str, Option<&'static str>) {
    let app = |number: usize| course_steps::find(number).and_then(|step| step.app);
    (app(step).unwrap_or("?"), app(step + 1))
}

/// The app of `step` (7..=15) with the demo users.
pub fn app(step: usize, settings: &Settings) -> Result<Router, String> {
    if !(FIRST_APP_STEP..=LAST_STEP).contains(&step) {
        return Err(format!(
            "there is no app of step {step}: steps {FIRST_APP_STEP} to {LAST_STEP} have one"
        ));
    }
    let auth = auth_state(settings)?;
    Ok(match step {
        7 => users_me::app(auth),
        8 => active_user::app(auth),
        _ => {
            let scopes = ScopesState::new(auth, ScopeGrants::demo(), ItemStore::demo());
            if step == 9 {
                return Ok(scopes::app(scopes));
            }
            let refresh = RefreshState::new(scopes, RefreshStore::new(settings.refresh_ttl));
            if step == 10 {
                return Ok(refresh::app(refresh));
            }
            let revocation = RevocationState::new(refresh, DenyList::default());
            if step == 11 {
                return Ok(revocation::app(revocation));
            }
            let csrf = CsrfKey::derive(&settings.secret).map_err(|e| e.to_string())?;
            let cookie = CookieState::new(revocation, csrf);
            if step == 12 {
                return Ok(cookies::app(cookie));
            }
            let mfa = MfaKeys::derive(&settings.secret).map_err(|e| e.to_string())?;
            let totp_state = TotpState::new(cookie, TotpSecrets::demo(), mfa, system_clock());
            if step == 13 {
                return Ok(totp::app(totp_state));
            }
            let throttle = ThrottleState::new(totp_state, pool(settings), limits(settings));
            if step == 14 {
                return Ok(login_throttle::app(throttle));
            }
            openapi::app(throttle)
        }
    })
}

fn auth_state(settings: &Settings) -> Result<AuthState, String> {
    let keys = JwtKeys::from_secret(&settings.secret).map_err(|e| e.to_string())?;
    let passwords = PasswordHasher::new(settings.bcrypt_cost).map_err(|e| e.to_string())?;
    let users = InMemoryUserStore::with_demo_users(|password| {
        passwords
            .hash(password)
            .expect("the demo passwords are under 72 bytes")
    });
    Ok(AuthState::new(
        users,
        passwords,
        keys,
        settings.access_token_ttl,
    ))
}

fn pool(settings: &Settings) -> HashingPool {
    HashingPool::new(settings.hashing_threads, settings.hashing_queue)
}

fn limits(settings: &Settings) -> LoginLimits {
    let limits = LoginLimits::new(
        Limiter::new(settings.user_login_burst, settings.user_login_interval),
        Limiter::new(settings.client_login_burst, settings.client_login_interval),
        Arc::new(refresh::now),
    )
    .trusting(settings.trusted_proxies.clone())
    .with_success_limits(
        Limiter::new(settings.user_success_burst, settings.user_success_interval),
        Limiter::new(
            settings.client_success_burst,
            settings.client_success_interval,
        ),
    );
    match settings.pool_share {
        Some(share) => limits.with_pool_share(share),
        None => limits,
    }
}
