//! Settings: one `#[serde(default)]` struct saved as JSON, overridden by `CWR_*` variables.
//! The api_secret is never part of it (see [`host::secret`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use api::{Credentials, ProtocolTable, Secret, Timeouts};
use domain::fields::AgeRules;
use media::PhotoBudgets;

mod check;
mod read;
#[cfg(test)]
mod tests;

pub use check::{
    AGE_YEARS, ATTENDANCE_WINDOW_SECS, BASE_URL_EXAMPLE, CALL_SECS, CARD_SERIAL_PORTS, CARD_USB_PORTS, CARD_WAIT_SECS,
    CONNECT_SECS, DEBOUNCE_SECS, DEPARTED_KEEP_DAYS, LEAVE_BATCH_SIZE, PHOTO_KB, SITE_KEEP_DAYS, SettingError,
    address_note, check_base_url, check_card_port, check_card_wait_secs, client_serial_note,
};
pub use read::{MAX_FILE_BYTES, MoveAsideError, move_aside};

/// Which platform instance the station talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    #[default]
    Test,
    Production,
    /// A base URL typed by the integrator (another city's instance, a proxy).
    Custom,
    /// The built-in simulator.
    Demo,
}

impl Environment {
    pub const TEST_BASE_URL: &str = "http://139.159.225.45:7040";
    pub const PRODUCTION_BASE_URL: &str = "http://ticwrapi.thit.com.cn";

    pub fn label(self) -> &'static str {
        match self {
            Environment::Test => "测试",
            Environment::Production => "正式",
            Environment::Custom => "自定义",
            Environment::Demo => "演示",
        }
    }
}

/// What a 自定义 address is, as the integrator marks it: only they know whether another
/// city's instance, a proxy or a local copy holds test data or the bureau's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomIs {
    Test,
    /// The default, also for a config written before the key existed: test data sent to
    /// a production instance would land in the bureau's records.
    #[default]
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TimeoutSettings {
    pub connect_secs: u64,
    pub call_secs: u64,
}

impl Default for TimeoutSettings {
    fn default() -> Self {
        let t = Timeouts::default();
        TimeoutSettings {
            connect_secs: t.connect_secs,
            call_secs: t.call_secs,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    pub environment: Environment,
    /// Used when `environment` is Custom or Demo.
    pub base_url: String,
    /// Whether the Custom address is a test or a production instance.
    pub custom_is: CustomIs,
    pub api_key: String,
    pub client_serial: String,
    /// The platform's project number (`Project_ID`, 同步编号).
    pub project_id: String,
    /// Gate/device number sent with attendance logs.
    pub device_id: String,
    pub protocol: ProtocolTable,
    pub timeouts: TimeoutSettings,
    pub photo_budgets: PhotoBudgets,
    pub age_rules: AgeRules,
    /// Workers per userLeaveProject call.
    pub leave_batch_size: usize,
    /// The ID-card reader.
    pub card_reader: card::CardReaderSettings,
    /// The same person and direction within this many seconds is one attendance log.
    pub attendance_debounce_secs: i64,
    /// A departed worker's photos are removed this many days after the platform accepted the
    /// departure (the record, its history and its thumbnail stay).
    pub departed_photo_keep_days: u32,
    /// A log's site photo is removed this many days after the platform took the log.
    pub site_photo_keep_days: u32,
    /// 平台规定: the platform takes a log only this long after the pass ("目前误差范围为2小时，
    /// 以住建局通知为准"). The simulator's own setting is apart, as the real platform is.
    pub attendance_window_secs: i64,
    /// 人证比对 at enrollment: who has the last word after three captures without 一致.
    pub face_check_mode: crate::face_check::FaceCheckMode,
    /// 数据存放: this PC's file, or the site database several stations share.
    pub store: StoreSetting,
}

/// 设置 → 数据存放. The password is never here: it is kept like the api_secret (keyring, or a
/// private file; `CWR_STORE_PASSWORD` wins), or comes inside a `CWR_STORE`/`--store` address,
/// which is used for the run and never written to the file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreSetting {
    /// Empty: this PC's file (本机). Else the site database (工地数据库), as
    /// `postgres://user@host:port/database`.
    pub site_address: String,
    /// This station's name on the site, shown to the other clerks ("已由“闸机旁”登记");
    /// empty: the Device_ID, else the PC's name.
    pub station_name: String,
    /// The password that came inside a `CWR_STORE`/`--store` address, for this run only.
    #[serde(skip)]
    pub password_for_this_run: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            environment: Environment::Test,
            base_url: String::new(),
            custom_is: CustomIs::default(),
            api_key: String::new(),
            client_serial: String::new(),
            project_id: String::new(),
            // No made-up default: a gate serial the platform does not know would file every
            // log under a device that does not exist. The first log asks for it instead.
            device_id: String::new(),
            protocol: ProtocolTable::default(),
            timeouts: TimeoutSettings::default(),
            photo_budgets: PhotoBudgets::default(),
            age_rules: AgeRules::default(),
            leave_batch_size: 50,
            card_reader: card::CardReaderSettings::default(),
            attendance_debounce_secs: 60,
            departed_photo_keep_days: 180,
            site_photo_keep_days: 30,
            attendance_window_secs: domain::attendance::DEFAULT_WINDOW_SECS,
            face_check_mode: crate::face_check::FaceCheckMode::default(),
            store: StoreSetting::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("读不了配置文件 {path}：{detail}")]
    Read { path: PathBuf, detail: String },
    #[error(
        "配置文件 {path} 有 {bytes} 字节，不像本程序的设置文件（只有几 KB，上限 1 MB）：请检查是不是放错了文件，或把它移走后重新设置"
    )]
    TooLarge { path: PathBuf, bytes: u64 },
    #[error("配置文件 {path} {detail}：请用记事本另存为 UTF-8（“另存为”窗口下方的“编码”选 UTF-8），再重新启动")]
    Encoding { path: PathBuf, detail: &'static str },
    #[error("配置文件 {path} {detail}：请改正，或把它移走后重新设置")]
    Parse { path: PathBuf, detail: String },
    #[error("保存配置文件 {path} 失败：{detail}")]
    Write { path: PathBuf, detail: String },
    #[error("配置文件 {path} 里的设置不合理：{detail}（请改正后重新启动）")]
    Invalid { path: PathBuf, detail: String },
}

impl ConfigError {
    /// The disk, not the file's content, is at fault (a command exits 4, not 2).
    pub fn is_local_failure(&self) -> bool {
        matches!(self, ConfigError::Read { .. } | ConfigError::Write { .. })
    }
}

impl Config {
    /// Reads `path`; a missing file is the defaults. A byte-order mark (Notepad's UTF-8, or
    /// UTF-16) is understood. Values no station can work with (a timeout of 0, a batch of
    /// 10,000, a photo budget of 0 KB) are refused here, naming the setting, rather than
    /// failing later on the clerk's photo.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let Some(bytes) = read::read_capped(path)? else {
            return Ok(Config::default());
        };
        let text = read::decode(&bytes).map_err(|not_text| ConfigError::Encoding {
            path: path.to_owned(),
            detail: match not_text {
                read::NotText::NotUtf8 => "不是 UTF-8 编码（多半是记事本按 ANSI/GBK 保存的），程序读不懂",
                read::NotText::BrokenUtf16 => "是 UTF-16 编码，但内容不完整",
            },
        })?;
        let config: Config = serde_json::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            detail: read::parse_problem(&text, &e),
        })?;
        config.check().map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        Ok(config)
    }

    /// Writes atomically (temp file, then rename) so a power cut never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let err = |e: std::io::Error| ConfigError::Write {
            path: path.to_owned(),
            detail: e.to_string(),
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| ConfigError::Write {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text).map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }

    /// `CWR_BASE_URL`, `CWR_API_KEY`, `CWR_CLIENT_SERIAL`, `CWR_PROJECT_ID`, `CWR_DEVICE_ID`
    /// and `CWR_STORE` (the site database, see [`Config::use_store`]) win over the file.
    /// A `CWR_BASE_URL` that is no platform address is refused, naming the variable.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), SettingError> {
        if let Some(url) = get("CWR_BASE_URL").filter(|v| !v.trim().is_empty()) {
            check_base_url("环境变量 CWR_BASE_URL", &url)?;
            self.base_url = url.trim().to_string();
            if !matches!(self.environment, Environment::Demo) {
                self.environment = Environment::Custom;
            }
        }
        for (name, field) in [
            ("CWR_API_KEY", &mut self.api_key),
            ("CWR_CLIENT_SERIAL", &mut self.client_serial),
            ("CWR_PROJECT_ID", &mut self.project_id),
            ("CWR_DEVICE_ID", &mut self.device_id),
        ] {
            if let Some(v) = get(name).filter(|v| !v.trim().is_empty()) {
                *field = v.trim().to_string();
            }
        }
        if let Some(address) = get("CWR_STORE").filter(|v| !v.trim().is_empty()) {
            self.use_store(&address).map_err(|e| SettingError::StoreAddress {
                key: "环境变量 CWR_STORE",
                why: e.to_string(),
            })?;
        }
        Ok(())
    }

    /// `CWR_STORE` (or `--store`): `postgres://…` points this run at a site database, `本机` or
    /// `local` at this PC's file. A password inside the address is kept for this run only.
    pub fn use_store(&mut self, address: &str) -> Result<(), store::StoreError> {
        let address = address.trim();
        if address.is_empty() || address == "本机" || address.eq_ignore_ascii_case("local") {
            self.store.site_address.clear();
            self.store.password_for_this_run = None;
            return Ok(());
        }
        let site = store::pg::SiteDatabase::parse(address)?;
        self.store.password_for_this_run = site.password().map(str::to_owned);
        self.store.site_address = site.address();
        Ok(())
    }

    /// Where this station's records are, with the site database's password from this run's
    /// address or the keyring.
    pub fn store_location(&self, data_dir: &Path) -> Result<store::StoreLocation, store::StoreError> {
        if self.store.site_address.trim().is_empty() {
            return Ok(store::StoreLocation::ThisPc);
        }
        let site = store::pg::SiteDatabase::parse(&self.store.site_address)?;
        let password = match &self.store.password_for_this_run {
            Some(p) => p.clone(),
            None => host::secret::STORE_PASSWORD
                .load(data_dir, |k| std::env::var(k).ok())
                .expose()
                .to_owned(),
        };
        Ok(store::StoreLocation::Site {
            database: Box::new(site.with_password(&password)),
            station: self.station_name(),
            lease_secs: store::pg::lease_secs_for(self.timeouts.connect_secs, self.timeouts.call_secs),
        })
    }

    /// This station's name on a site: its setting, else the Device_ID, else the PC's name.
    pub fn station_name(&self) -> String {
        [&self.store.station_name, &self.device_id]
            .into_iter()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(host::paths::computer_name)
    }

    /// The label successes, learnt versions and the acceptance run are kept under: a custom
    /// test instance is another platform than the official 测试 one, and its counts prove
    /// nothing to the official platform's staff.
    pub fn environment_label(&self) -> &'static str {
        match (self.environment, self.custom_is) {
            (Environment::Custom, CustomIs::Test) => "自定义测试",
            (env, _) => env.label(),
        }
    }

    pub fn base_url(&self) -> String {
        match self.environment {
            Environment::Test => Environment::TEST_BASE_URL.to_string(),
            Environment::Production => Environment::PRODUCTION_BASE_URL.to_string(),
            Environment::Custom | Environment::Demo => self.base_url.clone(),
        }
    }

    pub fn credentials(&self, secret: Secret) -> Credentials {
        Credentials {
            base_url: self.base_url(),
            api_key: self.api_key.clone(),
            api_secret: secret,
            client_serial: self.client_serial.clone(),
        }
    }

    pub fn timeouts(&self) -> Timeouts {
        Timeouts {
            connect_secs: self.timeouts.connect_secs,
            call_secs: self.timeouts.call_secs,
        }
    }

    /// What is still missing before the station can talk to the platform, in Chinese.
    pub fn missing_for_platform(&self, secret: &Secret) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.base_url().trim().is_empty() {
            missing.push("平台地址");
        }
        if self.api_key.trim().is_empty() {
            missing.push("授权帐号 api_key");
        }
        if secret.is_empty() {
            missing.push("授权秘钥 api_secret");
        }
        if self.client_serial.trim().is_empty() {
            missing.push("设备序号 client_serial");
        }
        missing
    }
}

/// Where the station keeps its files when `--data-dir` and `CWR_DATA_DIR` are not given.
pub fn default_data_dir() -> PathBuf {
    #[cfg(windows)]
    {
        if let Some(appdata) = std::env::var_os("APPDATA") {
            return PathBuf::from(appdata).join("cwr-station");
        }
    }
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("cwr-station");
    }
    if let Some(home) = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")) {
        return PathBuf::from(home).join(".local").join("share").join("cwr-station");
    }
    PathBuf::from("cwr-station-data")
}
