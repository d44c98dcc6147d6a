//! Runs `cargo test` and reads libtest's output into per-binary results.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

/// The workspace root: the folder above `xtask/`.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A `cargo` command in the workspace root, with plain output.
pub fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .args(args)
        .current_dir(root())
        .env("CARGO_TERM_COLOR", "never")
        .env("RUST_BACKTRACE", "0");
    command
}

/// What one `cargo test` run did.
pub struct TestRun {
    /// Per test binary (`step03_bearer`, `quiz`, ...): each test's name and
    /// whether it passed.
    pub binaries: BTreeMap<String, Vec<(String, bool)>>,
    /// Whether cargo could build everything it was asked to.
    pub built: bool,
    /// Everything cargo and the tests printed, for showing on a miss.
    pub output: String,
}

/// `cargo test` with `features` and `extra` arguments, never stopping at the
/// first failing binary.
pub fn test(features: &[String], extra: &[String]) -> TestRun {
    let features = features.join(",");
    let mut args = vec!["test", "--no-fail-fast"];
    if !features.is_empty() {
        args.extend(["--features", &features]);
    }
    args.extend(extra.iter().map(String::as_str));
    let text = combined_output(cargo(&args));
    let built = !text.contains("error: could not compile")
        && !text.contains("error[E")
        && !text.contains("error: no test target named");
    TestRun {
        binaries: parse(&text),
        built,
        output: text,
    }
}

/// stdout and stderr through one pipe, so that cargo's `Running ...` lines
/// (stderr) stay in order with each binary's results (stdout).
fn combined_output(mut command: Command) -> String {
    let (mut reader, writer) = std::io::pipe().expect("a pipe");
    command
        .stdout(writer.try_clone().expect("a pipe"))
        .stderr(writer);
    let mut child = command.spawn().expect("cargo runs");
    // Our copies of the write end must close, or the read never ends.
    drop(command);
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).expect("read cargo's output");
    let _ = child.wait();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Reads `Running tests/step01_fake_db.rs (...)` headers and the
/// `test name ... ok|FAILED` lines under them.
fn parse(text: &str) -> BTreeMap<String, Vec<(String, bool)>> {
    let mut binaries: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Running ") {
            let path = rest.split(' ').next().unwrap_or(rest);
            let name = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".rs");
            let name = if name == "main" || name == "lib" {
                path.split('/').next().unwrap_or(name)
            } else {
                name
            };
            current = Some(name.to_owned());
            binaries.entry(name.to_owned()).or_default();
        } else if let (Some(binary), Some(rest)) = (&current, line.strip_prefix("test "))
            && let Some((test, verdict)) = rest.rsplit_once(" ... ")
        {
            let passed = match verdict {
                "ok" => true,
                "FAILED" => false,
                _ => continue, // ignored, bench
            };
            binaries
                .entry(binary.clone())
                .or_default()
                .push((test.to_owned(), passed));
        }
    }
    binaries
}
