//! The course library: glue only.
//!
//! Each step is one module whose body is either the learner's file in
//! `exercises/` or the reference in `solutions/`, chosen by the step's feature
//! (`solNN`; `solutions` turns them all on). Later steps reach earlier ones
//! through `crate::...`, so step N runs on the learner's own steps 1..N-1
//! unless a `solNN` feature swaps one in.
//!
//! An exercise's stubs leave arguments and imports unused until the learner
//! fills them in; each exercise file silences those warnings itself, in a
//! line the learner deletes once the step passes.

/// Given, not an exercise: the JSON error body every step answers with.
pub mod oauth_error;

/// Given, not an exercise: a panicking handler answers 500 JSON, never a
/// dropped connection (a `todo!()` names its step).
pub mod catch_panic;

/// Given, not an exercise: each step's app with the demo users, for the server.
pub mod assemble;

#[cfg_attr(feature = "sol01", path = "../solutions/01_fake_db.rs")]
#[cfg_attr(not(feature = "sol01"), path = "../exercises/01_fake_db.rs")]
pub mod fake_db;

#[cfg_attr(feature = "sol02", path = "../solutions/02_passwords.rs")]
#[cfg_attr(not(feature = "sol02"), path = "../exercises/02_passwords.rs")]
pub mod passwords;

#[cfg_attr(feature = "sol03", path = "../solutions/03_bearer.rs")]
#[cfg_attr(not(feature = "sol03"), path = "../exercises/03_bearer.rs")]
pub mod bearer;

#[cfg_attr(feature = "sol04", path = "../solutions/04_jwt.rs")]
#[cfg_attr(not(feature = "sol04"), path = "../exercises/04_jwt.rs")]
pub mod jwt;

#[cfg_attr(feature = "sol05", path = "../solutions/05_token_route.rs")]
#[cfg_attr(not(feature = "sol05"), path = "../exercises/05_token_route.rs")]
pub mod token_route;

#[cfg_attr(feature = "sol06", path = "../solutions/06_current_user.rs")]
#[cfg_attr(not(feature = "sol06"), path = "../exercises/06_current_user.rs")]
pub mod current_user;

#[cfg_attr(feature = "sol07", path = "../solutions/07_users_me.rs")]
#[cfg_attr(not(feature = "sol07"), path = "../exercises/07_users_me.rs")]
pub mod users_me;

#[cfg_attr(feature = "sol08", path = "../solutions/08_active_user.rs")]
#[cfg_attr(not(feature = "sol08"), path = "../exercises/08_active_user.rs")]
pub mod active_user;

#[cfg_attr(feature = "sol09", path = "../solutions/09_scopes.rs")]
#[cfg_attr(not(feature = "sol09"), path = "../exercises/09_scopes.rs")]
pub mod scopes;

#[cfg_attr(feature = "sol10", path = "../solutions/10_refresh.rs")]
#[cfg_attr(not(feature = "sol10"), path = "../exercises/10_refresh.rs")]
pub mod refresh;

#[cfg_attr(feature = "sol11", path = "../solutions/11_revocation.rs")]
#[cfg_attr(not(feature = "sol11"), path = "../exercises/11_revocation.rs")]
pub mod revocation;

#[cfg_attr(feature = "sol12", path = "../solutions/12_cookies.rs")]
#[cfg_attr(not(feature = "sol12"), path = "../exercises/12_cookies.rs")]
pub mod cookies;

#[cfg_attr(feature = "sol13", path = "../solutions/13_totp.rs")]
#[cfg_attr(not(feature = "sol13"), path = "../exercises/13_totp.rs")]
pub mod totp;

#[cfg_attr(feature = "sol14", path = "../solutions/14_login_throttle.rs")]
#[cfg_attr(not(feature = "sol14"), path = "../exercises/14_login_throttle.rs")]
pub mod login_throttle;

#[cfg_attr(feature = "sol15", path = "../solutions/15_openapi.rs")]
#[cfg_attr(not(feature = "sol15"), path = "../exercises/15_openapi.rs")]
pub mod openapi;
