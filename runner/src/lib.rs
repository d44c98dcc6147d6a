//! Runs the course's hidden tests as a subprocess and reads what happened.
//!
//! This package never links the course library: it drives `cargo` and the
//! test binaries it builds, so a learner's half-written step can never stop
//! the tools from building. `cargo course` (the learner's and the
//! instructor's tool) and `cargo xtask` (the maintainers') both use it.

pub mod audit;
pub mod child;
pub mod compile;
pub mod grade;
pub mod grade_cache;
pub mod hints;
pub mod integrity;
pub mod learner;
pub mod libtest;
pub mod mistakes;
pub mod points;
pub mod progress;
pub mod sandbox;
pub mod scratch;
pub mod steps;
pub mod stubs;
pub mod sync;
