//! `dict` and `call`: direct platform calls, no queue.

use std::io::Read;
use std::sync::Arc;

use super::{Context, Exit};
use station::platform::{ApiError, Endpoint, PlatformClient, PlatformClock, clock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DictKind {
    EmpCategory,
    JobType,
    JobName,
    CompanyType,
}

impl DictKind {
    pub fn endpoint(self) -> Endpoint {
        match self {
            DictKind::EmpCategory => Endpoint::DictListEmpCategory,
            DictKind::JobType => Endpoint::DictListJobTypeName,
            DictKind::JobName => Endpoint::DictListJobName,
            DictKind::CompanyType => Endpoint::GetCompanyType,
        }
    }
}

/// A client for the configured platform, or the Chinese list of what is missing.
pub fn client(ctx: &Context) -> Result<PlatformClient, String> {
    let clock = Arc::new(PlatformClock::new(clock::system_time()));
    station::platform_client(&ctx.config, &ctx.secret, clock)
        .map_err(|e| format!("{e}；也可以用 --config / CWR_* 环境变量提供；试用请加 --demo 并先运行 `cwr-station sim`"))
}

pub fn exit_for(err: &ApiError) -> Exit {
    match err {
        ApiError::Platform(_) => Exit::Refused,
        ApiError::Invalid(_) => Exit::Invalid,
        ApiError::Network { .. }
        | ApiError::Http { .. }
        | ApiError::NotJson { .. }
        | ApiError::Redirect { .. }
        | ApiError::TooLarge { .. } => Exit::NotReached,
    }
}

pub fn report_error(err: &ApiError) {
    errln!("{err}");
    let words = err.platform_words();
    if !words.is_empty() {
        errln!("平台原话：{words}");
    }
    errln!("怎么办：{}", err.advice());
}

/// Fetches a dictionary and refreshes the local cache; offline, prints the cache.
pub fn dict(ctx: &Context, kind: DictKind, json: bool) -> Exit {
    let endpoint = kind.endpoint();
    let mut station = super::queue_cmds::open_station(ctx).ok();
    let fetched = client(ctx).map_err(|e| (e, Exit::Invalid)).and_then(|c| {
        let r = c.fetch_dictionary(endpoint).map_err(|e| {
            report_error(&e);
            (String::new(), exit_for(&e))
        });
        if let Some(w) = c.clock().warning() {
            errln!("{w}");
        }
        r
    });
    let (entries, exit) = match fetched {
        Ok(entries) => {
            if let Some(station) = station.as_mut()
                && let Err(e) = station.save_dictionary(endpoint, &entries)
            {
                errln!("{e}");
            }
            (entries, Exit::Accepted)
        }
        Err((message, exit)) => {
            if !message.is_empty() {
                errln!("{message}");
            }
            match station.as_ref().map(|s| s.store().dictionary(endpoint)) {
                Some(Ok(Some((entries, at)))) if exit == Exit::NotReached => {
                    errln!("以下是本机缓存（{} 获取）", domain::time::beijing_timestamp(at));
                    (entries, exit)
                }
                Some(Err(e)) => {
                    errln!("{e}");
                    return exit;
                }
                _ => return exit,
            }
        }
    };
    if json {
        match serde_json::to_string_pretty(&entries) {
            Ok(text) => outln!("{text}"),
            Err(e) => errln!("{e}"),
        }
    } else {
        outln!("{}（{} 项）", endpoint.label_zh(), entries.len());
        for e in &entries {
            outln!(
                "{}\t{}{}",
                e.orders,
                e.value,
                if e.is_default() { "\t(默认)" } else { "" }
            );
        }
    }
    exit
}

pub fn call(ctx: &Context, endpoint_name: &str, body_source: Option<&str>) -> Exit {
    let Some(endpoint) = Endpoint::from_name(endpoint_name) else {
        let names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
        errln!("没有这个接口：{endpoint_name}。可用的接口：{}", names.join(", "));
        return Exit::Invalid;
    };
    let body = match read_body(body_source) {
        Ok(b) => b,
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    };
    let client = match client(ctx) {
        Ok(c) => c,
        Err(e) => {
            errln!("{e}");
            return Exit::Invalid;
        }
    };
    match client.send_any(endpoint, &body) {
        Ok(answer) => {
            outln!("{}", answer.raw_body);
            if answer.envelope.is_success() {
                // Integrators run the platform's acceptance tests with `call`: count them.
                if let Ok(station) = super::queue_cmds::open_station(ctx)
                    && let Err(e) = station.count_success(endpoint)
                {
                    errln!("{e}");
                }
                Exit::Accepted
            } else {
                let err = answer.into_error(endpoint);
                errln!("怎么办：{}", err.advice());
                Exit::Refused
            }
        }
        Err(e) => {
            report_error(&e);
            exit_for(&e)
        }
    }
}

/// The body text, unchanged, once it is known to be JSON.
fn read_body(source: Option<&str>) -> Result<String, String> {
    let text = match source {
        None => return Ok("{}".to_string()),
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("读不了标准输入：{e}"))?;
            s
        }
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("读不了文件 {path}：{e}"))?,
    };
    let trimmed = text.trim_end_matches(['\n', '\r']);
    serde_json::from_str::<serde_json::Value>(trimmed)
        .map_err(|e| format!("请求内容不是合法的 JSON（{e}）：请检查文件内容"))?;
    Ok(trimmed.to_string())
}
