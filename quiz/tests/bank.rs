//! The real bank: sound, complete, and exported whole.

mod support;

use std::collections::{HashMap, HashSet};

use support::{real_bank, run, text};

fn export() -> Vec<serde_json::Value> {
    let output = run(
        &["export", "--json", "--bank", real_bank().to_str().unwrap()],
        "",
    );
    assert!(
        output.status.success(),
        "export failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("export prints a JSON array")
}

#[test]
fn check_passes_on_the_bank() {
    let output = run(&["check", "--bank", real_bank().to_str().unwrap()], "");
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

#[test]
fn the_bank_covers_the_course() {
    let questions = export();
    assert!(
        questions.len() >= 60,
        "at least 60 questions; the bank has {}",
        questions.len()
    );
    let field = |q: &serde_json::Value, name: &str| q[name].as_str().unwrap_or_default().to_owned();
    let kinds: HashSet<String> = questions.iter().map(|q| field(q, "kind")).collect();
    assert_eq!(
        kinds,
        HashSet::from(["choice".into(), "recall".into()]),
        "both kinds of question"
    );
    let levels: HashSet<String> = questions.iter().map(|q| field(q, "difficulty")).collect();
    assert_eq!(levels.len(), 3, "all three difficulties: {levels:?}");
    let mut per_step: HashMap<u64, usize> = HashMap::new();
    for q in &questions {
        if let Some(step) = q["step"].as_u64() {
            *per_step.entry(step).or_default() += 1;
        }
    }
    for step in 1..=7 {
        let n = per_step.get(&step).copied().unwrap_or(0);
        assert!(
            n >= 3,
            "step {step} needs at least three questions; it has {n}"
        );
    }
    let topics: HashSet<String> = questions.iter().map(|q| field(q, "topic")).collect();
    for topic in [
        "bearer",
        "passwords",
        "jwt",
        "token-endpoint",
        "current-user",
        "scopes",
        "active-users",
        "refresh-tokens",
        "logout",
        "cookies",
        "totp",
    ] {
        assert!(topics.contains(topic), "the bank must cover {topic}");
    }
}

#[test]
fn list_counts_topics_and_steps() {
    let output = run(&["list", "--bank", real_bank().to_str().unwrap()], "");
    let out = text(&output.stdout);
    assert!(
        out.contains("topics (--topic):") && out.contains(" 5 token_route"),
        "{out}"
    );
}
