//! Step 02 on top of steps 01..01, whose modules are re-exported here:
//! the step's file reaches them as `crate::...`, and step 02's tests build
//! none of the later steps.
//!
//! Written by `cargo xtask sync` from steps.toml: edit that, then sync.

pub use previous::*;

#[cfg_attr(feature = "sol02", path = "../../solutions/02_passwords.rs")]
#[cfg_attr(not(feature = "sol02"), path = "../../exercises/02_passwords.rs")]
pub mod passwords;
