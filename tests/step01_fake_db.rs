//! Step 01: the user record and the fake user store.
//! Function-level tests: this step has no route yet.

mod common;

use std::sync::Arc;

use common::{TestUser, quiet_panics, random_user};
use course::fake_db::{DEMO_USERS, DemoUser, InMemoryUserStore, User, UserStore};

const LOOK: &str = "exercises/01_fake_db.rs";

/// A stand-in for bcrypt, so that this step can be tested on its own.
fn fake_hash(password: &str) -> String {
    format!("fake-hash({password})")
}

fn someone() -> TestUser {
    quiet_panics();
    random_user(fake_hash)
}

#[test]
fn a_new_store_is_empty() {
    let nobody = someone();
    let store = InMemoryUserStore::new();
    let found = store.find_by_username(&nobody.user.username);
    assert!(
        found.is_none(),
        "InMemoryUserStore::new() must start empty, but find_by_username({:?}) returned {found:?}.\n  \
         look at: new in {LOOK}",
        nobody.user.username
    );
}

#[test]
fn inserted_users_are_found_by_name_exactly_as_stored() {
    // Fifty users invented now: a store that only knows the demo users, or
    // returns the first user it has, cannot pass.
    let users: Vec<User> = (0..50).map(|_| someone().user).collect();
    let mut store = InMemoryUserStore::new();
    for user in &users {
        store.insert(user.clone());
    }
    for user in &users {
        let found = store.find_by_username(&user.username);
        assert_eq!(
            found.as_ref(),
            Some(user),
            "after inserting 50 random users, find_by_username({:?}) must return that user's own record, \
             every field as inserted: the store is keyed by username.\n  look at: insert and find_by_username in {LOOK}",
            user.username
        );
    }
}

#[test]
fn inserting_a_name_again_replaces_the_user() {
    let first = someone().user;
    let mut changed = someone().user;
    changed.username = first.username.clone();
    let mut store = InMemoryUserStore::new();
    store.insert(first);
    store.insert(changed.clone());
    let found = store.find_by_username(&changed.username);
    assert_eq!(
        found,
        Some(changed),
        "inserting a user whose name is taken must replace the old record (a changed email or \
         password hash must take effect), not keep the first one.\n  look at: insert in {LOOK}"
    );
}

#[test]
fn lookup_matches_the_name_exactly() {
    let mut store = InMemoryUserStore::new();
    let mut carol = someone().user;
    carol.username = "carol".to_owned();
    store.insert(carol);
    for other in ["Carol", "CAROL", "carol ", " carol", "caro", "carols", ""] {
        let found = store.find_by_username(other);
        assert!(
            found.is_none(),
            "find_by_username({other:?}) must not find \"carol\": a store matches the name exactly, \
             or a login for one account could land in another; got {found:?}.\n  look at: find_by_username in {LOOK}"
        );
    }
}

/// The table in the exercise, row by row.
const TABLE: [(&str, &str, &str, &str, bool); 3] = [
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
    (
        "carol",
        "otp-demo-password-1",
        "Carol Example",
        "carol@example.com",
        false,
    ),
];

#[test]
fn the_demo_table_matches_the_contract_field_by_field() {
    assert_eq!(
        DEMO_USERS.len(),
        TABLE.len(),
        "DEMO_USERS must list alice, bob and carol.\n  look at: DEMO_USERS in {LOOK}"
    );
    for (index, (demo, row)) in DEMO_USERS.iter().zip(TABLE).enumerate() {
        let DemoUser {
            username,
            password,
            full_name,
            email,
            disabled,
        } = *demo;
        let (name, want_password, want_full_name, want_email, want_disabled) = row;
        let fields: [(&str, String, String); 5] = [
            ("username", username.to_owned(), name.to_owned()),
            ("password", password.to_owned(), want_password.to_owned()),
            ("full_name", full_name.to_owned(), want_full_name.to_owned()),
            ("email", email.to_owned(), want_email.to_owned()),
            ("disabled", disabled.to_string(), want_disabled.to_string()),
        ];
        for (field, got, want) in fields {
            assert_eq!(
                got, want,
                "DEMO_USERS[{index}].{field} must be {want:?} ({name}'s row of the table); got {got:?}. \
                 Every later step and the server log in with these accounts, and bob's disabled flag is \
                 what proves a disabled account cannot log in.\n  look at: DEMO_USERS in {LOOK}"
            );
        }
    }
}

#[test]
fn the_demo_store_holds_each_user_with_a_hash_never_the_password() {
    let store = InMemoryUserStore::with_demo_users(fake_hash);
    for (name, password, full_name, email, disabled) in TABLE {
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
            "with_demo_users(hash) must hold {name} as the table says, with password_hash = hash({password:?}): \
             the store never keeps a password in clear, so a leaked table leaks no password.\n  \
             look at: with_demo_users in {LOOK}"
        );
    }
}

#[test]
fn the_demo_store_uses_the_hash_function_it_is_given() {
    // Another hash function, so that a hard-coded hash cannot pass.
    let salt = common::random_hex(4);
    let hash = |password: &str| format!("{salt}:{password}");
    let store = InMemoryUserStore::with_demo_users(hash);
    for demo in DEMO_USERS {
        let stored = store
            .find_by_username(demo.username)
            .map(|u| u.password_hash);
        assert_eq!(
            stored,
            Some(hash(demo.password)),
            "{}'s password_hash must be exactly what the given function made of the password.\n  \
             look at: with_demo_users in {LOOK}",
            demo.username
        );
    }
}

#[test]
fn the_store_works_behind_the_trait_across_threads() {
    // Later steps only see `Arc<dyn UserStore>`, shared by every request.
    let mut store = InMemoryUserStore::with_demo_users(fake_hash);
    let extra = someone().user;
    store.insert(extra.clone());
    let shared: Arc<dyn UserStore> = Arc::new(store);
    let from_thread = {
        let shared = Arc::clone(&shared);
        let name = extra.username.clone();
        std::thread::spawn(move || shared.find_by_username(&name))
            .join()
            .expect("the lookup thread finished")
    };
    assert_eq!(
        from_thread,
        Some(extra),
        "through Arc<dyn UserStore>, on another thread, find_by_username must find a user inserted before.\n  \
         look at: the UserStore impl in {LOOK}"
    );
    let unknown = shared.find_by_username("mallory");
    assert!(
        unknown.is_none(),
        "an unknown user must be None, got {unknown:?}.\n  look at: find_by_username in {LOOK}"
    );
}
