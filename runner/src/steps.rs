//! The course's steps as the tools see them: number, module, files, features.

/// One step of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    /// The step's module (`course::token_route`), and the second half of
    /// every file name.
    pub module: &'static str,
    /// What the learner builds, in a few words.
    pub title: &'static str,
}

/// Every step, in order. A new step is one line here (and in the quiz's table).
pub const STEPS: &[Step] = &[
    step(1, "fake_db", "the user record and a fake user store"),
    step(
        2,
        "passwords",
        "bcrypt hash and verify, an equal-cost login",
    ),
    step(3, "bearer", "the Authorization: Bearer extractor"),
    step(4, "jwt", "signing and strictly validating JWTs"),
    step(5, "token_route", "POST /token, the RFC 6749 token endpoint"),
    step(6, "current_user", "from bearer token to stored user"),
    step(7, "users_me", "GET /users/me and the assembled app"),
    step(
        8,
        "active_user",
        "refusing a disabled account's still-valid token",
    ),
    step(
        9,
        "scopes",
        "scope grants, invalid_scope and RequireScope<S>",
    ),
    step(
        10,
        "refresh",
        "refresh tokens: rotation and reuse detection",
    ),
    step(
        11,
        "revocation",
        "logout, RFC 7009 revocation and a jti deny-list",
    ),
    step(
        12,
        "cookies",
        "__Host- cookie sessions and CSRF double submit",
    ),
    step(13, "totp", "two-factor login with TOTP, replay refused"),
    step(
        14,
        "login_throttle",
        "bounded low-priority hashing, 503 and 429",
    ),
    step(
        15,
        "openapi",
        "the OpenAPI document and an offline Swagger UI",
    ),
];

const fn step(number: usize, module: &'static str, title: &'static str) -> Step {
    Step {
        number,
        module,
        title,
    }
}

impl Step {
    /// `05_token_route`: the stem of the step's exercise and solution files.
    pub fn stem(&self) -> String {
        format!("{:02}_{}", self.number, self.module)
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
        format!("step{:02}_{}", self.number, self.module)
    }

    /// `steps/step05`: the step's package, which holds steps 1..N.
    pub fn package_dir(&self) -> String {
        format!("steps/step{:02}", self.number)
    }

    /// `course-step05`: the step's package's name.
    pub fn package(&self) -> String {
        format!("course-step{:02}", self.number)
    }

    /// `sol05`: the feature that swaps the reference in for the learner's file.
    pub fn feature(&self) -> String {
        format!("sol{:02}", self.number)
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
