//! Step 07 on top of steps 01..06, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 07's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol07", path = "../../solutions/07_users_me.rs")]
#[cfg_attr(not(feature = "sol07"), path = "../../exercises/07_users_me.rs")]
pub mod users_me;
