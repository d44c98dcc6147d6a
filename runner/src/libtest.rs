//! Runs one test binary with a time limit and reads libtest's plain output:
//! each test's verdict and the message of each failure. (libtest's JSON
//! output is nightly-only, so this reads the text every stable toolchain
//! prints.)

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// One test's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub name: String,
    pub passed: bool,
    /// What the test printed when it failed (its panic message); empty when
    /// it passed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// How a run of a test binary ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The binary exited by itself; `success` is a zero exit status.
    Exited { success: bool },
    /// Killed at the time limit.
    TimedOut(Duration),
    /// Killed by a signal, or could not be started.
    Crashed(String),
}

/// One run of a test binary.
#[derive(Debug, Clone)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub ending: Ending,
    /// Everything the binary printed on stdout and stderr.
    pub output: String,
}

impl Run {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed).count()
    }

    pub fn failed(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| !o.passed)
    }
}

/// The names of the tests in `exe` (not ignored ones), from `--list`.
pub fn list(exe: &Path, cwd: &Path) -> Result<Vec<String>, String> {
    let output = Command::new(exe)
        .args(["--list", "--format", "terse"])
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("{} could not be started: {e}", exe.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} --list failed: {}",
            exe.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect())
}

/// Runs every test of `exe` in `cwd`, killing it (and any process it
/// started) after `limit`.
pub fn run(exe: &Path, cwd: &Path, limit: Duration, env: &[(&str, &str)]) -> Run {
    run_confined(exe, cwd, limit, env, None)
}

/// `run`, in `sandbox` with `writable` writable, when there is one.
pub fn run_confined(
    exe: &Path,
    cwd: &Path,
    limit: Duration,
    env: &[(&str, &str)],
    sandbox: Option<(&crate::sandbox::Sandbox, &[&Path])>,
) -> Run {
    let mut command = Command::new(exe);
    command
        .args(["--color", "never"])
        .current_dir(cwd)
        // Short panics; snapshots are compared, never written; an inherited
        // INSTA_FORCE_PASS must not turn failures into passes.
        .env("RUST_BACKTRACE", "0")
        .env("INSTA_UPDATE", "no")
        .env_remove("INSTA_FORCE_PASS")
        .envs(env.iter().copied());
    if let Some((sandbox, writable)) = sandbox {
        command = sandbox.wrap(command, writable);
    }
    command.stdin(Stdio::null());
    let (reader, writer) = match std::io::pipe() {
        Ok(pipe) => pipe,
        Err(e) => return crashed(format!("no pipe: {e}")),
    };
    let Ok(writer_copy) = writer.try_clone() else {
        return crashed("no pipe".to_owned());
    };
    command.stdout(writer_copy).stderr(writer);
    #[cfg(unix)]
    {
        // Its own process group, so that a timeout kills the servers a test
        // started too, not only the test binary.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let child = command.spawn();
    // Our copies of the pipe's write end must close, or reading never ends.
    drop(command);
    let mut child = match child {
        Ok(child) => child,
        Err(e) => return crashed(format!("{} could not be started: {e}", exe.display())),
    };
    let output = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let mut reader = reader;
        let _ = reader.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let ending = wait(&mut child, limit);
    let output = output.join().unwrap_or_default();
    Run {
        outcomes: parse(&output),
        ending,
        output,
    }
}

fn crashed(why: String) -> Run {
    Run {
        outcomes: Vec::new(),
        ending: Ending::Crashed(why),
        output: String::new(),
    }
}

fn wait(child: &mut Child, limit: Duration) -> Ending {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return match status.code() {
                    Some(code) => Ending::Exited { success: code == 0 },
                    None => Ending::Crashed(format!("killed by a signal ({status})")),
                };
            }
            Ok(None) if started.elapsed() < limit => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                kill_group(child);
                let _ = child.wait();
                return Ending::TimedOut(limit);
            }
            Err(e) => return Ending::Crashed(format!("lost the test process: {e}")),
        }
    }
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// libtest's closing line, `test result: ok. 3 passed; 0 failed; ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub ok: bool,
    pub passed: usize,
    pub failed: usize,
}

/// Every `test result:` line of `output`: a run prints one, and a run that
/// prints more is not telling the truth.
pub fn summaries(output: &str) -> Vec<Summary> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: "))
        .map(|rest| {
            let count = |label: &str| {
                rest.split(';')
                    .find_map(|part| part.trim().strip_suffix(label))
                    .and_then(|n| n.trim().rsplit(' ').next()?.parse().ok())
                    .unwrap_or(usize::MAX)
            };
            Summary {
                ok: rest.starts_with("ok."),
                passed: count(" passed"),
                failed: count(" failed"),
            }
        })
        .collect()
}

/// Reads `test NAME ... ok|FAILED` lines and the `---- NAME stdout ----`
/// sections that hold each failure's message.
pub fn parse(output: &str) -> Vec<Outcome> {
    let mut outcomes: Vec<Outcome> = Vec::new();
    // Verdicts come before the first `failures:`; after it, a failure's
    // own output may hold lines that look like verdicts.
    for line in output.lines().take_while(|line| *line != "failures:") {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, verdict)) = rest.rsplit_once(" ... ") else {
            continue;
        };
        let passed = match verdict.trim() {
            "ok" => true,
            "FAILED" => false,
            _ => continue, // ignored
        };
        outcomes.push(Outcome {
            name: name.to_owned(),
            passed,
            message: String::new(),
        });
    }
    let mut current: Option<usize> = None;
    for line in output.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            current = outcomes.iter().position(|o| o.name == name);
            continue;
        }
        if line == "failures:" || line.starts_with("test result:") {
            current = None;
            continue;
        }
        if let Some(index) = current {
            let message = &mut outcomes[index].message;
            message.push_str(line);
            message.push('\n');
        }
    }
    for outcome in &mut outcomes {
        outcome.message = outcome.message.trim().to_owned();
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "
running 3 tests
test alpha ... ok
test beta ... FAILED
test gamma ... ignored

failures:

---- beta stdout ----

thread 'beta' panicked at tests/x.rs:1:1:
test inner ... ok
  expected: 200
  got:      400
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    beta

test result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s
";

    #[test]
    fn reads_the_closing_line() {
        assert_eq!(
            summaries(SAMPLE),
            [Summary {
                ok: false,
                passed: 1,
                failed: 1
            }]
        );
    }

    #[test]
    fn reads_verdicts_and_failure_messages() {
        let outcomes = parse(SAMPLE);
        assert_eq!(
            outcomes.len(),
            2,
            "the ignored test is not an outcome, nor a verdict inside a failure's output"
        );
        assert!(outcomes[0].passed && outcomes[0].message.is_empty());
        assert!(!outcomes[1].passed);
        assert!(
            outcomes[1].message.contains("got:      400")
                && !outcomes[1].message.contains("test result"),
            "the failure section, and only it: {:?}",
            outcomes[1].message
        );
    }
}
