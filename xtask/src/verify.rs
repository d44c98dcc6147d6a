//! `cargo xtask verify`: the four promises the course makes, checked.
//!
//! 1. With `--features solutions`, every test of every package passes.
//! 2. For each step N, with steps 1..N-1 solved, every test of step N fails:
//!    the tests catch an unsolved step, and none of them passes by accident.
//! 3. With steps 1..N solved, step N's tests all pass whatever the later
//!    steps hold (steps never use later ones, so 1..N-1 stay green too).
//! 4. Every mistake in `mistakes/NN_name.toml`, made in the reference, makes
//!    one of step N's tests fail with a message naming the lesson.
//!
//! Builds go through cargo's JSON messages and exit status; every test
//! binary runs with a time limit and must report exactly as many results as
//! `--list` names. Feature set k ("steps 1..k solved") is built once, with
//! step k's tests (promise 3) and step k+1's (promise 2). Mistakes are made
//! in a scratch copy under `target/verify/`, never in `solutions/`; a
//! mistake's verdict is kept by the content hash of everything it depends on,
//! so a second verify re-runs only what changed (`--no-cache` re-runs all).
//!
//! The last line is `verify: N passed, M failed`, for CI logs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use course_runner::compile::{self, Built, Request};
use course_runner::libtest::{self, Ending, Run};
use course_runner::mistakes::{self, Mistake};
use course_runner::steps::{STEPS, Step, features_where};
use course_runner::{hints, scratch};

use crate::cache::Cache;
use crate::root;

/// A test binary that runs longer has hung. The step tests take seconds;
/// the learner's tool's own tests build the course from cold in a scratch
/// copy, which takes minutes on a fresh machine.
const TIME_LIMIT: Duration = Duration::from_secs(900);

pub struct Options {
    pub use_cache: bool,
    /// Only this step's checks (and the full run).
    pub only: Option<usize>,
}

pub fn run(options: Options) -> ExitCode {
    let started = Instant::now();
    let root = root();
    let mut verify = Verify {
        root: root.clone(),
        expected: BTreeMap::new(),
        misses: Vec::new(),
        passed: 0,
    };

    // Everything derived from steps.toml first (the step packages, the
    // features, the stubs' hashes by which `cargo course` knows a step not
    // started): a stale file would make every later check mean little.
    match course_runner::sync::stale(&root, course_runner::sync::Mode::Check) {
        Ok(stale) if stale.is_empty() => {}
        Ok(stale) => verify.miss(format!(
            "out of date with steps.toml or the exercises (run `cargo xtask sync`): {}",
            stale.join(", ")
        )),
        Err(why) => verify.miss(format!("sync: {why}")),
    }

    for step in STEPS {
        match hints::load(&root, step) {
            Ok(hints) if hints.len() >= 3 => {}
            Ok(hints) => verify.miss(format!(
                "{} has {} hints; `cargo course hint` promises at least three stages",
                hints::path(step),
                hints.len()
            )),
            Err(e) => verify.miss(e),
        }
    }

    // What an exercise gives is the solution's: the solution's tests then
    // vouch for the code every learner is handed.
    for step in STEPS {
        let read = |path: String| std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        match crate::given::differences(&read(step.exercise()), &read(step.solution())) {
            Ok(found) => {
                for difference in found {
                    verify.miss(format!("{} {difference}", step.exercise()));
                }
            }
            Err(why) => verify.miss(format!("{}: {why}", step.stem())),
        }
    }

    // A catalogue entry that no longer applies would only show up minutes
    // into the run: check them all first, and stop before building.
    for step in STEPS {
        verify.catalogue_applies(step);
    }
    if !verify.misses.is_empty() {
        return verify.finish(started);
    }

    eprintln!("verify: building every package with --features solutions ...");
    if !verify.full_run() {
        return verify.finish(started);
    }

    let scratch = root.join("target/verify");
    let course = scratch.join("course");
    if let Err(e) = scratch::mirror(&root, &course) {
        verify.miss(format!(
            "cannot copy the course to {}: {e}",
            course.display()
        ));
        return verify.finish(started);
    }
    let mut cache = Cache::load(&scratch.join("mistakes.json"), options.use_cache);

    let mut caught_line = String::new(); // promise 2 for the next step
    for k in 0..=STEPS.len() {
        let wanted = |n: usize| options.only.is_none_or(|only| only == n);
        let this = k.checked_sub(1).map(|i| &STEPS[i]);
        let next = STEPS.get(k);
        if !this.is_some_and(|s| wanted(s.number)) && !next.is_some_and(|s| wanted(s.number)) {
            continue;
        }
        let tests: Vec<String> = this
            .iter()
            .chain(next.iter())
            .map(|s| s.test_name())
            .collect();
        eprintln!("verify: steps 1..{k} solved ...");
        let built = compile::build(&Request {
            root: root.clone(),
            features: features_where(|n| n <= k),
            tests,
            ..Request::default()
        });
        if let Some(step) = this.filter(|s| wanted(s.number)) {
            let green = verify.green(step, &built);
            let mistakes = verify.mistakes(step, &course, &scratch, &mut cache);
            println!(
                "step {:02} {:<14} {caught_line:<22} {green:<22} {mistakes}",
                step.number, step.module
            );
        }
        if let Some(step) = next {
            caught_line = verify.caught(step, &built);
        }
    }
    cache.save();
    verify.finish(started)
}

struct Verify {
    root: PathBuf,
    /// Test binary name to the number of tests `--list` names in the full build.
    expected: BTreeMap<String, usize>,
    misses: Vec<String>,
    passed: usize,
}

impl Verify {
    fn miss(&mut self, text: String) {
        self.misses.push(text);
    }

    /// Promise 1: every test of every package passes with the reference.
    fn full_run(&mut self) -> bool {
        let built = compile::build(&Request {
            root: self.root.clone(),
            features: vec!["solutions".to_owned()],
            extra: vec!["--workspace".to_owned()],
            ..Request::default()
        });
        if !built.success {
            println!("solutions  FAIL  the workspace does not build with --features solutions");
            self.miss(format!(
                "with --features solutions, the build fails:\n{}",
                built.first_error()
            ));
            return false;
        }
        let mut total = 0;
        let mut failing = Vec::new();
        for (name, exe) in &built.executables {
            let Some(run) = self.run_binary(name, exe, &self.root.clone()) else {
                failing.push(format!("{name}: see above"));
                continue;
            };
            total += run.outcomes.len();
            self.passed += run.passed();
            failing.extend(
                run.failed()
                    .map(|o| format!("{name}::{}\n{}", o.name, indent(&o.message))),
            );
        }
        if failing.is_empty() {
            println!(
                "solutions  ok    all {total} tests in {} binaries pass with --features solutions",
                built.executables.len()
            );
            true
        } else {
            println!(
                "solutions  FAIL  {} of {total} tests fail with --features solutions",
                failing.len()
            );
            self.miss(format!(
                "with --features solutions, these fail:\n{}",
                failing.join("\n")
            ));
            false
        }
    }

    /// Lists and runs one binary; records a miss and returns `None` when it
    /// did not report every listed test or did not end by itself.
    fn run_binary(&mut self, name: &str, exe: &Path, cwd: &Path) -> Option<Run> {
        let listed = match libtest::list(exe, cwd) {
            Ok(listed) => listed.len(),
            Err(e) => {
                self.miss(format!("{name}: {e}"));
                return None;
            }
        };
        let expected = *self.expected.entry(name.to_owned()).or_insert(listed);
        let run = libtest::run(exe, cwd, TIME_LIMIT, &[]);
        let trouble = match &run.ending {
            Ending::TimedOut(limit) => Some(format!("timed out after {} s", limit.as_secs())),
            Ending::Crashed(why) => Some(format!("crashed: {why}")),
            Ending::Exited { success } if *success == (run.passed() != run.outcomes.len()) => {
                Some("its exit status disagrees with its test results".to_owned())
            }
            Ending::Exited { .. } if listed != expected || run.outcomes.len() != expected => {
                Some(format!(
                    "it should run {expected} tests; it lists {listed} and reported {}",
                    run.outcomes.len()
                ))
            }
            Ending::Exited { .. } => None,
        };
        match trouble {
            Some(why) => {
                self.miss(format!("{name}: {why}\n{}", tail(&run.output, 30)));
                None
            }
            None => Some(run),
        }
    }

    /// Promise 2: with steps 1..N-1 solved, every test of step N fails.
    fn caught(&mut self, step: &Step, built: &Built) -> String {
        let name = step.test_name();
        let Some(run) = self.run_built(step, built, "steps before it solved") else {
            return "stub: did not run".to_owned();
        };
        let passing: Vec<String> = run
            .outcomes
            .iter()
            .filter(|o| o.passed)
            .map(|o| format!("{name}::{}", o.name))
            .collect();
        let total = run.outcomes.len();
        if !passing.is_empty() {
            self.miss(format!(
                "step {:02}: these tests pass on the unsolved stub, so they cannot catch it:\n  {}",
                step.number,
                passing.join("\n  ")
            ));
        }
        format!("stub {}/{total} fail", total - passing.len())
    }

    /// Promise 3: with steps 1..N solved, every test of step N passes.
    fn green(&mut self, step: &Step, built: &Built) -> String {
        let name = step.test_name();
        let Some(run) = self.run_built(step, built, "steps 1..N solved") else {
            return "solved: did not run".to_owned();
        };
        let failing: Vec<String> = run
            .failed()
            .map(|o| format!("{name}::{}\n{}", o.name, indent(&o.message)))
            .collect();
        if !failing.is_empty() {
            self.miss(format!(
                "step {:02}, steps 1..{} solved, these fail:\n{}",
                step.number,
                step.number,
                failing.join("\n")
            ));
            return "solved: FAIL".to_owned();
        }
        format!("solved {}/{} pass", run.passed(), run.outcomes.len())
    }

    fn run_built(&mut self, step: &Step, built: &Built, context: &str) -> Option<Run> {
        let name = step.test_name();
        match built.executables.get(&name) {
            Some(exe) if built.success => {
                let exe = exe.clone();
                self.run_binary(&name, &exe, &self.root.clone())
            }
            _ => {
                self.miss(format!(
                    "step {:02} ({context}): {name} did not build:\n{}",
                    step.number,
                    built.first_error()
                ));
                None
            }
        }
    }

    /// Every mistake in `step`'s catalogue can be made in its reference.
    fn catalogue_applies(&mut self, step: &Step) {
        let catalogue = mistakes::load(&self.root, step).unwrap_or_default();
        let reference = std::fs::read_to_string(self.root.join(step.solution()));
        for mistake in &catalogue {
            if let Err(why) = reference
                .as_deref()
                .map_err(|e| e.to_string())
                .and_then(|text| mistake.apply(text))
            {
                self.miss(format!(
                    "step {:02} ({}): {why}",
                    step.number,
                    mistakes::path(step)
                ));
            }
        }
    }

    /// Promise 4: each catalogued mistake is caught, by a message naming it.
    fn mistakes(
        &mut self,
        step: &Step,
        course: &Path,
        scratch: &Path,
        cache: &mut Cache,
    ) -> String {
        let catalogue = match mistakes::load(&self.root, step) {
            Ok(catalogue) => catalogue,
            Err(e) => {
                self.miss(e);
                return "mistakes: unreadable".to_owned();
            }
        };
        if catalogue.is_empty() {
            self.miss(format!(
                "step {:02}: no mistakes catalogued in {}",
                step.number,
                mistakes::path(step)
            ));
            return "mistakes: none".to_owned();
        }
        let solution = course.join(step.solution());
        let original = match std::fs::read_to_string(&solution) {
            Ok(text) => text,
            Err(e) => {
                self.miss(format!("{}: {e}", solution.display()));
                return "mistakes: no solution".to_owned();
            }
        };
        let mut caught = 0;
        for mistake in &catalogue {
            let key = cache.key(course, step, mistake);
            let verdict = match cache.get(&key) {
                Some(verdict) => Ok(verdict),
                None => {
                    eprintln!(
                        "verify: step {:02} mistake `{}` ...",
                        step.number, mistake.id
                    );
                    let verdict = self.try_mistake(step, mistake, &original, course, scratch);
                    // Back to the reference before the next key is computed.
                    if let Err(e) = scratch::write_if_changed(&solution, original.as_bytes()) {
                        self.miss(format!("cannot restore {}: {e}", solution.display()));
                    }
                    if let Ok(caught_by) = &verdict {
                        cache.put(key, caught_by.clone());
                    }
                    verdict
                }
            };
            match verdict {
                Ok(_) => caught += 1,
                Err(why) => self.miss(format!(
                    "step {:02} mistake `{}` ({}): {why}",
                    step.number, mistake.id, mistake.lesson
                )),
            }
        }
        format!("mistakes {caught}/{} caught", catalogue.len())
    }

    /// Makes `mistake` in the scratch copy and runs the step's tests: the
    /// name of the test that caught it, or why it was not caught.
    fn try_mistake(
        &mut self,
        step: &Step,
        mistake: &Mistake,
        original: &str,
        course: &Path,
        scratch: &Path,
    ) -> Result<String, String> {
        let broken = mistake.apply(original)?;
        scratch::write_if_changed(&course.join(step.solution()), broken.as_bytes())
            .map_err(|e| e.to_string())?;
        let built = compile::build(&Request {
            root: course.to_path_buf(),
            features: vec!["solutions".to_owned()],
            tests: vec![step.test_name()],
            target_dir: Some(scratch.join("target")),
            ..Request::default()
        });
        let name = step.test_name();
        let exe = match built.executables.get(&name) {
            Some(exe) if built.success => exe,
            _ => {
                return Err(format!(
                    "the reference with this mistake does not compile, so it proves nothing:\n{}",
                    built.first_error()
                ));
            }
        };
        let run = libtest::run(exe, course, TIME_LIMIT, &[]);
        if let Ending::TimedOut(_) = run.ending {
            return Ok("(timed out)".to_owned());
        }
        let failed: Vec<_> = run.failed().collect();
        if failed.is_empty() {
            return Err("every test passes with this mistake made".to_owned());
        }
        failed
            .iter()
            .find(|o| o.message.contains(&mistake.message_contains))
            .map(|o| o.name.clone())
            .ok_or_else(|| {
                format!(
                    "caught, but no failure message says {:?}; the failures were:\n{}",
                    mistake.message_contains,
                    failed
                        .iter()
                        .map(|o| format!("{}\n{}", o.name, indent(&o.message)))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
    }

    fn finish(self, started: Instant) -> ExitCode {
        let seconds = started.elapsed().as_secs_f64();
        if self.misses.is_empty() {
            println!(
                "every solution passes; every step catches its stub and every catalogued mistake ({seconds:.0} s)"
            );
            println!("verify: {} passed, 0 failed", self.passed);
            ExitCode::SUCCESS
        } else {
            for miss in &self.misses {
                eprintln!("\n{miss}");
            }
            println!(
                "{} miss(es), listed above ({seconds:.0} s)",
                self.misses.len()
            );
            println!(
                "verify: {} passed, {} failed",
                self.passed,
                self.misses.len()
            );
            ExitCode::FAILURE
        }
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
