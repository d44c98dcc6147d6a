//! The server's log: one line a request (method, path, status, latency),
//! only errors, or nothing; written through a buffer, so a busy server
//! makes one write call per few kilobytes of log rather than one per line.

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::BoxError;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::Response;
use axum::http::{Method, Uri};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::RequestLog;

/// Lines are held at most this long before they reach stderr.
const FLUSH_EVERY: Duration = Duration::from_millis(200);

/// stderr behind a buffer shared by every thread.
#[derive(Clone)]
struct Buffered(Arc<Mutex<std::io::BufWriter<std::io::Stderr>>>);

impl Write for Buffered {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("log lock"))?
            .write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("log lock"))?
            .flush()
    }
}

impl<'a> MakeWriter<'a> for Buffered {
    type Writer = Buffered;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Logs to stderr, coloured only on a terminal and never under NO_COLOR.
/// The returned guard flushes what is left when the server stops, and
/// writes the request log.
pub fn init() -> LogGuard {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let buffered = Buffered(Arc::new(Mutex::new(std::io::BufWriter::with_capacity(
        16 * 1024,
        std::io::stderr(),
    ))));
    let flusher = buffered.clone();
    // A plain thread, not a task: it must flush whatever the runtime does.
    std::thread::spawn(move || {
        let mut writer = flusher;
        loop {
            std::thread::sleep(FLUSH_EVERY);
            let _ = writer.flush();
        }
    });
    tracing_subscriber::fmt()
        .with_writer(buffered.clone())
        .with_ansi(colour)
        .with_target(false)
        .init();
    let _ = REQUEST_LOG.set(buffered.clone());
    LogGuard(buffered)
}

/// Where request lines go: the same buffer as the rest of the log.
static REQUEST_LOG: OnceLock<Buffered> = OnceLock::new();

/// Flushes the log when dropped: nothing logged is lost at exit.
pub struct LogGuard(Buffered);

impl LogGuard {
    pub fn flush(&mut self) {
        let _ = self.0.flush();
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The request log `log` asks for, as a layer around the whole app: one
/// line after each answer, written by a layer of its own (no span, no boxed
/// future: it runs on every request).
pub fn request_log(log: RequestLog) -> RequestLogLayer {
    RequestLogLayer { log }
}

#[derive(Clone, Copy)]
pub struct RequestLogLayer {
    log: RequestLog,
}

impl<S> Layer<S> for RequestLogLayer {
    type Service = RequestLogService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestLogService {
            inner,
            log: self.log,
        }
    }
}

#[derive(Clone)]
pub struct RequestLogService<S> {
    inner: S,
    log: RequestLog,
}

impl<S, B> Service<Request> for RequestLogService<S>
where
    S: Service<Request, Response = Response<B>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The path only: a query string may hold what a client should never
        // have put there (a password, a token), and a log keeps it for
        // years. A `Uri` clone shares its bytes: no copy of the path.
        let seen = (self.log != RequestLog::Off).then(|| Seen {
            method: request.method().clone(),
            uri: request.uri().clone(),
            started: Instant::now(),
            errors_only: self.log == RequestLog::Errors,
        });
        Logged {
            seen,
            inner: self.inner.call(request),
        }
    }
}

/// What the line needs to know about the request.
pub struct Seen {
    method: Method,
    uri: Uri,
    started: Instant,
    errors_only: bool,
}

pin_project! {
    pub struct Logged<F> {
        #[pin]
        inner: F,
        seen: Option<Seen>,
    }
}

// The answer's body becomes axum's `Body`, which `axum::serve` asks for.
impl<F, B, E> Future for Logged<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        if let (Ok(response), Some(seen)) = (&answer, this.seen.as_ref()) {
            let status = response.status();
            if (!seen.errors_only || status.is_server_error())
                && let Some(out) = REQUEST_LOG.get()
            {
                write_request_line(
                    out,
                    &seen.method,
                    seen.uri.path(),
                    status.as_u16(),
                    seen.started.elapsed(),
                );
            }
        }
        Poll::Ready(answer.map(|response| response.map(Body::new)))
    }
}

/// One line a request, written by hand: the request log runs on every
/// request, and tracing's general machinery (a callsite, an event, a
/// formatter, a fresh timestamp) costs more than the answer to a request
/// does; so does `write!`'s, a third of the line's cost. The timestamp's
/// text is made once a second.
fn write_request_line(out: &Buffered, method: &Method, path: &str, status: u16, took: Duration) {
    thread_local! {
        static STAMP: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
        static LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    STAMP.with_borrow_mut(|(second, text)| {
        if *second != now.as_secs() {
            *second = now.as_secs();
            *text = utc(now.as_secs());
        }
        LINE.with_borrow_mut(|line| {
            line.clear();
            request_line(line, text, now.subsec_micros(), method, path, status, took);
            if let Ok(mut writer) = out.0.lock() {
                let _ = writer.write_all(line);
            }
        });
    });
}

/// `2026-11-23T17:58:01.000042Z  INFO GET /users/me 200 87us`, newline ended.
fn request_line(
    line: &mut Vec<u8>,
    stamp: &str,
    micros: u32,
    method: &Method,
    path: &str,
    status: u16,
    took: Duration,
) {
    let mut digits = itoa::Buffer::new();
    line.extend_from_slice(stamp.as_bytes());
    line.push(b'.');
    let micros = digits.format(micros.min(999_999));
    line.extend_from_slice(&b"000000"[micros.len()..]);
    line.extend_from_slice(micros.as_bytes());
    line.extend_from_slice(b"Z  INFO ");
    line.extend_from_slice(method.as_str().as_bytes());
    line.push(b' ');
    line.extend_from_slice(path.as_bytes());
    line.push(b' ');
    line.extend_from_slice(digits.format(status).as_bytes());
    line.push(b' ');
    line.extend_from_slice(digits.format(took.as_micros()).as_bytes());
    line.extend_from_slice(b"us\n");
}

/// `2026-11-23T17:58:01` for seconds since the Unix epoch (UTC), by the
/// civil-from-days algorithm: no calendar crate for one line of text.
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3_600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::Method;

    #[test]
    fn a_request_line_reads_like_the_rest_of_the_log() {
        let mut line = Vec::new();
        let stamp = super::utc(1_795_454_281);
        let took = Duration::from_micros(87);
        super::request_line(&mut line, &stamp, 42, &Method::GET, "/users/me", 200, took);
        assert_eq!(
            String::from_utf8(line).expect("text"),
            "2026-11-23T17:18:01.000042Z  INFO GET /users/me 200 87us\n"
        );
        let mut line = Vec::new();
        let took = Duration::from_millis(1_500);
        super::request_line(
            &mut line,
            &stamp,
            999_999,
            &Method::POST,
            "/token",
            503,
            took,
        );
        assert_eq!(
            String::from_utf8(line).expect("text"),
            "2026-11-23T17:18:01.999999Z  INFO POST /token 503 1500000us\n"
        );
    }

    #[test]
    fn utc_is_the_calendar() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00");
        assert_eq!(super::utc(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(super::utc(1_795_454_281), "2026-11-23T17:18:01");
    }
}
