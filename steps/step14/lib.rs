//! Step 14 on top of steps 01..13, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 14's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol14", path = "../../solutions/14_login_throttle.rs")]
#[cfg_attr(not(feature = "sol14"), path = "../../exercises/14_login_throttle.rs")]
pub mod login_throttle;
