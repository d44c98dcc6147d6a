//! Step 11 on top of steps 01..10, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 11's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol11", path = "../../solutions/11_revocation.rs")]
#[cfg_attr(not(feature = "sol11"), path = "../../exercises/11_revocation.rs")]
pub mod revocation;
