//! Step 08 on top of steps 01..07, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 08's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol08", path = "../../solutions/08_active_user.rs")]
#[cfg_attr(not(feature = "sol08"), path = "../../exercises/08_active_user.rs")]
pub mod active_user;
