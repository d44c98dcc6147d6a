//! What a route leaves of a request body is read after it, up to a limit,
//! so that the connection ends cleanly.
//!
//! A route that has no use for a body (`GET /docs/swagger-ui.css` sent with
//! one) answers without reading it. hyper then closes the connection, and
//! a socket closed with unread bytes in it sends a reset, which can reach
//! the client before it has read the answer: a client reading a large asset
//! loses it. Go's server reads up to 256 KiB of such a body for the same
//! reason; this reads up to 64 KiB, four times the largest body a route
//! accepts, and closes on anything longer.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
use tower_layer::Layer;
use tower_service::Service;

/// The most of an unread body that is read before the connection is closed.
pub const DRAINED_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct DrainLayer;

impl<S> Layer<S> for DrainLayer {
    type Service = Drain<S>;

    fn layer(&self, inner: S) -> Drain<S> {
        Drain { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Drain<S> {
    inner: S,
}

impl<S: Service<Request>> Service<Request> for Drain<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> S::Future {
        // Most requests have no body: they pass as they are.
        if request.body().is_end_stream() {
            return self.inner.call(request);
        }
        self.inner
            .call(request.map(|body| Body::new(Leftover(Some(body)))))
    }
}

/// A request body that, dropped unread, is read to its end in a task of
/// its own.
struct Leftover(Option<Body>);

impl HttpBody for Leftover {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.0.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.0.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.0
            .as_ref()
            .map_or(SizeHint::with_exact(0), Body::size_hint)
    }
}

impl Drop for Leftover {
    fn drop(&mut self) {
        let Some(body) = self.0.take() else { return };
        if body.is_end_stream() {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = Limited::new(body, DRAINED_BYTES).collect().await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use axum::Router;
    use axum::routing::get;
    use tokio::sync::Notify;

    use super::*;

    const CHUNK: usize = 1024;

    /// `total` bytes in chunks, counting what is read and saying when the
    /// end is reached.
    struct Counted {
        left: usize,
        read: Arc<AtomicUsize>,
        ended: Arc<Notify>,
    }

    impl HttpBody for Counted {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            if self.left == 0 {
                self.ended.notify_one();
                return Poll::Ready(None);
            }
            let size = self.left.min(CHUNK);
            self.left -= size;
            self.read.fetch_add(size, Ordering::SeqCst);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; size])))))
        }
    }

    /// Sends `total` body bytes to a route that never reads them; how many
    /// were read a moment after the answer, and whether the end was reached.
    async fn unread_body(total: usize) -> (usize, bool) {
        let read = Arc::new(AtomicUsize::new(0));
        let ended = Arc::new(Notify::new());
        let body = Counted {
            left: total,
            read: Arc::clone(&read),
            ended: Arc::clone(&ended),
        };
        let request = Request::builder().uri("/").body(Body::new(body)).unwrap();
        let app = Router::new().route("/", get(|| async { "a large asset" }));
        let answer = DrainLayer.layer(app).call(request).await.unwrap();
        assert_eq!(
            answer.status(),
            200,
            "the route answers without reading the body"
        );
        let reached_end = tokio::time::timeout(Duration::from_millis(500), ended.notified())
            .await
            .is_ok();
        (read.load(Ordering::SeqCst), reached_end)
    }

    #[tokio::test]
    async fn a_body_the_route_leaves_unread_is_read_to_its_end_after_it() {
        let (read, reached_end) = unread_body(20_000).await;
        assert!(
            reached_end && read == 20_000,
            "a 20,000-byte body the route ignored is read to its end (read {read}), so hyper can end the \
             request instead of closing the connection under its answer"
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_read_no_further_than_it() {
        let (read, reached_end) = unread_body(1 << 20).await;
        assert!(
            !reached_end && read <= DRAINED_BYTES + CHUNK,
            "a 1 MiB body is read only up to {DRAINED_BYTES} bytes (read {read}): a client must not keep \
             the server reading what no route asked for"
        );
    }
}
