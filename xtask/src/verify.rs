//! `cargo xtask verify`: the three promises the course makes, checked.
//!
//! 1. With `--features solutions`, every test of every package passes.
//! 2. For each step N, with steps 1..N-1 solved, every test of step N fails:
//!    the tests catch an unsolved step, and none of them passes by accident.
//! 3. With steps 1..N solved, the tests of steps 1..N all pass, whatever the
//!    later steps hold.
//!
//! That is eight feature sets ("steps 1..k solved", k = 0..=7); cargo keeps
//! each set's build apart in `target/` and shares every dependency, so each
//! set builds the course once and a second verify rebuilds nothing.
//!
//! The last line is `verify: N passed, M failed`, counting the full run's
//! tests as passed and every miss as failed, for CI logs.

use std::process::ExitCode;

use crate::cargo::{self, TestRun};
use crate::steps::{STEPS, Step, solved_up_to};

pub fn run() -> ExitCode {
    let mut misses = Vec::new();

    // Promise 1, which also gives promise 3 for N = 7.
    eprintln!("verify: building and testing the reference solutions...");
    let full = cargo::test(&solved_up_to(STEPS.len()), &["--workspace".to_owned()]);
    let failing: Vec<String> = full
        .binaries
        .iter()
        .flat_map(|(binary, tests)| {
            tests
                .iter()
                .filter(|(_, ok)| !ok)
                .map(move |(t, _)| format!("{binary}::{t}"))
        })
        .collect();
    let total: usize = full.binaries.values().map(Vec::len).sum();
    if !full.built || !failing.is_empty() || total == 0 {
        println!(
            "solutions  FAIL  {} of {total} tests fail with --features solutions",
            failing.len()
        );
        misses.push(describe(
            "with --features solutions, these fail:",
            &full,
            &failing,
        ));
    } else {
        println!(
            "solutions  ok    all {total} tests of every package pass with --features solutions"
        );
    }

    for step in &STEPS {
        let solved = step.number - 1;
        let run = cargo::test(&solved_up_to(solved), &test_args(step.number));
        let caught = check_caught(step, &run, &mut misses);
        // "Solved up to N" is the next run's feature set, or the full run's.
        let green = if step.number == STEPS.len() {
            check_green(step, &full, &mut misses)
        } else {
            let next = cargo::test(&solved_up_to(step.number), &test_args(step.number));
            check_green(step, &next, &mut misses)
        };
        println!(
            "step {:02} {:<13} {caught:<28} {green}",
            step.number, step.module
        );
    }

    let passed = total - failing.len();
    if misses.is_empty() {
        println!(
            "every solution passes; all {} steps catch an unsolved step and stay green once solved",
            STEPS.len()
        );
        println!("verify: {passed} passed, 0 failed");
        ExitCode::SUCCESS
    } else {
        for miss in &misses {
            eprintln!("\n{miss}");
        }
        println!("{} miss(es), listed above", misses.len());
        println!("verify: {passed} passed, {} failed", misses.len());
        ExitCode::FAILURE
    }
}

/// `--test step01_... --test stepNN_...`: steps 1..=n.
fn test_args(n: usize) -> Vec<String> {
    STEPS[..n]
        .iter()
        .flat_map(|step| ["--test".to_owned(), step.test_name()])
        .collect()
}

/// Step N's tests, run with steps 1..N-1 solved, must all fail.
fn check_caught(step: &Step, run: &TestRun, misses: &mut Vec<String>) -> String {
    let name = step.test_name();
    let tests = run.binaries.get(&name).cloned().unwrap_or_default();
    let passed: Vec<String> = tests
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(t, _)| format!("{name}::{t}"))
        .collect();
    if !run.built || tests.is_empty() {
        let context = format!(
            "step {:02}, steps 1..{} solved:",
            step.number,
            step.number - 1
        );
        misses.push(describe(
            &context,
            run,
            &[format!("{name} did not build or ran no test")],
        ));
        return "stub: did not run".to_owned();
    }
    if !passed.is_empty() {
        misses.push(format!(
            "step {:02}: these tests pass on the unsolved stub, so they cannot catch it:\n  {}",
            step.number,
            passed.join("\n  ")
        ));
    }
    format!(
        "stub: {}/{} tests fail",
        tests.len() - passed.len(),
        tests.len()
    )
}

/// Steps 1..=N, run with steps 1..=N solved, must all pass.
fn check_green(step: &Step, run: &TestRun, misses: &mut Vec<String>) -> String {
    let mut count = 0;
    let mut failed = Vec::new();
    for earlier in &STEPS[..step.number] {
        let name = earlier.test_name();
        let tests = run.binaries.get(&name).cloned().unwrap_or_default();
        if tests.is_empty() {
            failed.push(format!("{name} ran no test"));
        }
        count += tests.len();
        failed.extend(
            tests
                .iter()
                .filter(|(_, ok)| !ok)
                .map(|(t, _)| format!("{name}::{t}")),
        );
    }
    if !run.built || !failed.is_empty() {
        let context = format!(
            "step {:02}, steps 1..{} solved, these fail:",
            step.number, step.number
        );
        misses.push(describe(&context, run, &failed));
        return format!("solved 1..{}: FAIL", step.number);
    }
    format!("solved 1..{}: {count} pass   ok", step.number)
}

/// A miss: what failed, and the end of cargo's output when it did not build.
fn describe(context: &str, run: &TestRun, what: &[String]) -> String {
    let mut text = format!("{context}\n  {}", what.join("\n  "));
    if !run.built {
        let tail: Vec<&str> = run.output.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        text += &format!("\n--- end of cargo's output ---\n{}", tail.join("\n"));
    }
    text
}
