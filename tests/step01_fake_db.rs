//! Step 01: the user record and the fake user store.
//! Function-level tests: this step has no route yet.

use course::fake_db::{DEMO_USERS, InMemoryUserStore, User, UserStore};

const LOOK: &str = "exercises/01_fake_db.rs";

/// A stand-in for bcrypt, so that this step can be tested on its own.
fn fake_hash(password: &str) -> String {
    format!("fake-hash({password})")
}

fn user(name: &str) -> User {
    User {
        username: name.to_owned(),
        full_name: format!("{name} Tester"),
        email: format!("{name}@example.test"),
        disabled: false,
        password_hash: fake_hash("pw"),
    }
}

#[test]
fn a_new_store_is_empty() {
    let store = InMemoryUserStore::new();
    let found = store.find_by_username("alice");
    assert!(
        found.is_none(),
        "InMemoryUserStore::new() must start empty, but find_by_username(\"alice\") returned {found:?}.\n  look at: {LOOK}"
    );
}

#[test]
fn an_inserted_user_is_found_by_name() {
    let mut store = InMemoryUserStore::new();
    store.insert(user("carol"));
    let found = store.find_by_username("carol");
    assert_eq!(
        found,
        Some(user("carol")),
        "after insert(carol), find_by_username(\"carol\") must return that same record.\n  look at: insert and find_by_username in {LOOK}"
    );
}

#[test]
fn inserting_a_name_again_replaces_the_user() {
    let mut store = InMemoryUserStore::new();
    store.insert(user("carol"));
    let mut changed = user("carol");
    changed.email = "new@example.test".to_owned();
    store.insert(changed.clone());
    assert_eq!(
        store.find_by_username("carol"),
        Some(changed),
        "inserting a user whose name is taken must replace the old record.\n  look at: insert in {LOOK}"
    );
}

#[test]
fn lookup_is_exact() {
    let mut store = InMemoryUserStore::new();
    store.insert(user("carol"));
    for other in ["Carol", "CAROL", "carol ", " carol", "caro", "carols", ""] {
        let found = store.find_by_username(other);
        assert!(
            found.is_none(),
            "find_by_username({other:?}) must not find \"carol\": usernames match exactly, \
             or a login could land in someone else's account; got {found:?}.\n  look at: {LOOK}"
        );
    }
}

#[test]
fn the_demo_users_are_the_documented_two() {
    let store = InMemoryUserStore::with_demo_users(fake_hash);
    let expected = [
        (
            "alice",
            "secret123",
            "Alice Example",
            "alice@example.com",
            false,
        ),
        (
            "bob",
            "correct horse battery staple",
            "Bob Example",
            "bob@example.com",
            true,
        ),
    ];
    for (name, password, full_name, email, disabled) in expected {
        let want = User {
            username: name.to_owned(),
            full_name: full_name.to_owned(),
            email: email.to_owned(),
            disabled,
            password_hash: fake_hash(password),
        };
        let got = store.find_by_username(name);
        assert_eq!(
            got,
            Some(want),
            "with_demo_users(hash) must hold {name} exactly as the table in {LOOK} says, \
             with password_hash = hash({password:?})"
        );
    }
}

#[test]
fn demo_users_keep_only_a_hash_of_the_password() {
    let store = InMemoryUserStore::with_demo_users(fake_hash);
    for demo in DEMO_USERS {
        let stored = store.find_by_username(demo.username).unwrap_or_else(|| {
            panic!(
                "with_demo_users must hold {:?}.\n  look at: {LOOK}",
                demo.username
            )
        });
        assert_eq!(
            stored.password_hash,
            fake_hash(demo.password),
            "{}'s password_hash must be what the hash function made of the password, never the password itself.\n  look at: with_demo_users in {LOOK}",
            demo.username
        );
    }
}

#[test]
fn the_demo_table_is_complete() {
    let names: Vec<_> = DEMO_USERS.iter().map(|u| u.username).collect();
    assert_eq!(
        names,
        ["alice", "bob"],
        "DEMO_USERS must list alice then bob, as the table in {LOOK} says"
    );
    let bob = DEMO_USERS[1];
    assert!(
        bob.disabled
            && bob.password == "correct horse battery staple"
            && bob.email == "bob@example.com",
        "bob's entry in DEMO_USERS must match the table (disabled, his password and email); got {bob:?}.\n  look at: {LOOK}"
    );
}

#[test]
fn the_store_works_behind_the_trait() {
    // Later steps only see `dyn UserStore`, shared across threads.
    let store: std::sync::Arc<dyn UserStore> =
        std::sync::Arc::new(InMemoryUserStore::with_demo_users(fake_hash));
    let alice = store.find_by_username("alice");
    assert!(
        alice
            .as_ref()
            .is_some_and(|u| u.full_name == "Alice Example"),
        "through the UserStore trait, find_by_username(\"alice\") must find Alice Example; got {alice:?}.\n  look at: {LOOK}"
    );
    assert!(
        store.find_by_username("mallory").is_none(),
        "an unknown user must be None.\n  look at: {LOOK}"
    );
}
