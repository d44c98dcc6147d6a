//! The course's steps as the tools see them: number, module, files, features.

/// One step of the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub number: usize,
    /// The module in `src/lib.rs`, and the second half of every file name.
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

    /// `sol05`: the feature that swaps the reference in for the learner's file.
    pub fn feature(&self) -> String {
        format!("sol{:02}", self.number)
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
