//! The panic catcher (steps/given/catch_panic.rs) the server wraps every
//! app in: a panic is a 500 with a JSON body, never a dropped connection.

use std::convert::Infallible;
use std::future::Ready;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::response::Response;
use axum::routing::get;
use course::catch_panic::catch_panics;
use tower_layer::Layer;
use tower_service::Service;

async fn answer(mut service: impl Service<Request, Response = Response>) -> (u16, String) {
    let request = Request::builder().uri("/").body(Body::empty()).unwrap();
    let Ok(response) = service.call(request).await else {
        panic!("the catcher answers every request");
    };
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_todo_is_a_500_that_names_what_is_unfinished() {
    async fn unfinished() -> &'static str {
        todo!("step 09: the scope check")
    }
    let app = Router::new().route("/", get(unfinished));
    let (status, body) = answer(catch_panics().layer(app)).await;
    assert_eq!(status, 500, "a handler's todo!() answers 500: {body}");
    assert_eq!(
        body, r#"{"error_description":"unfinished: step 09: the scope check"}"#,
        "the learner's curl shows what is left to write"
    );
}

#[tokio::test]
async fn any_other_panic_is_a_500_that_tells_the_client_nothing() {
    async fn failing() -> &'static str {
        panic!("database password is hunter2")
    }
    let app = Router::new().route("/", get(failing));
    let (status, body) = answer(catch_panics().layer(app)).await;
    assert_eq!(status, 500, "a panicking handler answers 500: {body}");
    assert!(
        !body.contains("hunter2") && body.contains("the server failed"),
        "a panic message can hold internals a client must not see; got {body}"
    );
}

/// A service that panics in `call`, before it has a future to poll.
#[derive(Clone)]
struct PanicsInCall;

impl Service<Request> for PanicsInCall {
    type Response = Response;
    type Error = Infallible;
    type Future = Ready<Result<Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request) -> Self::Future {
        panic!("in call");
    }
}

#[tokio::test]
async fn a_panic_before_the_future_is_a_500_too() {
    let (status, _) = answer(catch_panics().layer(PanicsInCall)).await;
    assert_eq!(status, 500, "a service that panics in call still answers");
}
