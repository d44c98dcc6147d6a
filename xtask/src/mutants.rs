//! `cargo xtask mutants [STEP...]`: cargo-mutants over the reference
//! solutions, with the course's tests (docs/mutants.md).
//!
//! A mutant is a small change to a solution (a condition negated, a body
//! replaced by a default value, an operator swapped). Each is applied to a
//! scratch copy of the course and that step's tests run; a mutant they
//! miss is run again against every later test of the course (a helper of
//! step 09 is exercised by step 10), and one that survives that too is
//! reported as missed. The copy is `target/mutants/course`, its step
//! packages generated with every module on its reference by a plain
//! `#[path]` (cargo-mutants follows that, not `cfg_attr`); the report is
//! `target/mutants/report.md`. About 15 minutes on 2 cores: not CI.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, ExitCode};

use course_runner::scratch;
use course_runner::steps::{STEPS, Step};
use course_runner::sync::{self, Variant};
use serde_json::Value;

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    match mutants(root, args) {
        Ok(report) => {
            println!("{report}");
            println!("mutants: report in target/mutants/report.md");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("xtask mutants: {why}");
            ExitCode::FAILURE
        }
    }
}

/// What one pass of cargo-mutants found: outcomes by kind, and the missed.
struct Pass {
    tally: BTreeMap<String, usize>,
    missed: Vec<String>,
}

fn mutants(root: &Path, args: &[String]) -> Result<String, String> {
    let installed = Command::new("cargo")
        .args(["mutants", "--version"])
        .output();
    if !installed.is_ok_and(|out| out.status.success()) {
        eprintln!("mutants: installing cargo-mutants ...");
        let status = Command::new("cargo")
            .args(["install", "--locked", "cargo-mutants"])
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("cargo install cargo-mutants failed".into());
        }
    }
    let work = root.join("target/mutants");
    let copy = work.join("course");
    // The copy keeps its target/ between runs: the dependencies stay built.
    scratch::mirror(root, &copy).map_err(|e| e.to_string())?;
    for output in sync::outputs(root, Variant::Reference)? {
        if let Some(text) = output.text {
            std::fs::write(copy.join(&output.path), text).map_err(|e| e.to_string())?;
        }
    }
    let chosen: Vec<&Step> = STEPS
        .iter()
        .filter(|step| args.is_empty() || args.iter().any(|a| a.parse() == Ok(step.number)))
        .collect();
    let mut lines = vec![
        "# cargo-mutants over solutions/".to_owned(),
        String::new(),
        "Each step's reference against its own tests, then its survivors against every later test.".to_owned(),
        String::new(),
        "| step | mutants | caught by the step's tests | caught by a later step's | unviable | missed |".to_owned(),
        "| --- | --- | --- | --- | --- | --- |".to_owned(),
    ];
    let mut all_missed = Vec::new();
    for step in chosen {
        let out = work.join(step.stem());
        let _ = std::fs::remove_dir_all(&out);
        eprintln!(
            "mutants: step {:02} against tests/{}.rs ...",
            step.number,
            step.test_name()
        );
        let test = format!("--test={}", step.test_name());
        let Some(first) = cargo_mutants(&copy, &out, step, &["--cargo-arg", &test]) else {
            lines.push(format!(
                "| {} | no result (see target/mutants/{}) | | | | |",
                step.stem(),
                step.stem()
            ));
            continue;
        };
        let missed = if first.missed.is_empty() {
            Vec::new()
        } else {
            eprintln!(
                "mutants: step {:02}, its {} survivors against every later test ...",
                step.number,
                first.missed.len()
            );
            // Every later step is a package of its own, with its own tests;
            // the course's root package and the server test what they assemble.
            let mut extra = vec!["--iterate".to_owned()];
            for later in STEPS.iter().filter(|s| s.number >= step.number) {
                extra.extend(["--test-package".to_owned(), later.package()]);
            }
            for package in ["axum-oauth2-course", "course-server"] {
                extra.extend(["--test-package".to_owned(), package.to_owned()]);
            }
            let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
            cargo_mutants(&copy, &out, step, &extra)
                .map_or(first.missed.clone(), |second| second.missed)
        };
        let total: usize = first.tally.values().sum();
        let count = |kind: &str| first.tally.get(kind).copied().unwrap_or(0);
        lines.push(format!(
            "| {} | {total} | {} | {} | {} | {} |",
            step.stem(),
            count("CaughtMutant"),
            first.missed.len() - missed.len(),
            count("Unviable"),
            missed.len()
        ));
        all_missed.extend(missed);
    }
    lines.extend(["".to_owned(), "## Missed".to_owned(), String::new()]);
    if all_missed.is_empty() {
        lines.push("- none".to_owned());
    }
    lines.extend(all_missed.iter().map(|missed| format!("- {missed}")));
    let report = lines.join("\n") + "\n";
    std::fs::write(work.join("report.md"), &report).map_err(|e| e.to_string())?;
    Ok(report)
}

fn cargo_mutants(copy: &Path, out: &Path, step: &Step, extra: &[&str]) -> Option<Pass> {
    let file = format!("{}/../../{}", step.package_dir(), step.solution());
    let _ = Command::new("cargo")
        .args(["mutants", "--in-place", "--no-shuffle", "--baseline", "run"])
        .arg("--dir")
        .arg(copy)
        .arg("--output")
        .arg(out)
        .args(["--package", &step.package(), "--file", &file])
        .args(["--features", "solutions", "--minimum-test-timeout", "60"])
        .args(extra)
        .current_dir(copy)
        .env("COURSE_TEST_MODE", "1")
        .status();
    let outcomes = std::fs::read_to_string(out.join("mutants.out/outcomes.json")).ok()?;
    let outcomes: Value = serde_json::from_str(&outcomes).ok()?;
    let mut pass = Pass {
        tally: BTreeMap::new(),
        missed: Vec::new(),
    };
    for outcome in outcomes["outcomes"].as_array()? {
        // The baseline's scenario is a string; a mutant's, an object.
        let Some(mutant) = outcome["scenario"]["Mutant"].as_object() else {
            continue;
        };
        let summary = outcome["summary"].as_str().unwrap_or("?").to_owned();
        if summary == "MissedMutant" {
            pass.missed.push(describe(step, mutant));
        }
        *pass.tally.entry(summary).or_default() += 1;
    }
    Some(pass)
}

/// `solutions/NN_name.rs:LINE:COL: what`, as cargo-mutants names a mutant,
/// with the step package's path taken off.
fn describe(step: &Step, mutant: &serde_json::Map<String, Value>) -> String {
    match mutant.get("name").and_then(Value::as_str) {
        Some(name) => name.replace(&format!("{}/../../", step.package_dir()), ""),
        None => format!(
            "{}:{}: replace {} with {}",
            step.solution(),
            mutant["span"]["start"]["line"],
            mutant["function"]["function_name"].as_str().unwrap_or("?"),
            mutant["replacement"].as_str().unwrap_or("?")
        ),
    }
}
