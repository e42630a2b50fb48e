//! Work off the window's thread: AWS calls on a worker thread with its own runtime, and
//! how long the app took to show its first screen.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Instant;

use crate::error::{Error, Result};

/// Runs AWS work on a thread of its own with a single-threaded runtime, so its
/// futures need not be `Send`; the caller awaits the result.
pub(crate) async fn off_thread<T, Fut>(make: impl FnOnce() -> Fut + Send + 'static) -> Result<T>
where
    Fut: Future<Output = Result<T>> + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(block_on(make()));
    });
    rx.await.map_err(|_| Error::Io {
        context: "the worker thread stopped".into(),
        source: std::io::Error::other("worker ended"),
    })?
}

/// Drives `fut` to completion on a fresh single-threaded runtime.
pub(crate) fn block_on<T, Fut: Future<Output = Result<T>>>(fut: Fut) -> Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the worker runtime", e))?
        .block_on(fut)
}

/// When the process started the window, and how long it took until the UI first showed
/// the newest snapshot (the UI reports that moment; see `startup_ms`).
static STARTED: OnceLock<Instant> = OnceLock::new();
static OPENED_MS: OnceLock<u64> = OnceLock::new();

/// Milliseconds from start to the first call: the UI calls it once the newest snapshot
/// is painted, so it is the app's start time, shown in the overview and measured by
/// scripts/bench-app-start.
pub(crate) fn startup_ms() -> u64 {
    *OPENED_MS.get_or_init(|| STARTED.get().map_or(0, |t| t.elapsed().as_millis() as u64))
}

/// Notes when the process started the window.
pub(crate) fn mark_started() {
    STARTED.get_or_init(Instant::now);
}
