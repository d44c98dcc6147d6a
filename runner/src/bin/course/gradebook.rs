//! The grade as files a spreadsheet or a learning platform imports: the
//! course's own CSV, and the gradebook imports of Canvas and Moodle
//! (their columns in docs/grading.md).

use std::collections::BTreeMap;

use course_runner::grade::{LearnerGrade, Status};
use course_runner::points::{Points, shown};
use course_runner::steps::Step;

/// One row per learner: each step's share of tests passed, the steps that
/// pass, the points, those held for review, and similar work.
pub fn csv(
    grades: &[LearnerGrade],
    steps: &[Step],
    points: &Points,
    similar: &BTreeMap<String, Vec<String>>,
) -> String {
    let mut text = String::from("learner");
    for step in steps {
        text += &format!(",step{:02}", step.number);
    }
    text += ",steps_passed,points,out_of,held_for_review,warnings,similar_to\n";
    for grade in grades {
        text += &quote(&grade.learner);
        for step in &grade.steps {
            let share = match step.status {
                Status::Pass => 1.0,
                Status::Fail if step.total > 0 => step.passed as f64 / step.total as f64,
                _ => 0.0,
            };
            text += &format!(",{share:.2}");
        }
        let (got, most) = points.total(grade);
        let held = grade
            .steps
            .iter()
            .filter(|s| s.status == Status::HeldForReview)
            .count();
        let others = similar
            .get(&grade.learner)
            .cloned()
            .unwrap_or_default()
            .join("; ");
        text += &format!(
            ",{},{},{},{held},{},{}\n",
            grade.steps_passed,
            shown(got),
            shown(most),
            grade.warnings.len(),
            quote(&others)
        );
    }
    text
}

/// A learner's login and section, from their name: `section-a/alice` is
/// login `alice` in section `section-a`.
fn login_and_section(learner: &str) -> (&str, &str) {
    match learner.rsplit_once('/') {
        Some((section, login)) => (login, section),
        None => (learner, ""),
    }
}

/// Canvas's gradebook import: its identifying columns, then one column for
/// the assignment. Canvas matches a row by its SIS Login ID.
pub fn canvas(grades: &[LearnerGrade], points: &Points) -> String {
    let mut text = format!(
        "Student,ID,SIS User ID,SIS Login ID,Section,{}\n",
        quote(&points.assignment)
    );
    for grade in grades {
        let (login, section) = login_and_section(&grade.learner);
        text += &format!(
            "{},,,{},{},{}\n",
            quote(login),
            quote(login),
            quote(section),
            shown(points.total(grade).0)
        );
    }
    text
}

/// Moodle's CSV grade import: a user column to map to `username`, and the
/// assignment's column to map to a grade item.
pub fn moodle(grades: &[LearnerGrade], points: &Points) -> String {
    let mut text = format!("username,{}\n", quote(&points.assignment));
    for grade in grades {
        let (login, _) = login_and_section(&grade.learner);
        text += &format!("{},{}\n", quote(login), shown(points.total(grade).0));
    }
    text
}

/// A CSV field, quoted when it must be; a field a spreadsheet would run as
/// a formula (`=`, `+`, `-`, `@` first) is prefixed with `'` (OWASP's CSV
/// injection advice): a learner names their own folder.
fn quote(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
    };
    if field.contains([',', '"', '\n', ';']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner(name: &str) -> LearnerGrade {
        LearnerGrade {
            learner: name.to_owned(),
            path: name.to_owned(),
            steps: Vec::new(),
            steps_passed: 0,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn gradebooks_name_the_learner_by_login_and_section() {
        let grades = [learner("section-a/alice"), learner("bob")];
        let points = Points::default();
        assert_eq!(
            canvas(&grades, &points).lines().nth(1),
            Some("alice,,,alice,section-a,0")
        );
        assert_eq!(moodle(&grades, &points).lines().nth(2), Some("bob,0"));
    }

    #[test]
    fn a_folder_name_never_becomes_a_formula() {
        assert_eq!(quote("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(quote("-alice"), "'-alice");
        assert_eq!(quote("alice"), "alice");
    }
}
