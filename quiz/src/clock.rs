//! The time, in Unix seconds. Review schedules by time, so tests pin it:
//! `QUIZ_NOW=<unix seconds>` replaces the clock. It is meant for tests and
//! for trying the scheduler out ("what is due in a week?").

use std::time::{SystemTime, UNIX_EPOCH};

pub const DAY: i64 = 24 * 60 * 60;

pub fn now() -> i64 {
    if let Some(pinned) = std::env::var_os("QUIZ_NOW") {
        match pinned.to_str().and_then(|s| s.trim().parse().ok()) {
            Some(seconds) => return seconds,
            None => eprintln!("quiz: warning: QUIZ_NOW is not Unix seconds; using the clock"),
        }
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `seconds` from now as a person says it: "now", "in 3 h", "in 2 days".
pub fn from_now(seconds: i64) -> String {
    match seconds {
        ..=59 => "now".into(),
        60..3600 => format!("in {} min", seconds / 60),
        3600..DAY => format!("in {} h", seconds / 3600),
        _ => {
            let days = (seconds + DAY / 2) / DAY;
            if days == 1 {
                "in 1 day".into()
            } else {
                format!("in {days} days")
            }
        }
    }
}
