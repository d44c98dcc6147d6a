//! Step 06 on top of steps 01..05, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 06's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol06", path = "../../solutions/06_current_user.rs")]
#[cfg_attr(not(feature = "sol06"), path = "../../exercises/06_current_user.rs")]
pub mod current_user;
