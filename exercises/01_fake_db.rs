//! # Step 01: the user record and a fake user store
//!
//! ## What you build
//!
//! Every login starts with a question: who is this user? Before any token or
//! password hash, the server needs a record of each user and a place to look
//! it up. Here you write both: the `User` record, a small `UserStore` trait,
//! and an in-memory store seeded with three demo accounts.
//!
//! Interviewers like this step for one reason: the store holds a *password
//! hash*, never a password, and the record that holds it must never reach a
//! response. Keep that in mind; step 07 comes back to it.
//!
//! ## The contract
//!
//! - `InMemoryUserStore::new()` is empty; `insert` adds a user, replacing any
//!   user of the same name.
//! - `find_by_username` matches the name exactly (`Alice` is not `alice`) and
//!   returns a copy of the record, or `None`.
//! - `with_demo_users(hash)` holds the users of `DEMO_USERS`, each with
//!   `password_hash` set to `hash(password)`: the store never keeps a password
//!   in clear. Step 02 passes bcrypt in; the tests of this step pass a fake.
//!
//! | username | password | full name | email | disabled |
//! | --- | --- | --- | --- | --- |
//! | alice | secret123 | Alice Example | alice@example.com | no |
//! | bob | correct horse battery staple | Bob Example | bob@example.com | yes |
//! | carol | otp-demo-password-1 | Carol Example | carol@example.com | no |
//!
//! Bob is disabled: later steps prove that his account cannot log in. Carol
//! comes back in step 13, where she has two-factor login.
//!
//! ## Hints
//!
//! - A `HashMap<String, User>` keyed by username does all the work.
//! - `find_by_username` returns an owned `User`: `.get(..).cloned()`.
//! - Loop over `DEMO_USERS` and `insert` a `User` built from each.
//!
//! Run the tests: `cargo course test 1` (underneath: `cargo test --test step01_fake_db`)

// Your stubs leave arguments and imports unused until you fill them in.
// Delete this line once the step passes, so the compiler can warn you again.
#![allow(unused_variables, unused_imports, unused_mut, dead_code)]

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

/// A demo account: the table above, with its password in clear so that the
/// store can hash it when it is built.
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
    // TODO(step 01): bob, from the table above (note: his account is disabled).
    DemoUser {
        username: "",
        password: "",
        full_name: "",
        email: "",
        disabled: false,
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
        todo!("step 01: store `user` in `self.users`, keyed by its username")
    }

    /// A store holding [`DEMO_USERS`], each password turned into a hash by
    /// `hash_password`. Taking the hasher as an argument keeps this step free
    /// of bcrypt, which is step 02's lesson.
    pub fn with_demo_users(hash_password: impl Fn(&str) -> String) -> Self {
        todo!(
            "step 01: build a store and insert a `User` for each of DEMO_USERS, hashing its password"
        )
    }
}

impl UserStore for InMemoryUserStore {
    fn find_by_username(&self, username: &str) -> Option<User> {
        todo!("step 01: look `username` up in `self.users` and return a copy of the user")
    }
}
