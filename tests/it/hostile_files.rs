//! Files that are not what they should be, where the commands read a card reader's folder or
//! a photo: a FIFO, a 4 GB sparse file, a chip's text with hidden characters. Each is a clear
//! refusal (exit 2) and none hangs. The files are made here, not kept in the repository.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::cli::station;

/// No platform listens here: every case is refused before anything is sent.
const NO_PLATFORM: &str = "http://127.0.0.1:9";
/// Far beyond any passing run: a command still running then is taken as hung forever.
const HANG_DEADLINE: Duration = Duration::from_secs(60);
const FOUR_GB: u64 = 4 * 1024 * 1024 * 1024;

/// Exit code and everything printed, or a failed test (and the command killed) when it has
/// not ended by the deadline.
fn run_or_fail_if_hung(cmd: &mut Command) -> (i32, String) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(HANG_DEADLINE) {
        Ok(output) => {
            let output = output.expect("waits");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (output.status.code().unwrap_or(-1), text)
        }
        Err(_) => {
            #[cfg(unix)]
            // SAFETY: signals the child this test started, by its id.
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
            panic!("the command (pid {pid}) still runs after {HANG_DEADLINE:?}: it hangs");
        }
    }
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("path without NUL");
    // SAFETY: a NUL-terminated path that outlives the call.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// The 256-byte block with `fields` as UCS-2 LE at their byte offsets, spaces elsewhere.
fn block(fields: &[(usize, &str)]) -> Vec<u8> {
    let mut b: Vec<u8> = [0x20u8, 0x00].repeat(128);
    for (offset, text) in fields {
        for (i, unit) in text.encode_utf16().enumerate() {
            b[offset + 2 * i..offset + 2 * i + 2].copy_from_slice(&unit.to_le_bytes());
        }
    }
    b
}

fn card_named(name: &str) -> Vec<u8> {
    block(&[
        (0, name),
        (30, "1"),
        (32, "01"),
        (36, "19851120"),
        (52, "湖南省长沙市岳麓区麓山南路2号"),
        (122, "430104198511200010"),
        (158, "长沙市公安局岳麓分局"),
        (188, "20200801"),
        (204, "长期"),
    ])
}

fn card_read(data: &Path, folder: &Path, json: bool) -> (i32, String) {
    let mut cmd = station(data, NO_PLATFORM);
    cmd.args(["card", "read", "--wait-secs", "1", "--folder"]).arg(folder);
    if json {
        cmd.arg("--json");
    }
    run_or_fail_if_hung(&mut cmd)
}

#[cfg(unix)]
#[test]
fn card_read_refuses_a_fifo_as_wz_txt_or_zp_bmp_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let folder = dir.path().join("reader");
    std::fs::create_dir_all(&folder).expect("dir");
    make_fifo(&folder.join("wz.txt"));
    let (code, out) = card_read(&data, &folder, true);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("wz.txt") && out.contains("不是普通文件（是管道）"),
        "{out}"
    );

    std::fs::remove_file(folder.join("wz.txt")).expect("rm");
    std::fs::write(folder.join("wz.txt"), card_named("张喆")).expect("wz");
    make_fifo(&folder.join("zp.bmp"));
    let (code, out) = card_read(&data, &folder, true);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("zp.bmp") && out.contains("管道"), "{out}");
    assert!(!out.contains("emp_name"), "{out}");
}

#[test]
fn card_read_refuses_a_4_gb_wz_txt_by_its_size_and_does_not_call_it_no_card() {
    let dir = tempfile::tempdir().expect("tmp");
    let folder = dir.path().join("reader");
    std::fs::create_dir_all(&folder).expect("dir");
    std::fs::File::create(folder.join("wz.txt"))
        .and_then(|f| f.set_len(FOUR_GB))
        .expect("sparse");
    let (code, out) = card_read(&dir.path().join("data"), &folder, true);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("wz.txt") && out.contains("4.0 GB"), "{out}");
    assert!(!out.contains("没有身份证"), "{out}");
}

#[test]
fn card_read_refuses_a_chip_name_with_a_bidi_override_bel_or_nul_in_json_and_plain() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let folder = dir.path().join("reader");
    std::fs::create_dir_all(&folder).expect("dir");
    for (name, said) in [
        ("张\u{202E}喆", "U+202E"),
        ("张\u{7}喆", "U+0007"),
        ("张\u{0}喆", "NUL"),
    ] {
        std::fs::write(folder.join("wz.txt"), card_named(name)).expect("wz");
        for json in [true, false] {
            let (code, out) = card_read(&data, &folder, json);
            assert_eq!(code, 2, "{name:?} json={json}: {out}");
            assert!(out.contains("卡片上的姓名里有") && out.contains(said), "{out}");
            assert!(!out.contains("emp_name") && !out.contains("身份证号码："), "{out}");
        }
    }
}

#[cfg(unix)]
#[test]
fn register_and_attend_refuse_a_fifo_named_as_a_photo_instead_of_hanging() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    // The worker file names face.jpg for every photo; here it is a FIFO.
    make_fifo(&dir.path().join("face.jpg"));
    let id = common::id_code(31);
    let worker = common::write_worker_file(dir.path(), &id, "王喆", "深圳市某劳务有限公司");
    let (code, out) = run_or_fail_if_hung(station(&data, NO_PLATFORM).arg("register").arg("--worker").arg(&worker));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("face.jpg") && out.contains("管道") && out.contains("请选择照片文件本身"),
        "{out}"
    );
    assert!(out.contains("没有保存"), "{out}");

    let photo = format!("@{}", dir.path().join("face.jpg").display());
    let (code, out) = run_or_fail_if_hung(station(&data, NO_PLATFORM).args(["attend", &id, "--in", "--photo", &photo]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("face.jpg") && out.contains("管道"), "{out}");
}
