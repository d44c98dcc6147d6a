//! `cargo course reset N`: puts the stub back, and keeps the learner's
//! version beside it. Work is never lost.

use course_runner::stubs;
use serde_json::json;

use crate::course::Course;
use crate::hint::pick;

pub fn run(course: &mut Course, number: Option<usize>) -> i32 {
    let Some(step) = pick(course, number) else {
        return 2;
    };
    let stub = match course.stub_text(step) {
        Ok(stub) => stub,
        Err(e) => {
            eprintln!("course reset: {e}");
            return 1;
        }
    };
    let file = course.root.join(step.exercise());
    let backup = (1..)
        .map(|n| course.root.join(stubs::backup_name(&step.exercise(), n)))
        .find(|path| !path.exists())
        .expect("a free backup name");
    if let Err(e) = std::fs::copy(&file, &backup).and_then(|_| std::fs::write(&file, &stub)) {
        eprintln!("course reset: {e}");
        return 1;
    }
    course.progress.hints.remove(&step.number);
    let _ = course.status(step);
    let backup = backup
        .strip_prefix(&course.root)
        .unwrap_or(&backup)
        .display()
        .to_string();
    if course.json {
        println!(
            "{}",
            json!({"step": step.number, "file": step.exercise(), "backup": backup})
        );
    } else {
        println!(
            "{} is the stub again; your version is kept in {backup}.",
            step.exercise()
        );
    }
    0
}
