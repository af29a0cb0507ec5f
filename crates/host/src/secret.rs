//! Where the api_secret lives: never in SQLite, never in the config file. The OS keyring
//! (Windows Credential Manager, macOS Keychain, the Secret Service on Linux desktops) where
//! one works; otherwise a file in the data dir readable only by this user (mode 0600).
//! `CWR_API_SECRET` wins over both; `CWR_SECRET_STORE=file` skips the keyring.

use std::path::{Path, PathBuf};

use protocol::Secret;

const FILE_NAME: &str = "api_secret";
const KEYRING_SERVICE: &str = "cwr-station";

/// Where a saved secret ended up, for the clerk's information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPlace {
    Keyring,
    File,
}

pub fn secret_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

fn keyring_allowed() -> bool {
    std::env::var("CWR_SECRET_STORE").map(|v| v != "file").unwrap_or(true)
}

/// One keyring entry per data dir, so a second project on the same PC keeps its own secret.
fn keyring_entry(data_dir: &Path) -> Option<keyring::Entry> {
    let account = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    keyring::Entry::new(KEYRING_SERVICE, &account.display().to_string()).ok()
}

/// Written beside the data when the secret went to the keyring, so that a file copy saved
/// later (say with `CWR_SECRET_STORE=file`) is known to be the newer one.
const KEYRING_MARKER: &str = "api_secret.in_keyring";

/// The secret from the environment, the keyring or the data dir; empty when none is set.
/// When both stores hold one, the one saved last wins.
pub fn load_secret(data_dir: &Path, env: impl Fn(&str) -> Option<String>) -> Secret {
    if let Some(v) = env("CWR_API_SECRET").filter(|v| !v.trim().is_empty()) {
        return Secret::new(v.trim());
    }
    if keyring_allowed()
        && !file_copy_is_newer(data_dir)
        && let Some(secret) = keyring_entry(data_dir).and_then(|e| e.get_password().ok())
    {
        return Secret::new(secret);
    }
    load_secret_file(data_dir)
}

/// Is there a file copy saved after the keyring copy (or with no keyring copy known)?
fn file_copy_is_newer(data_dir: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(secret_path(data_dir)), modified(data_dir.join(KEYRING_MARKER))) {
        (Some(file), Some(marker)) => file > marker,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

fn load_secret_file(data_dir: &Path) -> Secret {
    match std::fs::read_to_string(secret_path(data_dir)) {
        Ok(text) => Secret::new(text.trim()),
        Err(_) => Secret::default(),
    }
}

/// Saves to the keyring when one works (and removes any file copy), else to the file.
pub fn save_secret(data_dir: &Path, secret: &Secret) -> std::io::Result<SecretPlace> {
    crate::paths::ensure_private_dir(data_dir)?;
    if keyring_allowed()
        && let Some(entry) = keyring_entry(data_dir)
    {
        match entry.set_password(secret.expose()) {
            Ok(()) => {
                // Never in two places: the file copy goes, the marker says where it is.
                let _ = std::fs::remove_file(secret_path(data_dir));
                std::fs::write(data_dir.join(KEYRING_MARKER), b"")?;
                return Ok(SecretPlace::Keyring);
            }
            Err(e) => tracing::info!("no usable keyring ({e}); keeping the secret in a private file"),
        }
    }
    save_secret_file(data_dir, secret)?;
    // An older keyring copy must not win over this one.
    if let Some(entry) = keyring_allowed().then(|| keyring_entry(data_dir)).flatten() {
        let _ = entry.delete_credential();
    }
    let _ = std::fs::remove_file(data_dir.join(KEYRING_MARKER));
    Ok(SecretPlace::File)
}

fn save_secret_file(data_dir: &Path, secret: &Secret) -> std::io::Result<()> {
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
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
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
    fn file_round_trip_is_private_and_env_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        assert!(load_secret_file(&data).is_empty());
        save_secret_file(&data, &Secret::new("abc")).expect("save");
        assert_eq!(load_secret_file(&data).expose(), "abc");
        assert_eq!(load_secret(&data, |_| Some("env".into())).expose(), "env");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secret_path(&data))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&data).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[test]
    fn whatever_the_store_the_secret_comes_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let place = save_secret(&data, &Secret::new("round-trip")).expect("save");
        assert_eq!(load_secret(&data, |_| None).expose(), "round-trip");
        // Never in two places.
        assert_eq!(secret_path(&data).exists(), place == SecretPlace::File);
        if place == SecretPlace::Keyring
            && let Some(e) = keyring_entry(&data)
        {
            let _ = e.delete_credential();
        }
    }

    #[test]
    fn a_file_copy_saved_after_the_keyring_copy_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path();
        assert!(!file_copy_is_newer(data), "no file: the keyring, if any");
        save_secret_file(data, &Secret::new("old")).expect("save");
        assert!(file_copy_is_newer(data), "a file and no keyring marker");
        // The secret went to the keyring later: the marker is newer than the file.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(data.join(KEYRING_MARKER), b"").expect("marker");
        assert!(!file_copy_is_newer(data));
        // Then saved to the file again (say with CWR_SECRET_STORE=file): the file wins.
        std::thread::sleep(std::time::Duration::from_millis(20));
        save_secret_file(data, &Secret::new("new")).expect("save");
        assert!(file_copy_is_newer(data));
    }
}
