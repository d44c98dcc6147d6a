//! `cargo quiz stats` and `cargo quiz --misses`, after a known drill.

mod support;

use std::path::{Path, PathBuf};

use support::{DAY, NOW, Play, Session, fixture_args, run_at, scratch, text};

const MISSED: [&str; 2] = ["basics-status", "tokens-reuse"];

/// A drill of the whole fixture bank at NOW, missing only `MISSED`.
fn drilled() -> PathBuf {
    let state = scratch("progress").join("quiz.json");
    let mut s = Session::start(&fixture_args(&state, &["--seed", "7"]));
    s.play_all(|id| {
        if MISSED.contains(&id) {
            Play::Wrong
        } else {
            Play::Right
        }
    });
    let (out, err, ok) = s.finish();
    assert!(ok, "{err}");
    assert!(out.contains("Score: 7/9"), "{out}");
    state
}

fn asked(out: &str) -> Vec<String> {
    let mut ids: Vec<String> = out
        .lines()
        .filter(|l| l.starts_with("Question "))
        .map(|l| l.rsplit("  ").next().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids
}

fn stats(state: &Path, now: i64) -> String {
    let output = run_at(&fixture_args(state, &["stats"]), "", now);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn stats_show_progress_by_topic_and_step_and_the_weakest_topics() {
    let state = drilled();
    let out = stats(&state, NOW + DAY);
    assert!(
        out.contains(
            "Seen 9 of 9 questions; 7 of 9 answers right; score 78% (a key point partly made counts half)."
        ),
        "{out}"
    );
    assert!(
        out.contains("Due now: 2;"),
        "the two misses are due; right answers wait:\n{out}"
    );
    let weakest = out
        .split("weakest topics:")
        .nth(1)
        .expect("a weakest-topics section");
    assert!(
        weakest.contains(
            "1. tokens: 2 of 3 answers right, score 67%; revisit step 10 (refresh); redo tokens-reuse"
        ),
        "the weakest topic first, with its step and the question to redo:\n{weakest}"
    );
    assert!(
        weakest.contains("2. basics: 5 of 6 answers right, score 83%; read the sources")
            || weakest.contains("2. basics: 5 of 6 answers right, score 83%; revisit"),
        "{weakest}"
    );
    insta::assert_snapshot!("stats_a_day_after_a_drill", out);

    let month = stats(&state, NOW + 30 * DAY);
    assert!(
        month.contains("Due now: 9;"),
        "a month later everything is due:\n{month}"
    );
}

#[test]
fn stats_keep_a_recalls_partial_score() {
    let state = scratch("partial-score").join("quiz.json");
    let args = fixture_args(&state, &["--kind", "recall", "--topic", "basics"]);
    // Answered out loud; one point covered, one partly, one missed: 50%.
    let output = run_at(&args, "\nc p m\n", NOW);
    assert!(
        text(&output.stdout)
            .contains("Covered 1, partly 1, missed 1 of 3 key points: 50%, counts as a miss."),
        "{}",
        text(&output.stdout)
    );
    let out = stats(&state, NOW + 60);
    assert!(
        out.contains("0 of 1 answers right; score 50%"),
        "the half a point was worth is kept, though the answer was a miss:\n{out}"
    );
}

#[test]
fn stats_on_no_progress_say_so() {
    let state = scratch("no-progress").join("quiz.json");
    let out = stats(&state, NOW);
    assert!(out.contains("Seen 0 of 9 questions"), "{out}");
    assert!(out.contains("none yet"), "{out}");
    assert!(!state.exists(), "stats never write the state file");
}

#[test]
fn misses_drills_only_what_was_answered_wrong_last_time() {
    let state = drilled();
    for seed in ["1", "2", "3"] {
        let output = run_at(
            &fixture_args(&state, &["--misses", "--seed", seed]),
            "q\n",
            NOW + 60,
        );
        let out = text(&output.stdout);
        assert!(out.contains("Drill of your misses: 2 question(s)"), "{out}");
    }
    let mut s = Session::start_at(&fixture_args(&state, &["--misses"]), NOW + 60);
    s.play_all(|_| Play::Right);
    let (out, _, ok) = s.finish();
    assert!(ok);
    assert_eq!(asked(&out), MISSED, "only the misses are asked:\n{out}");
    let again = run_at(&fixture_args(&state, &["--misses"]), "", NOW + 120);
    assert!(
        text(&again.stdout).contains("no misses to drill"),
        "answered right, they are no longer misses:\n{}",
        text(&again.stdout)
    );
    let review = run_at(&fixture_args(&state, &["review", "--misses"]), "", NOW);
    assert_eq!(review.status.code(), Some(2), "--misses is for drills");
}
