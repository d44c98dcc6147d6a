//! What every request and answer passes on its way in and out of the app:
//! the few checks and headers that belong to the server, not to a step.
//!
//! - A body declared larger than any route reads (`Content-Length` over
//!   `MAX_BODY_BYTES`) is answered 413 at once, before a byte of it is
//!   read; a route's own limit would wait for the body to arrive first.
//! - A form's media type is matched as RFC 9110 §8.3.1 says, ignoring case
//!   and exactly: axum's `Form` compares a prefix, case and all, so it took
//!   `application/x-www-form-urlencodedX` and refused the upper-case name.
//! - Every answer says `X-Content-Type-Options: nosniff` (a browser takes
//!   it for the type it is sent as), and every answer that may hold
//!   personal data `Cache-Control: no-store` (no proxy or browser cache
//!   keeps a profile); the public docs and document may be cached.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use course::oauth_error::OAuthError;
use course::token_route::MAX_BODY_BYTES;
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

const FORM: &str = "application/x-www-form-urlencoded";

#[derive(Debug, Clone, Copy)]
pub struct EdgeLayer;

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
}

/// Whether the headers declare a body no route would read.
fn declared_too_large(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES as u64)
}

/// The form media type in its one spelling when the request names it in
/// any case; a name that only starts like it, another type, so that no
/// extractor takes it for a form.
fn normalise_media_type(headers: &mut HeaderMap) {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let (essence, parameters) = value.split_once(';').unwrap_or((value, ""));
    let essence = essence.trim();
    let replacement = if essence.eq_ignore_ascii_case(FORM) {
        if essence == FORM {
            return;
        }
        match parameters {
            "" => FORM.to_owned(),
            parameters => format!("{FORM};{parameters}"),
        }
    } else if essence.len() > FORM.len()
        && essence.is_char_boundary(FORM.len())
        && essence[..FORM.len()].eq_ignore_ascii_case(FORM)
    {
        "application/octet-stream".to_owned()
    } else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&replacement) {
        headers.insert(CONTENT_TYPE, value);
    }
}

/// Whether an answer to `path` may hold personal data: all but the docs
/// and the OpenAPI document, which are the same for everyone.
fn may_be_personal(path: &str) -> bool {
    !(path == "/docs" || path.starts_with("/docs/") || path == "/openapi.json")
}

const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

fn with_headers(mut response: Response, personal: bool) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    if personal {
        // A route that says how it may be cached has the last word.
        headers.entry(CACHE_CONTROL).or_insert(NO_STORE);
    }
    response
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let personal = may_be_personal(request.uri().path());
        if declared_too_large(request.headers()) {
            // Step 05's answer to a body over the limit, written here: the
            // server answers it whatever state a learner's steps are in.
            let why = format!("the body is over {MAX_BODY_BYTES} bytes");
            let answer =
                OAuthError::new("invalid_request", why).with_status(StatusCode::PAYLOAD_TOO_LARGE);
            return EdgeFuture::Refused {
                answer: Some(with_headers(answer, personal)),
            };
        }
        normalise_media_type(request.headers_mut());
        EdgeFuture::Passed {
            inner: self.inner.call(request),
            personal,
        }
    }
}

pin_project! {
    #[project = EdgeProjection]
    pub enum EdgeFuture<F> {
        Passed { #[pin] inner: F, personal: bool },
        Refused { answer: Option<Response> },
    }
}

impl<F, E> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            EdgeProjection::Passed { inner, personal } => {
                let response = std::task::ready!(inner.poll(cx))?;
                Poll::Ready(Ok(with_headers(response, *personal)))
            }
            EdgeProjection::Refused { answer } => {
                Poll::Ready(Ok(answer.take().expect("a refused request answers once")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use tower_service::Service;

    use super::*;

    async fn answer(request: Request) -> Response {
        let app =
            Router::new()
                .route("/users/me", get(|| async { "alice" }))
                .route("/docs/swagger-ui.css", get(|| async { "css" }))
                .route(
                    "/form",
                    post(|form: axum::Form<Vec<(String, String)>>| async move {
                        form.0.len().to_string()
                    }),
                );
        EdgeLayer.layer(app).call(request).await.unwrap()
    }

    fn post_form(content_type: &str) -> Request {
        Request::post("/form")
            .header(CONTENT_TYPE, content_type)
            .body(Body::from("a=1"))
            .unwrap()
    }

    #[tokio::test]
    async fn a_body_declared_too_large_is_refused_before_it_is_read() {
        let request = Request::post("/form")
            .header(CONTENT_TYPE, FORM)
            .header(CONTENT_LENGTH, "999999999999")
            .body(Body::empty())
            .unwrap();
        let response = answer(request).await;
        assert_eq!(
            response.status(),
            413,
            "a request declaring a 999,999,999,999-byte body is answered 413 at once (it sends no body here: \
             an answer that waited for one would never come)"
        );
    }

    #[tokio::test]
    async fn the_form_media_type_matches_in_any_case_and_exactly() {
        for (content_type, expected) in [
            (FORM, 200),
            ("APPLICATION/X-WWW-FORM-URLENCODED", 200),
            ("Application/X-Www-Form-Urlencoded; charset=UTF-8", 200),
            ("application/x-www-form-urlencodedX", 415),
            ("application/x-www-form-urlencoded-but-not", 415),
        ] {
            let status = answer(post_form(content_type)).await.status();
            assert_eq!(
                status, expected,
                "a form posted as {content_type:?}: media types are matched ignoring case, and exactly \
                 (RFC 9110 §8.3.1)"
            );
        }
    }

    #[tokio::test]
    async fn every_answer_is_nosniff_and_personal_ones_are_never_stored() {
        let me = answer(Request::get("/users/me").body(Body::empty()).unwrap()).await;
        let css = answer(
            Request::get("/docs/swagger-ui.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let missing = answer(Request::get("/nowhere").body(Body::empty()).unwrap()).await;
        for (what, response) in [
            ("/users/me", &me),
            ("a docs asset", &css),
            ("a 404", &missing),
        ] {
            assert_eq!(
                response
                    .headers()
                    .get(X_CONTENT_TYPE_OPTIONS)
                    .map(|v| v.as_bytes()),
                Some(&b"nosniff"[..]),
                "{what}: every answer says X-Content-Type-Options: nosniff"
            );
        }
        assert_eq!(
            me.headers().get(CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-store"[..]),
            "/users/me, a profile, says Cache-Control: no-store"
        );
        assert!(
            css.headers().get(CACHE_CONTROL).is_none(),
            "a docs asset, the same for everyone, may be cached"
        );
    }
}
