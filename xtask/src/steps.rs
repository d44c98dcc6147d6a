//! The course's steps, as the tools see them: number, module and test binary.

pub struct Step {
    pub number: usize,
    pub module: &'static str,
}

pub const STEPS: [Step; 7] = [
    Step {
        number: 1,
        module: "fake_db",
    },
    Step {
        number: 2,
        module: "passwords",
    },
    Step {
        number: 3,
        module: "bearer",
    },
    Step {
        number: 4,
        module: "jwt",
    },
    Step {
        number: 5,
        module: "token_route",
    },
    Step {
        number: 6,
        module: "current_user",
    },
    Step {
        number: 7,
        module: "users_me",
    },
];

impl Step {
    /// The test binary's name: `step05_token_route`.
    pub fn test_name(&self) -> String {
        format!("step{:02}_{}", self.number, self.module)
    }
}

/// The features that swap in the reference for steps 1..=solved.
pub fn solved_up_to(solved: usize) -> Vec<String> {
    if solved == STEPS.len() {
        return vec!["solutions".to_owned()];
    }
    (1..=solved).map(|n| format!("sol{n:02}")).collect()
}
