//! Builds test binaries with `cargo test --no-run --message-format=json` (and
//! the server with `cargo build`) and reads cargo's JSON messages, not its
//! human text: which binaries were built where, the compiler's errors, and
//! whether cargo succeeded.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The workspace root to run cargo in.
    pub root: PathBuf,
    /// Features of the course package (`sol01`, `solutions`, ...).
    pub features: Vec<String>,
    /// Test targets (`step05_token_route`); empty means every target.
    pub tests: Vec<String>,
    /// Arguments cargo gets before `--features`, such as `--workspace`.
    pub extra: Vec<String>,
    /// `CARGO_TARGET_DIR`, when not the workspace's own.
    pub target_dir: Option<PathBuf>,
    /// A build whose code is all new each time and whose binaries nobody
    /// debugs (a grade): the course's crates without incremental caches,
    /// which cost more to write than they give back, and without line
    /// tables (a failing test's message and location need none). About
    /// 2.5 s less a learner on 2 cores.
    pub for_grading: bool,
    /// Where cargo runs: a grade's build runs in the sandbox, with the
    /// workspace and the target directory writable.
    pub sandbox: Option<crate::sandbox::Sandbox>,
}

/// What cargo built, or why it could not.
#[derive(Debug, Clone, Default)]
pub struct Built {
    /// Test executables by target: an integration test by its name
    /// (`step05_token_route`), any other target as `name (kind)`, such as
    /// `quiz (bin)`, so that a library and a binary of one name stay apart.
    pub executables: BTreeMap<String, PathBuf>,
    /// The binaries (`server`) built along with the tests, by name.
    pub binaries: BTreeMap<String, PathBuf>,
    /// The compiler's errors, rendered as it prints them, in order.
    pub errors: Vec<CompileError>,
    /// cargo exited 0 and said the build finished.
    pub success: bool,
    /// cargo's own complaint when it failed without a compiler error
    /// (an unknown test target, a broken manifest, a missing feature).
    pub cargo_error: Option<String>,
}

/// One compiler error: the target it was building, the rendered text, and
/// the file and line of its primary span (where the compiler says the
/// fault is, not every file a note mentions).
#[derive(Debug, Clone)]
pub struct CompileError {
    pub target: String,
    pub rendered: String,
    pub file: Option<String>,
    pub line: Option<usize>,
}

impl Built {
    /// The first thing to tell a person about a failed build.
    pub fn first_error(&self) -> String {
        if let Some(error) = self.errors.first() {
            return error.rendered.trim_end().to_owned();
        }
        self.cargo_error
            .clone()
            .unwrap_or_else(|| "cargo failed without saying why".to_owned())
    }
}

/// `cargo test --no-run` for `request`.
pub fn build(request: &Request) -> Built {
    let mut command = cargo_command(&request.root);
    if let Some(sandbox) = &request.sandbox {
        command = Command::new(sandbox.cargo());
        command
            .current_dir(&request.root)
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_TERM_PROGRESS_WHEN", "never");
    }
    command.args(["test", "--no-run", "--message-format=json"]);
    run(with_request(command, request))
}

/// `cargo build` of `request`'s tests and the binary `bin` in one run, so
/// that the binary's dependencies resolve with the tests' features (their
/// dev-dependencies included): after the tests, only what the binary adds
/// is compiled. `request.extra` selects the packages (`--package` for each).
pub fn build_with_binary(request: &Request, bin: &str) -> Built {
    let mut command = cargo_command(&request.root);
    command.args(["build", "--message-format=json", "--bin", bin]);
    run(with_request(command, request))
}

fn with_request(mut command: Command, request: &Request) -> Command {
    command.args(&request.extra);
    if !request.features.is_empty() {
        command.args(["--features", &request.features.join(",")]);
    }
    for test in &request.tests {
        command.args(["--test", test]);
    }
    if let Some(dir) = &request.target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    if request.for_grading {
        command
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_PROFILE_DEV_DEBUG", "0");
    }
    match &request.sandbox {
        Some(sandbox) => {
            let target = request
                .target_dir
                .clone()
                .unwrap_or_else(|| request.root.join("target"));
            let _ = std::fs::create_dir_all(&target);
            command.arg("--offline");
            sandbox.wrap(command, &[&request.root, &target])
        }
        None => command,
    }
}

/// A `cargo` command in `root` with plain, colourless output.
pub fn cargo_command(root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .env("CARGO_TERM_COLOR", "never")
        .env("CARGO_TERM_PROGRESS_WHEN", "never");
    command
}

fn run(mut command: Command) -> Built {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            return Built {
                cargo_error: Some(format!("cargo could not be started: {error}")),
                ..Built::default()
            };
        }
    };
    // cargo's human messages go to stderr; read them on a thread so that
    // neither pipe fills up while the other is read.
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut built = Built::default();
    let mut finished = false;
    let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    for line in stdout.lines().map_while(Result::ok) {
        let Ok(message) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        match message.reason.as_str() {
            "compiler-artifact" => {
                if let (Some(target), Some(exe)) = (message.target, message.executable) {
                    if message.profile.is_some_and(|p| p.test) {
                        built.executables.insert(target.key(), exe);
                    } else if target.kind.iter().any(|k| k == "bin") {
                        built.binaries.insert(target.name, exe);
                    }
                }
            }
            "compiler-message" => {
                if let (Some(target), Some(diagnostic)) = (message.target, message.message)
                    && diagnostic.level == "error"
                {
                    let primary = diagnostic.spans.iter().find(|s| s.is_primary);
                    built.errors.push(CompileError {
                        target: target.name,
                        file: primary.map(|s| s.file_name.clone()),
                        line: primary.map(|s| s.line_start),
                        rendered: diagnostic.rendered.unwrap_or(diagnostic.text),
                    });
                }
            }
            "build-finished" => finished = message.success.unwrap_or(false),
            _ => {}
        }
    }
    let status = child.wait();
    let stderr = stderr.join().unwrap_or_default();
    built.success = finished && status.is_ok_and(|s| s.success());
    if !built.success && built.errors.is_empty() {
        built.cargo_error = Some(cargo_complaint(&stderr));
    }
    built
}

/// The `error: ...` lines of cargo's stderr, or its last lines.
fn cargo_complaint(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .skip_while(|line| !line.starts_with("error"))
        .take(12)
        .collect();
    if errors.is_empty() {
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(12)..].join("\n")
    } else {
        errors.join("\n")
    }
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    target: Option<Target>,
    profile: Option<Profile>,
    executable: Option<PathBuf>,
    message: Option<Diagnostic>,
    success: Option<bool>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    #[serde(default)]
    kind: Vec<String>,
}

impl Target {
    fn key(&self) -> String {
        match self.kind.first().map(String::as_str) {
            Some("test") | None => self.name.clone(),
            Some(kind) => format!("{} ({kind})", self.name),
        }
    }
}

#[derive(Deserialize)]
struct Profile {
    test: bool,
}

#[derive(Deserialize)]
struct Diagnostic {
    level: String,
    #[serde(rename = "message")]
    text: String,
    rendered: Option<String>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: usize,
    is_primary: bool,
}
