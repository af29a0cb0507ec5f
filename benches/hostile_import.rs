//! Times the hostile spreadsheets of issue 18 (tests/common/hostile_cases.rs: ZIP bombs, a
//! cell at XFD1048576, a sheet of 1,048,576 rows, .xls files asking for gigabytes or looping)
//! through the import's reader, each in a process of its own, and prints what was said, how
//! long it took and the peak memory (VmHWM). The goal: a refusal within 2 s and 100 MB.
//!
//! Usage: `cargo bench --bench hostile_import` (Linux: VmHWM is read from /proc).

#[path = "../tests/common/hostile.rs"]
mod hostile;
#[path = "../tests/common/hostile_cases.rs"]
mod hostile_cases;
#[path = "../tests/common/sheets.rs"]
mod sheets;

use std::process::Command;
use std::time::Instant;

/// sheets.rs names it (for the lists of other tests).
const JOB_NAME_CARPENTER: &str = "7D4DDE53D08D97CF7FFBB561D1E17624";

fn main() {
    let mut args = std::env::args().skip(1);
    if let (Some(flag), Some(path)) = (args.next(), args.next())
        && flag == "--read"
    {
        read_one(&path);
        return;
    }
    if let Err(message) = run() {
        eprintln!("hostile_import: {message}");
        std::process::exit(1);
    }
}

/// In the child: read one file and print the outcome and this process's peak memory.
fn read_one(path: &str) {
    let said = match cwr_station::excel::read_worker_sheet(std::path::Path::new(path)) {
        Ok(sheet) => format!("read: {} rows; {}", sheet.rows.len(), sheet.notes.join("; ")),
        Err(e) => format!("refused: {e}"),
    };
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!("{peak_kb}\t{said}");
}

fn run() -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let dir = std::env::temp_dir().join(format!("hostile_import_{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("temp dir: {e}"))?;
    println!("{:<28} {:>9} {:>8} {:>8}  outcome", "file", "on disk", "time", "peak");
    // (slowest, largest peak) of the refusals and of the files read.
    let (mut refusals, mut reads) = ((0.0f64, 0u64), (0.0f64, 0u64));
    for case in hostile_cases::refused().into_iter().chain(hostile_cases::read()) {
        let path = dir.join(case.name);
        std::fs::write(&path, &case.bytes).map_err(|e| format!("{}: {e}", case.name))?;
        let started = Instant::now();
        let out = Command::new(&me)
            .arg("--read")
            .arg(&path)
            .output()
            .map_err(|e| format!("{}: {e}", case.name))?;
        let took = started.elapsed().as_secs_f64();
        let line = String::from_utf8_lossy(&out.stdout).into_owned();
        let (peak_kb, said) = line.trim_end().split_once('\t').unwrap_or(("0", line.trim_end()));
        let peak_mb = peak_kb.parse::<u64>().unwrap_or(0) / 1024;
        let said = if out.status.success() {
            said.chars().take(70).collect::<String>()
        } else {
            format!("CRASHED ({})", out.status)
        };
        let worst = if case.says.is_some() { &mut refusals } else { &mut reads };
        *worst = (worst.0.max(took), worst.1.max(peak_mb));
        println!(
            "{:<28} {:>6} KB {:>6.2} s {:>5} MB  {said}",
            case.name,
            case.bytes.len() / 1024,
            took,
            peak_mb
        );
        let _ = std::fs::remove_file(&path);
    }
    let _ = std::fs::remove_dir(&dir);
    println!(
        "slowest refusal {:.2} s, largest peak {} MB (goal: 2 s, 100 MB); files read: slowest {:.2} s, largest peak {} MB",
        refusals.0, refusals.1, reads.0, reads.1
    );
    Ok(())
}
