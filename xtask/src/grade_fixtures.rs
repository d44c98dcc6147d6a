//! `cargo xtask grade-fixtures OUT [COUNT [WRONG]]`: fixture learners for
//! timing `cargo course grade` (docs/speed.md).
//!
//! Each learner is a folder whose exercise files are the reference, WRONG
//! of them (all by default) with one catalogued mistake: learner k takes
//! each step's k-th mistake, on steps that differ from learner to learner,
//! and each wrong step is graded again alone. Every file ends with a
//! comment naming its learner, so that no two learners' files are alike,
//! as in a class: the grader rebuilds every step of every learner. WRONG
//! 15 is the worst case (every step graded twice); 2 or 3 is a class near
//! the end of the course.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use course_runner::mistakes;
use course_runner::steps::STEPS;

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    match write(root, args) {
        Ok(learners) => {
            for learner in learners {
                println!("{}", learner.display());
            }
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!(
                "xtask grade-fixtures: {why}\nusage: cargo xtask grade-fixtures OUT [COUNT [WRONG]]"
            );
            ExitCode::from(2)
        }
    }
}

fn write(root: &Path, args: &[String]) -> Result<Vec<PathBuf>, String> {
    let out = PathBuf::from(args.first().ok_or("name the folder to write")?);
    let number = |at: usize, default: usize| -> Result<usize, String> {
        args.get(at).map_or(Ok(default), |text| {
            text.parse().map_err(|_| format!("{text}: not a number"))
        })
    };
    let count = number(1, 4)?;
    let wrong = number(2, STEPS.len())?.min(STEPS.len());
    let mut learners = Vec::new();
    for k in 0..count {
        // Steps k*7, k*7+1, ... (mod the number of steps): every learner a
        // different set.
        let mistaken: Vec<usize> = (0..wrong).map(|i| (k * 7 + i) % STEPS.len()).collect();
        let learner = out.join(format!("learner{}", k + 1));
        let _ = std::fs::remove_dir_all(&learner);
        std::fs::create_dir_all(learner.join("exercises")).map_err(|e| e.to_string())?;
        for (index, step) in STEPS.iter().enumerate() {
            let reference = std::fs::read_to_string(root.join(step.solution()))
                .map_err(|e| format!("{}: {e}", step.solution()))?;
            let text = if mistaken.contains(&index) {
                let catalogue = mistakes::load(root, step)?;
                let mistake = catalogue
                    .get(k % catalogue.len().max(1))
                    .ok_or(format!("step {} has no catalogued mistake", step.number))?;
                mistake.apply(&reference)?
            } else {
                reference
            };
            let text = format!("{text}\n// learner{}'s own copy\n", k + 1);
            std::fs::write(learner.join(step.exercise()), text).map_err(|e| e.to_string())?;
        }
        learners.push(learner);
    }
    Ok(learners)
}
