//! Given, not an exercise: each step's app with the demo users and stores,
//! built in one place for the server.
//!
//! Step N's app is built from step N-1's state plus the stores step N adds,
//! so `--step 9` runs the learner's steps 1..9 and never touches a later
//! step's code (a `todo!()` there cannot stop it). A new step with an app
//! adds a function for its state and an arm to `app`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use ipnet::IpNet;

use crate::clients::{self, ClientRegistry, ClientsState, client_token_keys, demo_usernames};
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

/// The app of `step` with the demo users: one arm a step.
pub fn app(step: usize, settings: &Settings) -> Result<Router, String> {
    Ok(match step {
        7 => users_me::app(auth_state(settings)?),
        8 => active_user::app(auth_state(settings)?),
        9 => scopes::app(scopes_state(settings)?),
        10 => refresh::app(refresh_state(settings)?),
        11 => revocation::app(revocation_state(settings)?),
        12 => cookies::app(cookie_state(settings)?),
        13 => totp::app(totp_state(settings)?),
        14 => login_throttle::app(throttle_state(settings)?),
        15 => openapi::app(throttle_state(settings)?),
        16 => clients::app(clients_state(settings)?),
        _ if (FIRST_APP_STEP..=LAST_STEP).contains(&step) => {
            return Err(format!(
                "step {step}'s app is not assembled yet: add its arm to `app` in \
                 src/assemble.rs (docs/maintaining.md)"
            ));
        }
        _ => {
            return Err(format!(
                "there is no app of step {step}: steps {FIRST_APP_STEP} to {LAST_STEP} have one"
            ));
        }
    })
}

// Each step's state is the previous step's plus the stores it adds, so
// `--step 9` builds steps 1..9's and never touches a later step's code.

fn scopes_state(settings: &Settings) -> Result<ScopesState, String> {
    let auth = auth_state(settings)?;
    Ok(ScopesState::new(
        auth,
        ScopeGrants::demo(),
        ItemStore::demo(),
    ))
}

fn refresh_state(settings: &Settings) -> Result<RefreshState, String> {
    let store = RefreshStore::new(settings.refresh_ttl);
    Ok(RefreshState::new(scopes_state(settings)?, store))
}

fn revocation_state(settings: &Settings) -> Result<RevocationState, String> {
    Ok(RevocationState::new(
        refresh_state(settings)?,
        DenyList::default(),
    ))
}

fn cookie_state(settings: &Settings) -> Result<CookieState, String> {
    let csrf = CsrfKey::derive(&settings.secret).map_err(|e| e.to_string())?;
    Ok(CookieState::new(revocation_state(settings)?, csrf))
}

fn totp_state(settings: &Settings) -> Result<TotpState, String> {
    let mfa = MfaKeys::derive(&settings.secret).map_err(|e| e.to_string())?;
    let previous = cookie_state(settings)?;
    Ok(TotpState::new(
        previous,
        TotpSecrets::demo(),
        mfa,
        system_clock(),
    ))
}

fn throttle_state(settings: &Settings) -> Result<ThrottleState, String> {
    let previous = totp_state(settings)?;
    Ok(ThrottleState::new(
        previous,
        pool(settings),
        limits(settings),
    ))
}

fn clients_state(settings: &Settings) -> Result<ClientsState, String> {
    let keys = client_token_keys(&settings.secret).map_err(|e| e.to_string())?;
    let previous = throttle_state(settings)?;
    Ok(ClientsState::new(
        previous,
        ClientRegistry::demo(),
        keys,
        demo_usernames(),
    ))
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
