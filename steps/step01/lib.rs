//! Step 01 and the given code every step uses. Each step is a package of
//! its own (this one, `steps/step02`, ...), each re-exporting the ones before
//! it, so step N's tests never compile a later step's file.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

/// Given, not an exercise: the JSON error body every step answers with.
#[path = "../given/oauth_error.rs"]
pub mod oauth_error;

/// Given, not an exercise: a panicking handler answers 500 JSON, never a
/// dropped connection (a `todo!()` names its step).
#[path = "../given/catch_panic.rs"]
pub mod catch_panic;

#[cfg_attr(feature = "sol01", path = "../../solutions/01_fake_db.rs")]
#[cfg_attr(not(feature = "sol01"), path = "../../exercises/01_fake_db.rs")]
pub mod fake_db;
