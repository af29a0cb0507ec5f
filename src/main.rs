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
    use windows_sys::Win32::Foundation::{ERROR_ACCESS_DENIED, GetLastError};
    use windows_sys::Win32::Globalization::CP_UTF8;
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole, SetConsoleOutputCP};
    // SAFETY: AttachConsole, GetLastError and SetConsoleOutputCP have no memory-safety
    // preconditions; failure (no parent console) leaves the process without one, which is what
    // a double-clicked GUI wants.
    unsafe {
        // ERROR_ACCESS_DENIED: a console is attached already (Wine hands its console to GUI
        // programs; Windows does not), which serves as well.
        let console = AttachConsole(ATTACH_PARENT_PROCESS) != 0 || GetLastError() == ERROR_ACCESS_DENIED;
        if console {
            // What the commands print is UTF-8. Text written to the console itself is shown
            // right anyway, but bytes that reach it as bytes (output redirected to a file and
            // shown with `type`, piped through `more`) are decoded with the console's code
            // page, which on a Chinese Windows is 936 (GBK): 张三 would come out as 寮犱笁.
            // It is left at UTF-8 on exit, since a reader of the pipe may still be decoding.
            SetConsoleOutputCP(CP_UTF8);
        }
    }
}
