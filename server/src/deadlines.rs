//! Deadlines on a connection's reads, so that a client cannot hold a
//! connection (a task, a file descriptor) by sending slowly or not at all.
//!
//! hyper has one timeout of its own, `header_read_timeout`, and it starts
//! as soon as hyper waits for a request head, so on a keep-alive connection
//! it is also the idle timeout (hyperium/hyper#3828): one value cannot be
//! both a short limit on a head that is being sent and a longer one on a
//! connection at rest. As Go's server and Envoy do, this keeps them apart:
//!
//! - **idle**, between requests, no byte of the next one yet: `idle`;
//! - **head**, from its first byte (or from the accept) to its last:
//!   `header`, however the bytes trickle in (slowloris sends one header
//!   every few seconds);
//! - **body**, from the end of the head to the end of the body: `header`
//!   again, in all (a route reads 16 KiB at most);
//! - **answering**, the body read and the handler at work: no deadline on
//!   reads (hyper still reads, to notice a client that hangs up), however
//!   long a handler takes.
//!
//! The phase is set by the connection's service (a request arrives, its
//! body ends, its answer is ready) and read here; a read that waits past
//! its deadline fails with `TimedOut`, and hyper closes the connection.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// How long each phase may wait for the client.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// A request head, from its first byte; and a body, from the end of its
    /// head, in all.
    pub header: Duration,
    /// Between requests.
    pub idle: Duration,
}

const IDLE: u8 = 0;
const HEAD: u8 = 1;
const BODY: u8 = 2;
const ANSWERING: u8 = 3;

/// Where a connection is, shared by its reads and its service.
#[derive(Debug)]
pub struct Phase {
    started: Instant,
    state: AtomicU8,
    /// When the phase began, in milliseconds since `started`.
    since_ms: AtomicU64,
}

impl Phase {
    /// A new connection: its first head is due within the header timeout.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            state: AtomicU8::new(HEAD),
            since_ms: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn set(&self, state: u8) {
        self.since_ms.store(self.now_ms(), Ordering::Relaxed);
        self.state.store(state, Ordering::Relaxed);
    }

    /// A request's head has arrived: its body is due next, if it has one.
    pub fn request_started(&self, has_body: bool) {
        self.set(if has_body { BODY } else { ANSWERING });
    }

    /// The request's body has ended, or the handler has let it go.
    pub fn body_done(&self) {
        let _ = self
            .state
            .compare_exchange(BODY, ANSWERING, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Its answer is ready: the connection rests until the next request.
    pub fn request_answered(&self) {
        self.set(IDLE);
    }

    /// Bytes were read: an idle connection starts a head.
    fn bytes_read(&self) {
        if self.state.load(Ordering::Relaxed) == IDLE {
            self.set(HEAD);
        }
    }

    /// When the read now waiting must have brought its bytes, if ever.
    fn deadline(&self, timeouts: &Timeouts) -> Option<Instant> {
        let limit = match self.state.load(Ordering::Relaxed) {
            IDLE => timeouts.idle,
            HEAD | BODY => timeouts.header,
            _ => return None,
        };
        Some(self.started + Duration::from_millis(self.since_ms.load(Ordering::Relaxed)) + limit)
    }
}

pin_project! {
    /// A connection's IO with the deadlines of its `Phase` on every read.
    pub struct Deadlines<IO> {
        #[pin]
        io: IO,
        phase: Arc<Phase>,
        timeouts: Timeouts,
        // Boxed, so the IO stays `Unpin` as hyper asks; reset, never
        // allocated again.
        timer: Pin<Box<Sleep>>,
        armed_for: Option<Instant>,
    }
}

impl<IO> Deadlines<IO> {
    pub fn new(io: IO, phase: Arc<Phase>, timeouts: Timeouts) -> Self {
        Self {
            io,
            phase,
            timeouts,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed_for: None,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the client sent nothing in time")
}

impl<IO: AsyncRead> AsyncRead for Deadlines<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        match this.io.poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.phase.bytes_read();
                }
                return Poll::Ready(Ok(()));
            }
            Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
            Poll::Pending => {}
        }
        // Nothing yet: wait no longer than this phase allows. The phase may
        // have moved on while the timer ran, so the deadline is read anew.
        loop {
            // Answering: no deadline, and the timer may go on sleeping.
            let Some(deadline) = this.phase.deadline(this.timeouts) else {
                return Poll::Pending;
            };
            if Instant::now() >= deadline {
                return Poll::Ready(Err(timed_out()));
            }
            if *this.armed_for != Some(deadline) {
                this.timer.as_mut().reset(deadline);
                *this.armed_for = Some(deadline);
            }
            match this.timer.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                // The timer fired: for this very deadline, time is up; for
                // one the phase has since moved, look again.
                Poll::Ready(()) if this.phase.deadline(this.timeouts) == Some(deadline) => {
                    return Poll::Ready(Err(timed_out()));
                }
                Poll::Ready(()) => *this.armed_for = None,
            }
        }
    }
}

impl<IO: AsyncWrite> AsyncWrite for Deadlines<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
