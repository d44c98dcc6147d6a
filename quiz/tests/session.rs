//! Whole drill sessions driven through stdin, on the fixed fixture bank.

mod support;

use support::{Play, Session, fixture_args, run_fixture, scratch, text};

/// The fixture bank holds nine questions, every kind among them.
const ALL: usize = 9;

fn play(seed: &str, policy: impl Fn(&str) -> Play) -> (String, String, bool) {
    let state = scratch("session").join("state.json");
    let mut session = Session::start(&fixture_args(&state, &["--seed", seed]));
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
        out.contains(&format!("Score: {ALL}/{ALL}")),
        "every right answer must count:\n{out}"
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
        out.contains(&format!("Score: 0/{ALL}")),
        "every miss must count:\n{out}"
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
    let summary = out.rsplit("Score:").next().unwrap_or_default();
    for id in [
        "basics-header",
        "basics-multi",
        "basics-order",
        "basics-recall",
    ] {
        assert!(
            summary.contains(id),
            "the summary must list the missed id {id}:\n{summary}"
        );
    }
}

#[test]
fn sources_follow_every_answer() {
    let (out, _, _) = play("7", |_| Play::Right);
    assert_eq!(
        out.matches("\nSources: ").count(),
        ALL,
        "each question's refs are shown after its answer:\n{out}"
    );
    assert!(
        out.contains("Sources: RFC 7235 §2.1; RFC 6750 §2.1"),
        "{out}"
    );
}

#[test]
fn a_typed_recall_is_shown_beside_the_model_answer_and_marked_point_by_point() {
    // Typed over two lines, ended by an empty one; then point 1 covered,
    // point 2 partly, point 3 covered.
    let input = "The timing differs\nso usernames leak\n\nc p c\n";
    let output = run_fixture(
        &["--kind", "recall", "--topic", "basics", "--seed", "1"],
        input,
    );
    let out = text(&output.stdout);
    assert!(
        out.contains("(more, or an empty line to finish): so usernames leak"),
        "a typed answer can run over several lines:\n{out}"
    );
    assert!(
        out.contains("Your answer:\n  The timing differs\n  so usernames leak\nModel answer:\n  Otherwise the response time"),
        "the candidate's own answer is shown again, just above the model answer, to be marked against it:\n{out}"
    );
    assert!(
        out.contains("Key points:\n  1) An unknown user would answer faster"),
        "the key points are numbered:\n{out}"
    );
    assert!(
        out.contains("Covered 2, partly 1, missed 0 of 3 key points: 83%, counts as right."),
        "a point partly made counts half:\n{out}"
    );
    assert!(out.contains("Score: 1/1"), "{out}");
    insta::assert_snapshot!("typed_recall", out);
}

#[test]
fn a_recall_with_too_few_points_is_a_miss_and_every_point_needs_a_mark() {
    let output = run_fixture(&["--kind", "recall", "--topic", "basics"], "\nm c m\n");
    let out = text(&output.stdout);
    assert!(
        out.contains("Covered 1, partly 0, missed 2 of 3 key points: 33%, counts as a miss."),
        "{out}"
    );
    assert!(
        out.contains("(nothing typed)"),
        "an answer given out loud: {out}"
    );
    assert!(out.contains("Score: 0/1"), "{out}");
    let short = run_fixture(
        &["--kind", "recall", "--topic", "basics"],
        "\na\nc c\nc c c\n",
    );
    let out = text(&short.stdout);
    assert!(
        out.contains("`a` is not a mark") && out.contains("2 marks for 3 points"),
        "no shortcut ticks every point, and each point gets its own mark:\n{out}"
    );
    assert!(out.contains("Covered 3, partly 0, missed 0 of 3"), "{out}");
    let partly = run_fixture(&["--kind", "recall", "--topic", "basics"], "\np p m\n");
    assert!(
        text(&partly.stdout).contains("33%, counts as a miss."),
        "two points partly made and one missed is a third of the points"
    );
}

#[test]
fn wide_code_and_long_urls_are_never_broken() {
    // Not a terminal: 80 columns. The code line is 118 characters, the URL 68
    // after a long sentence.
    let output = run_fixture(
        &["--kind", "code", "--topic", "basics", "--seed", "1"],
        "A\n",
    );
    let out = text(&output.stdout);
    assert!(
        out.lines().any(
            |line| line.trim_start().starts_with("Authorization: bearer ")
                && line.trim_end().ends_with(".c2lnbmF0dXJlLW9mLXRoZS10b2tlbg")
        ),
        "a code line is shown as written, never wrapped:\n{out}"
    );
    assert!(
        out.contains("https://www.rfc-editor.org/rfc/rfc9110.html#name-authentication-scheme"),
        "a URL stays whole so that it can be clicked:\n{out}"
    );
    insta::assert_snapshot!("wide_code", out);
}

#[test]
fn a_multi_answer_is_right_only_for_exactly_the_right_set() {
    // Seed 1 shows basics-multi's options in a fixed order; read the letters.
    let shown = run_fixture(&["--kind", "multi", "--seed", "1"], "q\n");
    let screen = text(&shown.stdout);
    let exp = support::letter_of(&screen, "exp is in the past");
    let aud = support::letter_of(&screen, "aud names another API");
    let iat = support::letter_of(&screen, "iat is in the past");
    let both = format!("{aud}{exp}").to_lowercase();
    let right = run_fixture(&["--kind", "multi", "--seed", "1"], &format!("{both}\n"));
    assert!(
        text(&right.stdout).contains("Score: 1/1"),
        "both right letters, any order, any case: {both}\n{}",
        text(&right.stdout)
    );
    for wrong in [format!("{exp}"), format!("{exp}{aud}{iat}")] {
        let out =
            text(&run_fixture(&["--kind", "multi", "--seed", "1"], &format!("{wrong}\n")).stdout);
        assert!(
            out.contains("Not quite: the answer is") && out.contains("Score: 0/1"),
            "{wrong} is not exactly the right set:\n{out}"
        );
    }
}

#[test]
fn an_order_answer_is_a_letter_sequence() {
    let shown = run_fixture(&["--kind", "order", "--seed", "1"], "q\n");
    let screen = text(&shown.stdout);
    let sequence: String = support::right_texts("basics-order")
        .iter()
        .map(|t| support::letter_of(&screen, t))
        .collect();
    let spaced: String = sequence.chars().map(|c| format!("{c} ")).collect();
    let right = run_fixture(&["--kind", "order", "--seed", "1"], &format!("{spaced}\n"));
    assert!(
        text(&right.stdout).contains("Score: 1/1"),
        "{}",
        text(&right.stdout)
    );
    let reversed: String = sequence.chars().rev().collect();
    let wrong = text(
        &run_fixture(
            &["--kind", "order", "--seed", "1"],
            &format!("{reversed}\n"),
        )
        .stdout,
    );
    assert!(
        wrong.contains(&format!("Not quite: the order is {sequence}")),
        "a wrong order shows the right one:\n{wrong}"
    );
    let bad = text(&run_fixture(&["--kind", "order", "--seed", "1"], "AB\nq\n").stdout);
    assert!(
        bad.contains("type each of the 5 letters once"),
        "a short sequence is explained:\n{bad}"
    );
}

#[test]
fn every_kind_renders_stably() {
    for kind in ["choice", "multi", "order", "code", "recall"] {
        let state = scratch("kind").join("s.json");
        let mut session = Session::start(&fixture_args(
            &state,
            &["--kind", kind, "--seed", "11", "--count", "1"],
        ));
        session.play_all(|_| Play::Wrong);
        let (out, _, ok) = session.finish();
        assert!(ok, "{kind}: the quiz must exit 0");
        insta::assert_snapshot!(format!("kind_{kind}"), out);
    }
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
fn answer_letters_ignore_case() {
    // Seed 3 always shows the one easy choice question's options the same way.
    let args = ["--kind", "choice", "--difficulty", "easy", "--seed", "3"];
    let shown = text(&run_fixture(&args, "q\n").stdout);
    let letter = support::letter_of(&shown, "Authorization").to_ascii_lowercase();
    let out = text(&run_fixture(&args, &format!("{letter}\n")).stdout);
    assert!(
        out.contains("Score: 1/1"),
        "a lower-case letter counts:\n{out}"
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
fn ctrl_c_ends_with_the_summary() {
    let state = scratch("ctrlc").join("s.json");
    let mut s = Session::start(&fixture_args(
        &state,
        &["--kind", "choice", "--topic", "basics", "--seed", "2"],
    ));
    s.next_prompt().expect("a first question");
    s.send("Z"); // not an answer: asked again
    s.next_prompt().expect("asked again");
    s.send("A");
    s.next_prompt().expect("a second question");
    s.interrupt();
    let (out, code) = s.finish_interrupted();
    assert_eq!(code, Some(130), "Ctrl-C exits as interrupted:\n{out}");
    let tail = out.rsplit("Interrupted.").next().unwrap_or_default();
    assert!(
        tail.contains("Score: ") && tail.contains("/1"),
        "Ctrl-C prints the summary of what was answered:\n{out}"
    );
    let saved = std::fs::read_to_string(&state).expect("the answer was saved");
    assert!(saved.contains("\"version\": 3"), "{saved}");
}

#[test]
fn no_colour_unless_a_terminal() {
    let dir = scratch("colour");
    let output = std::process::Command::new(support::QUIZ)
        .args(fixture_args(&dir.join("s.json"), &[]))
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
fn text_wraps_at_80_columns_when_not_a_terminal() {
    let (out, _, _) = play("7", |_| Play::Wrong);
    let code_lines: Vec<&str> = out.lines().filter(|l| l.starts_with("    ")).collect();
    let long: Vec<&str> = out
        .lines()
        .filter(|l| l.chars().count() > 80 && !code_lines.contains(l) && !l.contains("): "))
        .collect();
    assert!(
        long.is_empty(),
        "lines over 80 columns:\n{}",
        long.join("\n")
    );
    assert!(
        out.contains("Each use returns a new refresh token and retires the old one, so a stolen\n"),
        "a long model answer is wrapped, not cut:\n{out}"
    );
}

#[test]
fn filters_narrow_the_session_and_ignore_case() {
    let by_step = run_fixture(&["--step", "5"], "");
    let out = text(&by_step.stdout);
    assert!(
        out.contains("1 question(s)") && out.contains("basics-order"),
        "--step 5 keeps only the step-5 question:\n{out}"
    );
    let upper = run_fixture(
        &[
            "--topic",
            "TOKENS",
            "--difficulty",
            "Hard",
            "--kind",
            "RECALL",
        ],
        "",
    );
    let out = text(&upper.stdout);
    assert!(
        upper.status.success() && out.contains("1 question(s)") && out.contains("tokens-reuse"),
        "filters ignore case:\n{out}{}",
        text(&upper.stderr)
    );
}

#[test]
fn a_bad_filter_names_its_flag_and_the_accepted_values() {
    // The steps are steps.toml's: one past the last is not a step.
    let last = course_steps::LAST_STEP;
    let not_a_number = format!("--step: `x` is not a course step; use a number from 1 to {last}");
    let past = (last + 1).to_string();
    let past_the_last = format!("--step: `{past}` is not a course step");
    let cases: [(&[&str], &str); 5] = [
        (&["--step", "x"], &not_a_number),
        (&["--step", &past], &past_the_last),
        (
            &["--difficulty", "brutal"],
            "--difficulty: `brutal` is not one of easy, medium, hard",
        ),
        (
            &["--kind", "essay"],
            "--kind: `essay` is not one of choice, multi, order, code, recall",
        ),
        (
            &["--topic", "nope"],
            "--topic: no topic `nope`; the topics are basics, tokens",
        ),
    ];
    for (args, expected) in cases {
        let output = run_fixture(args, "");
        assert_eq!(output.status.code(), Some(2), "{args:?} is a usage error");
        let err = text(&output.stderr);
        assert!(
            err.contains(expected),
            "{args:?} must say `{expected}`:\n{err}"
        );
    }
}
