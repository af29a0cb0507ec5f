//! 设置 → 数据存放: the station moves its records between this PC's file and the site
//! database, optionally copying this PC's records across first. Nothing is switched unless the
//! site database answered (and, when asked, took the copy): a typo in the address never leaves
//! the station pointing at nothing.

use station::config::{Environment, StoreSetting};
use station::records::StoreLocation;

use super::Owner;
use crate::backend::{Event, site::SiteNews};

/// What the clerk chose in 设置 → 数据存放.
#[derive(Debug, Clone, Default)]
pub struct StoreSwitch {
    /// Where (an empty address: this PC's file) and this station's name there.
    pub setting: StoreSetting,
    /// The site database's password as typed; `None`: the one kept before.
    pub password: Option<String>,
    /// Copy this PC's records (queue included) into the site database first.
    pub copy_local: bool,
}

impl Owner {
    /// Checks the new place (and copies, when asked), then keeps the choice. Returns what was
    /// done, in the clerk's words, or why nothing changed.
    pub(super) fn use_store(&mut self, switch: StoreSwitch) -> Result<String, String> {
        let mut config = self.setup.config.clone();
        config.store = switch.setting.clone();
        config.store.password_for_this_run = switch.password.clone().filter(|p| !p.is_empty());
        let location = config
            .store_location(&self.setup.data_dir)
            .map_err(|e| format!("没有切换：{e}"))?;
        let mut words = match &location {
            StoreLocation::ThisPc => "以后记录保存在本机".to_string(),
            StoreLocation::Site { database, station, .. } => {
                format!("以后记录保存在工地数据库 {}（本站名称“{station}”）", database.address())
            }
        };
        if location.is_site() {
            if switch.copy_local {
                let report = station::maintenance::copy_to_site(&self.setup.data_dir, &location)
                    .map_err(|e| format!("没有切换：{e}"))?;
                words.push_str(&if report.earlier_copy {
                    "；本机的记录以前已经复制过去，这次没有重复复制".to_string()
                } else {
                    format!("；本机 {} 条记录已复制过去（原文件保留在本机）", report.copied())
                });
            } else {
                // Reachable, the password right and the schema in place, before anything is
                // saved there.
                station::records::Reader::open(&self.setup.data_dir, &location)
                    .map_err(|e| format!("没有切换：{e}"))?;
            }
        }
        if config.environment != Environment::Demo {
            config
                .save(&self.setup.config_path)
                .map_err(|e| format!("没有切换：{e}"))?;
            if let Some(password) = switch.password.as_deref().filter(|p| !p.is_empty()) {
                host::secret::STORE_PASSWORD
                    .save(&self.setup.data_dir, &station::platform::Secret::new(password))
                    .map_err(|e| format!("没有切换：数据库密码没能保存（{e}）"))?;
            }
        }
        self.setup.config = config;
        Ok(words)
    }

    /// The watcher's news: re-read the screens after another station's change; say in the
    /// status bar when the database cannot be reached, and when it is back.
    pub(super) fn on_site(&mut self, station: &station::Station, news: SiteNews) {
        match news {
            SiteNews::Changed(_) => self.publish(station),
            SiteNews::Unreachable(words) => self.emit(Event::Site(Some(words))),
            SiteNews::Back => {
                self.emit(Event::Site(None));
                self.publish(station);
            }
        }
    }
}
