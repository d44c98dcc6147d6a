//! Ctrl-C ends a session with its summary. The handler runs on its own
//! thread while the session waits for a line, so it prints the summary the
//! session last left here and exits; every answer is already saved.

use std::io::Write;
use std::sync::Mutex;

static SUMMARY: Mutex<String> = Mutex::new(String::new());

/// The exit status of a process ended by SIGINT, by shell convention.
const INTERRUPTED: i32 = 130;

/// Installs the handler; a failure only costs the summary on Ctrl-C.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        let summary = SUMMARY.lock().map(|s| s.clone()).unwrap_or_default();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "\nInterrupted.\n{summary}");
        let _ = out.flush();
        std::process::exit(INTERRUPTED);
    });
}

/// What Ctrl-C prints from now on.
pub fn set_summary(text: String) {
    if let Ok(mut summary) = SUMMARY.lock() {
        *summary = text;
    }
}
