//! What a setting may be. One function, [`Config::check`], judges the file when it is read
//! and the settings screen when 保存设置 is pressed, so both refuse with the same words: the
//! setting as written in config.json, its value and the range it must be in.

use std::fmt::Display;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::RangeInclusive;

use super::{Config, Environment};

/// Below a second nothing connects; past two minutes the clerk thinks the station hung.
pub const CONNECT_SECS: RangeInclusive<u64> = 1..=120;
/// A photo upload over a slow site line needs a while; ten minutes is already a hang.
pub const CALL_SECS: RangeInclusive<u64> = 5..=600;
/// Under 20 KB no face is recognisable; over 2 MB the platform refuses the record.
pub const PHOTO_KB: RangeInclusive<u32> = 20..=2048;
pub const AGE_YEARS: RangeInclusive<u32> = 14..=80;
pub const LEAVE_BATCH_SIZE: RangeInclusive<usize> = 1..=500;
/// 0 = every pass is a log of its own; over an hour, a worker's return would be lost.
pub const DEBOUNCE_SECS: RangeInclusive<i64> = 0..=3600;
/// A departed worker may come back within days; a week is the least worth keeping.
pub const DEPARTED_KEEP_DAYS: RangeInclusive<u32> = 7..=3650;
/// The bureau may shorten or lengthen the window; under a minute no log could be queued and
/// sent, and past a day a log would be "real-time" no more.
pub const ATTENDANCE_WINDOW_SECS: RangeInclusive<i64> = 60..=86_400;
pub const SITE_KEEP_DAYS: RangeInclusive<u32> = 1..=3650;
/// The reader's ports: 0 looks on all of them.
pub const CARD_SERIAL_PORTS: RangeInclusive<i32> = 1..=16;
pub const CARD_USB_PORTS: RangeInclusive<i32> = 1001..=1016;
/// `card read --wait-secs`: past ten minutes the command only looks hung.
pub const CARD_WAIT_SECS: RangeInclusive<u64> = 1..=600;
/// Names and versions go into URLs and JSON keys; a real one is short.
const NAME_CHARS: usize = 64;

/// What a valid platform address looks like, told with every refusal.
pub const BASE_URL_EXAMPLE: &str = "http://139.159.225.45:7040 或 https://平台主机名";

/// A setting no station can work with, naming it as written in config.json (or the option
/// or variable it came from), its value and what it must be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// The site database's address (`CWR_STORE`, `--store`, 设置 → 数据存放).
    #[error("{key}：{why}")]
    StoreAddress { key: &'static str, why: String },
    /// `bounds` is the range with its unit: "1 到 120 秒".
    #[error("{label} {key} = {value}，应在 {bounds}之间")]
    OutOfRange {
        label: &'static str,
        key: String,
        value: String,
        bounds: String,
    },
    #[error("读卡器端口 {key} = {port}，应是 0（自动查找）、1 到 16（串口）或 1001 到 1016（USB）")]
    CardPort { key: String, port: i32 },
    /// `why` says what is wrong with the address.
    #[error("{key} = “{shown}” 不是有效的平台地址：{why}。平台地址应像 {BASE_URL_EXAMPLE}")]
    BaseUrl { key: String, shown: String, why: String },
    #[error("{label} {key} = {max} 小于最小年龄 age_rules.min_age = {min_age}：没有人能登记")]
    MaxAgeBelowMin {
        label: &'static str,
        key: &'static str,
        max: u32,
        min_age: u32,
    },
    /// `allowed` names the characters taken.
    #[error("{label} {key} = “{shown}”，应是 1 到 {NAME_CHARS} 个{allowed}")]
    Name {
        label: &'static str,
        key: String,
        shown: String,
        allowed: &'static str,
    },
}

fn in_range<T: PartialOrd + Display>(
    label: &'static str,
    key: &str,
    value: T,
    range: &RangeInclusive<T>,
    unit: &'static str,
) -> Result<(), SettingError> {
    if range.contains(&value) {
        return Ok(());
    }
    Err(SettingError::OutOfRange {
        label,
        key: key.to_string(),
        value: value.to_string(),
        bounds: format!("{} 到 {}{unit}", range.start(), range.end()),
    })
}

/// `port` is one the card reader's library can open.
pub fn check_card_port(key: &str, port: i32) -> Result<(), SettingError> {
    if port == 0 || CARD_SERIAL_PORTS.contains(&port) || CARD_USB_PORTS.contains(&port) {
        return Ok(());
    }
    Err(SettingError::CardPort {
        key: key.to_string(),
        port,
    })
}

/// `card read --wait-secs`: long enough to place a card, short of looking hung (and of an
/// `Instant` overflow).
pub fn check_card_wait_secs(key: &str, secs: u64) -> Result<(), SettingError> {
    in_range("等卡时间", key, secs, &CARD_WAIT_SECS, " 秒")
}

/// A value as it may be shown in a message: a pasted page of text would bury the advice.
fn shown(value: &str) -> String {
    const MAX_CHARS: usize = 80;
    if value.chars().count() <= MAX_CHARS {
        return value.to_string();
    }
    format!("{}…", value.chars().take(MAX_CHARS).collect::<String>())
}

/// Only an `http`/`https` address with a host and nothing that changes where the station
/// connects to (`user@` makes the part before `@` a user name and the host what follows).
/// `key` names where the address came from: the setting or the environment variable.
pub fn check_base_url(key: &str, url: &str) -> Result<(), SettingError> {
    let why = base_url_problem(url.trim());
    match why {
        None => Ok(()),
        Some(why) => Err(SettingError::BaseUrl {
            key: key.to_string(),
            shown: shown(url),
            why,
        }),
    }
}

fn base_url_problem(url: &str) -> Option<String> {
    if !url.contains("://") {
        // `127.0.0.1:7040` or `localhost:7040`: the clerk left out the scheme.
        return Some("缺少开头的 http://".into());
    }
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("格式不对（{e}）")),
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some(format!(
            "只能用 http:// 或 https:// 开头，不能用 {}://",
            parsed.scheme()
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("不能带用户名或密码（“@”和它前面的部分）：程序会连到“@”后面的主机去".into());
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Some("不能带“?”或“#”和它后面的部分".into());
    }
    match host(&parsed) {
        None => Some("缺少主机名或 IP 地址".into()),
        Some(Host::Ip(ip)) if ip.is_unspecified() || ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) => {
            Some(format!("{ip} 不是能连接的地址"))
        }
        Some(_) => None,
    }
}

enum Host {
    Ip(IpAddr),
    Name(String),
}

/// The URL's host; the url crate writes IPv4 hosts in dotted form (`0x7f.1` is `127.0.0.1`)
/// and IPv6 ones in brackets.
fn host(url: &reqwest::Url) -> Option<Host> {
    let text = url.host_str().filter(|h| !h.is_empty())?;
    let bare = text.trim_start_matches('[').trim_end_matches(']');
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(text.to_string()),
    })
}

/// Which kind of network an address is in, when it is not the public internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    ThisComputer,
    LinkLocal,
    Private,
}

fn reach_v4(ip: Ipv4Addr) -> Option<Reach> {
    if ip.is_loopback() {
        Some(Reach::ThisComputer)
    } else if ip.is_link_local() {
        Some(Reach::LinkLocal)
    } else if ip.is_private() {
        Some(Reach::Private)
    } else {
        None
    }
}

fn reach_v6(ip: Ipv6Addr) -> Option<Reach> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return reach_v4(v4);
    }
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some(Reach::ThisComputer)
    } else if first & 0xffc0 == 0xfe80 {
        Some(Reach::LinkLocal)
    } else if first & 0xfe00 == 0xfc00 {
        Some(Reach::Private)
    } else {
        None
    }
}

/// For 测试连接: a platform address that is valid but only reachable inside a private network,
/// said in words, since a platform there is possible but a typo or a copied cloud address
/// (169.254.169.254 is every cloud server's metadata service) is likelier.
pub fn address_note(base_url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(base_url.trim()).ok()?;
    let (reach, shown) = match host(&parsed)? {
        Host::Name(name) if name.eq_ignore_ascii_case("localhost") => (Reach::ThisComputer, name),
        Host::Name(_) => return None,
        Host::Ip(IpAddr::V4(ip)) => (reach_v4(ip)?, ip.to_string()),
        Host::Ip(IpAddr::V6(ip)) => (reach_v6(ip)?, ip.to_string()),
    };
    Some(match reach {
        Reach::ThisComputer => {
            format!("注意：平台地址 {shown} 是这台电脑自己，只有平台（或模拟平台）就在这台电脑上运行时才对")
        }
        Reach::LinkLocal => format!(
            "注意：平台地址 {shown} 是链路本地地址（169.254.x.x 或 fe80::），一般不是实名制平台：请核对平台给的地址"
        ),
        Reach::Private => {
            format!("注意：平台地址 {shown} 是内网地址，只有平台就装在本单位内网里时才对，否则请填平台给的公网地址")
        }
    })
}

/// A `client_serial` not in the document's form ("PL" + 32 hex) is said, not refused: other
/// instances of the platform issue other forms, and only the platform can tell.
pub fn client_serial_note(serial: &str) -> Option<String> {
    let serial = serial.trim();
    // ASCII first: the slices below are then on character boundaries.
    let documented = serial.is_ascii()
        && serial.len() == 34
        && serial[..2].eq_ignore_ascii_case("PL")
        && serial[2..].chars().all(|c| c.is_ascii_hexdigit());
    if serial.is_empty() || documented {
        return None;
    }
    Some(format!(
        "注意：设备序号“{}”不是接口文档的格式（PL 加 32 位十六进制数字，共 34 位）：请与平台“设备管理”里的设备序号逐字核对；其他地区的平台可能发放其他格式，核对无误可照常使用",
        shown(serial)
    ))
}

/// A path segment or JSON key the integrator may rename: plain letters, digits and `_-.`
/// (and `/` in a path), never empty, since anything else breaks every call the same way a
/// wrong address does.
fn check_name(label: &'static str, key: &str, value: &str, allow_slash: bool) -> Result<(), SettingError> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') || allow_slash && c == '/';
    if !value.is_empty() && value.chars().count() <= NAME_CHARS && value.chars().all(ok_char) {
        return Ok(());
    }
    let allowed = if allow_slash {
        "英文字母、数字和 _ - . /"
    } else {
        "英文字母、数字和 _ - ."
    };
    Err(SettingError::Name {
        label,
        key: key.to_string(),
        shown: shown(value),
        allowed,
    })
}

impl Config {
    /// The settings a station can work with; the first one that is not, in the clerk's words.
    pub fn check(&self) -> Result<(), SettingError> {
        if matches!(self.environment, Environment::Custom | Environment::Demo) && !self.base_url.trim().is_empty() {
            check_base_url("平台地址 base_url", &self.base_url)?;
        }
        let t = &self.timeouts;
        in_range(
            "连接超时",
            "timeouts.connect_secs",
            t.connect_secs,
            &CONNECT_SECS,
            " 秒",
        )?;
        in_range("调用超时", "timeouts.call_secs", t.call_secs, &CALL_SECS, " 秒")?;
        let b = &self.photo_budgets;
        for (label, key, kb) in [
            ("人脸照片大小上限", "photo_budgets.face_kb", b.face_kb),
            ("身份证扫描件大小上限", "photo_budgets.id_scan_kb", b.id_scan_kb),
            (
                "身份证芯片照片大小上限",
                "photo_budgets.id_portrait_kb",
                b.id_portrait_kb,
            ),
            ("考勤现场照片大小上限", "photo_budgets.site_kb", b.site_kb),
        ] {
            in_range(label, key, kb, &PHOTO_KB, " KB ")?;
        }
        let a = &self.age_rules;
        in_range("最小年龄", "age_rules.min_age", a.min_age, &AGE_YEARS, " 岁")?;
        for (label, key, max) in [
            ("男性最大年龄", "age_rules.max_age_male", a.max_age_male),
            ("女性最大年龄", "age_rules.max_age_female", a.max_age_female),
        ] {
            in_range(label, key, max, &AGE_YEARS, " 岁")?;
            if max < a.min_age {
                return Err(SettingError::MaxAgeBelowMin {
                    label,
                    key,
                    max,
                    min_age: a.min_age,
                });
            }
        }
        in_range(
            "每批离场人数",
            "leave_batch_size",
            self.leave_batch_size,
            &LEAVE_BATCH_SIZE,
            " ",
        )?;
        check_card_port("card_reader.port", self.card_reader.port)?;
        in_range(
            "考勤去重时间",
            "attendance_debounce_secs",
            self.attendance_debounce_secs,
            &DEBOUNCE_SECS,
            " 秒",
        )?;
        in_range(
            "考勤上传时限（平台规定）",
            "attendance_window_secs",
            self.attendance_window_secs,
            &ATTENDANCE_WINDOW_SECS,
            " 秒",
        )?;
        in_range(
            "离场人员照片保留天数",
            "departed_photo_keep_days",
            self.departed_photo_keep_days,
            &DEPARTED_KEEP_DAYS,
            " 天",
        )?;
        in_range(
            "考勤现场照片保留天数",
            "site_photo_keep_days",
            self.site_photo_keep_days,
            &SITE_KEEP_DAYS,
            " 天",
        )?;
        self.check_protocol()
    }

    fn check_protocol(&self) -> Result<(), SettingError> {
        let p = &self.protocol;
        check_name("服务路径", "protocol.service", &p.service, true)?;
        for (endpoint, service) in &p.service_overrides {
            check_name(
                "服务路径",
                &format!("protocol.service_overrides.{}", endpoint.name()),
                service,
                true,
            )?;
        }
        for (endpoint, version) in &p.version_overrides {
            check_name(
                "接口版本",
                &format!("protocol.version_overrides.{}", endpoint.name()),
                version,
                false,
            )?;
        }
        let f = &p.register_fields;
        for (label, key, name) in [
            (
                "工种/岗位字段名",
                "protocol.register_fields.job_typename",
                &f.job_typename,
            ),
            (
                "合同办理字段名",
                "protocol.register_fields.contract_status",
                &f.contract_status,
            ),
            (
                "有效期限字段名",
                "protocol.register_fields.id_validdate",
                &f.id_validdate,
            ),
        ] {
            check_name(label, key, name, false)?;
        }
        Ok(())
    }
}
