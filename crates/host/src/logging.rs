//! Logs go to stderr (commands, the demo) or to `station.log` in the data dir (the window,
//! which has no terminal). Callers mask ID numbers with `domain::mask_id`; the secret never
//! reaches a log (it only exists inside `api::Secret`, whose Debug prints stars).

use std::path::Path;

fn filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_from_env("CWR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"))
}

pub fn init_stderr() {
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Appends to `station.log` in the data dir; falls back to stderr when it cannot be opened.
pub fn init_file(data_dir: &Path) {
    let opened = crate::paths::ensure_private_dir(data_dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("station.log"))
    });
    match opened {
        Ok(file) => {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(if std::env::var_os("CWR_LOG").is_some() {
                    filter()
                } else {
                    tracing_subscriber::EnvFilter::new("info")
                })
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
        Err(_) => init_stderr(),
    }
}
