//! `cwr-station sim` as a command: settings out of range refused at start, and a secret that
//! need not be on the command line where `ps` shows it.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use common::cli::{BIN, run};
use common::credentials;
use cwr_station::api::Endpoint;
use cwr_station::api::{PlatformClient, PlatformClock, ProtocolTable, Secret, Timeouts, clock};

fn sim_command(data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(["sim", "--addr", "127.0.0.1:0"])
        .env_remove("CWR_SIM_API_SECRET")
        .env_remove("CWR_DATA_DIR")
        .stdin(Stdio::null());
    cmd
}

/// The simulator process, stopped when the test ends however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts it and waits for the line that says where it listens.
fn start(mut cmd: Command) -> (Running, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("reads");
    let url = line
        .split("connect to ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    (running, url)
}

fn client(base_url: &str, secret: &str) -> PlatformClient {
    let mut creds = credentials(base_url);
    creds.api_secret = Secret::new(secret);
    PlatformClient::new(
        creds,
        ProtocolTable::default(),
        Arc::new(PlatformClock::new(clock::system_time())),
        Timeouts {
            connect_secs: 2,
            call_secs: 10,
        },
    )
    .expect("client")
}

fn accepts_only(base_url: &str, secret: &str) {
    let dict = client(base_url, secret).fetch_dictionary(Endpoint::GetCompanyType);
    assert!(dict.is_ok(), "{dict:?}");
    let demo = client(base_url, cwr_station::sim::DEMO_API_SECRET).fetch_dictionary(Endpoint::GetCompanyType);
    assert!(demo.is_err(), "the demo secret is not the one in use");
}

#[test]
fn the_secret_is_read_from_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = sim_command(dir.path());
    cmd.env("CWR_SIM_API_SECRET", "secret-from-the-environment");
    let (_sim, url) = start(cmd);
    accepts_only(&url, "secret-from-the-environment");
}

#[test]
fn the_secret_is_read_from_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sim-secret.txt");
    std::fs::write(&file, "secret-from-a-file\n").expect("write");
    let mut cmd = sim_command(dir.path());
    cmd.arg("--api-secret-file").arg(&file);
    let (_sim, url) = start(cmd);
    accepts_only(&url, "secret-from-a-file");
}

#[test]
fn help_says_the_secret_flag_is_visible_and_what_to_use_instead() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out) = run(sim_command(dir.path()).arg("--help"));
    assert_eq!(code, 0, "{out}");
    for says in ["ps", "CWR_SIM_API_SECRET", "--api-secret-file"] {
        assert!(out.contains(says), "{says}: {out}");
    }
}

#[test]
fn settings_out_of_range_are_refused_at_start_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out) = run(sim_command(dir.path()).args(["--latency-ms", &u64::MAX.to_string()]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("latency_ms") && out.contains("600000"), "{out}");

    let (code, out) = run(sim_command(dir.path()).args(["--attendance-window-secs", "0"]));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("attendance_window_secs") && out.contains("请改用"),
        "{out}"
    );

    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").expect("write");
    let (code, out) = run(sim_command(dir.path()).arg("--api-secret-file").arg(&empty));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("是空的"), "{out}");
}
