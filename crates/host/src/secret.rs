//! Where the api_secret lives: never in SQLite, never in the config file. The OS keyring
//! (Windows Credential Manager, macOS Keychain, the Secret Service on Linux desktops) where
//! one works; otherwise a file in the data dir readable only by this user (mode 0600).
//! `CWR_API_SECRET` wins over both; `CWR_SECRET_STORE=file` skips the keyring. The site
//! database's password (issue 23) is kept the same way, in a slot of its own.

use std::path::{Path, PathBuf};

use protocol::Secret;

/// One secret's places: its file in the data dir, its keyring service, the marker written when
/// it went to the keyring, and the variable that wins over both.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    file: &'static str,
    keyring_service: &'static str,
    marker: &'static str,
    env: &'static str,
}

/// The platform's api_secret.
pub const API_SECRET: Slot = Slot {
    file: "api_secret",
    keyring_service: "cwr-station",
    marker: "api_secret.in_keyring",
    env: "CWR_API_SECRET",
};

/// The site database's password (设置 → 数据存放 → 工地数据库).
pub const STORE_PASSWORD: Slot = Slot {
    file: "store_password",
    keyring_service: "cwr-station-store",
    marker: "store_password.in_keyring",
    env: "CWR_STORE_PASSWORD",
};

/// Where a saved secret ended up, for the clerk's information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretPlace {
    Keyring,
    File,
}

pub fn secret_path(data_dir: &Path) -> PathBuf {
    API_SECRET.path(data_dir)
}

fn keyring_allowed() -> bool {
    std::env::var("CWR_SECRET_STORE").map(|v| v != "file").unwrap_or(true)
}

/// The api_secret from the environment, the keyring or the data dir; empty when none is set.
pub fn load_secret(data_dir: &Path, env: impl Fn(&str) -> Option<String>) -> Secret {
    API_SECRET.load(data_dir, env)
}

/// Saves the api_secret (see [`Slot::save`]).
pub fn save_secret(data_dir: &Path, secret: &Secret) -> std::io::Result<SecretPlace> {
    API_SECRET.save(data_dir, secret)
}

impl Slot {
    pub fn path(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(self.file)
    }

    /// One keyring entry per data dir, so a second project on the same PC keeps its own.
    fn keyring_entry(&self, data_dir: &Path) -> Option<keyring::Entry> {
        let account = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
        keyring::Entry::new(self.keyring_service, &account.display().to_string()).ok()
    }

    /// From the environment, the keyring or the data dir; empty when none is set. When both
    /// places hold one, the one saved last wins.
    pub fn load(&self, data_dir: &Path, env: impl Fn(&str) -> Option<String>) -> Secret {
        if let Some(v) = env(self.env).filter(|v| !v.trim().is_empty()) {
            return Secret::new(v.trim());
        }
        if keyring_allowed()
            && !self.file_copy_is_newer(data_dir)
            && let Some(secret) = self.keyring_entry(data_dir).and_then(|e| e.get_password().ok())
        {
            return Secret::new(secret);
        }
        self.load_file(data_dir)
    }

    /// Is there a file copy saved after the keyring copy (or with no keyring copy known)? The
    /// marker is written beside the data when the secret went to the keyring, so that a file
    /// copy saved later (say with `CWR_SECRET_STORE=file`) is known to be the newer one.
    fn file_copy_is_newer(&self, data_dir: &Path) -> bool {
        let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        match (modified(self.path(data_dir)), modified(data_dir.join(self.marker))) {
            (Some(file), Some(marker)) => file > marker,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    fn load_file(&self, data_dir: &Path) -> Secret {
        match std::fs::read_to_string(self.path(data_dir)) {
            Ok(text) => Secret::new(text.trim()),
            Err(_) => Secret::default(),
        }
    }

    /// Saves to the keyring when one works (and removes any file copy), else to the file.
    pub fn save(&self, data_dir: &Path, secret: &Secret) -> std::io::Result<SecretPlace> {
        crate::paths::ensure_private_dir(data_dir)?;
        if keyring_allowed()
            && let Some(entry) = self.keyring_entry(data_dir)
        {
            match entry.set_password(secret.expose()) {
                Ok(()) => {
                    // Never in two places: the file copy goes, the marker says where it is.
                    let _ = std::fs::remove_file(self.path(data_dir));
                    std::fs::write(data_dir.join(self.marker), b"")?;
                    return Ok(SecretPlace::Keyring);
                }
                Err(e) => tracing::info!("no usable keyring ({e}); keeping the secret in a private file"),
            }
        }
        self.save_file(data_dir, secret)?;
        // An older keyring copy must not win over this one.
        if let Some(entry) = keyring_allowed().then(|| self.keyring_entry(data_dir)).flatten() {
            let _ = entry.delete_credential();
        }
        let _ = std::fs::remove_file(data_dir.join(self.marker));
        Ok(SecretPlace::File)
    }

    fn save_file(&self, data_dir: &Path, secret: &Secret) -> std::io::Result<()> {
        crate::paths::ensure_private_dir(data_dir)?;
        let path = self.path(data_dir);
        let tmp = path.with_extension("tmp");
        write_private(&tmp, secret.expose().as_bytes())?;
        std::fs::rename(&tmp, &path)
    }
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
        assert!(API_SECRET.load_file(&data).is_empty());
        API_SECRET.save_file(&data, &Secret::new("abc")).expect("save");
        assert_eq!(API_SECRET.load_file(&data).expose(), "abc");
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
            && let Some(e) = API_SECRET.keyring_entry(&data)
        {
            let _ = e.delete_credential();
        }
    }

    #[test]
    fn a_file_copy_saved_after_the_keyring_copy_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path();
        assert!(!API_SECRET.file_copy_is_newer(data), "no file: the keyring, if any");
        API_SECRET.save_file(data, &Secret::new("old")).expect("save");
        assert!(API_SECRET.file_copy_is_newer(data), "a file and no keyring marker");
        // The secret went to the keyring later: the marker is newer than the file.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(data.join(API_SECRET.marker), b"").expect("marker");
        assert!(!API_SECRET.file_copy_is_newer(data));
        // Then saved to the file again (say with CWR_SECRET_STORE=file): the file wins.
        std::thread::sleep(std::time::Duration::from_millis(20));
        API_SECRET.save_file(data, &Secret::new("new")).expect("save");
        assert!(API_SECRET.file_copy_is_newer(data));
    }
}
