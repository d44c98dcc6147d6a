//! # Step __NN__: __TITLE__
//!
//! ## What you build
//!
//! (The task, first: what the learner builds, and why it matters. Then the
//! contract, the hints a learner may read before `cargo course hint`, and
//! the list below.)
//!
//! ## What must hold
//!
//! - `answer` returns 42. (One line per property the step promises: each
//!   has a test in tests/step__NN_____MODULE__.rs that fails when only it
//!   is broken, and a mistake in mistakes/__NN_____MODULE__.toml that
//!   `cargo xtask verify` proves caught.)
//!
//! Run the tests: `cargo course test __N__` (underneath: `cargo test --test step__NN_____MODULE__`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

/// The step's first function: replace it with the step's real task.
pub fn answer() -> u32 {
    todo!("step __NN__: return the answer")
}
