//! Step 09 on top of steps 01..08, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 09's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol09", path = "../../solutions/09_scopes.rs")]
#[cfg_attr(not(feature = "sol09"), path = "../../exercises/09_scopes.rs")]
pub mod scopes;
