//! The data dir holds ID numbers and photos: it is created readable by this user only, and an
//! existing one that others can read is reported, never silently changed (it may be shared on
//! purpose, or managed by someone else).

use std::path::Path;

/// The store in the data dir.
pub const DB_FILE: &str = "station.sqlite";
/// eframe's file for the window in the data dir: its size and place, the screen shown, the
/// roster's filters. Each station's own (the store may be a site's shared database).
pub const WINDOW_STATE_FILE: &str = "window.ron";
/// The automatic backups' folder in the data dir (see `Store::backup_automatically`).
pub const BACKUP_DIR: &str = "backups";

/// Creates `dir` (and its parents) when missing; the data dir itself gets mode 0700.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // Only Unix sets a mode on it; elsewhere the mut is unused and the cross-build warned.
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => Ok(()),
        // Made meanwhile by another process (the window and a command starting together).
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Bytes free for this user on the disk that holds `dir`, where the system tells.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c_path` is a valid NUL-terminated string and `stat` a valid out-parameter
        // of the right type; statvfs only writes into it.
        let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) };
        if rc != 0 {
            return None;
        }
        Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
        let wide: Vec<u16> = dir.as_os_str().encode_wide().chain(std::iter::once(0)).collect();
        let mut free: u64 = 0;
        // SAFETY: `wide` is NUL-terminated; the out-pointers are valid or null as allowed.
        let ok = unsafe { GetDiskFreeSpaceExW(wide.as_ptr(), &mut free, std::ptr::null_mut(), std::ptr::null_mut()) };
        if ok == 0 { None } else { Some(free) }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = dir;
        None
    }
}

/// A warning when others on this PC can read or enter the data dir; `None` when private.
pub fn too_open_warning(dir: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(format!(
                "数据目录 {} 的权限是 {mode:o}，本机其他用户也能读到工人的身份证号码和照片：如无特别需要，请执行 chmod 700 收紧",
                dir.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    None
}

/// Where the face models are (`assets/models/` in the repository): `CWR_MODELS_DIR` when set;
/// else beside the program (`models/`, the Windows installer's layout) or in the shared data of
/// a Debian install (`/usr/share/cwr-station/models`); else, for a build run from its source
/// tree, the repository's own folder. The first that holds the descriptor model wins; `None`
/// when none does.
pub fn models_dir() -> Option<std::path::PathBuf> {
    const PROBE: &str = "dlib_resnet_faceapi.onnx";
    if let Some(dir) = std::env::var_os("CWR_MODELS_DIR") {
        return Some(dir.into());
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let mut candidates = Vec::new();
    if let Some(dir) = &exe_dir {
        candidates.push(dir.join("models"));
        candidates.push(dir.join("../share/cwr-station/models"));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/models"));
    candidates.into_iter().find(|d| d.join(PROBE).is_file())
}

/// This PC's name (Windows' computer name, the Linux host name), to tell stations apart on a
/// site database when the clerk gave none.
pub fn computer_name() -> String {
    let from_env = std::env::var("COMPUTERNAME").or_else(|_| std::env::var("HOSTNAME"));
    let name = from_env
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    name.unwrap_or_else(|| "未命名工作站".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_dir_is_private_and_an_open_one_is_reported_not_changed() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("a").join("data");
        ensure_private_dir(&dir).expect("create");
        assert!(too_open_warning(&dir).is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            ensure_private_dir(&dir).expect("exists");
            assert_eq!(mode(&dir), 0o755, "an existing dir is not changed silently");
            let w = too_open_warning(&dir).expect("reported");
            assert!(w.contains("755") && w.contains("chmod 700"), "{w}");
        }
    }
}
