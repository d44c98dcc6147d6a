//! Users invented at test time, so that no answer can be hard-coded: a
//! store, a login or a profile that only works for the demo users fails.

use course::fake_db::User;

/// A user and the password behind its hash.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub user: User,
    pub password: String,
}

/// `bytes` random bytes as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).expect("the operating system has a random source");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new enabled user with a random name, profile and password, its
/// password hashed by `hash`.
pub fn random_user(hash: impl Fn(&str) -> String) -> TestUser {
    let tag = random_hex(4);
    let password = format!("pw-{}", random_hex(10));
    TestUser {
        user: User {
            username: format!("user-{tag}"),
            full_name: format!("Tester {}", random_hex(3)),
            email: format!("{}@example.test", random_hex(5)),
            disabled: false,
            password_hash: hash(&password),
        },
        password,
    }
}
