//! The hidden tests' harness: builds the app state the way the server does
//! (at a test-only bcrypt cost), starts a router on a free loopback port,
//! calls it, and turns a wrong answer into a message that teaches.
#![allow(dead_code)]

use std::fmt;
use std::time::Duration;

use axum::Router;
use course::fake_db::InMemoryUserStore;
use course::jwt::JwtKeys;
use course::passwords::{PasswordHasher, TEST_COST};
use course::token_route::AuthState;
use serde_json::Value;

/// The signing secret of every test server: 40 bytes, above HS256's 32.
pub const TEST_SECRET: &[u8] = b"course-test-secret-0123456789abcdefghijk";

/// The access-token lifetime of every test server.
pub const TEST_TTL: Duration = Duration::from_secs(30 * 60);

pub fn test_keys() -> JwtKeys {
    JwtKeys::from_secret(TEST_SECRET).expect("a 40-byte secret must be accepted (step 04)")
}

pub fn test_hasher() -> PasswordHasher {
    PasswordHasher::new(TEST_COST).expect("bcrypt cost 4 must be accepted (step 02)")
}

/// The demo users, hashed at the test cost, with the test keys.
pub fn test_state() -> AuthState {
    let hasher = test_hasher();
    let users = InMemoryUserStore::with_demo_users(|password| {
        hasher
            .hash(password)
            .expect("demo passwords are short enough to hash (step 02)")
    });
    AuthState::new(users, hasher, test_keys(), TEST_TTL)
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs()
}

/// A router served on 127.0.0.1 at a free port, for as long as the test runs.
pub struct TestServer {
    base: String,
    client: reqwest::Client,
}

pub async fn serve(router: Router) -> TestServer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free loopback port");
    let addr = listener.local_addr().expect("the bound address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    TestServer {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
    }
}

/// A form body, `key=value&...`, percent-encoding each part.
pub fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub const FORM: &str = "application/x-www-form-urlencoded";

impl TestServer {
    /// `POST path` with `body` as a form.
    pub async fn post_form(&self, path: &str, body: &str) -> Reply {
        self.post(path, Some(FORM), body.to_owned()).await
    }

    /// `POST path` with any content type (or none) and body.
    pub async fn post(&self, path: &str, content_type: Option<&str>, body: String) -> Reply {
        let mut request = self.client.post(format!("{}{path}", self.base));
        let shown = if body.len() > 200 {
            format!("<{} bytes>", body.len())
        } else {
            body.clone()
        };
        let mut sent = format!("POST {path}");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
            sent += &format!("\n            Content-Type: {content_type}");
        }
        sent += &format!("\n            body: {shown}");
        self.send(request.body(body), sent).await
    }

    /// `GET path` with each of `authorization` as an `Authorization` header.
    pub async fn get(&self, path: &str, authorization: &[&str]) -> Reply {
        let mut request = self.client.get(format!("{}{path}", self.base));
        let mut sent = format!("GET {path}");
        for value in authorization {
            request = request.header("authorization", *value);
            sent += &format!("\n            Authorization: {value}");
        }
        self.send(request, sent).await
    }

    /// `GET path` with raw header bytes, for values reqwest's `&str` cannot carry.
    pub async fn get_raw_auth(&self, path: &str, authorization: &[u8]) -> Reply {
        let value = reqwest::header::HeaderValue::from_bytes(authorization)
            .expect("a header value without control characters");
        let request = self
            .client
            .get(format!("{}{path}", self.base))
            .header("authorization", value);
        let sent = format!(
            "GET {path}\n            Authorization: {}",
            String::from_utf8_lossy(authorization)
        );
        self.send(request, sent).await
    }

    /// Logs in through `POST /token` and returns the access token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let body = form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ]);
        let reply = self.post_form("/token", &body).await;
        reply.assert_status(
            200,
            "a login with the right password succeeds",
            "exercises/05_token_route.rs",
        );
        reply.json()["access_token"]
            .as_str()
            .unwrap_or_else(|| {
                panic!(
                    "{}",
                    reply.explain(
                        "an `access_token` string in the JSON body",
                        "exercises/05_token_route.rs"
                    )
                )
            })
            .to_owned()
    }

    async fn send(&self, request: reqwest::RequestBuilder, sent: String) -> Reply {
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => panic!(
                "\n  sent:     {sent}\n  expected: an HTTP answer\n  \
                 got:      the connection closed without one ({error})\n  \
                 look at:  the panic printed above this message: a handler or extractor panicked.\n            \
                 `not yet implemented: step NN ...` means that step's todo!() still needs writing.\n"
            ),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Reply {
            sent,
            status,
            headers,
            body,
        }
    }
}

/// What came back, with what was sent, so that a failure can show both.
pub struct Reply {
    pub sent: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

impl Reply {
    /// A failure message: what was sent, what was expected, what came back,
    /// and where to look.
    pub fn explain(&self, expected: &str, look: &str) -> String {
        let mut got = format!("{}", self.status);
        for name in ["www-authenticate", "content-type", "cache-control"] {
            if let Some(value) = self.header(name) {
                got += &format!("\n            {name}: {value}");
            }
        }
        let body = if self.body.is_empty() {
            "(empty body)"
        } else {
            &self.body
        };
        got += &format!("\n            {body}");
        format!(
            "\n  sent:     {}\n  expected: {expected}\n  got:      {got}\n  look at:  {look}\n",
            self.sent
        )
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON, or a failure saying it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| {
            panic!(
                "{}",
                self.explain(
                    "a JSON body",
                    "the handler's return type: answer with axum::Json or OAuthError"
                )
            )
        })
    }

    pub fn assert_status(&self, expected: u16, why: &str, look: &str) {
        assert!(
            self.status == expected,
            "{}",
            self.explain(&format!("status {expected}: {why}"), look)
        );
    }

    pub fn assert_header(&self, name: &str, expected: &str, why: &str, look: &str) {
        assert!(
            self.header(name) == Some(expected),
            "{}",
            self.explain(&format!("header `{name}: {expected}`: {why}"), look)
        );
    }

    /// Status, and a JSON body whose `error` is `code` with a non-empty
    /// `error_description`.
    pub fn assert_error(&self, status: u16, code: &str, why: &str, look: &str) {
        let expected = format!(
            "status {status} with JSON {{\"error\": \"{code}\", \"error_description\": \"...\"}}: {why}"
        );
        let body: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        let ok = self.status == status
            && body["error"] == code
            && body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty());
        assert!(ok, "{}", self.explain(&expected, look));
    }
}
