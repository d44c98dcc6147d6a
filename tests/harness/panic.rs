//! Panics as one short paragraph: where, and the message.
//!
//! A `todo!()` reached inside a server, or a failed assertion, prints its
//! message and location and nothing else, even with `RUST_BACKTRACE=1` set:
//! a backtrace through axum and tokio buries the one line that matters. Set
//! `COURSE_BACKTRACE=1` to get Rust's own report back.

use std::sync::Once;

pub fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let rust_report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::env::var_os("COURSE_BACKTRACE").is_some() {
                return rust_report(info);
            }
            let thread = std::thread::current();
            let name = thread.name().unwrap_or("<unnamed>");
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            let location = info.location().map(|l| l.to_string()).unwrap_or_default();
            eprintln!("\nthread '{name}' panicked at {location}:\n{message}");
        }));
    });
}
