// A GUI program on Windows: no console window opens beside the station.
#![cfg_attr(windows, windows_subsystem = "windows")]

fn main() {
    #[cfg(windows)]
    attach_parent_console();
    std::process::exit(cwr_station::cli::main());
}

/// Commands started from cmd or PowerShell print there; a double-click opens no console.
#[cfg(windows)]
fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // SAFETY: AttachConsole has no memory-safety preconditions; failure (no parent console)
    // leaves the process without one, which is what a double-clicked GUI wants.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}
