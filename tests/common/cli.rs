//! Running the `cwr-station` binary as a clerk's script would, against a given platform.

use cwr_station::store::prelude::*;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cwr_station::sim::SimConfig;

use super::sheets::{ANJU, t, write_xlsx};

pub const BIN: &str = env!("CARGO_BIN_EXE_cwr-station");

/// The command with the demo credentials for `base_url`, in `data_dir`, with no stray
/// `CWR_*` settings from the environment running the tests.
pub fn station(data_dir: &Path, base_url: &str) -> Command {
    let demo = SimConfig::demo();
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .env("CWR_BASE_URL", base_url)
        .env("CWR_API_KEY", &demo.api_key)
        .env("CWR_API_SECRET", &demo.api_secret)
        .env("CWR_CLIENT_SERIAL", &demo.client_serial)
        .env("CWR_PROJECT_ID", &demo.project_id)
        .env("CWR_DEVICE_ID", "GATE-CLI")
        .env("CWR_SECRET_STORE", "file")
        .env_remove("CWR_DATA_DIR")
        .env_remove("CWR_DEMO_SIM")
        .stdin(Stdio::null());
    cmd
}

/// Exit code and everything printed.
pub fn run(cmd: &mut Command) -> (i32, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.code().unwrap_or(-1), text)
}

/// A loopback port with nobody listening (yet).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A data dir ready for an Excel import: the demo companies and the three dictionaries a
/// worker's row names.
pub fn data_dir_for_import(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    let mut store = cwr_station::store::Store::open_in(&data).expect("store");
    for c in cwr_station::cli::demo_companies() {
        store.save_company(&super::checked_company(&c)).expect("company");
    }
    let dict = |list: &[(&str, &str)]| -> Vec<cwr_station::api::types::DictEntry> {
        list.iter()
            .map(|(c, v)| cwr_station::api::types::DictEntry {
                orders: c.to_string(),
                value: v.to_string(),
                flag: "N".into(),
            })
            .collect()
    };
    let now = chrono::Utc::now();
    for (kind, list) in [
        (
            cwr_station::api::Endpoint::DictListEmpCategory,
            dict(&[("00", "劳务工人")]),
        ),
        (
            cwr_station::api::Endpoint::DictListJobTypeName,
            dict(&[("1", "一般作业工种")]),
        ),
        (
            cwr_station::api::Endpoint::DictListJobName,
            dict(&[(super::JOB_NAME_CARPENTER, "木工")]),
        ),
    ] {
        store.save_dictionary(kind, &list, now).expect("dict");
    }
    data
}

/// A subcontractor's list in the template's columns: one carpenter of 安居 per seed, named
/// `{name}{seed}`.
pub fn write_worker_list(path: &Path, name: &str, seeds: &[u32]) {
    let mut rows = vec![
        [
            "身份证号",
            "姓名",
            "手机号",
            "所属单位",
            "人员类型",
            "工种/岗位类别",
            "工种名称",
            "合同办理",
        ]
        .iter()
        .map(|h| t(h))
        .collect::<Vec<_>>(),
    ];
    for s in seeds {
        rows.push(vec![
            t(&super::id_code(*s)),
            t(&format!("{name}{s}")),
            t("13800138000"),
            t(ANJU),
            t("劳务工人"),
            t("一般作业工种"),
            t("木工"),
            t("已签"),
        ]);
    }
    write_xlsx(path, None, &rows);
}
