//! A child process that stops when the runner is told to stop.
//!
//! `cargo course serve` runs the server as its child. Ctrl-C in a terminal
//! reaches both (one process group), but `kill`, an editor stopping a task
//! or a closed terminal signals the runner alone: without this, the runner
//! died and left the server running, holding its port. While a child runs
//! through [`spawn`], SIGINT, SIGTERM and SIGHUP sent to the runner are
//! passed on to the child (the server shuts down on SIGINT and SIGTERM, and
//! dies of SIGHUP), and the runner waits for it. A second one kills the
//! child (SIGKILL): a server whose shutdown waits on a stuck handler must
//! not make the runner unstoppable. A signal the runner was started
//! ignoring (`nohup`) stays ignored. Elsewhere than on Unix the child is
//! simply run.

use std::io;
use std::process::{Child, Command, ExitStatus};

/// A running child whose stop signals are passed on until it is waited for.
pub struct Forwarding {
    child: Child,
    #[cfg(unix)]
    _handlers: unix::Handlers,
}

/// Starts `command`, passing on the runner's stop signals to it until
/// [`Forwarding::wait`] returns. One such child at a time: a second call
/// waits for the first to end.
pub fn spawn(command: &mut Command) -> io::Result<Forwarding> {
    #[cfg(unix)]
    {
        let handlers = unix::Handlers::install()?;
        let child = command.spawn()?;
        handlers.child_started(child.id());
        Ok(Forwarding {
            child,
            _handlers: handlers,
        })
    }
    #[cfg(not(unix))]
    {
        Ok(Forwarding {
            child: command.spawn()?,
        })
    }
}

impl Forwarding {
    /// The child's process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the child to end; the runner's signal handlers are put
    /// back as they were.
    pub fn wait(mut self) -> io::Result<ExitStatus> {
        self.child.wait()
    }
}

/// The exit code that reports `status`: the child's own, or 128 plus the
/// signal that ended it (as a shell says it).
pub fn exit_code(status: ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return 128 + signal;
        }
    }
    1
}

#[cfg(unix)]
mod unix {
    use std::io;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use libc::c_int;

    /// The signals that ask a program to stop.
    pub const SIGNALS: [c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    /// The child's process id (0: none yet) and the last signal received,
    /// read by the handler: atomics are all a signal handler may touch.
    static CHILD: AtomicI32 = AtomicI32::new(0);
    static RECEIVED: AtomicI32 = AtomicI32::new(0);
    /// The two atomics serve one child at a time.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

    extern "C" fn forward(signal: c_int) {
        let before = RECEIVED.swap(signal, Ordering::SeqCst);
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0 {
            // The first stop signal asks; a second one insists.
            let sent = if before == 0 { signal } else { libc::SIGKILL };
            // SAFETY: kill is async-signal-safe.
            unsafe { libc::kill(pid, sent) };
        }
    }

    /// The last signal received since the handlers were installed (0: none).
    #[cfg(test)]
    pub fn received() -> c_int {
        RECEIVED.load(Ordering::SeqCst)
    }

    /// The forwarding handlers, installed until dropped; then each signal's
    /// previous action is back.
    pub struct Handlers {
        previous: Vec<(c_int, libc::sigaction)>,
        _one: MutexGuard<'static, ()>,
    }

    impl Handlers {
        pub fn install() -> io::Result<Self> {
            let one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
            CHILD.store(0, Ordering::SeqCst);
            RECEIVED.store(0, Ordering::SeqCst);
            let mut handlers = Handlers {
                previous: Vec::new(),
                _one: one,
            };
            for signal in SIGNALS {
                // SAFETY: a zeroed sigaction is a valid value to fill in.
                let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
                action.sa_sigaction = forward as extern "C" fn(c_int) as libc::sighandler_t;
                // A wait interrupted by the signal goes on by itself.
                action.sa_flags = libc::SA_RESTART;
                // SAFETY: both pointers are to live sigaction values.
                let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
                unsafe { libc::sigemptyset(&mut action.sa_mask) };
                if unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                // Started under `nohup` (or told to ignore it otherwise):
                // the child inherits the ignoring, as it did before.
                if old.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                if unsafe { libc::sigaction(signal, &action, &mut old) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                handlers.previous.push((signal, old));
            }
            Ok(handlers)
        }

        /// From now on signals go to `pid`; one that came while it was
        /// being started goes now.
        pub fn child_started(&self, pid: u32) {
            let Ok(pid) = i32::try_from(pid) else {
                return;
            };
            CHILD.store(pid, Ordering::SeqCst);
            let signal = RECEIVED.load(Ordering::SeqCst);
            if signal != 0 {
                // SAFETY: a plain system call on our own child.
                unsafe { libc::kill(pid, signal) };
            }
        }
    }

    impl Drop for Handlers {
        fn drop(&mut self) {
            CHILD.store(0, Ordering::SeqCst);
            for (signal, old) in &self.previous {
                // SAFETY: `old` is the action sigaction gave us.
                unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use super::*;

    /// One test at a time: each reads and signals this whole process.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The action `signal` has now.
    fn action_of(signal: libc::c_int) -> libc::sighandler_t {
        // SAFETY: a zeroed sigaction for the kernel to fill in.
        let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
        unsafe { libc::sigaction(signal, std::ptr::null(), &mut old) };
        old.sa_sigaction
    }

    #[test]
    fn a_stop_signal_to_the_runner_stops_its_child_and_is_waited_for() {
        let _serial = serial();
        for signal in unix::SIGNALS {
            let before = action_of(signal);
            if before == libc::SIG_IGN {
                // Run under nohup: the signal is ignored, by design.
                continue;
            }
            // `sleep` stands in for the server.
            let child = spawn(Command::new("sleep").arg("30")).expect("sleep starts");
            let started = Instant::now();
            // The runner is this test process: signal it, not the child.
            // SAFETY: our handler is installed until `wait` returns.
            unsafe { libc::kill(libc::getpid(), signal) };
            let status = child.wait().expect("wait for sleep");
            assert_eq!(
                status.signal(),
                Some(signal),
                "signal {signal} to the runner must be passed on to its child: {status}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the child stops at once, not when it is done"
            );
            assert_eq!(exit_code(status), 128 + signal);
            assert!(
                action_of(signal) == before,
                "after the child, signal {signal}'s action is back as it was"
            );
        }
    }

    #[test]
    fn a_second_stop_signal_kills_a_child_that_does_not_stop() {
        let _serial = serial();
        if action_of(libc::SIGTERM) == libc::SIG_IGN {
            return;
        }
        // A server stuck in its shutdown: it ignores the stop signals.
        let child = spawn(Command::new("sh").args(["-c", "trap '' INT TERM HUP; exec sleep 30"]))
            .expect("sh starts");
        let started = Instant::now();
        // Give sh time to set its traps, then ask once.
        std::thread::sleep(Duration::from_millis(200));
        unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
        while unix::received() == 0 && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(200));
        unsafe { libc::kill(libc::getpid(), libc::SIGTERM) };
        let status = child.wait().expect("wait for sh");
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "a second stop signal kills the child: {status}"
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_child_that_ends_by_itself_gives_its_own_code() {
        let _serial = serial();
        let child = spawn(Command::new("sh").args(["-c", "exit 3"])).expect("sh starts");
        assert_eq!(exit_code(child.wait().expect("wait for sh")), 3);
    }
}
