//! Helpers for the tests of this crate and of the crates above (feature `testing`): files
//! that would hang or flood a careless reader, made cheaply, and a guard against a call that
//! never returns.

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

/// Far beyond any passing run: a call still busy then is taken as hung forever.
const HANG_DEADLINE: Duration = Duration::from_secs(60);

/// Runs `f` on its own thread and fails the test if it has not returned by the deadline, so
/// that a call that hangs fails the test instead of hanging it.
pub fn returns<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(HANG_DEADLINE) {
        Ok(value) => value,
        Err(_) => panic!("still waiting after {HANG_DEADLINE:?}: the call hangs"),
    }
}

/// A FIFO at `path` that nobody writes into: opening it for reading the ordinary way waits
/// for a writer for ever.
#[cfg(unix)]
pub fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path without NUL");
    // SAFETY: a NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), io::Error::last_os_error());
}

/// A file of `bytes` that takes no disk and no time to make.
pub fn make_sparse(path: &Path, bytes: u64) {
    File::create(path).and_then(|f| f.set_len(bytes)).expect("sparse file");
}

pub const FOUR_GB: u64 = 4 * 1024 * 1024 * 1024;
