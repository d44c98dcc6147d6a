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
    let mut header = vec!["learner".to_owned()];
    header.extend(steps.iter().map(|step| format!("step{:02}", step.number)));
    header.extend(
        [
            "steps_passed",
            "points",
            "out_of",
            "held_for_review",
            "warnings",
            "similar_to",
        ]
        .map(str::to_owned),
    );
    let mut rows = vec![header];
    for grade in grades {
        let mut row = vec![safe(&grade.learner)];
        for step in &grade.steps {
            let share = match step.status {
                Status::Pass => 1.0,
                Status::Fail if step.total > 0 => step.passed as f64 / step.total as f64,
                _ => 0.0,
            };
            row.push(format!("{share:.2}"));
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
        row.extend([
            grade.steps_passed.to_string(),
            shown(got),
            shown(most),
            held.to_string(),
            grade.warnings.len().to_string(),
            safe(&others),
        ]);
        rows.push(row);
    }
    to_csv(rows)
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
    let header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
        .map(str::to_owned)
        .into_iter()
        .chain([safe(&points.assignment)])
        .collect();
    let mut rows = vec![header];
    for grade in grades {
        let (login, section) = login_and_section(&grade.learner);
        rows.push(vec![
            safe(login),
            String::new(),
            String::new(),
            safe(login),
            safe(section),
            shown(points.total(grade).0),
        ]);
    }
    to_csv(rows)
}

/// Moodle's CSV grade import: a user column to map to `username`, and the
/// assignment's column to map to a grade item.
pub fn moodle(grades: &[LearnerGrade], points: &Points) -> String {
    let mut rows = vec![vec!["username".to_owned(), safe(&points.assignment)]];
    for grade in grades {
        let (login, _) = login_and_section(&grade.learner);
        rows.push(vec![safe(login), shown(points.total(grade).0)]);
    }
    to_csv(rows)
}

/// Rows as CSV: the csv crate quotes what must be quoted.
fn to_csv(rows: Vec<Vec<String>>) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(&row)
            .expect("CSV into memory cannot fail");
    }
    let bytes = writer.into_inner().expect("CSV into memory cannot fail");
    String::from_utf8(bytes).expect("CSV of strings is UTF-8")
}

/// A field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab
/// or a carriage return first) is prefixed with `'` (OWASP's CSV injection
/// advice): a learner names their own folder.
fn safe(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{field}")
    } else {
        field.to_owned()
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
        let row = |field: &str| to_csv(vec![vec![safe(field), "1".to_owned()]]);
        assert_eq!(row("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\",1\n");
        assert_eq!(row("-alice"), "'-alice,1\n");
        assert_eq!(row("alice, bob"), "\"alice, bob\",1\n");
    }
}
