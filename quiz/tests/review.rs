//! Review across sessions: misses first, scheduling by time, what changes
//! a card and what does not, and the state file's safety and migration.

mod support;

use std::path::Path;

use support::{DAY, NOW, Play, Session, fixture_args, run, run_at, scratch, text};

fn session_at(args: &[String], now: i64, policy: impl Fn(&str) -> Play) -> String {
    let mut s = Session::start_at(args, now);
    s.play_all(policy);
    let (out, err, ok) = s.finish();
    assert!(ok, "the quiz must exit 0; stderr: {err}");
    out
}

/// The ids of the questions asked, in order.
fn asked(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.rsplit("  ").next().unwrap_or_default().to_owned())
        .collect()
}

/// A state where basics-status, the one medium choice question, was
/// answered wrong at NOW and nothing else was ever answered.
fn one_miss(dir: &Path) -> std::path::PathBuf {
    let state = dir.join("quiz.json");
    let args = fixture_args(&state, &["--kind", "choice", "--difficulty", "medium"]);
    let out = session_at(&args, NOW, |_| Play::Wrong);
    assert_eq!(asked(&out), ["basics-status"], "{out}");
    state
}

fn card(state: &Path, id: &str) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(state).expect("a state file")).expect("JSON");
    json["cards"][id].clone()
}

#[test]
fn a_miss_comes_first_in_review_whatever_the_seed() {
    let state = one_miss(&scratch("miss-first"));
    for seed in 1..=30 {
        let seed = seed.to_string();
        let output = run_at(
            &fixture_args(&state, &["review", "--seed", &seed]),
            "q\n",
            NOW + 60,
        );
        let out = text(&output.stdout);
        assert!(
            out.contains("Review (1 missed, 0 due, 8 new)"),
            "seed {seed}: the miss and every new question:\n{out}"
        );
        assert_eq!(
            asked(&out).first().map(String::as_str),
            Some("basics-status"),
            "seed {seed}: the missed question comes first, before anything never seen:\n{out}"
        );
    }
}

#[test]
fn starting_or_abandoning_a_review_changes_nothing() {
    let state = one_miss(&scratch("abandon"));
    let before = std::fs::read(&state).expect("the state");
    for input in ["", "q\n", "?\nq\n"] {
        let output = run_at(&fixture_args(&state, &["review"]), input, NOW + DAY);
        assert!(output.status.success());
        assert_eq!(
            std::fs::read(&state).expect("the state"),
            before,
            "a review abandoned with {input:?} must not touch the state file"
        );
    }
    let fresh = scratch("abandon-fresh").join("quiz.json");
    run(&fixture_args(&fresh, &["review"]), "q\n");
    assert!(!fresh.exists(), "a review with no answer writes no file");
}

#[test]
fn review_schedules_by_time_overdue_oldest_first() {
    let dir = scratch("by-time");
    let state = one_miss(&dir);
    // The miss first, answered right; a day later the eight new ones.
    let first = session_at(
        &fixture_args(&state, &["review", "--count", "1"]),
        NOW + 60,
        |_| Play::Right,
    );
    assert_eq!(asked(&first), ["basics-status"], "{first}");
    let rest = session_at(
        &fixture_args(&state, &["review", "--seed", "4"]),
        NOW + DAY,
        |_| Play::Right,
    );
    assert!(rest.contains("Review (0 missed, 0 due, 8 new)"), "{rest}");
    assert!(rest.contains("Score: 8/8"), "{rest}");

    let soon = run_at(&fixture_args(&state, &["review"]), "", NOW + DAY + 60);
    assert!(
        text(&soon.stdout).contains("nothing is due for review; the next question is due in "),
        "right answers are not due again the same day:\n{}",
        text(&soon.stdout)
    );

    // A month later all nine are overdue: the one answered first comes first.
    let later = run_at(
        &fixture_args(&state, &["review", "--seed", "9"]),
        "q\n",
        NOW + 30 * DAY,
    );
    let out = text(&later.stdout);
    assert!(out.contains("Review (0 missed, 9 due, 0 new)"), "{out}");
    assert_eq!(
        asked(&out).first().map(String::as_str),
        Some("basics-status"),
        "the longest overdue comes first:\n{out}"
    );
}

#[test]
fn a_drill_counts_as_evidence_but_never_postpones_a_review() {
    let dir = scratch("drill-cap");
    let state = one_miss(&dir);
    let args = fixture_args(
        &state,
        &["review", "--kind", "choice", "--difficulty", "medium"],
    );
    session_at(&args, NOW + 60, |_| Play::Right);
    let reviewed = card(&state, "basics-status");
    let due = reviewed["due"].as_i64().expect("a due time");
    assert!(
        due > NOW + 60,
        "a right answer in review sets a later due time"
    );

    let drill = fixture_args(&state, &["--kind", "choice", "--difficulty", "medium"]);
    session_at(&drill, NOW + 120, |_| Play::Right);
    let drilled = card(&state, "basics-status");
    assert_eq!(
        drilled["answers"], 3,
        "the drill answer is recorded: {drilled}"
    );
    assert!(
        drilled["due"].as_i64().unwrap() <= due,
        "a drill never makes a card due later than review did: {reviewed} then {drilled}"
    );

    session_at(&drill, NOW + 180, |_| Play::Wrong);
    let out = run_at(
        &fixture_args(&state, &["review", "--seed", "2"]),
        "q\n",
        NOW + 240,
    );
    assert_eq!(
        asked(&text(&out.stdout)).first().map(String::as_str),
        Some("basics-status"),
        "a miss in a drill comes first at the next review"
    );
}

#[test]
fn progress_is_saved_after_every_answer() {
    let dir = scratch("partial");
    let state = dir.join("quiz.json");
    let mut s = Session::start(&fixture_args(&state, &["--kind", "choice"]));
    s.next_prompt().expect("a first question");
    s.send("A");
    s.next_prompt();
    s.close_input(); // the learner walks away mid-session
    let _ = s.finish();
    let saved = std::fs::read_to_string(&state).expect("the state file exists after one answer");
    let json: serde_json::Value = serde_json::from_str(&saved).expect("the state is JSON");
    assert_eq!(json["version"], 3, "{saved}");
    assert_eq!(
        json["cards"].as_object().map(|c| c.len()),
        Some(1),
        "one answer, one card recorded:\n{saved}"
    );
}

#[test]
fn a_corrupt_state_file_is_set_aside_not_fatal() {
    let dir = scratch("corrupt");
    let state = dir.join("quiz.json");
    std::fs::write(&state, "{ this is not json").expect("write garbage");
    let mut s = Session::start(&fixture_args(&state, &[]));
    s.play_all(|_| Play::Right);
    let (out, err, ok) = s.finish();
    assert!(ok, "a corrupt state file must not stop the quiz");
    assert!(
        err.contains("warning") && err.contains("moved to"),
        "the learner is told where the old file went: {err}"
    );
    assert!(out.contains("Score: 9/9"), "{out}");
    let aside: Vec<_> = std::fs::read_dir(&dir)
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .collect();
    assert_eq!(
        aside.len(),
        1,
        "the corrupt file is kept beside the new one, never deleted"
    );
    let kept = std::fs::read_to_string(aside[0].path()).expect("read the old file");
    assert_eq!(
        kept, "{ this is not json",
        "the old file is moved unchanged"
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("a new state"))
            .expect("the new state is JSON");
    assert_eq!(
        saved["cards"].as_object().map(|c| c.len()),
        Some(9),
        "this session's answers are all saved"
    );
}

/// A first-edition (Leitner) state: basics-status in box 1 (last answer
/// wrong), basics-header in box 3 due in 4 sessions, tokens-alg in box 5 and
/// overdue.
const V1: &str = r#"{
  "version": 1,
  "reviews": 5,
  "cards": {
    "basics-status": { "box": 1, "due": 5 },
    "basics-header": { "box": 3, "due": 9 },
    "tokens-alg": { "box": 5, "due": 3 }
  }
}"#;

#[test]
fn a_version_1_state_file_is_migrated() {
    let dir = scratch("migrate");
    let state = dir.join("quiz.json");
    std::fs::write(&state, V1).expect("write a v1 state");

    // Reading it changes nothing on disk: only an answer does.
    let out = text(&run(&fixture_args(&state, &["review", "--seed", "1"]), "q\n").stdout);
    assert!(
        out.contains("Review (1 missed, 1 due, 6 new)"),
        "box 1 is a miss, an overdue card is due, box 3 waits 4 days:\n{out}"
    );
    assert_eq!(
        asked(&out).first().map(String::as_str),
        Some("basics-status"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&state).expect("state"),
        V1,
        "abandoned: unchanged"
    );

    // One answer writes the migrated file, version 2.
    let mut s = Session::start(&fixture_args(
        &state,
        &["review", "--seed", "1", "--count", "1"],
    ));
    s.play_all(|_| Play::Right);
    let (_, err, ok) = s.finish();
    assert!(
        ok && err.is_empty(),
        "a v1 file migrates without a warning: {err}"
    );
    let migrated = std::fs::read_to_string(&state).expect("state");
    insta::assert_snapshot!("migrated_v1_state", migrated);
    let json: serde_json::Value = serde_json::from_str(&migrated).expect("JSON");
    assert_eq!(json["version"], 3);
    assert_eq!(json["cards"]["basics-header"]["due"], NOW + 4 * DAY);
    assert_eq!(
        json["cards"]["basics-status"]["last_right"], true,
        "answered right just now"
    );
}

#[test]
fn a_state_from_a_newer_quiz_is_never_overwritten() {
    let dir = scratch("newer");
    let state = dir.join("quiz.json");
    let newer = r#"{"version": 99, "cards": {}}"#;
    std::fs::write(&state, newer).expect("write");
    let mut s = Session::start(&fixture_args(&state, &["--count", "2"]));
    s.play_all(|_| Play::Right);
    let (_, err, ok) = s.finish();
    assert!(ok);
    assert!(
        err.contains("version 99") && err.contains("will not be saved"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&state).expect("state"), newer);
}

#[test]
fn a_version_2_state_file_keeps_its_answers_as_scores() {
    let state = scratch("v2").join("quiz.json");
    let card = format!(
        r#"{{"due": {due}, "last_answer": {now}, "last_right": true, "answers": 3, "right": 2, "stability": 3.0, "difficulty": 5.0, "reps": 3, "lapses": 1}}"#,
        due = NOW + 30 * DAY,
        now = NOW - DAY
    );
    let v2 = format!(r#"{{"version": 2, "cards": {{"basics-header": {card}}}}}"#);
    std::fs::write(&state, v2).expect("write a v2 state");
    let output = run_at(&fixture_args(&state, &["stats"]), "", NOW);
    let out = text(&output.stdout);
    assert!(
        out.contains("2 of 3 answers right; score 67%"),
        "a version-2 card scores its right answers, 1 each:\n{out}"
    );
}
