//! The command line itself: help, version, list, check on the fixture bank.

mod support;

use support::{fixture_bank, run, text};

#[test]
fn help_and_version_work() {
    for args in [&["help"][..], &["--help"], &["-h"]] {
        let output = run(args, "");
        assert!(output.status.success(), "{args:?}");
        let out = text(&output.stdout);
        assert!(
            out.contains("usage: cargo quiz")
                && out.contains("interview")
                && out.contains("--misses"),
            "{args:?}:\n{out}"
        );
    }
    let version = run(&["--version"], "");
    assert!(version.status.success());
    assert_eq!(
        text(&version.stdout).trim(),
        format!("quiz {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_command_is_a_usage_error() {
    let output = run(&["revise"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("unknown command `revise`"));
}

#[test]
fn list_counts_the_bank_and_honours_filters() {
    let bank = fixture_bank().display().to_string();
    let all = text(&run(&["list", "--bank", &bank], "").stdout);
    assert!(all.starts_with("9 questions"), "{all}");
    assert!(
        all.contains("  10 refresh"),
        "steps up to 15 are listed:\n{all}"
    );
    assert!(
        all.contains(
            "right option strictly the longest: 1 of 4 single-answer questions (25%; at most 30%)"
        ),
        "{all}"
    );
    let tokens = text(&run(&["list", "--bank", &bank, "--topic", "Tokens"], "").stdout);
    assert!(
        tokens.starts_with("3 of the bank's 9 questions match the filters"),
        "{tokens}"
    );
    assert!(
        tokens.contains("tokens-alg") && !tokens.contains("basics-header"),
        "{tokens}"
    );
    let hard = text(&run(&["list", "--bank", &bank, "--difficulty", "HARD"], "").stdout);
    assert!(hard.starts_with("3 of the bank's 9"), "{hard}");
}

#[test]
fn check_passes_on_the_fixture_bank() {
    let bank = fixture_bank().display().to_string();
    let output = run(&["check", "--bank", &bank], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("the bank is sound: 9 questions"));
}
