//! Which step's app to serve when `--step` is not given: the reference's
//! last step, or the last step the learner's `cargo course` saw pass.

use course::assemble::{FIRST_APP_STEP, LAST_STEP};

/// Where `cargo course` records progress (see the README).
const PROGRESS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../target/course/progress.json"
);

/// The step to serve, and why that one.
pub fn default_step() -> (usize, String) {
    if cfg!(feature = "solutions") {
        return (LAST_STEP, "built with --features solutions".to_owned());
    }
    let passed = std::fs::read_to_string(PROGRESS)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|progress| progress["last_passing_step"].as_u64())
        .map(|step| step as usize);
    match passed {
        Some(step) if step >= FIRST_APP_STEP => (
            step.min(LAST_STEP),
            "the last step `cargo course` saw pass".to_owned(),
        ),
        _ => (
            FIRST_APP_STEP,
            "the first step with a whole app (cargo course has not seen a later one pass)"
                .to_owned(),
        ),
    }
}
