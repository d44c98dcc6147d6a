//! Whole drill sessions driven through stdin, on the fixed fixture bank.

mod support;

use support::{Play, Session, fixture_bank, run_fixture, scratch, text};

fn args<'a>(bank: &'a str, state: &'a str, seed: &'a str) -> Vec<&'a str> {
    vec!["--bank", bank, "--state", state, "--seed", seed]
}

fn play(seed: &str, policy: impl Fn(&str) -> Play) -> (String, String, bool) {
    let dir = scratch("session");
    let bank = fixture_bank();
    let state = dir.join("state.json");
    let mut session = Session::start(&args(bank.to_str().unwrap(), state.to_str().unwrap(), seed));
    session.play_all(policy);
    session.finish()
}

#[test]
fn all_right_scores_full_marks() {
    let (out, err, ok) = play("7", |_| Play::Right);
    assert!(
        ok,
        "the quiz must exit 0 after a full session; stderr: {err}"
    );
    assert!(
        out.contains("Score: 3/3"),
        "three right answers must score 3/3:\n{out}"
    );
    assert!(
        out.contains("Missed: none"),
        "nothing missed must say so:\n{out}"
    );
    assert!(
        !out.contains("Common mistakes"),
        "common mistakes are shown only after a miss:\n{out}"
    );
}

#[test]
fn wrong_answers_explain_and_are_listed() {
    let (out, _, ok) = play("7", |_| Play::Wrong);
    assert!(ok);
    assert!(
        out.contains("Score: 0/3"),
        "three misses must score 0/3:\n{out}"
    );
    assert!(
        out.contains("Not quite: the answer is"),
        "a miss must name the right option:\n{out}"
    );
    assert!(
        out.contains("RFC 6749 §5.2: invalid_grant is a 400."),
        "the explanation follows every answer:\n{out}"
    );
    assert!(
        out.contains("Common mistakes:\n  - Answering 401"),
        "a miss shows the common mistakes:\n{out}"
    );
    for id in ["basics-header", "basics-status", "basics-recall"] {
        let summary = out.rsplit("Score:").next().unwrap_or_default();
        assert!(
            summary.contains(id),
            "the summary must list the missed id {id}:\n{summary}"
        );
    }
}

#[test]
fn recall_cards_show_the_model_answer_and_take_a_grade() {
    let output = run_fixture(&["--kind", "recall"], "\ny\n");
    let out = text(&output.stdout);
    assert!(
        out.contains("Model answer:\n  Otherwise the response time"),
        "Enter must reveal the model answer:\n{out}"
    );
    assert!(
        out.contains("Did your answer cover it? (y/n): y"),
        "the learner grades themselves:\n{out}"
    );
    assert!(
        out.contains("Score: 1/1"),
        "a y grade counts as right:\n{out}"
    );
}

#[test]
fn the_same_seed_replays_the_same_session() {
    let policy = |id: &str| {
        if id == "basics-status" {
            Play::Wrong
        } else {
            Play::Right
        }
    };
    let (first, _, _) = play("42", policy);
    let (second, _, _) = play("42", policy);
    assert_eq!(
        first, second,
        "--seed 42 twice must ask the same questions, in the same order, with the same option order"
    );
    let others: Vec<String> = ["1", "2", "3", "4"]
        .iter()
        .map(|s| play(s, policy).0)
        .collect();
    assert!(
        others.iter().any(|o| o != &first),
        "different seeds should shuffle differently"
    );
}

#[test]
fn the_rendered_session_is_stable() {
    let policy = |id: &str| {
        if id == "basics-header" {
            Play::Wrong
        } else {
            Play::Right
        }
    };
    let (out, _, _) = play("5", policy);
    insta::assert_snapshot!("fixture_session_seed_5", out);
}

#[test]
fn an_unknown_letter_is_explained_and_asked_again() {
    let output = run_fixture(&["--kind", "choice", "--count", "1"], "E\nhello\n\nA\n");
    let out = text(&output.stdout);
    assert!(
        output.status.success(),
        "bad input must never crash the quiz"
    );
    assert_eq!(
        out.matches("is not an answer: type one of the letters")
            .count(),
        3,
        "each of E, hello and an empty line gets the message:\n{out}"
    );
    assert!(
        out.contains("Score: "),
        "after a valid letter the session goes on to its summary:\n{out}"
    );
}

#[test]
fn end_of_input_stops_cleanly_with_a_summary() {
    let output = run_fixture(&["--seed", "1"], "");
    let out = text(&output.stdout);
    assert!(
        output.status.success(),
        "end of input is not an error; stderr: {}",
        text(&output.stderr)
    );
    assert!(
        out.contains("Input ended: stopping the session here."),
        "{out}"
    );
    assert!(
        out.contains("Score: 0/0"),
        "the summary counts only answered questions:\n{out}"
    );
}

#[test]
fn no_colour_unless_a_terminal() {
    let dir = scratch("colour");
    let output = std::process::Command::new(support::QUIZ)
        .args([
            "--bank",
            fixture_bank().to_str().unwrap(),
            "--state",
            dir.join("s.json").to_str().unwrap(),
        ])
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the quiz");
    let out = text(&output.stdout);
    assert!(
        !out.contains('\u{1b}'),
        "piped output must carry no ANSI escapes:\n{out:?}"
    );
}

#[test]
fn filters_narrow_the_session() {
    let by_step = run_fixture(&["--step", "3"], "");
    let out = text(&by_step.stdout);
    assert!(
        out.contains("1 question(s)") && out.contains("basics-header"),
        "--step 3 keeps only the step-3 question:\n{out}"
    );
    let unknown = run_fixture(&["--topic", "nope"], "");
    assert_eq!(
        unknown.status.code(),
        Some(2),
        "an unknown topic is a usage error"
    );
    assert!(
        text(&unknown.stderr).contains("no topic `nope`"),
        "{}",
        text(&unknown.stderr)
    );
    let no_step = run_fixture(&["--step", "9"], "");
    assert_eq!(
        no_step.status.code(),
        Some(2),
        "a step the course does not have is a usage error"
    );
    let hard = run_fixture(&["--difficulty", "hard", "--count", "5"], "");
    assert!(
        text(&hard.stdout).contains("1 question(s)"),
        "one hard question in the fixture bank"
    );
}
