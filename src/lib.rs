//! The course library: glue only.
//!
//! Each step is a package of its own (`steps/step01` ... `steps/step15`):
//! its module's body is either the learner's file in `exercises/` or the
//! reference in `solutions/`, chosen by the step's feature (`solNN`;
//! `solutions` turns them all on), and it re-exports every step before it.
//! Later steps reach earlier ones through `crate::...`, so step N runs on
//! the learner's own steps 1..N-1 unless a `solNN` feature swaps one in, and
//! step N's tests never compile a later step's file. This crate is the last
//! step plus the server's assembly of each step's app.
//!
//! An exercise's stubs leave arguments and imports unused until the learner
//! fills them in; each exercise file silences those warnings itself, in a
//! line the learner deletes once the step passes.

pub use steps::*;

/// Given, not an exercise: each step's app with the demo users, for the server.
pub mod assemble;
