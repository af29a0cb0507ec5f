//! Settings: one `#[serde(default)]` struct saved as JSON, overridden by `CWR_*` variables.
//! The api_secret is never part of it (see [`crate::secret`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::{Credentials, ProtocolTable, Secret, Timeouts};
use crate::domain::fields::AgeRules;
use crate::media::PhotoBudgets;

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
    pub card_reader: crate::card::CardReaderSettings,
    /// The same person and direction within this many seconds is one attendance log.
    pub attendance_debounce_secs: i64,
    /// A departed worker's photos are removed this many days after the platform accepted the
    /// departure (the record, its history and its thumbnail stay).
    pub departed_photo_keep_days: u32,
    /// A log's site photo is removed this many days after the platform took the log.
    pub site_photo_keep_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            environment: Environment::Test,
            base_url: String::new(),
            api_key: String::new(),
            client_serial: String::new(),
            project_id: String::new(),
            device_id: "1".into(),
            protocol: ProtocolTable::default(),
            timeouts: TimeoutSettings::default(),
            photo_budgets: PhotoBudgets::default(),
            age_rules: AgeRules::default(),
            leave_batch_size: 50,
            card_reader: crate::card::CardReaderSettings::default(),
            attendance_debounce_secs: 60,
            departed_photo_keep_days: 180,
            site_photo_keep_days: 30,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("读不了配置文件 {path}：{detail}")]
    Read { path: PathBuf, detail: String },
    #[error("配置文件 {path} 格式不对：{detail}（请改正或删除后重新设置）")]
    Parse { path: PathBuf, detail: String },
    #[error("保存配置文件 {path} 失败：{detail}")]
    Write { path: PathBuf, detail: String },
    #[error("配置文件 {path} 里的设置不合理：{detail}（请改正后重新启动）")]
    Invalid { path: PathBuf, detail: String },
}

impl Config {
    /// Reads `path`; a missing file is the defaults. Values no station can work with (a
    /// timeout of 0, a batch of 10,000) are refused here rather than failing later.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let config: Config = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| ConfigError::Parse {
                path: path.to_owned(),
                detail: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    detail: e.to_string(),
                });
            }
        };
        config.check().map_err(|detail| ConfigError::Invalid {
            path: path.to_owned(),
            detail,
        })?;
        Ok(config)
    }

    /// The ranges a station can work in.
    pub fn check(&self) -> Result<(), String> {
        let t = &self.timeouts;
        if !(1..=120).contains(&t.connect_secs) {
            return Err(format!(
                "连接超时 timeouts.connect_secs = {}，应在 1 到 120 秒之间",
                t.connect_secs
            ));
        }
        if !(5..=600).contains(&t.call_secs) {
            return Err(format!(
                "调用超时 timeouts.call_secs = {}，应在 5 到 600 秒之间",
                t.call_secs
            ));
        }
        if !(1..=500).contains(&self.leave_batch_size) {
            return Err(format!(
                "每批离场人数 leave_batch_size = {}，应在 1 到 500 之间",
                self.leave_batch_size
            ));
        }
        if !(7..=3650).contains(&self.departed_photo_keep_days) || !(1..=3650).contains(&self.site_photo_keep_days) {
            return Err(format!(
                "照片保留天数 departed_photo_keep_days = {}、site_photo_keep_days = {}，应在 7（现场照片 1）到 3650 天之间",
                self.departed_photo_keep_days, self.site_photo_keep_days
            ));
        }
        if !(0..=3600).contains(&self.attendance_debounce_secs) {
            return Err(format!(
                "考勤去重时间 attendance_debounce_secs = {}，应在 0 到 3600 秒之间",
                self.attendance_debounce_secs
            ));
        }
        Ok(())
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

    /// `CWR_BASE_URL`, `CWR_API_KEY`, `CWR_CLIENT_SERIAL`, `CWR_PROJECT_ID` win over the file.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(url) = get("CWR_BASE_URL").filter(|v| !v.trim().is_empty()) {
            self.base_url = url.trim().to_string();
            if !matches!(self.environment, Environment::Demo) {
                self.environment = Environment::Custom;
            }
        }
        for (name, field) in [
            ("CWR_API_KEY", &mut self.api_key),
            ("CWR_CLIENT_SERIAL", &mut self.client_serial),
            ("CWR_PROJECT_ID", &mut self.project_id),
        ] {
            if let Some(v) = get(name).filter(|v| !v.trim().is_empty()) {
                *field = v.trim().to_string();
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_overrides_file() {
        let mut c: Config = serde_json::from_str(r#"{"api_key":"FILEKEY","project_id":"P1"}"#).expect("json");
        c.apply_env(|k| match k {
            "CWR_API_KEY" => Some("ENVKEY".into()),
            "CWR_BASE_URL" => Some("http://127.0.0.1:9".into()),
            _ => None,
        });
        assert_eq!(c.api_key, "ENVKEY");
        assert_eq!(c.project_id, "P1");
        assert_eq!(c.environment, Environment::Custom);
        assert_eq!(c.base_url(), "http://127.0.0.1:9");
    }

    #[test]
    fn save_and_load_round_trip_and_no_secret_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        assert_eq!(Config::load(&path).expect("missing is default"), Config::default());
        let c = Config {
            api_key: "K".into(),
            ..Config::default()
        };
        c.save(&path).expect("save");
        assert_eq!(Config::load(&path).expect("load"), c);
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(!text.contains("secret"), "{text}");
        std::fs::write(&path, "{not json").expect("write");
        assert!(matches!(Config::load(&path), Err(ConfigError::Parse { .. })));
    }

    #[test]
    fn absurd_timeouts_are_refused_when_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        for bad in [
            r#"{"timeouts":{"connect_secs":0}}"#,
            r#"{"timeouts":{"call_secs":0}}"#,
            r#"{"timeouts":{"call_secs":86400}}"#,
            r#"{"leave_batch_size":0}"#,
        ] {
            std::fs::write(&path, bad).expect("write");
            match Config::load(&path) {
                Err(ConfigError::Invalid { detail, .. }) => assert!(detail.contains("应在"), "{detail}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        std::fs::write(&path, r#"{"timeouts":{"connect_secs":5,"call_secs":30}}"#).expect("write");
        assert!(Config::load(&path).is_ok());
    }
}
