//! The course's steps as the tools see them: `steps.toml`, through the
//! `course-steps` crate (manifest/), the one list.

pub use course_steps::*;
