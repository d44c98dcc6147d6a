//! Step 01: the user record and a fake user store. (Reference solution.)
//!
//! See `exercises/01_fake_db.rs` for the task; this file is the same module,
//! finished.

use std::collections::HashMap;

/// A user as the store keeps it. It holds the password *hash*, so it is never
/// serialised into a response: step 07 answers with a separate profile type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub disabled: bool,
    pub password_hash: String,
}

/// Where users come from. A trait, so that tests and later steps can put
/// another store behind the same calls; `Send + Sync` so it can live in an
/// `Arc` shared by every request. It is synchronous: an async database
/// driver (sqlx, tokio-postgres) would need async methods here, and every
/// caller would `.await` them.
pub trait UserStore: Send + Sync {
    /// The user called exactly `username`, if there is one.
    fn find_by_username(&self, username: &str) -> Option<User>;
}

/// A demo account: the table in the README, with its password in clear so
/// that the store can hash it when it is built.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub username: &'static str,
    pub password: &'static str,
    pub full_name: &'static str,
    pub email: &'static str,
    pub disabled: bool,
}

/// The accounts every step's tests and the server start with.
pub const DEMO_USERS: [DemoUser; 3] = [
    DemoUser {
        username: "alice",
        password: "secret123",
        full_name: "Alice Example",
        email: "alice@example.com",
        disabled: false,
    },
    DemoUser {
        username: "bob",
        password: "correct horse battery staple",
        full_name: "Bob Example",
        email: "bob@example.com",
        disabled: true,
    },
    DemoUser {
        username: "carol",
        password: "otp-demo-password-1",
        full_name: "Carol Example",
        email: "carol@example.com",
        disabled: false,
    },
];

/// An in-memory user store, keyed by username.
#[derive(Debug, Clone, Default)]
pub struct InMemoryUserStore {
    users: HashMap<String, User>,
}

impl InMemoryUserStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `user`, replacing any user of the same name.
    pub fn insert(&mut self, user: User) {
        self.users.insert(user.username.clone(), user);
    }

    /// A store holding [`DEMO_USERS`], each password turned into a hash by
    /// `hash_password`. Taking the hasher as an argument keeps this step free
    /// of bcrypt, which is step 02's lesson.
    pub fn with_demo_users(hash_password: impl Fn(&str) -> String) -> Self {
        let mut store = Self::new();
        for demo in DEMO_USERS {
            store.insert(User {
                username: demo.username.to_owned(),
                full_name: demo.full_name.to_owned(),
                email: demo.email.to_owned(),
                disabled: demo.disabled,
                password_hash: hash_password(demo.password),
            });
        }
        store
    }
}

impl UserStore for InMemoryUserStore {
    fn find_by_username(&self, username: &str) -> Option<User> {
        self.users.get(username).cloned()
    }
}
