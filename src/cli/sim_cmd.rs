//! `cwr-station sim`: the platform simulator as a foreground server.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::Exit;
use crate::sim::{Faults, SimConfig};

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:7040")]
    pub addr: SocketAddr,
    #[arg(long)]
    pub api_key: Option<String>,
    #[arg(long)]
    pub api_secret: Option<String>,
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
    /// Added latency per platform call.
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

pub fn run(args: SimArgs) -> Exit {
    let mut config = SimConfig::demo();
    config.addr = args.addr;
    if let Some(v) = args.api_key {
        config.api_key = v;
    }
    if let Some(v) = args.api_secret {
        config.api_secret = v;
    }
    if let Some(v) = args.client_serial {
        config.client_serial = v;
    }
    if let Some(v) = args.project_id {
        config.project_id = v;
    }
    config.state_file = args.state;
    config.under_construction = !args.not_under_construction;
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
    match crate::sim::run_forever(config) {
        Ok(()) => Exit::Accepted,
        Err(e) => {
            errln!("模拟平台无法启动：{e}（端口被占用时请换 --addr）");
            Exit::NotReached
        }
    }
}
