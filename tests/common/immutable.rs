//! Files made immutable (`chattr +i`) for a test of a store that may only be read, and made
//! mutable again when the guard goes. Root cannot be kept from writing by permissions; only
//! the immutable flag stops it. `set` is `None` where chattr is missing or refused (the test
//! then says so and skips).
#![cfg(target_os = "linux")]

pub struct Immutable(Vec<std::path::PathBuf>);

impl Immutable {
    pub fn set(paths: &[std::path::PathBuf]) -> Option<Immutable> {
        // Those already set are undone (on drop) if a later one cannot be.
        let mut done = Immutable(Vec::new());
        for p in paths {
            let ok = std::process::Command::new("chattr")
                .arg("+i")
                .arg(p)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return None;
            }
            done.0.push(p.clone());
        }
        Some(done)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::process::Command::new("chattr").arg("-i").arg(p).status();
        }
    }
}
