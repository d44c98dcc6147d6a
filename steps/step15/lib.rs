//! Step 15 on top of steps 01..14, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 15's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol15", path = "../../solutions/15_openapi.rs")]
#[cfg_attr(not(feature = "sol15"), path = "../../exercises/15_openapi.rs")]
pub mod openapi;
