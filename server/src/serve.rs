//! The accept loop: each connection served by hyper with deadlines on its
//! reads (deadlines.rs), no more than so many connections in all and from
//! one address, the client's address handed to the app, and a graceful
//! shutdown.
//!
//! `axum::serve` has none of the limits: it installs no timer, so a client
//! that sends half a request head, or nothing after an answer, holds its
//! connection for ever (tokio-rs/axum#2741), and a few hundred of them use
//! up the process's file descriptors. A reverse proxy in front does this
//! for you (nginx's `client_header_timeout`, `keepalive_timeout`,
//! `limit_conn`); a server exposed on its own must do it itself.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use ipnet::IpNet;
use pin_project_lite::pin_project;
use tokio::net::{TcpListener, TcpStream};
use tower_service::Service;

use crate::deadlines::{Deadlines, Phase, Timeouts};

/// How many connections may be open, and how long each may wait.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub timeouts: Timeouts,
    /// Connections from one client address (an IPv6 one by its /64).
    pub per_address: usize,
    /// Connections in all.
    pub total: usize,
    /// Proxies, whose connections carry many clients: only `total` holds
    /// them.
    pub trusted_proxies: Vec<IpNet>,
}

/// A safe share of the open-file limit for connections: three quarters,
/// the rest for the listener, logs and whatever else the process opens.
pub fn default_max_connections() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let files = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            return (files / 4 * 3).clamp(16, 1 << 20);
        }
    }
    768
}

/// Open connections, in all and per client address.
#[derive(Debug, Default)]
struct Census {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Counts a connection while it lives.
struct Admitted {
    census: Arc<Mutex<Census>>,
    address: Option<IpAddr>,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut census = self.census.lock().expect("no panic while holding the lock");
        census.total -= 1;
        if let Some(address) = self.address
            && let Some(count) = census.by_address.get_mut(&address)
        {
            *count -= 1;
            if *count == 0 {
                census.by_address.remove(&address);
            }
        }
    }
}

/// The address a connection counts against: an IPv6 one by its /64, as
/// step 14's limits count it (written out here: the server must run
/// whatever state a learner's step 14 is in).
fn address_key(peer: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = peer else {
        return peer;
    };
    v6.to_ipv4_mapped().map_or_else(
        || IpAddr::V6(Ipv6Addr::from(u128::from(v6) >> 64 << 64)),
        IpAddr::V4,
    )
}

/// Admits a connection from `peer`, or says why not.
fn admit(
    census: &Arc<Mutex<Census>>,
    limits: &ConnectionLimits,
    peer: IpAddr,
) -> Result<Admitted, &'static str> {
    let proxy = limits.trusted_proxies.iter().any(|net| net.contains(&peer));
    let address = (!proxy).then(|| address_key(peer));
    let mut counts = census.lock().expect("no panic while holding the lock");
    if counts.total >= limits.total {
        return Err("the server has as many connections open as it serves");
    }
    if let Some(address) = address {
        let count = counts.by_address.entry(address).or_insert(0);
        if *count >= limits.per_address {
            return Err("this address has as many connections open as one address may");
        }
        *count += 1;
    }
    counts.total += 1;
    Ok(Admitted {
        census: Arc::clone(census),
        address,
    })
}

/// Answers a connection past a limit at once, and closes it: 503 with a
/// JSON body, written without waiting (a client that reads nothing gets
/// nothing, and costs nothing).
fn refuse(stream: TcpStream, why: &str) {
    let body = format!(r#"{{"error_description":"{why}; try again later"}}"#);
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.try_write(answer.as_bytes());
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve<A>(
    listener: TcpListener,
    app: A,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) where
    A: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    A::Future: Send + 'static,
{
    let census = Arc::new(Mutex::new(Census::default()));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment rather
                    // than spin on the same error.
                    tracing::warn!("accept error: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.as_mut() => break,
        };
        let admitted = match admit(&census, &limits, peer.ip()) {
            Ok(admitted) => admitted,
            Err(why) => {
                refuse(stream, why);
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let phase = Phase::new();
        let io = TokioIo::new(Deadlines::new(stream, Arc::clone(&phase), limits.timeouts));
        let service = TowerToHyperService::new(PerConnection {
            app: app.clone(),
            peer,
            phase,
        });
        // The deadlines are ours (deadlines.rs): hyper's one timeout would
        // also end a keep-alive connection at rest.
        let connection = hyper::server::conn::http1::Builder::new()
            .header_read_timeout(None)
            .serve_connection(io, service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!("connection from {peer} ended: {error}");
            }
            drop(admitted);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The app as one connection's service: each request gets the client's
/// address (`ConnectInfo`, for step 14's limits) and moves the
/// connection's phase.
#[derive(Clone)]
struct PerConnection<A> {
    app: A,
    peer: SocketAddr,
    phase: Arc<Phase>,
}

impl<A> Service<hyper::Request<Incoming>> for PerConnection<A>
where
    A: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<A::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.app.poll_ready(cx)
    }

    fn call(&mut self, request: hyper::Request<Incoming>) -> Self::Future {
        let has_body = !request.body().is_end_stream();
        self.phase.request_started(has_body);
        let phase = Arc::clone(&self.phase);
        let mut request = if has_body {
            request.map(|incoming| {
                Body::new(Watched {
                    inner: incoming,
                    phase,
                })
            })
        } else {
            request.map(Body::new)
        };
        request.extensions_mut().insert(ConnectInfo(self.peer));
        Answered {
            inner: self.app.call(request),
            phase: Arc::clone(&self.phase),
        }
    }
}

pin_project! {
    /// A request's body, telling the connection's phase when it has ended
    /// or is let go: from then on the handler may take its time.
    struct Watched {
        #[pin]
        inner: Incoming,
        phase: Arc<Phase>,
    }

    impl PinnedDrop for Watched {
        fn drop(this: Pin<&mut Self>) {
            this.phase.body_done();
        }
    }
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.project();
        let frame = std::task::ready!(this.inner.poll_frame(cx));
        if frame.is_none() {
            this.phase.body_done();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A request's answer; when it is ready, the connection is at rest.
    struct Answered<F> {
        #[pin]
        inner: F,
        phase: Arc<Phase>,
    }
}

impl<F: Future> Future for Answered<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        this.phase.request_answered();
        Poll::Ready(output)
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::Instant;

    use axum::Router;
    use axum::routing::{get, post};

    use super::*;

    /// `app` served by the serve loop on a free port, with one-second
    /// deadlines; its address.
    async fn served(app: Router) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        let limits = ConnectionLimits {
            timeouts: Timeouts {
                header: Duration::from_secs(1),
                idle: Duration::from_secs(2),
            },
            per_address: 8,
            total: 16,
            trusted_proxies: Vec::new(),
        };
        tokio::spawn(serve(listener, app, limits, std::future::pending()));
        addr
    }

    /// Sends `request` on a new connection and reads until it closes.
    async fn exchange(addr: SocketAddr, request: &'static [u8]) -> String {
        tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).expect("connect");
            stream.write_all(request).expect("send");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            answer
        })
        .await
        .expect("the client thread")
    }

    #[tokio::test]
    async fn a_handler_may_take_longer_than_the_header_timeout() {
        let app = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                "done"
            })
            .post(|body: String| async move {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                body
            }),
        );
        let addr = served(app).await;
        let started = Instant::now();
        let answer = exchange(
            addr,
            b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("done"),
            "a handler that takes 1.5 s, with a one-second header timeout: the deadlines are on what the client \
             sends, never on the server's own work, so the answer comes; got {answer:?} after {:?}",
            started.elapsed()
        );
        let answer = exchange(
            addr,
            b"POST /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
            "a handler that reads its whole body, then takes 1.5 s: answered; got {answer:?}"
        );
    }

    #[tokio::test]
    async fn a_body_has_a_deadline_in_all_not_per_byte() {
        let app = Router::new().route("/echo", post(|body: String| async move { body }));
        let addr = served(app).await;
        let started = Instant::now();
        let closed = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).expect("connect");
            stream
                .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
                .expect("send a head");
            // A byte every 300 ms: never silent for a second, but the body
            // is due in all within one.
            for _ in 0..20 {
                std::thread::sleep(Duration::from_millis(300));
                if stream.write_all(b"x").is_err() {
                    return true;
                }
            }
            let mut rest = Vec::new();
            stream.read_to_end(&mut rest).is_ok()
                && !String::from_utf8_lossy(&rest).contains("200 OK")
        })
        .await
        .expect("the client thread");
        assert!(
            closed && started.elapsed() < Duration::from_secs(5),
            "a body sent one byte every 300 ms, with a one-second header timeout: it is due in all within a second \
             of the head, or a client keeps a connection for hours a byte at a time; still open after {:?}",
            started.elapsed()
        );
    }
}
