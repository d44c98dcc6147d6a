//! The real bank: sound, complete, exported whole, and as broad as issue 7
//! asks. These tests read quiz/questions/, so they follow its content.

mod support;

use std::collections::{HashMap, HashSet};

use support::{real_bank, run, text};

fn export() -> Vec<serde_json::Value> {
    let bank = real_bank().display().to_string();
    let output = run(&["export", "--json", "--bank", &bank], "");
    assert!(
        output.status.success(),
        "export failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("export prints a JSON array")
}

fn field<'a>(q: &'a serde_json::Value, name: &str) -> &'a str {
    q[name].as_str().unwrap_or_default()
}

#[test]
fn check_passes_on_the_bank() {
    let bank = real_bank().display().to_string();
    let output = run(&["check", "--bank", &bank], "");
    assert!(
        output.status.success(),
        "cargo quiz check must pass on the bank:\n{}",
        text(&output.stderr)
    );
}

#[test]
fn export_holds_every_question_of_every_file() {
    let in_files: usize = std::fs::read_dir(real_bank())
        .expect("the bank folder")
        .filter_map(|e| e.ok())
        .map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .matches("[[question]]")
                .count()
        })
        .sum();
    assert_eq!(
        export().len(),
        in_files,
        "export must emit every [[question]] of every file"
    );
}

/// Issue 7's "Done when": at least 150 questions with refs, all five kinds,
/// at least 6 per core step (one of them code) and 4 per advanced step, at
/// least 30 hard, and the right option strictly the longest in at most 30%
/// of the single-answer questions.
#[test]
fn the_bank_meets_the_breadth_targets() {
    let questions = export();
    assert!(
        questions.len() >= 150,
        "at least 150 questions; the bank has {}",
        questions.len()
    );
    let no_refs: Vec<&str> = questions
        .iter()
        .filter(|q| q["refs"].as_array().is_none_or(|r| r.is_empty()))
        .map(|q| field(q, "id"))
        .collect();
    assert!(
        no_refs.is_empty(),
        "every question carries refs; these do not: {no_refs:?}"
    );
    let kinds: HashSet<&str> = questions.iter().map(|q| field(q, "kind")).collect();
    assert_eq!(
        kinds,
        HashSet::from(["choice", "multi", "order", "code", "recall"]),
        "all five kinds"
    );
    let hard = questions
        .iter()
        .filter(|q| field(q, "difficulty") == "hard")
        .count();
    assert!(
        hard >= 30,
        "at least 30 hard questions; the bank has {hard}"
    );

    let mut per_step: HashMap<u64, usize> = HashMap::new();
    let mut code_per_step: HashMap<u64, usize> = HashMap::new();
    for q in &questions {
        if let Some(step) = q["step"].as_u64() {
            *per_step.entry(step).or_default() += 1;
            if field(q, "kind") == "code" {
                *code_per_step.entry(step).or_default() += 1;
            }
        }
    }
    for step in 1..=course_steps::LAST_STEP as u64 {
        let n = per_step.get(&step).copied().unwrap_or(0);
        let wanted = if step <= course_steps::LAST_CORE_STEP as u64 {
            6
        } else {
            4
        };
        assert!(
            n >= wanted,
            "step {step} needs at least {wanted} questions; it has {n}"
        );
    }
    for step in 1..=course_steps::LAST_CORE_STEP as u64 {
        let n = code_per_step.get(&step).copied().unwrap_or(0);
        assert!(
            n >= 1,
            "core step {step} needs a code question; it has none"
        );
    }

    let single: Vec<&serde_json::Value> = questions
        .iter()
        .filter(|q| matches!(field(q, "kind"), "choice" | "code"))
        .collect();
    let longest = single
        .iter()
        .filter(|q| right_is_strictly_longest(q))
        .count();
    assert!(
        longest * 10 <= single.len() * 3,
        "the right option is the strictly longest in {longest} of {} single-answer questions; at most 30%",
        single.len()
    );
}

fn right_is_strictly_longest(q: &serde_json::Value) -> bool {
    let options: Vec<usize> = q["options"]
        .as_array()
        .map(|o| {
            o.iter()
                .map(|o| o.as_str().unwrap_or_default().chars().count())
                .collect()
        })
        .unwrap_or_default();
    let Some(right) = "ABCD".find(field(q, "answer")) else {
        return false;
    };
    options
        .iter()
        .enumerate()
        .all(|(i, &n)| i == right || n < options[right])
}

#[test]
fn list_counts_topics_and_steps() {
    let bank = real_bank().display().to_string();
    let output = run(&["list", "--bank", &bank], "");
    let out = text(&output.stdout);
    assert!(
        out.contains("topics (--topic):")
            && out.contains("   5 token_route")
            && out.contains("  15 openapi"),
        "{out}"
    );
}
