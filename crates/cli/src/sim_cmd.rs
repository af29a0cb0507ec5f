//! `cwr-station sim`: the platform simulator as a foreground server.

use std::ffi::OsString;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::Exit;
use sim::{Faults, SimConfig};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:7040")]
    pub addr: SocketAddr,
    #[arg(long)]
    pub api_key: Option<String>,
    /// 平台密钥。注意：命令行上的参数本机其他用户用 ps 就能看到；请改用环境变量
    /// CWR_SIM_API_SECRET 或 --api-secret-file。都不给时用演示密钥。
    #[arg(long, value_name = "SECRET", conflicts_with = "api_secret_file")]
    pub api_secret: Option<String>,
    /// 从这个文件读平台密钥（文件里只放密钥一行）。
    #[arg(long, value_name = "FILE")]
    pub api_secret_file: Option<PathBuf>,
    #[arg(long)]
    pub client_serial: Option<String>,
    #[arg(long)]
    pub project_id: Option<String>,
    /// Keep the simulator's state in this JSON file across restarts.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// The project is not under construction: attendance uploads are refused.
    #[arg(long)]
    pub not_under_construction: bool,
    /// Attendance older than this is refused (the platform's real-time window; 7200, two
    /// hours, today; at most 31 days).
    #[arg(long, default_value_t = sim::DEFAULT_ATTENDANCE_WINDOW_SECS)]
    pub attendance_window_secs: i64,
    /// Added latency per platform call (at most 600000, ten minutes).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Percent of calls answered with HTTP 500.
    #[arg(long, default_value_t = 0)]
    pub http_500_pct: u8,
    /// Percent of calls whose connection is closed before answering.
    #[arg(long, default_value_t = 0)]
    pub close_pct: u8,
    /// Percent of calls stored, then the answer lost.
    #[arg(long, default_value_t = 0)]
    pub lose_answer_pct: u8,
    /// Percent of calls answered with a page that is not JSON.
    #[arg(long, default_value_t = 0)]
    pub non_json_pct: u8,
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Where the secret comes from when neither flag gives it: unlike a flag, not shown by `ps`.
pub const SECRET_ENV: &str = "CWR_SIM_API_SECRET";
/// A secret is a few dozen characters; anything much larger is the wrong file.
const MAX_SECRET_FILE_BYTES: u64 = 4096;

pub fn run(args: SimArgs) -> Exit {
    let mut config = SimConfig::demo();
    config.addr = args.addr;
    if let Some(v) = args.api_key {
        config.api_key = v;
    }
    match api_secret(
        args.api_secret,
        args.api_secret_file.as_deref(),
        std::env::var_os(SECRET_ENV),
    ) {
        Ok(Some(v)) => config.api_secret = v,
        Ok(None) => {}
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    }
    if let Some(v) = args.client_serial {
        config.client_serial = v;
    }
    if let Some(v) = args.project_id {
        config.project_id = v;
    }
    config.state_file = args.state;
    config.under_construction = !args.not_under_construction;
    if let Err(e) = sim::check_attendance_window(args.attendance_window_secs) {
        errln!("{e}");
        return Exit::Invalid;
    }
    config.attendance_window_secs = args.attendance_window_secs;
    config.faults = Faults {
        latency_ms: args.latency_ms,
        http_500_pct: args.http_500_pct,
        close_pct: args.close_pct,
        lose_answer_pct: args.lose_answer_pct,
        non_json_pct: args.non_json_pct,
        seed: args.seed,
        ..Faults::default()
    };
    if let Err(e) = config.faults.validate() {
        errln!("故障设置不对：{e}");
        return Exit::Invalid;
    }
    if !config.addr.ip().is_loopback() {
        errln!(
            "注意：模拟平台监听 {}，局域网里的其他电脑也能连上它（控制接口 /sim/* 仍只允许本机使用）",
            config.addr
        );
    }
    match sim::run_forever(config) {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            errln!("模拟平台无法启动：{e}（端口被占用时请换 --addr）");
            Exit::NotReached
        }
    }
}

/// The secret from the flag, else the file, else the environment; None keeps the demo's.
fn api_secret(flag: Option<String>, file: Option<&Path>, env: Option<OsString>) -> Result<Option<String>, String> {
    if let Some(secret) = flag {
        return non_empty(secret, "--api-secret 是空的；请给出平台密钥").map(Some);
    }
    if let Some(path) = file {
        return read_secret_file(path).map(Some);
    }
    match env {
        None => Ok(None),
        Some(value) => {
            let value = value
                .into_string()
                .map_err(|_| format!("环境变量 {SECRET_ENV} 里有无法识别的字符；请重新设置平台密钥"))?;
            non_empty(
                value,
                &format!("环境变量 {SECRET_ENV} 是空的；请设成平台密钥，或删掉这个变量改用演示密钥"),
            )
            .map(Some)
        }
    }
}

fn non_empty(secret: String, why: &str) -> Result<String, String> {
    if secret.trim().is_empty() {
        Err(why.to_string())
    } else {
        Ok(secret)
    }
}

/// One line: the secret. A BOM and the line ending an editor adds are not part of it. Only a
/// regular file of a few KB is read, so that a device or a pipe given by mistake cannot hang
/// the start or fill memory.
fn read_secret_file(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let cannot = |e: std::io::Error| format!("读不了密钥文件 {shown}：{e}；请检查路径和权限");
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(format!("密钥文件 {shown} 不是普通文件；请给出只放着密钥的文本文件"));
    }
    let too_big =
        || format!("密钥文件 {shown} 超过 {MAX_SECRET_FILE_BYTES} 字节，不像密钥文件；请检查是不是选错了文件");
    if meta.len() > MAX_SECRET_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(too_big());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("密钥文件 {shown} 不是 UTF-8 文本；请用文本编辑器另存为 UTF-8"))?;
    let secret = text.trim_start_matches('\u{feff}').trim_end_matches(['\r', '\n']);
    if secret.contains(['\r', '\n']) {
        return Err(format!("密钥文件 {shown} 有不止一行；文件里只放密钥一行"));
    }
    non_empty(
        secret.to_string(),
        &format!("密钥文件 {shown} 是空的；请把平台密钥写进去"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_comes_from_the_environment_when_no_flag_gives_it() {
        assert_eq!(api_secret(None, None, None), Ok(None), "the demo's then");
        assert_eq!(
            api_secret(None, None, Some("from-env".into())),
            Ok(Some("from-env".to_string()))
        );
        assert_eq!(
            api_secret(Some("from-flag".into()), None, Some("from-env".into())),
            Ok(Some("from-flag".to_string()))
        );
        let empty = api_secret(None, None, Some("".into())).expect_err("refused");
        assert!(empty.contains(SECRET_ENV), "{empty}");
    }

    #[test]
    fn the_secret_comes_from_a_file_without_its_bom_and_line_ending() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("secret.txt");
        std::fs::write(&file, "\u{feff}from-file\r\n").expect("write");
        assert_eq!(
            api_secret(None, Some(&file), Some("from-env".into())),
            Ok(Some("from-file".to_string())),
            "the file wins over the environment"
        );
    }

    #[test]
    fn a_secret_file_that_is_not_one_is_refused_saying_why() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            ("missing.txt", None, "读不了"),
            ("empty.txt", Some("\n".to_string()), "是空的"),
            ("two.txt", Some("a\nb\n".to_string()), "不止一行"),
            ("big.txt", Some("x".repeat(5000)), "超过"),
        ];
        for (name, content, says) in cases {
            let file = dir.path().join(name);
            if let Some(content) = content {
                std::fs::write(&file, content).expect("write");
            }
            let why = read_secret_file(&file).expect_err(name);
            assert!(why.contains(says) && why.contains(name), "{name}: {why}");
        }
        let why = read_secret_file(dir.path()).expect_err("a directory");
        assert!(why.contains("不是普通文件"), "{why}");
        std::fs::write(dir.path().join("latin1.txt"), [0xE9u8, b'\n']).expect("write");
        let why = read_secret_file(&dir.path().join("latin1.txt")).expect_err("not UTF-8");
        assert!(why.contains("UTF-8"), "{why}");
    }
}
