//! Where the api_secret lives: never in SQLite, never in the config file. A file in the data
//! dir readable only by this user (mode 0600 on Unix; under the user's profile on Windows),
//! or the `CWR_API_SECRET` variable, which wins.

use std::path::{Path, PathBuf};

use crate::api::Secret;

const FILE_NAME: &str = "api_secret";

pub fn secret_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The secret from the environment or the data dir; empty when none is set.
pub fn load_secret(data_dir: &Path, env: impl Fn(&str) -> Option<String>) -> Secret {
    if let Some(v) = env("CWR_API_SECRET").filter(|v| !v.trim().is_empty()) {
        return Secret::new(v.trim());
    }
    match std::fs::read_to_string(secret_path(data_dir)) {
        Ok(text) => Secret::new(text.trim()),
        Err(_) => Secret::default(),
    }
}

pub fn save_secret(data_dir: &Path, secret: &Secret) -> std::io::Result<()> {
    crate::paths::ensure_private_dir(data_dir)?;
    let path = secret_path(data_dir);
    let tmp = path.with_extension("tmp");
    write_private(&tmp, secret.expose().as_bytes())?;
    std::fs::rename(&tmp, &path)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_private_and_env_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        assert!(load_secret(&data, |_| None).is_empty());
        save_secret(&data, &Secret::new("abc")).expect("save");
        assert_eq!(load_secret(&data, |_| None).expose(), "abc");
        assert_eq!(load_secret(&data, |_| Some("env".into())).expose(), "env");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secret_path(&data)).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&data).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
