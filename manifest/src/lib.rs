//! The course's steps, as `steps.toml` declares them.
//!
//! `list.rs` is written from `steps.toml` by `cargo xtask sync` (and
//! checked by `cargo xtask sync --check`): no other list of the steps
//! exists in the code. This crate has no dependencies, so the server and
//! the quiz read it at no cost.

mod list;

pub use list::STEPS;

/// One step of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    /// The step's module (`course::token_route`), and the second half of
    /// every file name.
    pub module: &'static str,
    /// What the learner builds, in a few words.
    pub title: &'static str,
    /// The same, as the README's table says it.
    pub summary: &'static str,
    pub track: Track,
    /// What the step's app serves, if the step has a whole app.
    pub app: Option<&'static str>,
}

/// The part of the course a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// 01-07: from a fake user store to a protected `/users/me`.
    Core,
    /// 08-15: what a real server needs beyond the core.
    Advanced,
    /// The flows people deploy: clients, PKCE, JWKS, OpenID Connect.
    Modern,
    /// A real database, password hashes upgraded.
    Production,
}

impl Track {
    /// The name `steps.toml` gives it.
    pub const fn name(self) -> &'static str {
        match self {
            Track::Core => "core",
            Track::Advanced => "advanced",
            Track::Modern => "modern",
            Track::Production => "production",
        }
    }
}

/// The first step with a whole app to serve.
pub const FIRST_APP_STEP: usize = first_app_step();
/// The last step.
pub const LAST_STEP: usize = STEPS[STEPS.len() - 1].number;
/// The last step of the core track.
pub const LAST_CORE_STEP: usize = last_core_step();

const fn first_app_step() -> usize {
    let mut i = 0;
    while i < STEPS.len() {
        if STEPS[i].app.is_some() {
            return STEPS[i].number;
        }
        i += 1;
    }
    panic!("steps.toml: no step has an app")
}

const fn last_core_step() -> usize {
    let mut last = 0;
    let mut i = 0;
    while i < STEPS.len() {
        if matches!(STEPS[i].track, Track::Core) {
            last = STEPS[i].number;
        }
        i += 1;
    }
    last
}

/// The names a step's number and module give its files and packages: one
/// place for them, used by [`Step`] and by `cargo xtask sync` (which reads
/// steps.toml itself, so a step just added there has names too).
pub mod names {
    /// `05_token_route`: the stem of the step's exercise and solution files.
    pub fn stem(number: usize, module: &str) -> String {
        format!("{number:02}_{module}")
    }

    /// `step05_token_route`: the step's test binary.
    pub fn test_name(number: usize, module: &str) -> String {
        format!("step{}", stem(number, module))
    }

    /// `steps/step05`: the step's package, which holds steps 1..N.
    pub fn package_dir(number: usize) -> String {
        format!("steps/step{number:02}")
    }

    /// `course-step05`: the step's package's name.
    pub fn package(number: usize) -> String {
        format!("course-step{number:02}")
    }

    /// `sol05`: the feature that swaps the reference in for the learner's file.
    pub fn feature(number: usize) -> String {
        format!("sol{number:02}")
    }
}

impl Step {
    /// `05_token_route`: the stem of the step's exercise and solution files.
    pub fn stem(&self) -> String {
        names::stem(self.number, self.module)
    }

    /// `exercises/05_token_route.rs`
    pub fn exercise(&self) -> String {
        format!("exercises/{}.rs", self.stem())
    }

    /// `solutions/05_token_route.rs`
    pub fn solution(&self) -> String {
        format!("solutions/{}.rs", self.stem())
    }

    /// `step05_token_route`: the step's test binary.
    pub fn test_name(&self) -> String {
        names::test_name(self.number, self.module)
    }

    /// `steps/step05`: the step's package, which holds steps 1..N.
    pub fn package_dir(&self) -> String {
        names::package_dir(self.number)
    }

    /// `course-step05`: the step's package's name.
    pub fn package(&self) -> String {
        names::package(self.number)
    }

    /// `sol05`: the feature that swaps the reference in for the learner's file.
    pub fn feature(&self) -> String {
        names::feature(self.number)
    }

    /// Whether step N's test results depend on the course file `name`
    /// (relative to the course's root), with the steps' code taken from
    /// `code` (`exercises/` or `solutions/`): that code for steps 1..N, the
    /// packages of steps 1..N and the given code, step N's tests and
    /// snapshots, the harness, and the manifests. Never a later step, the
    /// quiz, the tools nor the docs.
    pub fn depends_on(&self, name: &str, code: &str) -> bool {
        let numbered = |prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.get(..2))
                .and_then(|n| n.parse::<usize>().ok())
        };
        name.starts_with("steps/given/")
            || numbered("steps/step").is_some_and(|n| n <= self.number)
            || numbered(code).is_some_and(|n| n <= self.number)
            || name.starts_with("tests/common/")
            || name.starts_with("tests/harness/")
            || name.starts_with(&format!("tests/{}", self.test_name()))
            || name.starts_with(&format!("tests/snapshots/{}__", self.test_name()))
            || ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"].contains(&name)
    }
}

/// The step numbered `number`, if there is one.
pub fn find(number: usize) -> Option<&'static Step> {
    STEPS.iter().find(|step| step.number == number)
}

/// The features that put the reference in place of every step for which
/// `reference(n)` is true. Every step at once is the `solutions` feature.
pub fn features_where(reference: impl Fn(usize) -> bool) -> Vec<String> {
    let chosen: Vec<String> = STEPS
        .iter()
        .filter(|step| reference(step.number))
        .map(Step::feature)
        .collect();
    if chosen.len() == STEPS.len() {
        vec!["solutions".to_owned()]
    } else {
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_from_one_in_order_and_apps_run_on() {
        for (index, step) in STEPS.iter().enumerate() {
            assert_eq!(step.number, index + 1, "{step:?}: numbered by its place");
            assert_eq!(
                step.app.is_some(),
                step.number >= FIRST_APP_STEP,
                "{step:?}: every step from the first app on has an app"
            );
        }
        assert_eq!(FIRST_APP_STEP, 7);
        assert_eq!(LAST_CORE_STEP, 7);
    }
}
