//! Leitner review across sessions, and the state file's safety.

mod support;

use support::{Play, Session, fixture_bank, scratch};

/// A session on the fixture bank with seed 3 and the state file `state`.
fn start(state: &std::path::Path, extra: &[&str]) -> Session {
    let bank = fixture_bank();
    let mut args = extra.to_vec();
    args.extend([
        "--bank",
        bank.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--seed",
        "3",
    ]);
    Session::start(&args)
}

fn session(
    command: Option<&str>,
    state: &std::path::Path,
    policy: impl Fn(&str) -> Play,
) -> String {
    let mut s = start(state, command.as_slice());
    s.play_all(policy);
    let (out, err, ok) = s.finish();
    assert!(ok, "the quiz must exit 0; stderr: {err}");
    out
}

#[test]
fn a_miss_comes_back_in_review_and_a_right_answer_moves_it_on() {
    let dir = scratch("review");
    let state = dir.join("quiz.json");
    // Drill: miss only basics-status.
    session(None, &state, |id| {
        if id == "basics-status" {
            Play::Wrong
        } else {
            Play::Right
        }
    });

    let first = session(Some("review"), &state, |_| Play::Right);
    assert!(
        first.contains("basics-status"),
        "a missed card is due at the next review:\n{first}"
    );
    assert!(
        first.contains("Review: 1 question(s)"),
        "cards answered right wait in box 2:\n{first}"
    );

    let second = session(Some("review"), &state, |_| Play::Right);
    assert!(
        !second.contains("basics-status"),
        "after a right answer the card moves up a box and is not due at once:\n{second}"
    );
}

#[test]
fn progress_is_saved_after_every_answer() {
    let dir = scratch("partial");
    let state = dir.join("quiz.json");
    let mut s = start(&state, &["--kind", "choice"]);
    s.next_prompt().expect("a first question");
    s.send("A");
    s.next_prompt();
    s.close_input(); // the learner walks away mid-session
    let _ = s.finish();
    let saved = std::fs::read_to_string(&state).expect("the state file exists after one answer");
    let json: serde_json::Value = serde_json::from_str(&saved).expect("the state is JSON");
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
    let mut s = start(&state, &[]);
    s.play_all(|_| Play::Right);
    let (out, err, ok) = s.finish();
    assert!(ok, "a corrupt state file must not stop the quiz");
    assert!(
        err.contains("warning") && err.contains("moved to"),
        "the learner is told where the old file went: {err}"
    );
    assert!(out.contains("Score: 3/3"), "{out}");
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
        Some(3),
        "this session's answers are all saved"
    );
}
