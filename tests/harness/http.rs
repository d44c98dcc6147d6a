//! A router served on loopback, a client with a time limit, and replies
//! whose assertions explain themselves.
//!
//! Every assertion is `#[track_caller]`, so a failure points at the test
//! that made it, and every message reads: sent / expected / got / look at.

use std::fmt;
use std::time::Duration;

use crate::catch_panic::catch_panics;
use axum::Router;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::panic::quiet_panics;

/// How long a test waits for an answer before calling the handler hung.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A router served on 127.0.0.1 at a free port, for as long as the test runs.
pub struct TestServer {
    base: String,
    client: reqwest::Client,
}

/// Serves `router` the way the real server does: a handler that panics
/// (a `todo!()` still there) answers 500 naming the step.
pub async fn serve(router: Router) -> TestServer {
    quiet_panics();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free loopback port");
    let addr = listener.local_addr().expect("the bound address");
    let router = router.layer(catch_panics());
    tokio::spawn(async move { axum::serve(listener, router).await });
    TestServer {
        base: format!("http://{addr}"),
        client: reqwest::Client::builder()
            .timeout(ANSWER_WITHIN)
            .build()
            .expect("a plain HTTP client"),
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

/// How a request line and its headers are shown in a failure message.
const INDENT: &str = "\n            ";

impl TestServer {
    /// The server's origin, `http://127.0.0.1:<port>`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST path` with `body` as a form.
    pub async fn post_form(&self, path: &str, body: &str) -> Reply {
        self.post(path, Some(FORM), body.to_owned()).await
    }

    /// `POST path` with any content type (or none) and body.
    pub async fn post(&self, path: &str, content_type: Option<&str>, body: String) -> Reply {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        self.request(Method::POST, path, &headers, body).await
    }

    /// `GET path` with each of `authorization` as an `Authorization` header.
    pub async fn get(&self, path: &str, authorization: &[&str]) -> Reply {
        let headers: Vec<(&str, &str)> = authorization
            .iter()
            .map(|v| ("authorization", *v))
            .collect();
        self.request(Method::GET, path, &headers, String::new())
            .await
    }

    /// `GET path` with a bearer token.
    pub async fn get_with_token(&self, path: &str, token: &str) -> Reply {
        self.get(path, &[&format!("Bearer {token}")]).await
    }

    /// Any method, headers and body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Reply {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        let mut sent = format!("{method} {path}");
        for (name, value) in headers {
            request = request.header(*name, *value);
            sent += &format!("{INDENT}{name}: {value}");
        }
        if !body.is_empty() {
            let shown = if body.len() > 200 {
                format!("<{} bytes>", body.len())
            } else {
                body.clone()
            };
            sent += &format!("{INDENT}body: {shown}");
        }
        self.send(request.body(body), sent).await
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
            "GET {path}{INDENT}Authorization: {}",
            String::from_utf8_lossy(authorization)
        );
        self.send(request, sent).await
    }

    /// `POST /token` with the password grant for `username` and `password`.
    pub async fn login(&self, username: &str, password: &str) -> Reply {
        let body = form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ]);
        self.post_form("/token", &body).await
    }

    async fn send(&self, request: reqwest::RequestBuilder, sent: String) -> Reply {
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = response.text().await.unwrap_or_default();
                Reply {
                    sent,
                    status,
                    headers,
                    body,
                    no_answer: None,
                }
            }
            Err(error) => Reply {
                sent,
                status: 0,
                headers: HeaderMap::new(),
                body: String::new(),
                no_answer: Some(if error.is_timeout() {
                    format!(
                        "no answer within {} s: does a handler loop forever, or wait for a lock or a channel that never comes?",
                        ANSWER_WITHIN.as_secs()
                    )
                } else {
                    format!("the connection closed without an answer ({error})")
                }),
            },
        }
    }
}

/// What came back, with what was sent, so that a failure can show both.
pub struct Reply {
    pub sent: String,
    /// 0 when no answer came at all.
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// Why no HTTP answer came, if none did.
    pub no_answer: Option<String>,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

/// A body as a failure message shows it: an asset's hundreds of kilobytes
/// would bury the lines around it.
fn shown_body(body: &str) -> String {
    const SHOWN: usize = 400;
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    match body.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}... ({} bytes in all)", &body[..cut], body.len()),
        None => body.to_owned(),
    }
}

impl Reply {
    /// A failure message: what was sent, what was expected, what came back,
    /// and where to look.
    pub fn explain(&self, expected: &str, look: &str) -> String {
        let got = match &self.no_answer {
            Some(why) => why.clone(),
            None => {
                let mut got = format!("{}", self.status);
                for name in [
                    "www-authenticate",
                    "content-type",
                    "content-security-policy",
                    "cache-control",
                    "allow",
                ] {
                    if let Some(value) = self.header(name) {
                        got += &format!("{INDENT}{name}: {value}");
                    }
                }
                got + &format!("{INDENT}{}", shown_body(&self.body))
            }
        };
        format!(
            "\n  sent:     {}\n  expected: {expected}\n  got:      {got}\n  look at:  {look}\n",
            self.sent
        )
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON, or a failure saying it is not.
    #[track_caller]
    pub fn json(&self) -> Value {
        match serde_json::from_str(&self.body) {
            Ok(json) => json,
            Err(_) => panic!(
                "{}",
                self.explain(
                    "a JSON body",
                    "the handler's return type: answer with axum::Json, OAuthError or ErrorDescription"
                )
            ),
        }
    }

    /// The body as JSON with `field`'s value, when there is one, replaced by
    /// `placeholder`: the parts of a snapshot that change on every run.
    #[track_caller]
    pub fn json_redacting(&self, field: &str, placeholder: &str) -> Value {
        let mut json = self.json();
        if let Some(value) = json.get_mut(field) {
            *value = Value::from(placeholder);
        }
        json
    }

    /// The `access_token` of a successful token response.
    #[track_caller]
    pub fn access_token(&self) -> String {
        self.assert_status(
            200,
            "a login with the right password succeeds",
            "exercises/05_token_route.rs",
        );
        match self.json()["access_token"].as_str() {
            Some(token) => token.to_owned(),
            None => panic!(
                "{}",
                self.explain(
                    "an `access_token` string in the JSON body",
                    "exercises/05_token_route.rs"
                )
            ),
        }
    }

    #[track_caller]
    pub fn assert_status(&self, expected: u16, why: &str, look: &str) {
        if self.status != expected {
            panic!(
                "{}",
                self.explain(&format!("status {expected}: {why}"), look)
            );
        }
    }

    #[track_caller]
    pub fn assert_header(&self, name: &str, expected: &str, why: &str, look: &str) {
        if self.header(name) != Some(expected) {
            panic!(
                "{}",
                self.explain(&format!("header `{name}: {expected}`: {why}"), look)
            );
        }
    }

    /// Status, and a JSON body whose `error` is `code` with a non-empty
    /// `error_description`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str, why: &str, look: &str) {
        let body: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        let ok = self.status == status
            && body["error"] == code
            && body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty());
        if !ok {
            let expected = format!(
                "status {status} with JSON {{\"error\": \"{code}\", \"error_description\": \"...\"}}: {why}"
            );
            panic!("{}", self.explain(&expected, look));
        }
    }

    /// Status, and a JSON body with an `error_description` and no `error`:
    /// the answer to something that is not an OAuth error.
    #[track_caller]
    pub fn assert_no_error_code(&self, status: u16, why: &str, look: &str) {
        let body: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        let ok = self.status == status
            && body.get("error").is_none()
            && body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty());
        if !ok {
            let expected = format!(
                "status {status} with JSON {{\"error_description\": \"...\"}} and no `error` code: {why}"
            );
            panic!("{}", self.explain(&expected, look));
        }
    }
}
