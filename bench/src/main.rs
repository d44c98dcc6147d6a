//! The baseline of `cargo xtask bench-server`: the least an axum server
//! can do to answer `GET /users/me` honestly. It reads the bearer token,
//! checks an HS256 signature and `exp`, looks the user up in a map, and
//! answers the profile as JSON. No logging, no error bodies, no scopes, no
//! revocation: what the course's server does on top is what the benchmark
//! prices.
//!
//! Usage: bench-baseline ADDR SECRET   (a token for `alice` signed with SECRET opens /users/me)

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize)]
struct Profile {
    username: String,
    email: String,
    full_name: String,
    disabled: bool,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
}

struct Keys {
    decoding: DecodingKey,
    validation: Validation,
    users: HashMap<String, Profile>,
}

async fn users_me(
    State(keys): State<Arc<Keys>>,
    headers: HeaderMap,
) -> Result<Json<Profile>, StatusCode> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let claims = jsonwebtoken::decode::<Claims>(token, &keys.decoding, &keys.validation)
        .map_err(|_| StatusCode::UNAUTHORIZED)?
        .claims;
    let user = keys
        .users
        .get(&claims.sub)
        .ok_or(StatusCode::UNAUTHORIZED)?;
    Ok(Json(user.clone()))
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8100".to_owned());
    let secret = args.next().unwrap_or_default();
    let alice = Profile {
        username: "alice".to_owned(),
        email: "alice@example.com".to_owned(),
        full_name: "Alice Example".to_owned(),
        disabled: false,
    };
    let keys = Arc::new(Keys {
        decoding: DecodingKey::from_secret(secret.as_bytes()),
        validation: Validation::new(Algorithm::HS256),
        users: HashMap::from([("alice".to_owned(), alice)]),
    });
    let app = Router::new()
        .route("/users/me", get(users_me))
        .with_state(keys);
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
