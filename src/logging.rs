//! Logs go to stderr (commands) or a file in the data dir (the window). ID numbers are
//! masked by the callers with `domain::mask_id`; the secret never reaches a log.

pub fn init_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CWR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
