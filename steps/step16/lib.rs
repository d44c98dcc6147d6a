//! Step 16 on top of steps 01..15, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 16's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol16", path = "../../solutions/16_clients.rs")]
#[cfg_attr(not(feature = "sol16"), path = "../../exercises/16_clients.rs")]
pub mod clients;
