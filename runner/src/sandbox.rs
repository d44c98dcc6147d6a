//! Where a learner's code is built and run when it is graded: a
//! bubblewrap sandbox that sees the grading copy (read-write), the Rust
//! toolchain and the crates' sources (read-only), the system's programs and
//! libraries (read-only), and nothing else: not the instructor's course,
//! not its `solutions/`, not another learner, not the network (its own
//! network namespace has only loopback, which the tests' servers need).
//!
//! Compile-time code is the learner's too (a `const`, a macro's
//! expansion, `include_str!`), so the build runs in the sandbox as well as
//! the tests. Where bubblewrap is missing, the grader refuses to run unless
//! told `--no-sandbox`, and then says what that allows.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How learner code is confined.
#[derive(Debug, Clone)]
pub enum Sandbox {
    Bubblewrap(Bubblewrap),
    /// `--no-sandbox`: learner code runs as the instructor.
    Unconfined,
}

/// What the sandbox binds, found once.
#[derive(Debug, Clone)]
pub struct Bubblewrap {
    /// The toolchain (`rustc --print sysroot`).
    sysroot: PathBuf,
    /// `$CARGO_HOME/registry`: the crates' sources.
    registry: PathBuf,
    cargo_home: PathBuf,
}

/// What `--no-sandbox` allows, said before any grading starts.
pub const UNCONFINED_WARNING: &str = "grading WITHOUT a sandbox (--no-sandbox): each learner's code is built \
and run as you, with your files and your network. It can read the reference solutions and other learners' \
work, write anywhere you can, and reach the internet. Grade only code you trust this way, or install \
bubblewrap (Debian: apt-get install bubblewrap).";

impl Sandbox {
    /// Bubblewrap, if it is installed and works here.
    pub fn detect() -> Result<Self, String> {
        let sysroot = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
            .args(["--print", "sysroot"])
            .output()
            .map_err(|e| format!("rustc could not be started: {e}"))?;
        let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
            .ok_or("neither CARGO_HOME nor HOME is set")?;
        let sandbox = Bubblewrap {
            registry: cargo_home.join("registry"),
            cargo_home,
            sysroot,
        };
        let probe = sandbox
            .command(Path::new("/usr/bin/true"), &[])
            .output()
            .map_err(|e| format!("bubblewrap (bwrap) could not be started: {e}"))?;
        if !probe.status.success() {
            return Err(format!(
                "bubblewrap (bwrap) does not work here: {}",
                String::from_utf8_lossy(&probe.stderr).trim()
            ));
        }
        Ok(Sandbox::Bubblewrap(sandbox))
    }

    /// `command`, confined to `writable` (and what any build needs to
    /// read), or as it is when unconfined.
    pub fn wrap(&self, command: Command, writable: &[&Path]) -> Command {
        match self {
            Sandbox::Unconfined => command,
            Sandbox::Bubblewrap(sandbox) => sandbox.confine(command, writable),
        }
    }

    /// The cargo to run: the toolchain's own inside the sandbox (no rustup
    /// proxy there), whatever `CARGO` says otherwise.
    pub fn cargo(&self) -> OsString {
        match self {
            Sandbox::Bubblewrap(sandbox) => sandbox.sysroot.join("bin/cargo").into_os_string(),
            Sandbox::Unconfined => std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()),
        }
    }
}

impl Bubblewrap {
    /// bwrap's own arguments: what the sandbox sees and its environment.
    fn arguments(&self, writable: &[&Path]) -> Vec<OsString> {
        let mut args: Vec<OsString> = [
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--clearenv",
        ]
        .map(OsString::from)
        .to_vec();
        // Mounts stack in order: the fresh /tmp first, so that a grading
        // copy that lives under /tmp (a CI's checkout) is bound over it,
        // not hidden by it; the writable copies last of all.
        args.extend(["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"].map(OsString::from));
        let mut bind = |how: &str, from: &Path, to: &Path| {
            args.extend([OsString::from(how), from.into(), to.into()]);
        };
        for system in ["/usr", "/etc/alternatives"] {
            if Path::new(system).exists() {
                bind("--ro-bind", Path::new(system), Path::new(system));
            }
        }
        // A merged /usr: the top-level directories are links into it.
        for (link, target) in [
            ("/bin", "usr/bin"),
            ("/sbin", "usr/sbin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
        ] {
            if std::fs::read_link(link).is_ok() {
                bind("--symlink", Path::new(target), Path::new(link));
            } else if Path::new(link).exists() {
                bind("--ro-bind", Path::new(link), Path::new(link));
            }
        }
        bind("--ro-bind", &self.sysroot, &self.sysroot);
        // CARGO_HOME writable for cargo's lock file, its sources read-only.
        args.extend([OsString::from("--tmpfs"), self.cargo_home.clone().into()]);
        if self.registry.exists() {
            let registry = self.registry.clone().into_os_string();
            args.extend([OsString::from("--ro-bind"), registry.clone(), registry]);
        }
        for path in writable {
            args.extend([OsString::from("--bind"), path.into(), path.into()]);
        }
        let bin = self.sysroot.join("bin");
        let mut path = OsString::from(bin.as_os_str());
        path.push(":/usr/bin:/bin");
        for (key, value) in [
            ("PATH", path),
            ("HOME", "/tmp".into()),
            ("CARGO_HOME", self.cargo_home.clone().into()),
            ("CARGO_NET_OFFLINE", "true".into()),
            ("RUSTC", bin.join("rustc").into()),
        ] {
            args.extend([OsString::from("--setenv"), key.into(), value]);
        }
        args
    }

    /// `program` run with no arguments in the sandbox.
    fn command(&self, program: &Path, writable: &[&Path]) -> Command {
        let mut bwrap = Command::new("bwrap");
        bwrap.args(self.arguments(writable)).arg("--").arg(program);
        bwrap
    }

    /// `command` in the sandbox: its directory, its environment (which
    /// bwrap would otherwise clear) and its arguments passed in.
    fn confine(&self, command: Command, writable: &[&Path]) -> Command {
        let mut args = self.arguments(writable);
        if let Some(dir) = command.get_current_dir() {
            args.extend([OsString::from("--chdir"), dir.as_os_str().to_owned()]);
        }
        for (key, value) in command.get_envs() {
            if let Some(value) = value {
                args.extend([OsString::from("--setenv"), key.to_owned(), value.to_owned()]);
            } else {
                args.extend([OsString::from("--unsetenv"), key.to_owned()]);
            }
        }
        args.push("--".into());
        args.push(command.get_program().to_owned());
        args.extend(command.get_args().map(OsString::from));
        let mut bwrap = Command::new("bwrap");
        bwrap.args(args);
        bwrap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// bwrap here, or the test says why it cannot run.
    fn sandbox() -> Option<Sandbox> {
        match Sandbox::detect() {
            Ok(sandbox) => Some(sandbox),
            Err(why) => {
                eprintln!("no sandbox to test: {why}");
                None
            }
        }
    }

    #[test]
    fn the_sandbox_sees_its_copy_and_nothing_of_the_course() {
        let Some(sandbox) = sandbox() else { return };
        let work = std::env::temp_dir().join(format!("sandbox-test-{}", std::process::id()));
        let copy = work.join("copy");
        std::fs::create_dir_all(&copy).expect("a folder");
        std::fs::write(work.join("secret.txt"), "the reference").expect("a secret beside the copy");
        let course = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut probe = Command::new("sh");
        probe
            .arg("-c")
            .arg(format!(
                "echo written > {copy}/out.txt; cat {secret} 2>/dev/null; ls {course}/solutions 2>/dev/null; \
                 echo done",
                copy = copy.display(),
                secret = work.join("secret.txt").display(),
                course = course.display()
            ))
            .current_dir(&copy);
        let output = sandbox.wrap(probe, &[&copy]).output().expect("bwrap runs");
        let shown = String::from_utf8_lossy(&output.stdout);
        let _ = std::fs::remove_dir_all(&work);
        assert!(
            shown.trim() == "done",
            "inside the sandbox, the course's solutions/ and a file beside the grading copy must not be \
             readable; it printed {shown:?}"
        );
    }
}
